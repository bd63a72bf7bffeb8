"""The company's own values the rules leave open, kept in the database so server, scheduler and CLI agree and an
administrator can change them without a deployment (S24.6: the payment deadline on the 缴费及停气通知书).

Diagrams read them through the registry function ``setting(name)`` (script_functions), so the value used by a step
is recorded in its event and replay stays exact after a later change.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time

from sqlalchemy import select

from app import clock
from app.core.errors import Invalid, NotFound
from app.core.tx import writes
from app.extensions import db
from app.models import AppSetting, User
from app.org.access import require_role


@dataclass(frozen=True)
class CompanySetting:
    name: str
    label: str
    default: int | str
    minimum: int = 0
    maximum: int = 0
    check: Callable[[str], str | None] | None = None  # a text setting: its problem, or None when usable

    @property
    def text(self) -> bool:
        return self.check is not None


_RANGE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


def time_ranges(value: str) -> list[tuple[time, time]]:
    """ "06:30-08:30, 11:00-13:00" -> [(06:30, 08:30), (11:00, 13:00)] (Beijing wall time); Invalid when malformed."""
    found = []
    for part in (p.strip() for p in str(value).replace("，", ",").split(",")):
        match = _RANGE.match(part)
        if not match:
            raise Invalid(f"时段“{part}”格式应为 HH:MM-HH:MM，多个时段用逗号分隔 (time ranges HH:MM-HH:MM required)")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if (h2, m2) <= (h1, m1):
            raise Invalid(f"时段“{part}”的结束须晚于开始 (a range must end after it starts)")
        found.append((time(h1, m1), time(h2, m2)))
    return found


def _ranges_problem(value: str) -> str | None:
    try:
        return None if time_ranges(value) else "至少填写一个时段 (at least one range)"
    except Invalid as err:
        return err.detail


SETTINGS = {
    s.name: s
    for s in [
        # S24.6: days the customer has, after the written notice is issued, to pay before disconnection.
        CompanySetting("arrears_notice_days", "缴费及停气通知书缴费期限（天）", 7, 1, 60),
        # S24.2: hours from a planned outage request to its earliest publication (the branch agrees first); the start
        # must lie 48 h after that, so it is the earliest legal start the request page offers.
        CompanySetting("outage_publish_lead_hours", "计划停气申请至公告发布所需时间（小时）", 4, 0, 72),
        # S24.2: a planned outage starts outside the peak hours of gas use (Beijing time; the company's own values).
        CompanySetting(
            "peak_hours",
            "用气高峰时段（计划停气应避开）",
            "06:30-08:30, 11:00-13:00, 17:00-19:30",
            check=_ranges_problem,
        ),  # fmt: skip
        # C14.1 (issue 12, item 4): the "due tomorrow" reminder goes out at the start of the working day before the
        # deadline's day; minutes after local midnight (510 = 08:30 Beijing time).
        CompanySetting("due_reminder_minutes", "到期提醒发送时刻（自零点起的分钟数，510 即 08:30）", 510, 0, 1439),
    ]
}


def _key(name: str) -> str:
    return f"company.{name}"


def _known(name: str) -> CompanySetting:
    if name not in SETTINGS:
        raise NotFound(f"没有名为 {name} 的公司设置 (unknown company setting)")
    return SETTINGS[name]


def get(name: str) -> int | str:
    known = _known(name)
    stored = db.session.scalar(select(AppSetting.value_json).where(AppSetting.key == _key(name)))
    return json.loads(stored) if stored is not None else known.default


def all_values() -> dict[str, dict]:
    return {s.name: {"label": s.label, "value": get(s.name), "default": s.default, "minimum": s.minimum,
                     "maximum": s.maximum, "text": s.text} for s in SETTINGS.values()}  # fmt: skip


@writes
def put(name: str, value: object, user: User) -> int | str:
    require_role(user, "admin")
    known = _known(name)
    if known.text:
        problem = known.check(value) if isinstance(value, str) else f"{known.label} 须为文本 (text required)"
        if problem:
            raise Invalid(f"{known.label}：{problem}")
        value = value.strip()
    elif isinstance(value, bool) or not isinstance(value, int) or not known.minimum <= value <= known.maximum:
        raise Invalid(f"{known.label} 须为 {known.minimum}-{known.maximum} 的整数 (integer in range required)")
    row = db.session.get(AppSetting, _key(name))
    if row is None:
        row = AppSetting(key=_key(name), value_json="null", updated_at=clock.now())
        db.session.add(row)
    row.value_json = json.dumps(value)
    row.updated_at = clock.now()
    return value
