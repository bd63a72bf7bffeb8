"""Task deadlines from user-task extension properties (issue 3 §3).

- ``slaHours``: wall-clock hours (S24.6: restore supply within 6 hours);
- ``slaWorkingDays``: working days on the holiday calendar (C14.1: answer a complaint within 5 working days);
- ``slaFrom``: the data field holding the instant to count from (e.g. ``received_at``); default: task creation.
- ``slaRule``: the rule id the limit enforces (recorded on a breach); default: the rule the documentation starts with;
- ``dueField``: take the due time as computed by the diagram itself (an ISO value in task data; its provisional flag in
  ``<dueField>_provisional``, see script_functions.add_working_days_provisional).

Also here: time left on an open task (working time where the SLA is in working days), the breach job (every breach
recorded once), and recomputing provisional deadlines once the holiday table holds their year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from app import clock
from app.calendar import table as workcalendar
from app.core.data_paths import value_at
from app.core.tx import writes
from app.extensions import db
from app.models import HumanTask, ProcessInstance
from app.platform import history
from app.platform.history import NewEvent
from app.platform.runtime import runtime

WORKING_DAYS = "working_days"


@dataclass(frozen=True)
class Due:
    at: datetime | None
    provisional: bool = False
    kind: str | None = None


NO_DUE = Due(None)


def _instant(value) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else None
    return None


def due_for(properties: dict, data: dict, created_at: datetime) -> Due:
    if properties.get("dueField"):
        at = _instant(value_at(data, properties["dueField"]))
        flag = value_at(data, properties["dueField"] + "_provisional")
        # A due time the diagram computed on the working-day calendar (it set the provisional flag beside it) counts
        # down in working time like slaWorkingDays, so one deadline reads the same on every task that shares it.
        working = properties.get("slaWorkingDays") or flag is not None
        return Due(at, bool(flag), WORKING_DAYS if working else "hours") if at else NO_DUE
    start = created_at
    if properties.get("slaFrom"):
        start = _instant(value_at(data, properties["slaFrom"])) or created_at
    if properties.get("slaWorkingDays"):
        deadline = workcalendar.add_working_days(start, int(properties["slaWorkingDays"]))
        return Due(deadline.due, deadline.provisional, WORKING_DAYS)
    if properties.get("slaHours"):
        return Due(start + timedelta(hours=float(properties["slaHours"])), False, "hours")
    return NO_DUE


def due_day(at: datetime | None) -> tuple[str | None, bool]:
    """The day a limit ends, as a person reads it (issue 12, item 5): a deadline at local 00:00 is "by the end of"
    the day before (Civil Code art. 203: the last day ends at 24:00). Returns (ISO date, ends at end of that day)."""
    if at is None:
        return None, False
    local = clock.to_local(clock.ensure_aware(at))
    if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
        return (local.date() - timedelta(days=1)).isoformat(), True
    return local.date().isoformat(), False


def seconds_left(task: HumanTask, now: datetime | None = None) -> float | None:
    """Time left on an open task: working time for a working-day SLA (the clock stops on days off), wall-clock time
    otherwise; negative once overdue (wall-clock time since the deadline). None for closed tasks or no deadline."""
    if task.state != "ready" or task.due_at is None:
        return None
    now = now or clock.now()
    if task.sla_kind == WORKING_DAYS:
        return workcalendar.working_time_left(task.due_at, now).total_seconds()
    return (task.due_at - now).total_seconds()


def is_overdue(task: HumanTask, now: datetime | None = None) -> bool:
    return task.state == "ready" and task.due_at is not None and task.due_at < (now or clock.now())


_RULE_ID = re.compile(r"^\s*([A-Z]\d+(?:\.\d+)*)")


def rule_of_task(task: HumanTask) -> str | None:
    """The rule a task's limit comes from: its ``slaRule`` property, else the rule id its documentation starts with
    ("C14.1: 5 个工作日内…"). A task that only reads a shared deadline (``dueField``) takes the rule of the task that
    sets that deadline with ``slaWorkingDays``/``slaHours`` (complaint steps share the C14.1 answer limit)."""
    definition_id = db.session.scalar(
        select(ProcessInstance.definition_id).where(ProcessInstance.id == task.instance_id)
    )
    if definition_id is None:
        return None
    user_tasks = runtime().definition(definition_id).user_tasks
    info = user_tasks.get(task.spec_name)
    if info is None:
        return None
    owner = info
    field = info.properties.get("dueField")
    if field and not (info.properties.get("slaWorkingDays") or info.properties.get("slaHours")):
        owner = next(
            (
                other
                for other in user_tasks.values()
                if other.properties.get("dueField") == field
                and (other.properties.get("slaWorkingDays") or other.properties.get("slaHours"))
            ),
            info,
        )
    if owner.properties.get("slaRule"):
        return owner.properties["slaRule"]
    found = _RULE_ID.match(owner.documentation)
    return found.group(1) if found else None


@writes
def record_breaches(limit: int = 500) -> int:
    """Scheduler job: every open task past its deadline gets breached_at and one "breach" event on its instance
    (C15.2: CSC follows up every complaint past its limit). The conditional UPDATE makes it once, whoever runs it."""
    now = clock.now()
    late = db.session.scalars(
        select(HumanTask)
        .where(HumanTask.state == "ready", HumanTask.due_at < now, HumanTask.breached_at.is_(None))
        .order_by(HumanTask.due_at)
        .limit(limit)
    ).all()
    recorded = 0
    for task in late:
        marked = db.session.execute(
            update(HumanTask)
            .where(HumanTask.id == task.id, HumanTask.breached_at.is_(None), HumanTask.state == "ready")
            .values(breached_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if marked != 1:
            continue  # another scheduler recorded it first, or the task was just completed
        payload = {"spec_name": task.spec_name, "name": task.name, "due_at": task.due_at.isoformat(),
                   "provisional": task.due_provisional, "sla_kind": task.sla_kind,
                   "candidate_group": task.candidate_group, "rule": rule_of_task(task)}  # fmt: skip
        history.append(task.instance_id, [NewEvent("breach", now, "scheduler", task_id=task.id, payload=payload)])
        recorded += 1
    return recorded


@writes
def recompute_provisional_tasks() -> int:
    """The holiday table gained a year: open tasks whose working-day deadline was provisional get it computed again
    (rules.md, "recomputed when the year is entered"), each with a "deadline_recomputed" event. A deadline a script
    put in a data field (``dueField``) is counted again from the task's ``slaWorkingDays``/``slaFrom`` properties."""
    now = clock.now()
    tasks = db.session.scalars(
        select(HumanTask).where(
            HumanTask.state == "ready", HumanTask.due_provisional.is_(True), HumanTask.sla_kind == WORKING_DAYS
        )
    ).all()
    changed = 0
    for task in tasks:
        instance = db.session.get(ProcessInstance, task.instance_id, populate_existing=True)
        definition = runtime().definition(instance.definition_id)
        info = definition.user_tasks.get(task.spec_name)
        if info is None or not info.properties.get("slaWorkingDays"):
            continue
        properties = {k: v for k, v in info.properties.items() if k != "dueField"}
        data = runtime().engine.task_data(definition, instance.state_json, task.id)
        due = due_for(properties, data, task.created_at)
        if due.at is None:
            continue
        old_due, task.due_at, task.due_provisional = task.due_at, due.at, due.provisional
        if task.breached_at is not None and due.at > now:
            task.breached_at = None  # the provisional deadline was too early; a real breach will be recorded
        payload = {"spec_name": task.spec_name, "old_due_at": old_due.isoformat() if old_due else None,
                   "due_at": due.at.isoformat(), "provisional": due.provisional}  # fmt: skip
        history.append(
            task.instance_id, [NewEvent("deadline_recomputed", now, "system", task_id=task.id, payload=payload)]
        )
        changed += 1
    return changed


@writes
def recompute_instance_tasks(instance_id: int, why: str = "migrated") -> int:
    """The open tasks of one instance get their deadline computed again from the properties of the version it now
    runs on (after a migration, when the process owner chose to recompute: issue 14 §7; or after the calendar moved
    the values a ``dueField`` reads: issue 12, item 2); one "deadline_recomputed" event each. Counted from the task's
    creation (or its slaFrom field), as the first time."""
    instance = db.session.get(ProcessInstance, instance_id, populate_existing=True)
    definition = runtime().definition(instance.definition_id)
    now = clock.now()
    changed = 0
    for task in db.session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.state == "ready")
    ):
        info = definition.user_tasks.get(task.spec_name)
        if info is None:
            continue
        data = runtime().engine.task_data(definition, instance.state_json, task.id)
        due = due_for(info.properties, data, task.created_at)
        if due.at == task.due_at:
            continue
        old_due, task.due_at, task.due_provisional, task.sla_kind = task.due_at, due.at, due.provisional, due.kind
        if task.breached_at is not None and (due.at is None or due.at > now):
            task.breached_at = None
        payload = {"spec_name": task.spec_name, "old_due_at": old_due.isoformat() if old_due else None,
                   "due_at": due.at.isoformat() if due.at else None, "provisional": due.provisional,
                   "why": why}  # fmt: skip
        history.append(instance_id, [NewEvent("deadline_recomputed", now, "system", task_id=task.id, payload=payload)])
        changed += 1
    return changed
