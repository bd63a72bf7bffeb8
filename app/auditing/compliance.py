"""Compliance by rule (issue 15 §8): for each rule id, where it is enforced, the tests that prove it, and this month's
live figures — cases that reached an element citing it, tasks finished on time, breaches (late tasks and escalations
recorded under the rule), open work and what is at risk (due within a day or already late)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select

from app import clock
from app.auditing import rules_map
from app.extensions import db
from app.models import Event, HumanTask, ProcessInstance
from app.platform.overview import month_start

AT_RISK = timedelta(days=1)


@dataclass
class Figures:
    cases: int = 0
    done: int = 0
    on_time: int = 0
    breached: int = 0
    open: int = 0
    at_risk: int = 0


@dataclass
class RuleLine:
    use: rules_map.RuleUse
    figures: Figures | None


def _on_elements(elements: list[tuple[str, str, str]]):
    return or_(*[and_(HumanTask.process_key == k, HumanTask.spec_name == e) for k, e, _n in elements])


def figures(rule: str, elements: list[tuple[str, str, str]], now: datetime) -> Figures:
    start = month_start(now)
    result = Figures()
    processes = sorted({k for k, _e, _n in elements})
    on = _on_elements(elements)
    task_cases = select(HumanTask.instance_id).where(on, HumanTask.created_at >= start)
    started = select(ProcessInstance.id).where(
        ProcessInstance.process_key.in_(processes), ProcessInstance.started_at >= start
    )
    result.cases = db.session.scalar(select(func.count()).select_from(task_cases.union(started).subquery())) or 0
    done = db.session.execute(
        select(HumanTask.completed_at, HumanTask.due_at).where(
            on, HumanTask.state == "completed", HumanTask.completed_at >= start, HumanTask.due_at.is_not(None)
        )
    ).all()
    result.done = len(done)
    result.on_time = sum(1 for completed, due in done if completed <= due)
    late_tasks = db.session.scalar(select(func.count()).where(on, HumanTask.breached_at >= start)) or 0
    escalations = db.session.scalar(
        select(func.count()).where(
            Event.kind == "escalated", Event.at >= start, Event.payload_json.like(f'%"rule":"{rule}"%')
        )
    )
    result.breached = late_tasks + (escalations or 0)
    open_rows = db.session.execute(select(HumanTask.due_at).where(on, HumanTask.state == "ready")).all()
    result.open = len(open_rows)
    result.at_risk = sum(1 for (due,) in open_rows if due is not None and due - now < AT_RISK)
    return result


def lines(now: datetime | None = None) -> list[RuleLine]:
    now = now or clock.now()
    result = []
    for use in rules_map.uses():
        timed = [(k, e, n) for k, e, n in use.elements]
        result.append(RuleLine(use, figures(use.rule, timed, now) if timed else None))
    return result
