"""Retrying an incident (issue 13, item 3): run the failed step again — the same form data, message or timer, as the
same actor — optionally after moving the case to another version of its diagram (the existing migrate use case), in
one transaction. Success resumes the case and closes the incident; failure counts another try and keeps it open.

A case whose start failed never ran: its retry starts it on the chosen version (default: the live version).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update

from app import clock
from app.core.errors import Conflict
from app.core.tx import writes
from app.extensions import db
from app.models import ProcessInstance, User
from app.org.access import require_role
from app.org.users import get as get_user
from app.platform import definitions, incidents, instances, timers
from app.platform.runtime import runtime
from app.platform.steps import apply_step, read_live


@dataclass(frozen=True)
class RetryOutcome:
    resumed: bool
    instance_id: int
    status: str
    incident: incidents.IncidentView


@writes
def retry(incident_id: int, user: User, version: int | None = None) -> RetryOutcome:
    require_role(user, *incidents.MAY_HANDLE)
    row = incidents.open_row(incident_id)
    instance = read_live(row.instance_id)
    if instance.status != incidents.STATUS:
        raise Conflict(f"案件 {instance.id} 未处于故障状态 (the case is not stopped at an incident)")
    payload = incidents.step_payload(row)
    if row.step_kind == "started":
        payload = _start_on(instance, version, payload)
    elif version is not None and version != definitions.version_of(instance.definition_id):
        instances.migrate(instance.id, version, user)
        instance = read_live(row.instance_id)
    actor = get_user(row.actor_id) if row.actor_id is not None else None
    operation, event_payload = _operation(row.step_kind, row.task_id, payload)
    retried = {"incident": row.id, "by": user.username}
    body = (lambda result, now: {**event_payload(result, now), "retry": retried}) if callable(event_payload) else {
        **event_payload, "retry": retried}  # fmt: skip
    result = apply_step(instance, operation, row.step_kind, actor, body, task_id=row.task_id, actor=row.actor,
                        incident=row)  # fmt: skip
    if result is not None:
        incidents.resolve(row, user, clock.now())
        if row.step_kind == "timer_fired":
            timers.record_escalations(instance.id, result.fired_timers)
    status = db.session.get(ProcessInstance, instance.id, populate_existing=True).status
    return RetryOutcome(result is not None, instance.id, status, incidents.get(row.id, user))


def _start_on(instance, version: int | None, payload: dict) -> dict:
    """A start that failed: run it on the chosen version (its diagram may have been fixed meanwhile)."""
    row = definitions.version(instance.process_key, version) if version else definitions.live(instance.process_key)
    runtime().definition(row.id)  # parse first: a broken diagram changes nothing
    db.session.execute(update(ProcessInstance).where(ProcessInstance.id == instance.id).values(definition_id=row.id))
    instance.definition_id = row.id
    return {**payload, "version": row.version}


def _operation(kind: str, task_id: str | None, payload: dict):
    """The engine operation of the failed step, and the payload its event records (as replay expects it)."""
    engine = runtime().engine
    if kind == "started":
        return (lambda d, _state, seed, now: engine.start(d, payload["data"], seed, now)), payload
    if kind == "task_completed":
        return (
            lambda d, state, seed, now: engine.complete_task(d, state, seed, task_id, payload["data"], now)
        ), payload
    if kind == "message_received":
        name, message = payload["name"], payload["payload"]
        return (lambda d, state, seed, now: engine.deliver_message(d, state, seed, name, message, now)), payload
    if kind == "timer_fired":

        def timer_payload(result, now):
            return {"timers": result.fired_timers, "clock": now.isoformat()}

        return (lambda d, state, seed, now: engine.fire_timers(d, state, seed, now)), timer_payload
    raise Conflict(f"无法重试此类步骤 {kind} (this kind of step cannot be retried)")
