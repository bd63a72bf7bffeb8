"""The holiday table gained a year (import or an administrator's confirmation): every deadline computed on the
provisional rule is computed again (rules.md, "recomputed when the year is entered"). A use case of the platform,
above the calendar: the table is edited by calendar.admin, the deadlines live on tasks and timers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from app import calendar
from app.calendar import admin as calendar_admin
from app.calendar import table as workcalendar
from app.core.errors import Invalid
from app.platform import derived_deadlines, sla, timers


@dataclass(frozen=True)
class Imported:
    rows: int
    years: list[int]
    tasks_recomputed: int  # open tasks whose provisional deadline was computed again
    timers_recomputed: int  # instances whose calendar-derived timers or data moved


def import_year(text: str, actor_id: int | None) -> Imported:
    """A year's official schedule as CSV (date,workday,name); it replaces the rows of the years it covers and marks
    them covered. Nothing is imported if any line is wrong. Then provisional deadlines are computed again."""
    rows, years = calendar_admin.store_schedule(text, actor_id)
    return Imported(rows, years, *_recompute_after(years))


def confirm_year(year: int, actor_id: int | None) -> Imported:
    """An administrator entered a year's days one by one (set_day) and declares the year complete."""
    if not 1900 < year < 2200:
        raise Invalid(f"年份 {year} 不合理 (implausible year)")
    calendar_admin.mark_covered([year], "admin")
    return Imported(0, [year], *_recompute_after([year]))


def _recompute_after(years: list[int]) -> tuple[int, int]:
    """Deadlines that ended in (or ran through) these years may have been provisional."""
    workcalendar.forget()
    since = datetime.combine(date(min(years), 1, 1), time(0), tzinfo=calendar.SHANGHAI)
    tasks = sla.recompute_provisional_tasks()
    # Values a script derived from the calendar (answer_due, reminder_at …), found by the recorded calls (issue 12);
    # that step evaluates every timer of the case again, so the pass over add_working_days timers finds the rest.
    cases = derived_deadlines.recompute_all()
    return tasks, cases + timers.recompute_calendar_timers(since)
