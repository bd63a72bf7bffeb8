"""Customer-data access log (issue 15 §7, S21.4, M5.5): who saw which customer's unmasked record, when, how and from
which case; searchable; anyone who opened an unusual number of archives in one day is flagged."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from app import clock
from app.extensions import db
from app.models import CustomerView, User

PAGE_SIZE = 100
# Hundreds of archives a day is not a day's service work (a branch agent opens a few dozen at most).
UNUSUAL_PER_DAY = 100
CHANNELS = {"view": "查看档案", "edit": "修改后回显", "export": "导出档案", "case": "案件明文"}


@dataclass(frozen=True)
class ViewQuery:
    username: str = ""
    account_no: str = ""
    instance_id: int | None = None
    since: date | None = None
    until: date | None = None
    page: int = 1


@dataclass(frozen=True)
class ViewRow:
    at: datetime
    username: str
    display_name: str
    account_no: str
    channel: str
    instance_id: int | None
    note: str


def _day(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=clock.SHANGHAI)


def _filtered(query: ViewQuery):
    stmt = select(CustomerView, User.username, User.display_name).outerjoin(User, User.id == CustomerView.user_id)
    if query.username.strip():
        stmt = stmt.where(User.username == query.username.strip())
    if query.account_no.strip():
        stmt = stmt.where(CustomerView.account_no == query.account_no.strip().upper())
    if query.instance_id is not None:
        stmt = stmt.where(CustomerView.instance_id == query.instance_id)
    if query.since:
        stmt = stmt.where(CustomerView.viewed_at >= _day(query.since))
    if query.until:
        stmt = stmt.where(CustomerView.viewed_at < _day(query.until + timedelta(days=1)))
    return stmt


def search(query: ViewQuery) -> tuple[list[ViewRow], int]:
    stmt = _filtered(query)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    page = max(query.page, 1)
    rows = db.session.execute(
        stmt.order_by(CustomerView.viewed_at.desc(), CustomerView.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return [
        ViewRow(
            v.viewed_at,
            username or "（系统）",
            display or "",
            v.account_no,
            CHANNELS.get(v.channel, v.channel),
            v.instance_id,
            v.note,
        )  # fmt: skip
        for v, username, display in rows
    ], total


@dataclass(frozen=True)
class VolumeFlag:
    username: str
    display_name: str
    day: date
    customers: int


def unusual_volume(since: date, until: date, threshold: int = UNUSUAL_PER_DAY) -> list[VolumeFlag]:
    """People who opened at least ``threshold`` different customers' records on one (Beijing) day."""
    rows = db.session.execute(
        select(CustomerView.user_id, CustomerView.viewed_at, CustomerView.account_no).where(
            CustomerView.user_id.is_not(None),
            CustomerView.viewed_at >= _day(since),
            CustomerView.viewed_at < _day(until + timedelta(days=1)),
        )
    )
    seen: dict[tuple[int, date], set[str]] = {}
    for user_id, at, account in rows:
        seen.setdefault((user_id, clock.to_local(clock.ensure_aware(at)).date()), set()).add(account)
    counts = Counter({key: len(accounts) for key, accounts in seen.items() if len(accounts) >= threshold})
    if not counts:
        return []
    people = dict(
        (uid, (name, display))
        for uid, name, display in db.session.execute(
            select(User.id, User.username, User.display_name).where(User.id.in_({uid for uid, _d in counts}))
        )
    )
    return [
        VolumeFlag(people[uid][0], people[uid][1], day, n)
        for (uid, day), n in sorted(counts.items(), key=lambda item: (-item[1], item[0][1]))
    ]
