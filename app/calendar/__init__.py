"""Working-day calendar (rules.md, "The working-day calendar"; C14.1). Public names re-exported from workdays."""

from app.calendar.workdays import (
    EXAMPLE_LINE,
    MAKE_UP_WORKDAY,
    SHANGHAI,
    Day,
    DayTable,
    Deadline,
    MemoryDayTable,
    add_hours,
    add_working_days,
    chinese_calendar_rows,
    chinese_calendar_years,
    fallback_rows,
    is_workday,
    parse_schedule_csv,
    working_time_left,
)

__all__ = [
    "EXAMPLE_LINE",
    "MAKE_UP_WORKDAY",
    "SHANGHAI",
    "Day",
    "DayTable",
    "Deadline",
    "MemoryDayTable",
    "add_hours",
    "add_working_days",
    "chinese_calendar_rows",
    "chinese_calendar_years",
    "fallback_rows",
    "is_workday",
    "parse_schedule_csv",
    "working_time_left",
]
