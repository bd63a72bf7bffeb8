"""Keeping the holiday table: seed from chinese-calendar, edit a day, store a year's schedule (issue 3 §1). Deadlines
that depend on the table are recomputed by the platform (platform/deadlines.py), which calls these."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import delete, select

from app import calendar, clock
from app.calendar import table as workcalendar
from app.core.errors import Invalid
from app.core.tx import writes
from app.extensions import db
from app.models import CalendarDay, CalendarYear


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
def store_schedule(text: str, actor_id: int | None) -> tuple[int, list[int]]:
    rows, errors = calendar.parse_schedule_csv(text)
    if errors:
        raise Invalid(
            f"日历有 {len(errors)} 行有误，整份未导入；请按行号改正后再导入 (nothing imported)", errors=errors
        )
    if not rows:
        raise Invalid(f"表头之后没有数据行，未导入；请每行写一天，例如 {calendar.EXAMPLE_LINE} (no rows)")
    years = sorted({r.day.year for r in rows})
    for year in years:  # the official schedule replaces whatever was entered for that year before
        db.session.execute(
            delete(CalendarDay).where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
        )
    db.session.flush()
    for row in rows:
        _put(calendar.Day(row.day, row.workday, row.name, "import"), actor_id)
    mark_covered(years, "import")
    return len(rows), years


@writes
def mark_covered(years: list[int], source: str) -> None:
    for year in years:
        if db.session.get(CalendarYear, year) is None:
            db.session.add(CalendarYear(year=year, source=source, entered_at=clock.now()))
    workcalendar.forget()


def days_of_year(year: int) -> list[dict]:
    """Every day of a year as the holiday table sees it (the admin page's year view)."""
    table = workcalendar.table()
    out, day = [], date(year, 1, 1)
    while day.year == year:
        workday, provisional = calendar.is_workday(day, table)
        row = table.get(day)
        name, source = (row.name, row.source) if row is not None else ("", "")
        if row is None and provisional and not workday and day.weekday() < 5:
            name, source = next(((f.name, f.source) for f in calendar.fallback_rows(year) if f.day == day), ("", ""))
        out.append(
            {"date": day.isoformat(), "workday": workday, "name": name, "source": source, "provisional": provisional}
        )
        day += timedelta(days=1)
    return out
