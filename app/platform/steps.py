"""One engine step, saved: run it at a pinned instant, write the new state only if nobody changed the instance since
it was read (revision and event-chain head in one UPDATE), with its projections and events, in the caller's
transaction. Used by every use case that moves an instance (instances, timers, calendar recomputation).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm.attributes import set_committed_value

from app import clock, engine
from app.core import statements
from app.core.errors import Conflict, Invalid, NotFound, Unavailable
from app.core.json_depth import check_depth
from app.core.statements import Statement
from app.core.tx import LazySavepoint, Retry
from app.extensions import db
from app.models import CaseIndex, Incident, ProcessInstance, User
from app.platform import history, incidents, metrics, projections, script_functions
from app.platform.history import NewEvent
from app.platform.runtime import runtime

SYSTEM = "system"

log = logging.getLogger("gasflow.engine")


def actor_of(user: User | None) -> tuple[str, int | None]:
    """(name, id) recorded on an event: the user, or "system" when no one acted."""
    return (user.username, user.id) if user is not None else (SYSTEM, None)


def seed_of(instance: ProcessInstance) -> str:
    return str(instance.id)


class NotWaiting(Conflict):
    """The instance is not waiting for that message (deliver_message tries the next one)."""


def run_engine(operation):
    """Engine failures become 4xx with the element and message; the stored state is left as it was."""
    try:
        return operation()
    except engine.EngineError as err:
        raise as_service_error(err) from None


def as_service_error(err: engine.EngineError) -> Exception:
    if isinstance(err, engine.TaskNotReady | engine.MigrationRefused):
        return Conflict(err.message)
    if isinstance(err, engine.NotWaitingForMessage):
        return NotWaiting(err.message)
    if isinstance(err, engine.WorkerBusy):
        return Unavailable(err.message)
    return Invalid(err.message, element=err.element_id)


INSTANCES = ProcessInstance.__table__
# Built once: this statement runs on every step. The WHERE clause is the optimistic lock (revision) and the event-chain
# check (event_seq); the SET moves both.
_SAVE_STATE = Statement(
    update(INSTANCES)
    .where(
        INSTANCES.c.id == bindparam("b_id"),
        INSTANCES.c.revision == bindparam("b_revision"),
        INSTANCES.c.event_seq == bindparam("b_seq"),
    )
    .values(
        state_json=bindparam("b_state"),
        revision=bindparam("b_new_revision"),
        status=bindparam("b_status"),
        ended_at=bindparam("b_ended"),
        event_seq=bindparam("b_new_seq"),
        event_hash=bindparam("b_hash"),
    )
)


def save_step(
    instance: ProcessInstance,
    definition: engine.Definition,
    result: engine.StepResult,
    now: datetime,
    events: list[NewEvent],
    completed_task_id: str | None = None,
    completed_by_id: int | None = None,
) -> None:
    """Write the new state only if nobody changed the instance since we read it; projections and events with it.

    One UPDATE checks the revision (409 if another step won) and the event-chain head (a claim meanwhile: the whole
    transaction is retried, see tx.writes), and moves both."""
    status = "completed" if result.completed else "running"
    ready_events = projections.apply(instance, definition, result, now, completed_task_id, completed_by_id)
    all_events = events + ready_events
    if result.completed:
        projections.close_instance(instance.id, now)
        all_events.append(NewEvent("completed", now, SYSTEM))
    rows = history.chain(instance.id, instance.event_seq, instance.event_hash, all_events)
    changed = _SAVE_STATE.run(
        {
            "b_id": instance.id,
            "b_revision": instance.revision,
            "b_seq": instance.event_seq,
            "b_state": result.state_json,
            "b_new_revision": instance.revision + 1,
            "b_status": status,
            "b_ended": now if result.completed else None,
            "b_new_seq": rows[-1]["seq"],
            "b_hash": rows[-1]["hash"],
        },
    )
    if changed != 1:
        stored = db.session.scalar(select(ProcessInstance.revision).where(ProcessInstance.id == instance.id))
        if stored == instance.revision:
            raise Retry("event appended meanwhile")
        raise Conflict("此流程已被他人更新，请刷新后重试 (stale revision: someone else changed this case)")
    history.write(rows)
    # The row is written; keep the object in step without marking it dirty (a flush would write it all again).
    stored_now = {
        "revision": instance.revision + 1,
        "status": status,
        "state_json": result.state_json,
        "ended_at": now if result.completed else None,
        "event_seq": rows[-1]["seq"],
        "event_hash": rows[-1]["hash"],
    }
    for key, value in stored_now.items():
        if isinstance(instance, ProcessInstance):
            set_committed_value(instance, key, value)
        else:
            setattr(instance, key, value)


def apply_step(
    instance: ProcessInstance,
    operation: Callable[[engine.Definition, str, str, datetime], engine.StepResult],
    kind: str,
    user: User | None,
    payload: dict | Callable[[engine.StepResult, datetime], dict],
    task_id: str | None = None,
    actor: str | None = None,
    incidents_on: bool = True,
    incident: Incident | None = None,
) -> engine.StepResult | None:
    """Run one engine step on the instance and save it with its event. ``operation(definition, state, seed, now)``.

    Script-function calls made during the step are recorded in the event (replay feeds them back). When the step fails
    in the diagram (issue 13, item 3) and ``incidents_on`` is true, its database writes are rolled back to a savepoint,
    the failure is kept as an incident on the case (``incident``: the one a retry is for) and None is returned;
    otherwise the failure is raised as a 4xx."""
    started = time.perf_counter()
    definition = runtime().definition(instance.definition_id)
    now = clock.now()
    name, actor_id = actor_of(user)
    try:
        # A savepoint: what registry functions wrote during a step that fails is undone before the incident is kept.
        savepoint = LazySavepoint(enabled=incidents_on)
        with savepoint, statements.not_held(), script_functions.recording(before_first_call=savepoint.begin) as calls:
            result = operation(definition, instance.state_json, seed_of(instance), now)
    except engine.EngineError as err:
        if not incidents_on or not incidents.is_incident(err):
            # A failure in the diagram answered as a 4xx is a warning; the caller's (task not ready…) is info, and a
            # message an instance was not waiting for is routine (correlation tries the next one).
            level = logging.WARNING if incidents.is_incident(err) else logging.INFO
            if isinstance(err, engine.NotWaitingForMessage):
                level = logging.DEBUG
            log.log(level, "engine step refused: %s", err.message, extra={
                "case": instance.id, "process_key": instance.process_key, "element": err.element_id, "step": kind,
                "error": type(err).__name__,
            })  # fmt: skip
            raise as_service_error(err) from None
        stored = {} if callable(payload) else payload
        row = incidents.record(instance, definition, kind, task_id, stored, actor or name, actor_id, err, now, incident)
        log.error("engine step failed: incident %s kept on case %s", row.id, instance.id, extra={
            "case": instance.id, "process_key": instance.process_key, "element": err.element_id, "step": kind,
            "incident": row.id, "tries": row.tries, "error": err.message,
        })  # fmt: skip
        metrics.step_failed(instance.process_key, kind)
        return None
    body = payload(result, now) if callable(payload) else payload
    event = NewEvent(
        kind,
        now,
        actor or name,
        actor_id,
        task_id=task_id,
        payload={**body, **calls.payload()},
        state_digest=result.digest,
    )
    completed_by = user.id if (kind == "task_completed" and user is not None) else None
    save_step(instance, definition, result, now, [event], completed_task_id=task_id if completed_by else None,
              completed_by_id=completed_by)  # fmt: skip
    metrics.step_done(instance.process_key, kind, time.perf_counter() - started)
    return result


def as_recorded(value: dict) -> dict:
    """Data enters the engine exactly as its event records it (canonical JSON: keys sorted), so replay, which reads it
    back from the event, builds the same state byte for byte (key order shows in the engine's data deltas). Nested
    deeper than the JSON bound (issue 13, item 9) it is refused: a case must stay readable and replayable."""
    check_depth(value)
    return json.loads(history.canonical_payload(value))


@dataclass
class LiveInstance:
    """The columns a step reads and moves, read with one lean SELECT (cheaper than loading the ORM object on every
    completion); save_step updates it in place once the row is written. ``indexed``: its case-list row as stored
    (None when it has none yet), so a step that changes none of it writes nothing there."""

    id: int
    definition_id: int
    process_key: str
    business_key: str | None
    status: str
    state_json: str
    revision: int
    event_seq: int
    event_hash: str
    ended_at: datetime | None = None
    hidden_from: str | None = None
    indexed: dict | None = None


_INDEX = CaseIndex.__table__
_INDEX_COLUMNS = [_INDEX.c[name] for name in projections.INDEX_COLUMNS]
_LIVE_COLUMNS = [getattr(INSTANCES.c, f.name) for f in fields(LiveInstance) if f.name != "indexed"]
_READ_LIVE = Statement(
    select(
        *_LIVE_COLUMNS, _INDEX.c.instance_id.label("index_row"), *[c.label(f"index_{c.key}") for c in _INDEX_COLUMNS]
    )
    .outerjoin(_INDEX, _INDEX.c.instance_id == INSTANCES.c.id)
    .where(INSTANCES.c.id == bindparam("b_id"))
)


def read_live(instance_id: int) -> LiveInstance:
    """The instance as stored now, for a write (never an object cached earlier in the session)."""
    row = _READ_LIVE.first({"b_id": instance_id})
    if row is None:
        raise NotFound(f"流程实例 {instance_id} 不存在 (unknown instance)")
    values = row._asdict()
    has_index = values.pop("index_row") is not None
    index = {name: values.pop(f"index_{name}") for name in projections.INDEX_COLUMNS}
    return LiveInstance(**values, indexed=index if has_index else None)
