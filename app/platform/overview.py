"""The overview for unit heads and 客服中心 (issue 7 §6): open and overdue tasks per unit, this month's on-time rate,
today's escalations. C15.2: CSC tracks every open complaint and follows up past the limit."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import case, func, select

from app import clock
from app.core.errors import Forbidden
from app.extensions import db
from app.models import Event, HumanTask, ProcessInstance, User
from app.org.access import OVERSEERS
from app.org.groups import HEAD_LANE, LEADER_UNIT
from app.platform import tasks

_READY = tasks.READY
ESCALATION_LIMIT = 50


def require_overview(user: User) -> None:
    """Unit heads, 客服中心, the responsible leader (分管领导, C14.2), auditors and administrators."""
    if OVERSEERS & user.roles or "head" in user.roles or user.unit.kind == "csc" or user.unit.name == LEADER_UNIT:
        return
    raise Forbidden("总览只对部门负责人、客服中心和分管领导开放 (overview is for unit heads, the CSC and the leader)")


def unit_of_group(group: str | None) -> str:
    if not group:
        return "（未分组）"
    if group.startswith(f"{HEAD_LANE}@"):
        return group.split("@", 1)[1]
    return group


@dataclass
class UnitLine:
    unit: str
    open: int = 0
    overdue: int = 0
    done_month: int = 0
    on_time_month: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time_month / self.done_month if self.done_month else None


def _local_start(day_start: datetime) -> datetime:
    return datetime.combine(day_start.date(), time(0), tzinfo=clock.SHANGHAI)


def month_start(now: datetime) -> datetime:
    local = clock.to_local(now)
    return _local_start(local.replace(day=1))


def per_unit(now: datetime) -> list[UnitLine]:
    lines: dict[str, UnitLine] = {}
    late = case((HumanTask.due_at < now, 1), else_=0)
    open_rows = db.session.execute(
        select(HumanTask.candidate_group, func.count(), func.sum(late))
        .where(HumanTask.state == _READY)
        .group_by(HumanTask.candidate_group)
    )
    for group, count, overdue in open_rows:
        line = lines.setdefault(unit_of_group(group), UnitLine(unit_of_group(group)))
        line.open += count
        line.overdue += overdue or 0
    on_time = case((HumanTask.completed_at <= HumanTask.due_at, 1), else_=0)
    done_rows = db.session.execute(
        select(HumanTask.candidate_group, func.count(), func.sum(on_time))
        .where(
            HumanTask.state == "completed",
            HumanTask.completed_at >= month_start(now),
            HumanTask.due_at.is_not(None),
        )
        .group_by(HumanTask.candidate_group)
    )
    for group, count, in_time in done_rows:
        line = lines.setdefault(unit_of_group(group), UnitLine(unit_of_group(group)))
        line.done_month += count
        line.on_time_month += in_time or 0
    return sorted(lines.values(), key=lambda item: (-item.overdue, -item.open, item.unit))


@dataclass(frozen=True)
class Escalation:
    at: datetime
    instance_id: int
    business_key: str | None
    what: str


def escalations_today(now: datetime) -> list[Escalation]:
    """Tasks that went past their due time today, and today's recorded escalations ("escalated" events: escalation
    timers such as C15.2, and C8 internal-to-external complaints)."""
    start = _local_start(clock.to_local(now))
    found = [
        Escalation(t.due_at, t.instance_id, t.business_key, f"{t.name}（{t.candidate_group or ''}）超期")
        for t in db.session.scalars(
            select(HumanTask)
            .where(HumanTask.state == _READY, HumanTask.due_at >= start, HumanTask.due_at < now)
            .order_by(HumanTask.due_at.desc())
            .limit(ESCALATION_LIMIT)
        )
    ]
    escalated = db.session.execute(
        select(Event.at, Event.instance_id, Event.payload_json, ProcessInstance.business_key)
        .join(ProcessInstance, ProcessInstance.id == Event.instance_id)
        .where(Event.kind == "escalated", Event.at >= start)
        .order_by(Event.at.desc())
        .limit(ESCALATION_LIMIT)
    )
    for at, instance_id, payload_json, business_key in escalated:
        payload = json.loads(payload_json)
        what = payload.get("name") or (
            "升级为外部投诉（C8）" if payload.get("kind") == "internal_to_external" else "升级"
        )
        rule = payload.get("rule")
        found.append(Escalation(at, instance_id, business_key, f"{what}（{rule}）" if rule else what))
    return sorted(found, key=lambda e: e.at, reverse=True)[:ESCALATION_LIMIT]
