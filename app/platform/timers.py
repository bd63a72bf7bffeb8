"""The timer sweep (issue 3 §4): fire every due timer exactly once, whoever else is sweeping.

One transaction per instance. On PostgreSQL the due row is claimed with FOR UPDATE SKIP LOCKED, so several scheduler
processes share the work; on SQLite the write lock (BEGIN IMMEDIATE) queues them. Either way the instance's revision
check makes a second firing impossible: the loser's write is refused and its transaction rolled back.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update

from app import clock
from app.core.errors import Conflict, Invalid
from app.core.tx import writes
from app.extensions import db
from app.models import ProcessInstance, Timer
from app.platform import history, metrics, script_functions
from app.platform.history import NewEvent
from app.platform.runtime import runtime
from app.platform.steps import apply_step, run_engine, save_step, seed_of

SCHEDULER = "scheduler"
# The registry function whose answers change when the holiday table gains a year (rules.md, unpublished years).
CALENDAR_FUNCTION = "add_working_days"

log = logging.getLogger("gasflow.timers")
# Failures outside the engine (the database) tolerated in one pass before the sweep gives up until the next tick.
MAX_FAILURES_PER_SWEEP = 20


def _claim_due(now: datetime, skip: set[int]) -> Timer | None:
    query = select(Timer).where(Timer.due_at < now, Timer.failed_at.is_(None)).order_by(Timer.due_at).limit(1)
    if skip:
        query = query.where(Timer.instance_id.not_in(skip))
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return db.session.scalars(query).first()


@writes
def fire_next(skip: set[int]) -> tuple[int | None, int]:
    """Fire the due timers of the instance with the earliest due timer. Returns (instance id, timers fired)."""
    now = clock.now()
    timer = _claim_due(now, skip)
    if timer is None:
        return None, 0
    # populate_existing: read the row as stored now, not as cached earlier in this session.
    instance = db.session.get(ProcessInstance, timer.instance_id, populate_existing=True)
    rows = list(
        db.session.scalars(
            select(Timer).where(Timer.instance_id == instance.id).execution_options(populate_existing=True)
        )
    )
    due = {t.task_id: t.due_at for t in rows}

    def payload(result, now):
        return {
            "timers": result.fired_timers,
            # The original due times: after downtime a timer fires late, and the record says how late.
            "due_at": min(d for d in due.values() if d < now).isoformat(),
            "due": {t.spec_name: t.due_at.isoformat() for t in rows if t.spec_name in result.fired_timers},
            "clock": now.isoformat(),
            "late_seconds": round((now - timer.due_at).total_seconds(), 3),
        }

    result = apply_step(
        instance,
        lambda d, state, seed, at: runtime().engine.fire_timers(d, state, seed, at),
        "timer_fired",
        None,
        payload,
        actor=SCHEDULER,
    )
    if result is None:  # an incident on that case (issue 13, item 3): its timers wait for the retry; the sweep goes on
        return instance.id, 0
    fired_at = clock.now()
    lags = [(fired_at - t.due_at).total_seconds() for t in rows if t.spec_name in result.fired_timers]
    metrics.timers_fired(instance.process_key, lags)  # issue 18: the timer-lag histogram and alert
    record_escalations(instance.id, result.fired_timers)
    return instance.id, len(result.fired_timers)


def record_escalations(instance_id: int, fired: list[str]) -> None:
    """A fired timer whose element names an ``escalation`` rule (e.g. C15.2) is an escalation: say so in the history,
    where reports and the overview count them."""
    definition = runtime().definition(db.session.get(ProcessInstance, instance_id).definition_id)
    events = [
        NewEvent(
            "escalated",
            clock.now(),
            SCHEDULER,
            payload={"timer": name, "name": definition.element_names.get(name, name), "rule": props["escalation"]},
        )
        for name in fired
        if (props := definition.element_properties.get(name, {})).get("escalation")
    ]
    history.append(instance_id, events)


def sweep(max_steps: int = 10_000) -> int:
    """One pass: fire everything that is due now. Returns the number of timers fired.

    Only instances where nothing fired (or firing failed) are skipped for the rest of the pass; a fired timer's row
    is gone, so there is nothing to skip, and an instance whose next timer is already due (after downtime) fires
    again in the same pass. Keeping the skip list short keeps the claim query one cheap, cached statement."""
    fired, skip, failed = 0, set(), 0
    for _step in range(max_steps):
        try:
            instance_id, count = fire_next(skip)
        except Conflict:
            continue  # another sweeper or a user changed that instance first; its timer is re-read
        except Exception:  # noqa: BLE001 - one instance's failure outside the engine must not stop every other timer
            log.exception("timer sweep: an instance failed outside the engine; the sweep goes on")
            failed += 1
            if failed > MAX_FAILURES_PER_SWEEP:
                raise
            continue
        if instance_id is None:
            break
        if count == 0:
            skip.add(instance_id)
        fired += count
    return fired


def recompute_calendar_timers(since: datetime) -> int:
    """The holiday table gained a year: evaluate again the waiting timers whose expression calls add_working_days
    and whose due time lies on or after ``since`` (earlier ones never touched that year). One transaction per
    instance; a failure is logged and leaves that instance as it was. Returns the number of instances changed."""
    ids = list(
        db.session.scalars(select(Timer.instance_id).where(Timer.due_at >= since, Timer.failed_at.is_(None)).distinct())
    )
    changed = 0
    for instance_id in ids:
        for _attempt in range(3):  # a sweep or a user may write the same instance meanwhile
            try:
                changed += _recompute_instance(instance_id)
                break
            except Conflict:
                continue
            except Invalid as err:
                log.warning("timers of instance %s not recomputed: %s", instance_id, err.detail)
                break
    return changed


def recompute_instance_timers(instance_id: int) -> int:
    """Every waiting (non-cycle) timer of one instance evaluated again from its diagram's current expression — after
    a migration, when the process owner chose to recompute (issue 14 §7). 1 if any moved."""
    return _recompute_instance(instance_id, "")


@writes
def recompute_derived(instance_id: int, changes: list[dict]) -> int:
    """Issue 12, item 2: put the calendar's new answers into the case data (``changes``: key, old, new) and evaluate
    every waiting timer again, in one recorded step; 1 if anything moved."""
    return _recompute_instance(instance_id, "", changes)


@writes
def _recompute_instance(instance_id: int, uses: str = CALENDAR_FUNCTION, changes: list[dict] | None = None) -> int:
    instance = db.session.get(ProcessInstance, instance_id, populate_existing=True)
    if instance is None or instance.status != "running":
        return 0
    rows = select(Timer).where(Timer.instance_id == instance_id).execution_options(populate_existing=True)
    before = {t.task_id: t for t in db.session.scalars(rows)}
    definition = runtime().definition(instance.definition_id)
    now = clock.now()
    with script_functions.recording() as calls:
        result = run_engine(
            lambda: runtime().engine.reevaluate_timers(
                definition, instance.state_json, seed_of(instance), now, uses, changes
            )
        )
    moved = [
        {"task_id": t.task_id, "spec_name": t.spec_name, "old_due_at": before[t.task_id].due_at.isoformat(),
         "due_at": t.due_at.isoformat()}
        for t in result.timers
        if t.task_id in before and before[t.task_id].due_at != t.due_at
    ]  # fmt: skip
    if not moved and not changes:
        return 0
    event = NewEvent(
        "timers_recomputed",
        now,
        "system",
        payload={"uses": uses, "timers": moved, **({"changes": changes} if changes else {}), **calls.payload()},
        state_digest=result.digest,
    )
    save_step(instance, definition, result, now, [event])
    for item in moved:  # the projection adds and removes timer rows; a moved one is updated here
        db.session.execute(
            update(Timer)
            .where(Timer.instance_id == instance_id, Timer.task_id == item["task_id"])
            .values(due_at=datetime.fromisoformat(item["due_at"]))
        )
    return 1
