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
    return apply_recorded(eng, definition, state, seed, ev.kind, ev.at, ev.task_id, payload, runtime().definition)


def apply_recorded(eng: engine.Engine, definition, state: str | None, seed: str, kind: str, at, task_id: str | None,
                   payload: dict, definition_for) -> engine.StepResult:  # fmt: skip
    """Re-run one recorded state event. ``definition_for(id)`` gives the version a migration moved to (from the
    database, or from an audit bundle's diagrams when checked without one)."""
    with script_functions.replaying(payload.get("calls")):
        if kind == "started":
            return eng.start(definition, payload["data"], seed, at)
        if kind == "task_completed":
            return eng.complete_task(definition, state, seed, task_id, payload["data"], at)
        if kind == "timer_fired":
            return eng.fire_timers(definition, state, seed, at)
        if kind == "timers_recomputed":
            return eng.reevaluate_timers(definition, state, seed, at, payload["uses"], payload.get("changes"))
        if kind == "migrated":
            return eng.migrate(definition, definition_for(payload["definition_id"]), state, seed, at)
        return eng.deliver_message(definition, state, seed, payload["name"], payload["payload"], at)


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
        except (engine.EngineError, RecursionError) as err:  # RecursionError: data nested deeper than ever allowed
            reason = f"重放第 {ev.seq} 条事件（{ev.kind}）失败：{err} (replay failed)"
            return ReplayReport(instance_id, False, replayed, ev.seq, reason), None
        replayed += 1
        if result.digest != ev.state_digest:
            reason = f"重放到第 {ev.seq} 条事件（{ev.kind}）时状态不同 (state after event {ev.seq} differs)"
            return ReplayReport(instance_id, False, replayed, ev.seq, reason), None
        state = result.state_json
        if ev.kind == "migrated":
            definition = runtime().definition(json.loads(ev.payload_json)["definition_id"])
    if state is None and instance.revision == 0:
        return ReplayReport(instance_id, True, 0), None  # its start failed (an incident): nothing ran to rebuild
    if state is None or engine.digest(state) != engine.digest(instance.state_json):
        reason = "存储的状态与重放结果不同 (the stored state differs from the replayed one)"
        return ReplayReport(instance_id, False, replayed, None, reason), None
    return ReplayReport(instance_id, True, replayed), result


@dataclass(frozen=True)
class ReplayStep:
    """One event of a replay, for stepping through a case: the state after it (state events re-run; others leave it
    as it was), the version it ran on, and the verdict (``ok`` False names the first divergence; replay stops)."""

    event: object
    definition_id: int | None
    state_json: str | None
    replayed: bool
    ok: bool
    reason: str = ""


def walk(instance_id: int):
    """Replay the case event by event against the versions it ran on, yielding a ReplayStep per event (server-side,
    cold engine). Stops after the first event whose replay fails or whose digest differs."""
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound(f"流程实例 {instance_id} 不存在 (unknown instance)")
    eng = runtime().engine
    definition, state, def_id = None, None, None
    with engine.cold():
        for ev in history.events_of(instance_id):
            if ev.kind not in history.STATE_EVENTS:
                yield ReplayStep(ev, def_id, state, False, True)
                continue
            try:
                definition = _definition_before(ev, definition)
                if ev.kind == "started":
                    def_id = definitions.version(*_started_version(ev)).id
                result = _apply(eng, definition, state, str(instance.id), ev)
            except engine.EngineError as err:
                yield ReplayStep(ev, def_id, state, True, False, f"重放失败：{err} (replay failed)")
                return
            if result.digest != ev.state_digest:
                yield ReplayStep(ev, def_id, result.state_json, True, False, "状态摘要不同 (state digest differs)")
                return
            state = result.state_json
            if ev.kind == "migrated":
                def_id = json.loads(ev.payload_json)["definition_id"]
                definition = runtime().definition(def_id)
            yield ReplayStep(ev, def_id, state, True, True)


def _started_version(ev) -> tuple[str, int]:
    payload = json.loads(ev.payload_json)
    return payload["process"], payload["version"]
