"""Trying a draft before it is live (issue 14 §4): a real run through the engine with the owner's test data, on a
simulated clock, with nothing written anywhere.

Decision: the sandbox keeps no rows at all. The engine runs the draft's parsed diagram in memory; the workflow state
travels with the page as a token signed with the app's secret (so the server only ever loads states it produced);
the simulated instant is part of that token and only moves when the owner moves it. Functions a diagram calls that
write (e.g. supply's ``set_supply_status``) run inside a SAVEPOINT that is rolled back after every step, and no
sandbox step runs inside a committing use case — so no live case, event, timer row or archive record changes.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from app import clock, engine
from app.core.errors import Invalid
from app.extensions import db
from app.models import ProcessDraft
from app.org.groups import candidate_group
from app.owners import drafts
from app.platform.runtime import runtime

_PARSED: OrderedDict[str, engine.Definition] = OrderedDict()


@dataclass
class SandboxView:
    token: str
    at: datetime
    completed: bool
    ready: list[engine.ReadyTask]
    groups: dict[str, str | None]  # task id -> candidate group it would go to
    timers: list[engine.WaitingTimer]
    data: dict
    steps: int


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="gasflow-owner-sandbox")


def _definition(draft: ProcessDraft) -> engine.Definition:
    digest = hashlib.sha256(draft.xml.encode("utf-8")).hexdigest()
    if digest not in _PARSED:
        try:
            _PARSED[digest] = engine.parse_definition(draft.xml.encode("utf-8"), f"{draft.key}.draft.bpmn")
        except engine.BpmnInvalid as err:
            raise Invalid(
                "草稿有错误，不能试运行 (the draft does not parse)", errors=[p.as_dict() for p in err.problems]
            ) from None
        while len(_PARSED) > 16:
            _PARSED.popitem(last=False)
    return _PARSED[digest]


def _step(operation) -> engine.StepResult:
    savepoint = db.session.begin_nested()
    try:
        return operation()
    except engine.EngineError as err:
        raise Invalid(f"试运行出错：{err.message}") from None
    finally:
        savepoint.rollback()


def _view(draft: ProcessDraft, result: engine.StepResult, at: datetime, steps: int) -> SandboxView:
    token = _serializer().dumps({"draft": draft.id, "xml": hashlib.sha256(draft.xml.encode()).hexdigest()[:16],
                                 "state": result.state_json, "at": at.isoformat(), "steps": steps})  # fmt: skip
    groups = {t.id: candidate_group(t.lane, t.data) for t in result.ready_tasks}
    return SandboxView(token, at, result.completed, result.ready_tasks, groups, result.timers, result.case_data, steps)


def _load(draft: ProcessDraft, token: str) -> tuple[str, datetime, int]:
    try:
        body = _serializer().loads(token)
    except BadSignature:
        raise Invalid("试运行状态无效，请重新开始 (sandbox state refused)") from None
    if body.get("draft") != draft.id or body.get("xml") != hashlib.sha256(draft.xml.encode()).hexdigest()[:16]:
        raise Invalid("草稿已修改，请重新开始试运行 (the draft changed: start the sandbox again)")
    return body["state"], datetime.fromisoformat(body["at"]), int(body["steps"])


def start(draft_id: int, data: dict, at: datetime | None = None) -> SandboxView:
    draft = drafts.get(draft_id)
    definition = _definition(draft)
    at = at or clock.now()
    seed = f"sandbox-{draft.id}"
    result = _step(lambda: runtime().engine.start(definition, data, seed, at))
    return _view(draft, result, at, 1)


def complete(draft_id: int, token: str, task_id: str, data: dict) -> SandboxView:
    draft = drafts.get(draft_id)
    state, at, steps = _load(draft, token)
    definition = _definition(draft)
    seed = f"sandbox-{draft.id}"
    result = _step(lambda: runtime().engine.complete_task(definition, state, seed, task_id, data, at))
    return _view(draft, result, at, steps + 1)


def advance(draft_id: int, token: str, hours: float) -> SandboxView:
    """Move the simulated clock on and fire the timers that are due by then."""
    if not 0 < hours <= 24 * 400:
        raise Invalid("请输入 0 到 9600 之间的小时数 (hours between 0 and 9600)", fields=["hours"])
    draft = drafts.get(draft_id)
    state, at, steps = _load(draft, token)
    at = at + timedelta(hours=hours)
    definition = _definition(draft)
    result = _step(lambda: runtime().engine.fire_timers(definition, state, f"sandbox-{draft.id}", at))
    return _view(draft, result, at, steps + 1)
