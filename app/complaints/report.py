"""The monthly report of valid complaints (rules.md C14.2): 客服中心 compiles every valid complaint of a month for the
responsible leader (分管领导).

Which complaints: those received in the month (Beijing time). The case number carries the receipt date
(TS + YYYYMMDD + serial, see complaints._case_no), so the month's cases are one index range on the business key.
Each case is counted from its data as the last step left it (severity after any C8 upgrade, validity after a C10
ruling) and from its history:
- valid / invalid: the C9 ruling (Task_validity, or the committee's ruling on a disputed one, C10); cases resolved on
  the call (C7.1.1) get no ruling and are counted apart, as are cases not ruled yet;
- on time (C14.1): the first completion of Task_answer against the case's answer_due (5 working days after receipt);
  an unanswered case past answer_due is late, one still within it is "open within the limit" and not in the rate;
- satisfaction (C15.3): the last rating of 客服中心's callback; repeats: repeat_merged events (same matter again while
  open) and reopenings after an unsatisfied callback; escalations (C8, C15.2): internal→external "escalated" events,
  general→major upgrades, and breaches of the answer limit (Timer_breach fired).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time

from sqlalchemy import func, select

from app import clock
from app.complaints.intake import PROCESS
from app.core.errors import Forbidden, Invalid
from app.extensions import db
from app.models import Event, HumanTask, ProcessInstance, User
from app.org.access import OVERSEERS
from app.org.groups import groups_of
from app.platform import forms, instances

LEADER_GROUP = "分管领导"  # the lane of processes/complaint_monthly_report.bpmn (C14.2)
SATISFACTION_LEVELS = ["非常满意", "满意", "一般", "不满意", "非常不满意"]
NOT_RATED = "未回访"
SEVERITY_LABELS = {"general": "一般投诉", "major": "重大投诉"}
COMMITTEE_REASON = "committee"  # valid by the supervision committee's ruling (C10) on a complaint ruled invalid first


def require_reader(user: User) -> None:
    """C14.2: 客服中心 staff compile it, unit heads and the responsible leader read it; auditors and admins too."""
    if OVERSEERS & user.roles or "head" in user.roles or user.unit.kind == "csc" or LEADER_GROUP in groups_of(user):
        return
    raise Forbidden("投诉月报只对客服中心、部门负责人、分管领导和审计人员开放 (the complaint report is not for you)")


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """'2026-03' -> [start, end) of that month in Beijing time."""
    try:
        first = datetime.strptime(month, "%Y-%m").date()
    except (TypeError, ValueError):
        raise Invalid(f"月份格式应为 YYYY-MM，例如 2026-03 (month must be YYYY-MM): {month}") from None
    following = (
        first.replace(year=first.year + 1, month=1) if first.month == 12 else first.replace(month=first.month + 1)
    )
    return datetime.combine(first, time(0), clock.SHANGHAI), datetime.combine(following, time(0), clock.SHANGHAI)


def previous_month(now: datetime) -> str:
    local = clock.to_local(now)
    year, month = (local.year - 1, 12) if local.month == 1 else (local.year, local.month - 1)
    return f"{year:04d}-{month:02d}"


@dataclass(frozen=True)
class CaseLine:
    """One valid complaint as the report counts it."""

    instance_id: int
    case_no: str
    received_at: datetime
    channel: str
    responsible_unit: str
    severity: str
    reason: str
    answer_due: datetime | None
    answered_at: datetime | None  # first completion of Task_answer
    on_time: bool | None  # None: not answered and still within the limit
    satisfaction: str
    merged_repeats: int
    reopened: int
    internal_to_external: bool
    upgraded_to_major: bool
    breached: bool


@dataclass
class MonthlyReport:
    month: str
    compiled_at: datetime
    received: int = 0
    valid: int = 0
    invalid: int = 0
    first_contact: int = 0
    not_ruled: int = 0
    cases: list[CaseLine] = field(default_factory=list)

    def count(self, attribute: str) -> Counter:
        return Counter(getattr(line, attribute) for line in self.cases)

    @property
    def on_time(self) -> int:
        return sum(1 for line in self.cases if line.on_time is True)

    @property
    def late(self) -> int:
        return sum(1 for line in self.cases if line.on_time is False)

    @property
    def within_limit(self) -> int:
        return sum(1 for line in self.cases if line.on_time is None)

    @property
    def on_time_rate(self) -> float | None:
        decided = self.on_time + self.late
        return self.on_time / decided if decided else None

    @property
    def on_time_text(self) -> str:
        rate = self.on_time_rate
        if rate is None:
            return "无已到期的有效投诉"
        return f"{rate * 100:.1f}%（{self.on_time}/{self.on_time + self.late}）"

    def repeats(self) -> dict[str, int]:
        return {
            "cases": sum(1 for c in self.cases if c.merged_repeats or c.reopened),
            "merged": sum(c.merged_repeats for c in self.cases),
            "reopened": sum(c.reopened for c in self.cases),
        }

    def escalations(self) -> dict[str, int]:
        return {
            "internal_to_external": sum(1 for c in self.cases if c.internal_to_external),
            "general_to_major": sum(1 for c in self.cases if c.upgraded_to_major),
            "breached": sum(1 for c in self.cases if c.breached),
        }

    def escalated_cases(self) -> int:
        return sum(1 for c in self.cases if c.internal_to_external or c.upgraded_to_major)


def _month_cases(start: datetime) -> list[ProcessInstance]:
    prefix = f"TS{start:%Y%m}"
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    query = (
        select(ProcessInstance)
        .where(
            ProcessInstance.process_key == PROCESS,
            ProcessInstance.business_key >= prefix,
            ProcessInstance.business_key < upper,
        )
        .order_by(ProcessInstance.business_key)
    )
    return list(db.session.scalars(query))


def _history(ids: list[int]) -> tuple[Counter, set[int], set[int]]:
    """(repeat_merged events per case, cases escalated internal→external, cases whose answer limit was breached)."""
    merged: Counter = Counter()
    external: set[int] = set()
    breached: set[int] = set()
    if not ids:
        return merged, external, breached
    rows = db.session.execute(
        select(Event.instance_id, Event.kind, Event.payload_json).where(
            Event.instance_id.in_(ids), Event.kind.in_(["repeat_merged", "escalated", "timer_fired"])
        )
    )
    for instance_id, kind, payload_json in rows:
        payload = json.loads(payload_json)
        if kind == "repeat_merged":
            merged[instance_id] += 1
        elif kind == "escalated" and payload.get("kind") == "internal_to_external":
            external.add(instance_id)
        elif kind == "timer_fired" and "Timer_breach" in payload.get("timers", []):
            breached.add(instance_id)
    return merged, external, breached


def _first_answers(ids: list[int]) -> dict[int, datetime]:
    if not ids:
        return {}
    rows = db.session.execute(
        select(HumanTask.instance_id, func.min(HumanTask.completed_at))
        .where(HumanTask.instance_id.in_(ids), HumanTask.spec_name == "Task_answer", HumanTask.state == "completed")
        .group_by(HumanTask.instance_id)
    )
    return {instance_id: clock.ensure_aware(at) for instance_id, at in rows}


def _ruling(case: dict) -> str:
    """valid, invalid, first_contact or not_ruled (a disputed ruling counts once the committee has ruled, C10)."""
    if case.get("resolved_on_call"):
        return "first_contact"
    if "valid" not in case or (case.get("disputed") and "ruling" not in case):
        return "not_ruled"
    return "valid" if case["valid"] is True else "invalid"


def _on_time(answered: datetime | None, due: datetime | None, now: datetime) -> bool | None:
    if due is None:
        return None
    if answered is not None:
        return answered <= due
    return False if now > due else None


def _instant(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def compile_month(month: str) -> MonthlyReport:
    """The report of ``month`` ('YYYY-MM') as the cases stand now (read-only)."""
    start, end = month_bounds(month)
    now = clock.now()
    if start > now:
        raise Invalid(f"{month} 尚未开始，没有可统计的投诉 (that month has not begun)")
    report = MonthlyReport(month=month, compiled_at=now)
    found = [(i, instances.case_data(i)) for i in _month_cases(start)]
    found = [(i, case) for i, case in found if start <= (_instant(case.get("received_at")) or start) < end]
    report.received = len(found)
    valid = []
    for instance, case in found:
        ruling = _ruling(case)
        setattr(report, ruling, getattr(report, ruling) + 1)
        if ruling == "valid":
            valid.append((instance, case))
    ids = [instance.id for instance, _ in valid]
    merged, external, breached = _history(ids)
    answers = _first_answers(ids)
    for instance, case in valid:
        # The first answer is measured against the first limit; a reopened case has a fresh one (issue 12, item 1).
        due = _instant(case.get("first_answer_due") or case.get("answer_due"))
        reason = case.get("reason", "")
        report.cases.append(
            CaseLine(
                instance_id=instance.id,
                case_no=case.get("case_no") or instance.business_key or str(instance.id),
                received_at=_instant(case["received_at"]),
                channel=case.get("channel", ""),
                responsible_unit=case.get("responsible_unit") or "（未定）",
                severity=case.get("severity", ""),
                reason=reason if reason.startswith("valid_") else COMMITTEE_REASON,
                answer_due=due,
                answered_at=answers.get(instance.id),
                on_time=_on_time(answers.get(instance.id), due, now),
                satisfaction=case.get("satisfaction") or NOT_RATED,
                merged_repeats=merged[instance.id],
                reopened=int(case.get("repeat_count") or 0),
                internal_to_external=bool(case.get("internal_to_external")) or instance.id in external,
                upgraded_to_major=bool(case.get("upgraded_to_major")),
                breached=instance.id in breached,
            )
        )
    return report


def labels() -> dict[str, dict[str, str]]:
    """Code -> Chinese label for channels and reason codes (the forms' own titles) and severities."""
    intake = forms.load_form(PROCESS, "intake")["properties"]["channel"]["oneOf"]
    reasons = forms.load_form(PROCESS, "validity")["properties"]["reason"]["oneOf"]
    return {
        "channel": {o["const"]: o["title"] for o in intake},
        "reason": {**{o["const"]: o["title"] for o in reasons}, COMMITTEE_REASON: "监督委员会裁定有效（C10）"},
        "severity": SEVERITY_LABELS,
    }
