"""The company's own values the rules leave open, kept in the database so server, scheduler and CLI agree and an
administrator can change them without a deployment (S24.6: the payment deadline on the 缴费及停气通知书).

Diagrams read them through the registry function ``setting(name)`` (script_functions), so the value used by a step
is recorded in its event and replay stays exact after a later change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

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
    default: int
    minimum: int
    maximum: int


SETTINGS = {
    s.name: s
    for s in [
        # S24.6: days the customer has, after the written notice is issued, to pay before disconnection.
        CompanySetting("arrears_notice_days", "缴费及停气通知书缴费期限（天）", 7, 1, 60),
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


def get(name: str) -> int:
    known = _known(name)
    stored = db.session.scalar(select(AppSetting.value_json).where(AppSetting.key == _key(name)))
    return json.loads(stored) if stored is not None else known.default


def all_values() -> dict[str, dict]:
    return {s.name: {"label": s.label, "value": get(s.name), "default": s.default, "minimum": s.minimum,
                     "maximum": s.maximum} for s in SETTINGS.values()}  # fmt: skip


@writes
def put(name: str, value: object, user: User) -> int:
    require_role(user, "admin")
    known = _known(name)
    if isinstance(value, bool) or not isinstance(value, int) or not known.minimum <= value <= known.maximum:
        raise Invalid(f"{known.label} 须为 {known.minimum}-{known.maximum} 的整数 (integer in range required)")
    row = db.session.get(AppSetting, _key(name))
    if row is None:
        row = AppSetting(key=_key(name), value_json="null", updated_at=clock.now())
        db.session.add(row)
    row.value_json = json.dumps(value)
    row.updated_at = clock.now()
    return value
