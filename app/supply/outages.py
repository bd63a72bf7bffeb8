"""Outages (停气, issue 16): a planned outage requested by 调度中心, 安装公司 or a branch (S24.1) and an emergency outage
started at once from the hotline or dispatch (S24.3, S24.4, S24.8). Both open here, after the checks the seed makes at
submission; the diagrams (processes/planned_outage.bpmn, processes/emergency_outage.bpmn) take them from there.

Checks at submission (refused with the reason and the fix, never silently):
- S24.1: only 调度中心, 安装公司 or a branch requests; a branch only for its own area; the branch concerned agrees
  (a diagram task), nobody cuts supply alone;
- S24.2: the start lies at least 48 h after the earliest possible publication (now plus the company setting
  ``outage_publish_lead_hours``: the branch agrees and the channels publish first) — the earliest legal start is
  offered; the start avoids the peak hours (company setting ``peak_hours``) unless a justification is given; an outage
  lasts at most 24 h unless the S24.4 measures are given (and then approved by the branch head).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from app import clock
from app.core.errors import Forbidden, Invalid
from app.core.tx import writes
from app.extensions import db
from app.models import ProcessInstance, User
from app.platform import company_settings, forms, instances, outbox
from app.supply import arrears, outage_area, outage_notice

PLANNED = "planned_outage"
EMERGENCY = "emergency_outage"
REQUESTING_UNITS = ("调度中心", "安装公司")  # S24.1, besides the branches
EMERGENCY_UNITS = ("客服中心", "调度中心")  # the hotline and dispatch (S24.8)
NOTICE_AHEAD = timedelta(hours=48)  # S24.2, 条例 art. 20
NORMAL_LIMIT = timedelta(hours=24)  # S24.2 "一般不应超过 24 小时"; S24.4 beyond
ROUND_TO = 30  # minutes: a suggested start is a round time
CHANNELS = {"posted": "张贴停气通知", "website": "公司网站", "wechat": "微信公众号", "app": "广元燃气APP",
            "newspaper": "报纸"}  # fmt: skip


@dataclass(frozen=True)
class OutageCase:
    instance_id: int
    case_no: str


def _instant(value: str | datetime) -> datetime:
    return clock.ensure_aware(datetime.fromisoformat(value) if isinstance(value, str) else value)


def _form_value(moment: datetime) -> str:
    """What a datetime-local input shows (Beijing wall time): the suggestion a person can take as is."""
    return clock.to_local(moment).strftime("%Y-%m-%dT%H:%M")


def _shown(moment: datetime) -> str:
    return clock.to_local(moment).strftime("%Y-%m-%d %H:%M")


def peak_ranges() -> list[tuple[time, time]]:
    return company_settings.time_ranges(str(company_settings.get("peak_hours")))


def peak_at(moment: datetime, ranges: list[tuple[time, time]]) -> tuple[time, time] | None:
    local = clock.to_local(moment).time()
    return next(((a, b) for a, b in ranges if a <= local < b), None)


def _after_peak(moment: datetime, ranges: list[tuple[time, time]]) -> datetime:
    """The moment itself, or the end of the peak it falls in (Beijing time)."""
    while (peak := peak_at(moment, ranges)) is not None:
        local = clock.to_local(moment)
        moment = local.replace(hour=peak[1].hour, minute=peak[1].minute, second=0, microsecond=0)
    return clock.ensure_aware(moment)


def earliest_publication(now: datetime) -> datetime:
    return now + timedelta(hours=int(company_settings.get("outage_publish_lead_hours")))


def earliest_start(published: datetime, ranges: list[tuple[time, time]]) -> datetime:
    """S24.2: the earliest legal start for a notice published then — 48 h later, on the next half hour, out of peak."""
    at = published + NOTICE_AHEAD
    minutes = math.ceil(at.timestamp() / 60 / ROUND_TO) * ROUND_TO
    return _after_peak(datetime.fromtimestamp(minutes * 60, tz=UTC), ranges)


def _problem(field: str, message: str, suggest: datetime | None = None) -> dict:
    found = {"field": field, "message": message}
    if suggest is not None:
        found["suggest"] = {"value": _form_value(suggest), "label": f"采用 {_shown(suggest)}"}
    return found


def schedule_problems(data: dict, now: datetime) -> list[dict]:
    """Every S24.2/S24.4 problem of a planned start and end (empty: acceptable), each with its fix."""
    ranges = peak_ranges()
    start, end = _instant(data["planned_start"]), _instant(data["planned_end"])
    found = []
    published = earliest_publication(now)
    earliest = earliest_start(published, ranges)
    if start < published + NOTICE_AHEAD:
        message = (f"计划停气须提前 48 小时公告（S24.2），审核和发布最早在 {_shown(published)} 完成，"
                   f"开始时间最早可定于 {_shown(earliest)}")  # fmt: skip
        found.append(_problem("planned_start", message, earliest))
    elif (peak := peak_at(start, ranges)) is not None and not str(data.get("peak_justification") or "").strip():
        later = _after_peak(start, ranges)
        found.append(_problem("planned_start", f"开始时间处于用气高峰 {peak[0]:%H:%M}-{peak[1]:%H:%M}（S24.2），请改到 "
                              f"{_shown(later)} 或填写高峰时段开始的理由", later))  # fmt: skip
    if end <= start:
        found.append(_problem("planned_end", "预计恢复供气时间须晚于开始时间"))
    elif end - start > NORMAL_LIMIT and not str(data.get("s24_4_measures") or "").strip():
        found.append(_problem("s24_4_measures", "停气超过 24 小时（S24.2），须填写 S24.4 保障措施并经分公司负责人批准"))
    return found


def require_schedule(data: dict, now: datetime) -> None:
    problems = schedule_problems(data, now)
    if problems:
        raise Invalid("停气时间不符合规定：" + "；".join(p["message"] for p in problems) + " (S24.2 schedule refused)",
                      errors=problems)  # fmt: skip


def _require_requester(user: User | None, area: outage_area.Area) -> str:
    """S24.1: 调度中心, 安装公司 or a branch — a branch for its own area only. Returns the requesting unit."""
    unit = getattr(user, "unit", None)
    if unit is None:
        raise Forbidden("计划停气须由调度中心、安装公司或分公司申请（S24.1）(requester unit required)")
    if unit.name in REQUESTING_UNITS or (unit.kind == "branch" and unit.name == area.branch):
        return unit.name
    if unit.kind == "branch":
        raise Forbidden(f"所选范围由{area.branch}供气，{unit.name}不能为其申请停气（S24.1）(another branch's area)")
    raise Forbidden(f"{unit.name}不能申请计划停气，只有调度中心、安装公司或分公司可以（S24.1）(S24.1 requester)")


def _case_facts(payload: dict, area: outage_area.Area, prefix: str) -> dict:
    return {"case_no": arrears.new_case_no(prefix), "branch": area.branch, "area_text": outage_area.describe(area.places),
            "affected_counts": area.counts, "affected_total": area.total,
            "affected_line": outage_area.counts_line(area.counts)}  # fmt: skip


@writes
def request_planned(payload: dict, user: User | None) -> OutageCase:
    """A planned outage request (S24.1, S24.2): checked, resolved to its customers, opened for the branch to agree."""
    forms.require_valid(PLANNED, "start", payload, "停气申请")
    area = outage_area.resolve(payload["areas"])
    unit = _require_requester(user, area)
    require_schedule(payload, clock.now())
    start, end = _instant(payload["planned_start"]), _instant(payload["planned_end"])
    data = {**payload, **_case_facts(payload, area, "TQ"), "requesting_unit": unit,
            "over_24h": end - start > NORMAL_LIMIT}  # fmt: skip
    instance = instances.start(PLANNED, data, user, business_key=data["case_no"], via_intake=True)
    return OutageCase(instance.id, data["case_no"])


@writes
def report_emergency(payload: dict, user: User | None) -> OutageCase:
    """An emergency outage (S24.3, S24.4, S24.8): opened at once; the diagram sends the SMS and tells everyone."""
    forms.require_valid(EMERGENCY, "start", payload, "紧急停气")  # started_at is x-past: it has happened
    area = outage_area.resolve(payload["areas"])
    unit = getattr(user, "unit", None)
    if unit is None or unit.name not in EMERGENCY_UNITS:
        raise Forbidden("紧急停气由客服热线或调度中心登记 (the hotline or dispatch reports an emergency outage)")
    started, restore = _instant(payload["started_at"]), _instant(payload["expected_restore"])
    if restore <= started:
        raise Invalid("预计恢复供气时间须晚于停气时间 (restore after start)",
                      errors=[{"field": "expected_restore", "message": "预计恢复供气时间须晚于停气时间"}])  # fmt: skip
    data = {**payload, **_case_facts(payload, area, "JT"), "reported_by_unit": unit.name}
    instance = instances.start(EMERGENCY, data, user, business_key=data["case_no"], via_intake=True)
    return OutageCase(instance.id, data["case_no"])


def planned_from_start_page(payload: dict, user: User) -> tuple[int, None]:
    return request_planned(payload, user).instance_id, None


def emergency_from_start_page(payload: dict, user: User) -> tuple[int, None]:
    return report_emergency(payload, user).instance_id, None


def past_24_hours(data: dict) -> bool:
    """S24.4: the outage has lasted 24 hours (the diagram's over24_at has passed)."""
    return bool(data.get("over24_at")) and _instant(data["over24_at"]) <= clock.now()


# --- what the diagrams call (registry script functions: their answers are recorded in the step's event) -----------


def notice(case_no: str, cause: str, areas: list, start: str, end: str, kind: str = "stop") -> str:
    return outage_notice.notice_text(case_no, cause, list(areas), start, end, kind)


def queue_sms(case_no: str, purpose: str, cause: str, areas: list, start: str, end: str, kind: str = "stop") -> int:
    """One SMS per affected customer with a phone, residential first (S24.4), in the step's transaction; the key
    (case, purpose, account) makes a repeated call add nothing. Returns how many were new."""
    instance_id = db.session.scalar(select(ProcessInstance.id).where(ProcessInstance.business_key == case_no))
    text = outage_notice.sms_text(purpose, cause, list(areas), start, end, kind)
    params = outage_notice.sms_params(cause, list(areas), start, end)
    kind_name = f"outage_{purpose}"
    messages = (
        outbox.Message(f"outage:{case_no}:{purpose}:{account}", kind_name, phone, text, params, account, instance_id)
        for account, _class, phone in outage_area.recipients(list(areas))
    )
    return outbox.enqueue_many(messages)


# --- task rules (what a schema cannot say) ------------------------------------------------------------------------


def check_reschedule(data: dict, case: dict) -> dict:
    """S24.2: publication missed its deadline; the new schedule passes the same checks as a request."""
    if data.get("reschedule_decision") == "cancel":
        return data
    require_schedule({**case, **data}, clock.now())
    start, end = _instant(data["planned_start"]), _instant(data["planned_end"])
    return {**data, "over_24h": end - start > NORMAL_LIMIT}


def check_publication(data: dict, case: dict) -> dict:
    """S24.2: every channel published, by whom and when, no later than 48 h before the start."""
    deadline = _instant(case["planned_start"]) - NOTICE_AHEAD
    problems = []
    for key, label in CHANNELS.items():
        at, by = data.get(f"{key}_published_at"), data.get(f"{key}_published_by")
        if not at or not by:
            problems.append({"field": f"{key}_published_at", "message": f"{label}：须填写发布时间和发布人"})
        elif _instant(at) > min(clock.now(), deadline):
            problems.append({"field": f"{key}_published_at",
                             "message": f"{label}：发布时间须不晚于现在和停气前 48 小时（{_shown(deadline)}）"})  # fmt: skip
    if problems:
        raise Invalid("公告发布记录不完整 (publication incomplete, S24.2)", errors=problems)
    return {**data, "published_complete": True}


def check_agreement(data: dict, case: dict) -> dict:
    """S24.4: an outage over 24 h goes ahead only with its measures approved by the branch head."""
    if data.get("agreed") and case.get("over_24h") and not data.get("measures_approved"):
        message = "停气超过 24 小时，同意前须批准 S24.4 保障措施"
        raise Invalid(f"{message} (S24.4)", errors=[{"field": "measures_approved", "message": message}])
    return data
