"""Keeping the holiday table: seed from chinese-calendar, edit a day, import a year's schedule (issue 3 §1)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app import calendar, clock
from app.extensions import db
from app.models import CalendarDay, CalendarYear
from app.services import workcalendar
from app.services.errors import Invalid
from app.services.tx import writes


@writes
def seed_from_package() -> int:
    """Every year chinese-calendar covers, unless the year is already in the table. Returns rows added."""
    have = set(db.session.scalars(select(CalendarYear.year)))
    now = clock.now()
    added = 0
    for row in calendar.chinese_calendar_rows():
        if row.day.year in have:
            continue
        db.session.add(CalendarDay(day=row.day, workday=row.workday, name=row.name, source=row.source, updated_at=now))
        added += 1
    for year in calendar.chinese_calendar_years():
        if year not in have:
            db.session.add(CalendarYear(year=year, source="chinese_calendar", entered_at=now))
    workcalendar.forget()
    return added


def _put(row: calendar.Day, actor_id: int | None) -> None:
    existing = db.session.get(CalendarDay, row.day)
    if existing is None:
        existing = CalendarDay(day=row.day)
        db.session.add(existing)
    existing.workday = row.workday
    existing.name = row.name
    existing.source = row.source
    existing.updated_at = clock.now()
    existing.updated_by_id = actor_id


@writes
def set_day(day: date, workday: bool, name: str, actor_id: int | None) -> calendar.Day:
    row = calendar.Day(day, workday, name.strip(), "admin")
    _put(row, actor_id)
    workcalendar.forget()
    return row


@writes
def import_year(text: str, actor_id: int | None) -> tuple[int, list[int]]:
    """A year's official schedule as CSV (date,workday,name). Nothing is imported if any line is wrong.

    Returns (rows stored, years now covered by this import)."""
    rows, errors = calendar.parse_schedule_csv(text)
    if errors:
        raise Invalid("日历文件有误，未导入任何内容 (nothing imported)", errors=errors)
    if not rows:
        raise Invalid("日历文件没有数据行 (no rows)")
    years = sorted({r.day.year for r in rows})
    for row in rows:
        _put(calendar.Day(row.day, row.workday, row.name, "import"), actor_id)
    for year in years:
        if db.session.get(CalendarYear, year) is None:
            db.session.add(CalendarYear(year=year, source="import", entered_at=clock.now()))
    workcalendar.forget()
    return len(rows), years
