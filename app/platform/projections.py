"""Projections of the engine state, written in the same transaction as the state (design.md, Persistence):
the inbox rows (human_task), the timer rows the scheduler sweeps, and the correlation keys messages are routed by."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm.attributes import set_committed_value

from app import engine
from app.core.data_paths import value_at
from app.core.statements import Statement
from app.extensions import db
from app.models import CaseIndex, Correlation, HumanTask, ProcessInstance, Timer, User
from app.org import groups
from app.platform import sla
from app.platform.history import NewEvent

# The statements of every step, run lean (core/statements.py): the ORM's machinery costs more than the SQL it sends.
TASKS = HumanTask.__table__
_COMPLETE_TASK = Statement(
    update(TASKS)
    .where(TASKS.c.id == bindparam("b_id"))
    .values(state="completed", completed_at=bindparam("b_at"), completed_by_id=bindparam("b_by"))
)
TASK_ROW_KEYS = ("id", "instance_id", "process_key", "spec_name", "name", "lane", "candidate_group", "assignee_id",
                 "excluded_usernames", "form_key", "state", "created_at", "due_at", "due_provisional", "sla_kind",
                 "business_key", "subject")  # fmt: skip
_INSERT_TASKS = Statement(insert(TASKS), keys=TASK_ROW_KEYS)

# Case fields copied onto inbox rows so staff can search by customer, phone or account without a join.
SUBJECT_FIELDS = ("customer_name", "account_no", "phone", "complainant.name", "complainant.phone", "case_no")


# The case list's search columns (issue 11 §3), first field set wins.
INDEX_FIELDS = {
    "customer_name": ("customer_name", "complainant.name"),
    "phone": ("phone", "complainant.phone"),
    "account_no": ("account_no",),
    "unit": ("responsible_unit", "branch"),
}
_INDEX = CaseIndex.__table__
INDEX_COLUMNS = ("customer_name", "phone_tail", "account_no", "unit")
_UPDATE_INDEX = Statement(
    update(_INDEX).where(_INDEX.c.instance_id == bindparam("b_id")).values({c: bindparam(c) for c in INDEX_COLUMNS})
)
_INSERT_INDEX = Statement(insert(_INDEX), keys=("instance_id", *INDEX_COLUMNS))


def _first_text(data: dict, paths: tuple[str, ...], size: int) -> str | None:
    for path in paths:
        value = value_at(data, path)
        if isinstance(value, str | int) and str(value).strip():
            return str(value).strip()[:size]
    return None


def index_values(data: dict) -> dict:
    phone = _first_text(data, INDEX_FIELDS["phone"], 64) or ""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return {
        "customer_name": _first_text(data, INDEX_FIELDS["customer_name"], 64),
        "phone_tail": digits[-4:] if len(digits) >= 4 else None,
        "account_no": _first_text(data, INDEX_FIELDS["account_no"], 32),
        "unit": _first_text(data, INDEX_FIELDS["unit"], 64),
    }


def _apply_case_index(instance, data: dict) -> None:
    """Kept at every step, written only when it changes (the instance read for the step carries the stored row,
    ``indexed``; an ORM instance does not and is always written); a case from before the index existed gets its row
    at its next step."""
    values = index_values(data)
    stored = getattr(instance, "indexed", None)
    if stored == values:
        return
    changed = 0
    if instance.revision > 0:
        changed = _UPDATE_INDEX.run({"b_id": instance.id, **values})
    if changed == 0:
        _INSERT_INDEX.run({"instance_id": instance.id, **values})
    if hasattr(instance, "indexed"):
        instance.indexed = values


def subject_of(data: dict) -> str | None:
    parts = [str(v) for f in SUBJECT_FIELDS if (v := value_at(data, f)) not in (None, "")]
    return " ".join(parts)[:256] or None


def correlation_values(definition: engine.Definition, business_key: str | None, data: dict) -> set[tuple[str, str]]:
    keys = [k.strip() for k in definition.properties.get("correlationKeys", "").split(",") if k.strip()]
    values = {("business_key", business_key)} if business_key else set()
    for key in keys:
        value = value_at(data, key)
        if value not in (None, ""):
            values.add((key, str(value)))
    return values


def apply(
    instance: ProcessInstance,
    definition: engine.Definition,
    result: engine.StepResult,
    now: datetime,
    completed_task_id: str | None = None,
    completed_by_id: int | None = None,
) -> list[NewEvent]:
    """Bring the projections in line with ``result``; returns the task_ready events to append.

    What was open before the step comes from the engine (``result.previous_*``), not from reading the rows back: the
    rows were written from the same state in the same kind of transaction."""
    events = _apply_tasks(instance, result, now, completed_task_id, completed_by_id)
    _apply_timers(instance.id, result)
    _apply_correlations(instance, definition, result)
    _apply_hidden(instance, definition, result)
    _apply_case_index(instance, result.case_data)
    return events


def hidden_from(definition: engine.Definition, data: dict) -> str | None:
    """``hiddenFrom``: data fields naming users who may never read the case (C13.2.5: the person complained about)."""
    names = []
    for path in (definition.properties.get("hiddenFrom") or "").split(","):
        value = value_at(data, path.strip()) if path.strip() else None
        if isinstance(value, str) and value:
            names.append(value)
    return ",".join(sorted(set(names)))[:256] or None


def _apply_hidden(instance, definition: engine.Definition, result) -> None:
    hidden = hidden_from(definition, result.case_data)
    if hidden != getattr(instance, "hidden_from", None):  # written only when it changes (rarely: at the start)
        db.session.execute(update(ProcessInstance).where(ProcessInstance.id == instance.id).values(hidden_from=hidden))
        if isinstance(instance, ProcessInstance):
            set_committed_value(instance, "hidden_from", hidden)
        else:
            instance.hidden_from = hidden


def _apply_tasks(instance, result, now, completed_task_id, completed_by_id) -> list[NewEvent]:
    open_ids = result.previous_ready_ids
    if completed_task_id is not None:
        _COMPLETE_TASK.run({"b_id": completed_task_id, "b_at": now, "b_by": completed_by_id})
    gone = open_ids - {t.id for t in result.ready_tasks} - {completed_task_id}
    if gone:  # interrupted by a boundary event, or the instance ended: no longer workable
        db.session.execute(
            update(TASKS)
            .where(TASKS.c.id.in_(gone), TASKS.c.state == "ready")
            .values(state="cancelled", completed_at=now)
        )
    fresh = [task for task in result.ready_tasks if task.id not in open_ids]
    rows = [_task_row(instance, task, now) for task in fresh]
    _INSERT_TASKS.run_many(rows)
    events = []
    for row in rows:
        payload = {"spec_name": row["spec_name"], "name": row["name"], "candidate_group": row["candidate_group"]}
        if row["due_at"] is not None:
            payload["due_at"] = row["due_at"].isoformat()
        if row["assignee_id"] is not None:
            payload["assignee_id"] = row["assignee_id"]
        events.append(NewEvent("task_ready", now, "system", task_id=row["id"], payload=payload))
    return events


def _task_row(instance: ProcessInstance, task: engine.ReadyTask, now: datetime) -> dict:
    due = sla.due_for(task.properties, task.data, now)
    return {
        "id": task.id,
        "instance_id": instance.id,
        "process_key": instance.process_key,
        "spec_name": task.spec_name,
        "name": task.name,
        "lane": task.lane,
        "candidate_group": groups.candidate_group(task.lane, task.data),
        "assignee_id": _assignee(task),
        "excluded_usernames": _excluded(task),
        "form_key": task.properties.get("formKey"),
        "state": "ready",
        "created_at": now,
        "due_at": due.at,
        "due_provisional": due.provisional,
        "sla_kind": due.kind,
        "business_key": instance.business_key,
        "subject": subject_of(task.data),
    }


def refresh_open_tasks(instance, result: engine.StepResult) -> None:
    """After a migration the open tasks keep their ids but may have a new name, lane or form: show the new ones."""
    for task in result.ready_tasks:
        db.session.execute(
            update(TASKS)
            .where(TASKS.c.id == task.id, TASKS.c.state == "ready")
            .values(
                name=task.name,
                lane=task.lane,
                candidate_group=groups.candidate_group(task.lane, task.data),
                form_key=task.properties.get("formKey"),
            )
        )


def _assignee(task: engine.ReadyTask) -> int | None:
    """``assigneeField``: the task goes straight to the user named in that data field (e.g. the investigator)."""
    path = task.properties.get("assigneeField")
    username = value_at(task.data, path) if path else None
    if not isinstance(username, str) or not username:
        return None
    return db.session.scalar(select(User.id).where(User.username == username, User.active.is_(True)))


def _excluded(task: engine.ReadyTask) -> str | None:
    """``notFor``: data fields naming users who may not work this task (C13: the person complained about)."""
    names = []
    for path in (task.properties.get("notFor") or "").split(","):
        value = value_at(task.data, path.strip()) if path.strip() else None
        if isinstance(value, str) and value:
            names.append(value)
    return ",".join(names)[:256] or None


def _apply_timers(instance_id: int, result) -> None:
    existing = result.previous_timer_ids
    waiting = {t.task_id: t for t in result.timers}
    stale = existing - set(waiting)
    if stale:
        db.session.execute(delete(Timer).where(Timer.instance_id == instance_id, Timer.task_id.in_(stale)))
    fresh = [
        {"instance_id": instance_id, "task_id": t.task_id, "spec_name": t.spec_name, "due_at": t.due_at}
        for tid, t in waiting.items()
        if tid not in existing
    ]
    if fresh:
        db.session.execute(insert(Timer.__table__), fresh)
    for timer in waiting.values():  # a cycle timer that fired waits on, for its next time (issue 19)
        if timer.task_id in existing and timer.spec_name in result.fired_timers:
            db.session.execute(
                update(Timer)
                .where(Timer.instance_id == instance_id, Timer.task_id == timer.task_id)
                .values(due_at=timer.due_at)
            )


def _apply_correlations(instance, definition, result) -> None:
    wanted = correlation_values(definition, instance.business_key, result.case_data)
    if not wanted:
        return
    have: dict[tuple[str, str], int] = {}
    if instance.revision > 0:  # a new instance (revision 0 until this step is saved) has none yet
        rows = db.session.execute(
            select(Correlation.id, Correlation.key, Correlation.value).where(Correlation.instance_id == instance.id)
        ).all()
        have = {(r.key, r.value): r.id for r in rows}
    stale = [row_id for kv, row_id in have.items() if kv not in wanted and kv[0] != "business_key"]
    if stale:
        db.session.execute(delete(Correlation).where(Correlation.id.in_(stale)))
    fresh = [{"instance_id": instance.id, "key": k, "value": v} for k, v in wanted if (k, v) not in have]
    if fresh:
        db.session.execute(insert(Correlation.__table__), fresh)


_DROP_TIMERS = Statement(delete(Timer.__table__).where(Timer.__table__.c.instance_id == bindparam("b_id")))


def close_instance(instance_id: int, now: datetime) -> None:
    """A finished instance keeps no timers. Its correlation keys stay: messages skip finished instances, and intake
    looks up earlier cases by them (C8: a new external complaint on a matter complained about before)."""
    _DROP_TIMERS.run({"b_id": instance_id})
