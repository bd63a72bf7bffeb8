"""Phone searches are treated like views of a record (S21.4; issue 13, item 7).

A masked list shows the first three and last four digits. Searching by any suffix let a stranger recover a whole
number a digit at a time (…4085, …14085, …214085: 32 queries), none of them logged. Now a phone search matches
either exactly the last four digits (the hotline's 尾号 lookup) or a whole number (an 11-digit mobile, a landline with
its area code), nothing in between; every phone search is written to the view log with who asked and what they got,
and phone searches and unmasked record views together are limited per person per hour and per day (429 past it).
The log is the counter, so the limit holds across every web and scheduler process.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from app import clock
from app.core.errors import Invalid, TooManyRequests
from app.core.tx import writes
from app.customers.fields import FieldProblem, normalize_phone
from app.customers.masking import mask
from app.extensions import db
from app.models import Customer, CustomerView, User

TAIL_DIGITS = 4
PHONE_CHANNEL = "phone"
COUNTED = ("view", PHONE_CHANNEL)  # what the allowance counts: unmasked views and phone searches


def phone_term(raw: str) -> tuple[str, str]:
    """("tail", the last 4 digits) or ("whole", a normalised whole number); anything else is refused."""
    digits = "".join(ch for ch in raw if ch.isdigit())
    if len(digits) == TAIL_DIGITS and digits == raw.strip():
        return "tail", digits
    try:
        return "whole", normalize_phone(raw)
    except FieldProblem:
        raise Invalid(
            f"电话查询请输入完整号码（11 位手机号或带区号的固话）或号码后 {TAIL_DIGITS} 位 "
            f"(search by a whole phone number or exactly its last {TAIL_DIGITS} digits)"
        ) from None


def phone_matches(stored: str, kind: str, digits: str) -> bool:
    return stored.endswith(digits) if kind == "tail" else stored == digits


def _limits() -> tuple[int, int]:
    settings = current_app.config["GASFLOW"]
    return settings.lookups_per_hour, settings.lookups_per_day


def _count_since(user: User, since) -> int:
    query = (
        select(func.count())
        .select_from(CustomerView)
        .where(CustomerView.user_id == user.id, CustomerView.viewed_at >= since, CustomerView.channel.in_(COUNTED))
    )
    return db.session.scalar(query) or 0


def require_allowance(user: User | None) -> None:
    """Past the hourly or daily number of phone searches and unmasked views: 429, saying when to try again."""
    if user is None:
        return
    per_hour, per_day = _limits()
    now = clock.now()
    if _count_since(user, now - timedelta(hours=1)) >= per_hour:
        raise TooManyRequests(
            f"一小时内查询电话或查看完整信息已达 {per_hour} 次，请稍后再试 (at most {per_hour} phone searches and full "
            "views an hour)"
        )
    if _count_since(user, now - timedelta(days=1)) >= per_day:
        raise TooManyRequests(f"24 小时内查询电话或查看完整信息已达 {per_day} 次，请明天再试 (at most {per_day} a day)")


@writes
def record_phone_search(user: User | None, kind: str, digits: str, found: list[Customer]) -> None:
    """One row per search: who, what they typed (masked), how many they got; the customer when there was one."""
    shown = digits if kind == "tail" else mask(digits)
    db.session.add(
        CustomerView(
            viewed_at=clock.now(),
            user_id=user.id if user is not None else None,
            customer_id=found[0].id if len(found) == 1 else None,
            account_no=found[0].account_no if len(found) == 1 else "",
            channel=PHONE_CHANNEL,
            note=f"电话查询 {'尾号 ' if kind == 'tail' else ''}{shown}，{len(found)} 户"[:200],
        )
    )
