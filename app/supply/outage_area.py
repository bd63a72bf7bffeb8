"""An outage's area (S24.5 "停气范围"): districts, streets and estates picked from the customer archive, resolved to
the customers supplied there, counted by class with residential customers first (S24.4: residential supply first).

A place is the place picker's value (platform/pickers.py): "利州区", "利州区/嘉陵街道" or "利州区/嘉陵街道/滨江花园".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select

from app.core.errors import Invalid
from app.extensions import db
from app.models import Customer, CustomerPhone, Unit
from app.platform.pickers import place_parts

# B (residential) first: S24.4 puts residential supply first, and the request shows who is hit in that order.
CLASS_ORDER = ("B1", "B2", "A1", "A2", "A3")
CLASS_LABELS = {"B1": "居民集体", "B2": "居民散户", "A1": "工业", "A2": "商业", "A3": "公福及其他"}
COLUMNS = (Customer.district, Customer.street, Customer.estate)
MOBILE = "1__________"  # eleven digits starting with 1: a mainland mobile number


@dataclass(frozen=True)
class Area:
    places: list[str]
    counts: dict[str, int]  # customer class -> customers, in CLASS_ORDER
    branch: str  # the branch company supplying the area (S24.1: it takes part in every outage there)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _where(places: list[str]):
    return or_(*(and_(*(c == p for c, p in zip(COLUMNS, place_parts(v), strict=False))) for v in places))


def describe(places: list[str]) -> str:
    """The area as the notice states it (S24.5): 利州区嘉陵街道滨江花园、利州区东坝街道."""
    return "、".join("".join(place_parts(p)) for p in places)


def counts_line(counts: dict[str, int]) -> str:
    return "，".join(f"{CLASS_LABELS.get(k, k)}（{k}）{n:,} 户" for k, n in counts.items() if n)


def resolve(places: list[str]) -> Area:
    """The customers of the places, counted by class; refused when it names no customer or spans two branches (the
    branch concerned agrees to the outage, S24.1: one branch per request)."""
    places = [p for p in dict.fromkeys(places) if place_parts(p)]
    if not places:
        raise Invalid("请选择停气范围（区县、街道或小区）(pick the outage area)",
                      errors=[{"field": "areas", "message": "请从客户档案中选择停气范围"}])  # fmt: skip
    rows = db.session.execute(
        select(Customer.customer_class, Unit.name, func.count())
        .join(Unit, Unit.id == Customer.branch_id)
        .where(_where(places))
        .group_by(Customer.customer_class, Unit.name)
    ).all()
    branches = sorted({branch for _, branch, _ in rows})
    if not rows:
        raise Invalid("所选范围内没有客户 (no customer in the area)",
                      errors=[{"field": "areas", "message": "所选范围内没有客户，请重新选择"}])  # fmt: skip
    if len(branches) > 1:
        message = f"所选范围分属{'、'.join(branches)}，一次申请只能涉及一个分公司，请分开申请"
        raise Invalid(f"{message} (one branch per request)", errors=[{"field": "areas", "message": message}])
    by_class: dict[str, int] = {}
    for customer_class, _, n in rows:
        by_class[customer_class] = by_class.get(customer_class, 0) + n
    ordered = {k: by_class.pop(k) for k in CLASS_ORDER if k in by_class} | dict(sorted(by_class.items()))
    return Area(places, ordered, branches[0])


def recipients(places: list[str]) -> Iterator[tuple[str, str, str]]:
    """(account_no, customer class, first mobile number) of every customer in the places that has a mobile, residential
    customers first (S24.4), streamed in account order within a class. A landline cannot take an SMS."""
    first_phone = (
        select(CustomerPhone.customer_id, func.min(CustomerPhone.position).label("position"))
        .where(CustomerPhone.phone.like(MOBILE))
        .group_by(CustomerPhone.customer_id)
        .subquery()
    )
    order = [Customer.customer_class != k for k in CLASS_ORDER]
    stmt = (
        select(Customer.account_no, Customer.customer_class, CustomerPhone.phone)
        .join(first_phone, first_phone.c.customer_id == Customer.id)
        .join(
            CustomerPhone,
            and_(CustomerPhone.customer_id == Customer.id, CustomerPhone.position == first_phone.c.position),
        )
        .where(_where(places))
        .order_by(*order, Customer.account_no)
    )
    yield from db.session.execute(stmt.execution_options(yield_per=2000))
