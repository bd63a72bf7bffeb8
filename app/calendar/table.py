"""The holiday table in the database, cached in memory, and the deadline functions built on it (issue 3 §1-2)."""

from __future__ import annotations

import time as monotonic_time
from datetime import date, datetime, time
from threading import Lock

from sqlalchemy import select

from app import calendar, clock
from app.extensions import db
from app.models import CalendarDay, CalendarYear

_CACHE_SECONDS = 5.0
_lock = Lock()
_cache: tuple[float, calendar.MemoryDayTable] | None = None


def table() -> calendar.MemoryDayTable:
    """The whole table (a few hundred rows a year) held in memory; reloaded after a change or every few seconds."""
    global _cache
    with _lock:
        if _cache is not None and monotonic_time.monotonic() - _cache[0] < _CACHE_SECONDS:
            return _cache[1]
    days = [calendar.Day(r.day, r.workday, r.name, r.source) for r in db.session.scalars(select(CalendarDay)).all()]
    years = list(db.session.scalars(select(CalendarYear.year)))
    loaded = calendar.MemoryDayTable(days, years)
    with _lock:
        _cache = (monotonic_time.monotonic(), loaded)
    return loaded


def forget() -> None:
    global _cache
    with _lock:
        _cache = None


def end_of_day() -> time | None:
    return None  # 24:00 (Civil Code art. 203); a setting in the admin pages may set close of business instead


def add_working_days(start: datetime, n: int) -> calendar.Deadline:
    return calendar.add_working_days(start, n, table(), end_of_day())


def working_time_left(due: datetime, now: datetime | None = None):
    return calendar.working_time_left(now or clock.now(), due, table(), end_of_day())


def covered_years() -> list[int]:
    return sorted(db.session.scalars(select(CalendarYear.year)))


def day_info(day: date) -> tuple[bool, bool]:
    return calendar.is_workday(day, table())


def coverage_warning(now: datetime | None = None) -> str | None:
    """From 1 December administrators are warned while next year's schedule is missing (rules.md); and always when the
    current year itself is missing. Deadlines are still computed then, on the provisional rule, and marked as such."""
    today = (now or clock.now()).astimezone(calendar.SHANGHAI).date()
    years = set(covered_years())
    missing = [y for y in (today.year, today.year + 1) if y not in years and (y == today.year or today.month == 12)]
    if not missing:
        return None
    names = "、".join(f"{y} 年" for y in missing)
    return (
        f"{names}节假日安排尚未录入：涉及该年的期限按周末和固定节日推定，标为“暂定”，录入后自动重算。"
        f"(the official schedule for {', '.join(map(str, missing))} is missing; such deadlines are provisional)"
    )
