"""Auditors' checks (issue 2 §8, issue 13 §8): the keyed hash chain is intact, replaying the events reproduces the
stored state, and every projection (status, open tasks, who completed what, the chain head on the instance) agrees
with the replayed history. A whole deleted case or a rolled-back database is what seals.py sees."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from sqlalchemy import select

from app import engine
from app.core.errors import NotFound
from app.extensions import db
from app.models import ProcessInstance
from app.platform import definitions, history, projection_check, script_functions
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


@dataclass(frozen=True)
class Verdict:
    """One case checked: its chain, its replay and its projections. ``first_broken_seq`` names the first altered event
    when one can be named; ``findings`` lists every disagreement found."""

    instance_id: int
    ok: bool
    events: int
    first_broken_seq: int | None = None
    reason: str = ""
    findings: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {**asdict(self), "findings": list(self.findings)}


def verify(instance_id: int | None = None) -> list[Verdict]:
    ids = [instance_id] if instance_id is not None else list(db.session.scalars(select(ProcessInstance.id)))
    if instance_id is not None and db.session.get(ProcessInstance, instance_id) is None:
        raise NotFound(f"流程实例 {instance_id} 不存在 (unknown instance)")
    return [verify_case(i) for i in ids]


def verify_case(instance_id: int) -> Verdict:
    chain = history.verify_chain(instance_id)
    if not chain.ok:
        return Verdict(instance_id, False, chain.events, chain.first_broken_seq, chain.reason, (chain.reason,))
    with engine.cold():
        report, final = _replay(instance_id)
    instance = db.session.get(ProcessInstance, instance_id)
    findings = projection_check.check(instance, history.events_of(instance_id), final if report.ok else None)
    problems = ([] if report.ok else [report.reason]) + [f.what for f in findings]
    if not problems:
        return Verdict(instance_id, True, chain.events)
    seqs = [s for s in [report.first_divergence_seq, *(f.seq for f in findings)] if s is not None]
    return Verdict(instance_id, False, chain.events, min(seqs) if seqs else None, problems[0], tuple(problems))


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
        return _replay(instance_id)[0]


def _definition_before(ev, current):
    """The version an event ran on: the one the instance started on, then whatever each migration moved it to."""
    if ev.kind != "started":
        if current is None:
            raise engine.EngineError("history does not begin with a started event")
        return current
    payload = json.loads(ev.payload_json)
    return runtime().definition(definitions.version(payload["process"], payload["version"]).id)


def _replay(instance_id: int) -> tuple[ReplayReport, engine.StepResult | None]:
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound(f"流程实例 {instance_id} 不存在 (unknown instance)")
    eng = runtime().engine
    definition, state, replayed, result = None, None, 0, None
    for ev in history.events_of(instance_id):
        if ev.kind not in history.STATE_EVENTS:
            continue
        try:
            definition = _definition_before(ev, definition)
            result = _apply(eng, definition, state, str(instance.id), ev)
        except engine.EngineError as err:
            reason = f"重放第 {ev.seq} 条事件（{ev.kind}）失败：{err} (replay failed)"
            return ReplayReport(instance_id, False, replayed, ev.seq, reason), None
        replayed += 1
        if result.digest != ev.state_digest:
            reason = f"重放到第 {ev.seq} 条事件（{ev.kind}）时状态不同 (state after event {ev.seq} differs)"
            return ReplayReport(instance_id, False, replayed, ev.seq, reason), None
        state = result.state_json
        if ev.kind == "migrated":
            definition = runtime().definition(json.loads(ev.payload_json)["definition_id"])
    if state is None or engine.digest(state) != engine.digest(instance.state_json):
        reason = "存储的状态与重放结果不同 (the stored state differs from the replayed one)"
        return ReplayReport(instance_id, False, replayed, None, reason), None
    return ReplayReport(instance_id, True, replayed), result
