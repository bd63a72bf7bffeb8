"""Deadlines a diagram derived from the working-day calendar, computed again when the holiday table gains a year
(rules.md, "recomputed when the year is entered"; issue 12, item 2).

A diagram may call the calendar in a timer expression (``add_working_days(received_at, 5)``) or in a script that
keeps the answer in a variable a timer or a task's ``dueField`` reads later (complaint.bpmn: ``answer_due``,
``reminder_at``, ``record_due``). The recorded script calls (``payload["calls"]`` of every step) show which values
came from the calendar: each calendar call is asked again, in the recorded order, with earlier new answers put in
for old ones among its arguments (``reminder_at`` is derived from ``answer_due``). A variable of the case whose
value is an answer that changed gets the new one, its ``<name>_provisional`` flag follows, the waiting timers are
evaluated again and the open tasks' deadlines are read again — one recorded ``timers_recomputed`` step per case.
"""

from __future__ import annotations

import json
import logging

from sqlalchemy import select

from app.core.errors import Conflict, Invalid
from app.extensions import db
from app.models import ProcessInstance
from app.platform import history, instances, script_functions, sla, timers

log = logging.getLogger("gasflow.deadlines")

# The registry functions whose answers depend on the holiday table.
CALENDAR_FUNCTIONS = ("add_working_days", "add_days", "start_of_working_day_before")
PROVISIONAL = "add_working_days_provisional"


def _recorded_calls(instance_id: int) -> list[dict]:
    calls = []
    for event in history.events_of(instance_id):
        if event.kind in history.STATE_EVENTS and '"calls"' in event.payload_json:
            calls.extend(json.loads(event.payload_json).get("calls") or [])
    return calls


def changed_answers(calls: list[dict]) -> tuple[dict, dict]:
    """(old answer -> new answer, new answer -> provisional flag now) for the calendar calls whose answer moved."""
    moved: dict = {}
    provisional: dict = {}
    for call in calls:
        name = call.get("fn")
        if name not in CALENDAR_FUNCTIONS:
            continue
        args = [moved.get(a, a) if isinstance(a, str) else a for a in call.get("args") or []]
        try:
            answer = script_functions.PLATFORM_FUNCTIONS[name](*args)
        except (TypeError, ValueError) as err:
            log.warning("calendar call %s%s not asked again: %s", name, tuple(args), err)
            continue
        if answer != call.get("result"):
            moved[call["result"]] = answer
            if name == "add_working_days":
                provisional[answer] = script_functions.PLATFORM_FUNCTIONS[PROVISIONAL](*args)
    return moved, provisional


def changes_for(case: dict, moved: dict, provisional: dict) -> list[dict]:
    changes = []
    for key, value in case.items():
        if not isinstance(value, str) or value not in moved:
            continue
        new = moved[value]
        changes.append({"key": key, "old": value, "new": new})
        flag = f"{key}_provisional"
        if new in provisional and flag in case and case[flag] != provisional[new]:
            changes.append({"key": flag, "old": case[flag], "new": provisional[new]})
    return changes


def recompute_all() -> int:
    """Every running case whose calendar-derived values moved: data, timers and open-task deadlines. Returns the
    number of cases changed; one failing case is logged and left as it was."""
    ids = list(db.session.scalars(select(ProcessInstance.id).where(ProcessInstance.status == "running")))
    changed = 0
    for instance_id in ids:
        moved, provisional = changed_answers(_recorded_calls(instance_id))
        if not moved:
            continue
        case = instances.case_data(db.session.get(ProcessInstance, instance_id))
        changes = changes_for(case, moved, provisional)
        if not changes:
            continue
        for _attempt in range(3):  # a sweep or a user may write the same instance meanwhile
            try:
                changed += timers.recompute_derived(instance_id, changes)
                sla.recompute_instance_tasks(instance_id, why="calendar")
                break
            except Conflict:
                continue
            except Invalid as err:
                log.warning("deadlines of instance %s not recomputed: %s", instance_id, err.detail)
                break
    return changed
