"""Replay in the browser (issue 15 §3): the case re-run server-side against the versions it ran on, one frame per
event — where the tokens were (element states), the case data as it stood and what changed since the step before, and
the verdict (digest equal, or the first difference named). Frames are produced one at a time so a long case streams."""

from __future__ import annotations

import json
from collections.abc import Iterator

from app.auditing.case_history import masked
from app.platform import audit, case_view
from app.platform.runtime import runtime

_ACTIVE = {"READY", "STARTED", "WAITING"}


def _tokens(definition, state_json: str) -> dict[str, str]:
    marks: dict[str, str] = {}
    for element in runtime().engine.element_states(definition, state_json):
        if element.spec_name not in definition.element_names:
            continue
        if element.state in _ACTIVE:
            marks[element.spec_name] = "active"
        elif element.state == "COMPLETED" and marks.get(element.spec_name) != "active":
            marks[element.spec_name] = "done"
    return marks


def _changes(before: dict, after: dict) -> dict[str, str]:
    changed = {}
    for key in sorted(set(before) | set(after)):
        if key not in before:
            changed[key] = "added"
        elif key not in after:
            changed[key] = "removed"
        elif before[key] != after[key]:
            changed[key] = "changed"
    return changed


def frames(instance_id: int, unmasked: bool = False) -> Iterator[dict]:
    data: dict = {}
    tokens: dict[str, str] = {}
    for step in audit.walk(instance_id):
        ev = step.event
        changed: dict[str, str] = {}
        if step.replayed and step.state_json is not None:
            definition = runtime().definition(step.definition_id)
            new_data = runtime().engine.case_data(definition, step.state_json)
            changed = _changes(data, new_data)
            data, tokens = new_data, _tokens(definition, step.state_json)
        payload = json.loads(ev.payload_json)
        yield {
            "seq": ev.seq,
            "kind": ev.kind,
            "label": case_view.EVENT_LABELS.get(ev.kind, ev.kind),
            "actor": ev.actor,
            "at": ev.at.isoformat(),
            "element": payload.get("spec_name") or "",
            "definition_id": step.definition_id,
            "replayed": step.replayed,
            "verdict": "ok" if step.ok else "diverged",
            "reason": step.reason,
            "recorded_digest": ev.state_digest,
            "tokens": tokens,
            "data": data if unmasked else masked(data),
            "changed": changed,
        }
