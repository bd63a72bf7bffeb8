"""The holiday calendar as the administration page shows it (issue 7 §7): a year as twelve month grids."""

from __future__ import annotations

import calendar as month_grid
from dataclasses import dataclass
from datetime import date

from app.calendar import admin as calendar_admin
from app.calendar import table as workcalendar


@dataclass(frozen=True)
class CalendarCell:
    day: date
    workday: bool
    name: str
    exceptional: bool  # differs from the Mon-Fri rule: a holiday on a weekday or a make-up workday (调休)
    provisional: bool


@dataclass(frozen=True)
class CalendarMonth:
    month: int
    weeks: list[list[CalendarCell | None]]  # Monday first; None pads the first and last week


def year_view(year: int) -> tuple[list[CalendarMonth], bool]:
    """Twelve month grids of calendar_admin.days_of_year, and whether the year's official schedule is entered."""
    cells = {}
    for row in calendar_admin.days_of_year(year):
        day = date.fromisoformat(row["date"])
        exceptional = row["workday"] != (day.weekday() < 5)
        cells[day] = CalendarCell(day, row["workday"], row["name"], exceptional, row["provisional"])
    months = []
    for month in range(1, 13):
        weeks = [
            [cells.get(day) if day.month == month else None for day in week]
            for week in month_grid.Calendar(firstweekday=0).monthdatescalendar(year, month)
        ]
        months.append(CalendarMonth(month, weeks))
    return months, year in workcalendar.covered_years()
