"""Units with their people, as the administration page lists them (issue 7 §7)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from app.extensions import db
from app.models import Unit, User

UNIT_KINDS = {"csc": "客服中心", "branch": "主营分公司", "department": "职能部门"}


@dataclass(frozen=True)
class UnitRow:
    unit: Unit
    people: int


def units() -> list[UnitRow]:
    counts = dict(db.session.execute(select(User.unit_id, func.count()).group_by(User.unit_id)).all())
    return [UnitRow(u, counts.get(u.id, 0)) for u in db.session.scalars(select(Unit).order_by(Unit.id))]
