"""Incidents (issue 13, item 3): an engine step that fails — a script error, a bad timer value, a loop or
multi-instance limit, a script killed at its time or memory limit — is kept on its case instead of being lost in a
500 or a log line. The step's own input (the form data, the message, the start data) is kept with it, the case stops
there (status ``incident``: no completions, its timers wait, messages to it are kept as unmatched), and everything
else goes on. Administrators and process owners see them on /incidents and retry them (platform/retries.py), after
moving the case to a fixed version of its diagram when the diagram was at fault.

Recorded in the failing step's own transaction (the step's database writes are rolled back to a savepoint first), with
an ``incident`` event in the case's history; the state stays as the last step that succeeded left it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from app import engine
from app.core.errors import Conflict, NotFound
from app.extensions import db
from app.models import Incident, ProcessInstance, Timer, User
from app.org.access import require_role
from app.platform import history
from app.platform.history import NewEvent

MAY_HANDLE = ("admin", "process_owner")
STATUS = "incident"

# Failures that are the caller's or nobody's, not the diagram's: answered to the caller, never an incident.
NOT_INCIDENTS = (engine.TaskNotReady, engine.MigrationRefused, engine.NotWaitingForMessage, engine.InputTooLarge,
                 engine.WorkerBusy)  # fmt: skip


def is_incident(err: engine.EngineError) -> bool:
    return not isinstance(err, NOT_INCIDENTS)


@dataclass(frozen=True)
class IncidentView:
    id: int
    instance_id: int
    process_key: str
    business_key: str | None
    element_id: str | None
    element_name: str | None
    error: str
    step_kind: str
    task_id: str | None
    actor: str
    created_at: datetime
    last_failed_at: datetime
    tries: int
    resolved_at: datetime | None

    def as_json(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in self.__dict__.items()}


def _view(row: Incident, instance: ProcessInstance | None = None) -> IncidentView:
    instance = instance or db.session.get(ProcessInstance, row.instance_id)
    return IncidentView(
        row.id, row.instance_id, instance.process_key, instance.business_key, row.element_id, row.element_name,
        row.error, row.step_kind, row.task_id, row.actor, row.created_at, row.last_failed_at, row.tries,
        row.resolved_at,
    )  # fmt: skip


def record(instance, definition: engine.Definition, kind: str, task_id: str | None, payload: dict, actor: str,
           actor_id: int | None, err: engine.EngineError, now: datetime, existing: Incident | None = None) -> Incident:  # fmt: skip
    """Keep the failed step on its case and stop the case there. ``existing``: a retry of it failed again."""
    element = err.element_id or None
    name = definition.element_names.get(element, element) if element else None
    if existing is None:
        row = Incident(
            instance_id=instance.id, element_id=element, element_name=name, error=err.message, step_kind=kind,
            task_id=task_id, step_payload_json=history.canonical_payload(payload), actor=actor, actor_id=actor_id,
            created_at=now, last_failed_at=now, tries=1,
        )  # fmt: skip
        db.session.add(row)
    else:
        row = existing
        row.tries += 1
        row.last_failed_at, row.error, row.element_id, row.element_name = now, err.message, element, name
    db.session.flush()
    hold(instance.id, now, err.message)
    event = {"incident": row.id, "element_id": element, "element_name": name, "error": err.message, "step": kind,
             "tries": row.tries}  # fmt: skip
    history.append(instance.id, [NewEvent("incident", now, actor, actor_id, task_id=task_id, payload=event)])
    _follow(instance)
    return row


def hold(instance_id: int, now: datetime, error: str | None = None) -> None:
    """The case stops: status ``incident``, and its timers wait for the retry (the sweep skips failed rows)."""
    values = {"status": STATUS} if error is None else {"status": STATUS, "error": error}
    db.session.execute(update(ProcessInstance).where(ProcessInstance.id == instance_id).values(**values))
    db.session.execute(update(Timer).where(Timer.instance_id == instance_id).values(failed_at=now))


def _follow(instance) -> None:
    """The caller's copy of the instance row learns what was just written (status, chain head)."""
    stored = db.session.execute(
        select(ProcessInstance.status, ProcessInstance.event_seq, ProcessInstance.event_hash, ProcessInstance.error)
        .where(ProcessInstance.id == instance.id)
    ).one()  # fmt: skip
    for key in ("status", "event_seq", "event_hash", "error"):
        if isinstance(instance, ProcessInstance):
            set_committed_value(instance, key, getattr(stored, key))
        else:
            setattr(instance, key, getattr(stored, key))


def resolve(row: Incident, user: User, now: datetime) -> None:
    """The retry succeeded: the case runs again from where it stopped."""
    row.resolved_at, row.resolved_by_id = now, user.id
    db.session.execute(update(Timer).where(Timer.instance_id == row.instance_id).values(failed_at=None))
    db.session.execute(update(ProcessInstance).where(ProcessInstance.id == row.instance_id).values(error=None))
    payload = {"incident": row.id, "tries": row.tries, "by": user.username}
    history.append(row.instance_id, [NewEvent("incident_resolved", now, user.username, user.id, payload=payload)])


def step_payload(row: Incident) -> dict:
    return json.loads(row.step_payload_json)


def open_row(incident_id: int) -> Incident:
    row = db.session.get(Incident, incident_id, populate_existing=True)
    if row is None:
        raise NotFound(f"故障 {incident_id} 不存在 (unknown incident)")
    if row.resolved_at is not None:
        raise Conflict(f"故障 {incident_id} 已处理 (incident already resolved)")
    return row


def open_rows(instance_id: int) -> list[Incident]:
    query = select(Incident).where(Incident.instance_id == instance_id, Incident.resolved_at.is_(None))
    return list(db.session.scalars(query.order_by(Incident.id)))


def open_of(instance_id: int) -> list[IncidentView]:
    return [_view(r) for r in open_rows(instance_id)]


def listing(user: User, include_resolved: bool = False, limit: int = 500) -> list[IncidentView]:
    require_role(user, *MAY_HANDLE)
    query = select(Incident, ProcessInstance).join(ProcessInstance, ProcessInstance.id == Incident.instance_id)
    if not include_resolved:
        query = query.where(Incident.resolved_at.is_(None))
    rows = db.session.execute(query.order_by(Incident.last_failed_at.desc(), Incident.id.desc()).limit(limit))
    return [_view(incident, instance) for incident, instance in rows]


def get(incident_id: int, user: User) -> IncidentView:
    require_role(user, *MAY_HANDLE)
    row = db.session.get(Incident, incident_id)
    if row is None:
        raise NotFound(f"故障 {incident_id} 不存在 (unknown incident)")
    return _view(row)


def open_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Incident).where(Incident.resolved_at.is_(None))) or 0
