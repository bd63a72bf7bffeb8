"""Auditors' checks: the hash chain is intact, and replaying the events reproduces the stored state (issue 2 §8)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from sqlalchemy import select

from app import engine
from app.core.errors import NotFound
from app.extensions import db
from app.models import ProcessInstance
from app.platform import definitions, history, script_functions
from app.platform.history import ChainReport
from app.platform.runtime import runtime


@dataclass(frozen=True)
class ReplayReport:
    instance_id: int
    ok: bool
    events_replayed: int
    first_divergence_seq: int | None = None
    reason: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def verify(instance_id: int | None = None) -> list[ChainReport]:
    ids = [instance_id] if instance_id is not None else list(db.session.scalars(select(ProcessInstance.id)))
    if instance_id is not None and db.session.get(ProcessInstance, instance_id) is None:
        raise NotFound(f"流程实例 {instance_id} 不存在 (unknown instance)")
    return [history.verify_chain(i) for i in ids]


def _apply(eng: engine.Engine, definition, state: str | None, seed: str, ev) -> engine.StepResult:
    """One recorded step again; script-function results come from the record (script_functions.replaying)."""
    payload = json.loads(ev.payload_json)
    with script_functions.replaying(payload.get("calls")):
        return _step(eng, definition, state, seed, ev, payload)


def _step(eng: engine.Engine, definition, state: str | None, seed: str, ev, payload: dict) -> engine.StepResult:
    if ev.kind == "started":
        return eng.start(definition, payload["data"], seed, ev.at)
    if ev.kind == "task_completed":
        return eng.complete_task(definition, state, seed, ev.task_id, payload["data"], ev.at)
    if ev.kind == "timer_fired":
        return eng.fire_timers(definition, state, seed, ev.at)
    if ev.kind == "timers_recomputed":
        return eng.reevaluate_timers(definition, state, seed, ev.at, payload["uses"])
    if ev.kind == "migrated":
        return eng.migrate(definition, runtime().definition(payload["definition_id"]), state, seed, ev.at)
    return eng.deliver_message(definition, state, seed, payload["name"], payload["payload"], ev.at)


def replay(instance_id: int) -> ReplayReport:
    """Rebuild the instance from an empty start against its pinned version, step by step, from stored data only."""
    with engine.cold():
        return _replay(instance_id)


def _definition_before(ev, current):
    """The version an event ran on: the one the instance started on, then whatever each migration moved it to."""
    if ev.kind != "started":
        if current is None:
            raise engine.EngineError("history does not begin with a started event")
        return current
    payload = json.loads(ev.payload_json)
    return runtime().definition(definitions.version(payload["process"], payload["version"]).id)


def _replay(instance_id: int) -> ReplayReport:
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound(f"流程实例 {instance_id} 不存在 (unknown instance)")
    eng = runtime().engine
    definition, state, replayed = None, None, 0
    for ev in history.events_of(instance_id):
        if ev.kind not in history.STATE_EVENTS:
            continue
        try:
            definition = _definition_before(ev, definition)
            result = _apply(eng, definition, state, str(instance.id), ev)
        except engine.EngineError as err:
            return ReplayReport(instance_id, False, replayed, ev.seq, f"event {ev.seq} ({ev.kind}) failed: {err}")
        replayed += 1
        if result.digest != ev.state_digest:
            return ReplayReport(instance_id, False, replayed, ev.seq, f"state after event {ev.seq} ({ev.kind}) differs")
        state = result.state_json
        if ev.kind == "migrated":
            definition = runtime().definition(json.loads(ev.payload_json)["definition_id"])
    if state is None and instance.revision == 0:
        return ReplayReport(instance_id, True, 0)  # its start failed (an incident): nothing ran, nothing to rebuild
    if state is None or engine.digest(state) != engine.digest(instance.state_json):
        return ReplayReport(instance_id, False, replayed, None, "the stored state differs from the replayed one")
    return ReplayReport(instance_id, True, replayed)
