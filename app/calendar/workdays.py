"""Working-day arithmetic on the Chinese statutory calendar (rules.md, "The working-day calendar"; C14.1).

Pure logic: the holiday table is passed in. Nothing guesses silently and nothing refuses: a year the table does not
cover is computed with a fixed-date fallback and flagged ``provisional``, to be shown as such and recomputed later.
"""

from __future__ import annotations

import csv
import functools
import io
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

import chinese_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
_ONE_DAY = timedelta(days=1)
# A covered year whose rows mark ~10 years as days off is corrupt data; stop instead of looping forever.
_MAX_SCAN_DAYS = 3660

# Provisional rule for years without a published schedule: the statutory holidays that sit on fixed Gregorian dates
# (全国年节及纪念日放假办法 as revised 2024, in force 2025: 元旦 1 Jan, 劳动节 1-2 May, 国庆节 1-3 Oct). Lunar holidays
# (春节, 清明, 端午, 中秋) and the State Council's 调休 swaps cannot be known in advance, hence "provisional".
_FIXED_HOLIDAYS: dict[tuple[int, int], str] = {(1, 1): "元旦", (5, 1): "劳动节", (5, 2): "劳动节"}
_FIXED_HOLIDAYS |= {(10, dom): "国庆节" for dom in (1, 2, 3)}
MAKE_UP_WORKDAY = "调休上班"


@dataclass(frozen=True)
class Day:
    """One row of the holiday table."""

    day: date
    workday: bool
    name: str = ""  # e.g. "春节", "国庆节", "调休上班"
    source: str = ""  # "chinese_calendar", "admin", "import", "fallback"


class DayTable(Protocol):
    def get(self, day: date) -> Day | None: ...  # None: the date has no row

    def covers(self, year: int) -> bool: ...  # is this year's official schedule known?


class MemoryDayTable:
    """Dict-backed DayTable; used by tests and as the DB layer's in-memory cache."""

    def __init__(self, days: Iterable[Day] = (), years: Iterable[int] = ()) -> None:
        self._days: dict[date, Day] = {d.day: d for d in days}
        self._years: set[int] = set(years)

    def get(self, day: date) -> Day | None:
        return self._days.get(day)

    def covers(self, year: int) -> bool:
        return year in self._years

    def put(self, day: Day) -> None:
        self._days[day.day] = day  # replaces an existing row (admin correction)

    @property
    def years(self) -> frozenset[int]:
        return frozenset(self._years)


@dataclass(frozen=True)
class Deadline:
    due: datetime  # timezone-aware, UTC
    provisional: bool  # some year the computation touched is not covered by the table


def _weekday_rule(day: date) -> bool:
    return day.weekday() < 5


def is_workday(day: date, table: DayTable) -> tuple[bool, bool]:
    """Return (workday, provisional).

    Covered year: the row decides; no row means the ordinary Mon-Fri rule (the table only stores exceptions).
    Uncovered year: a row still decides if an administrator entered one early, else weekdays minus the fixed-date
    statutory holidays; either way the answer is provisional until the whole year is entered.
    """
    row = table.get(day)
    if table.covers(day.year):
        return (row.workday if row is not None else _weekday_rule(day)), False
    if row is not None:
        return row.workday, True
    return _weekday_rule(day) and (day.month, day.day) not in _FIXED_HOLIDAYS, True


def _require_aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime, got naive {value.isoformat()}")


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=SHANGHAI)


def _day_end(day: date, end_of_day: time | None) -> datetime:
    """End of a working day in Shanghai: 24:00 (Civil Code art. 203), or close of business if given."""
    if end_of_day is None:
        return _local_midnight(day + _ONE_DAY)
    return datetime.combine(day, end_of_day, tzinfo=SHANGHAI)


def _check_end_of_day(end_of_day: time | None) -> None:
    if end_of_day is not None and end_of_day.tzinfo is not None:
        raise ValueError("end_of_day must be a naive local time (it is read in Asia/Shanghai)")


def add_working_days(start: datetime, n: int, table: DayTable, end_of_day: time | None = None) -> Deadline:
    """Deadline that ends n working days after the moment of receipt ``start`` (C14.1: n=5).

    Civil Code art. 201: the day of receipt is not counted, whatever the hour; counting starts the next calendar day
    in Asia/Shanghai. Art. 203: the period ends at the end of the n-th working day, i.e. 24:00 (returned as 00:00 of
    the following calendar day) or, with ``end_of_day``, at that local time on the n-th working day.
    n must be >= 1: "within 0 working days" has no meaning under art. 201, so it is rejected rather than guessed.
    """
    _require_aware(start, "start")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be an integer >= 1 (the day of receipt is never counted), got {n!r}")
    _check_end_of_day(end_of_day)
    day = start.astimezone(SHANGHAI).date()
    provisional = False
    counted = 0
    for _ in range(_MAX_SCAN_DAYS + n):
        day += _ONE_DAY
        workday, guessed = is_workday(day, table)
        provisional = provisional or guessed
        counted += workday
        if counted == n:
            return Deadline(_day_end(day, end_of_day).astimezone(UTC), provisional)
    raise ValueError(f"no {n} working days within {_MAX_SCAN_DAYS} days after {start.isoformat()}; check the table")


def add_hours(start: datetime, hours: float) -> datetime:
    """Elapsed hours, weekends and holidays included (S24.6: 6 hours; negative for S14.1 "2 hours before")."""
    _require_aware(start, "start")
    if not math.isfinite(hours):
        raise ValueError(f"hours must be a finite number, got {hours!r}")
    return start.astimezone(UTC) + timedelta(hours=hours)


def working_time_left(now: datetime, due: datetime, table: DayTable, end_of_day: time | None = None) -> timedelta:
    """Working time from ``now`` until ``due`` (countdowns on C14.1 tasks); the clock stops on days off.

    A working day counts from local 00:00 to 24:00, or to ``end_of_day`` if given; the first day from now's local
    time. Overdue (due < now): minus the wall-clock time since due, so "2 hours late" is -2 h whatever the calendar.
    Uncovered years use the fallback rule; the provisional flag lives on the Deadline.
    """
    _require_aware(now, "now")
    _require_aware(due, "due")
    _check_end_of_day(end_of_day)
    now, due = now.astimezone(UTC), due.astimezone(UTC)
    if due <= now:
        return -(now - due)
    total = timedelta(0)
    day = now.astimezone(SHANGHAI).date()
    last = due.astimezone(SHANGHAI).date()
    while day <= last:
        if is_workday(day, table)[0]:
            begin = max(now, _local_midnight(day).astimezone(UTC))
            end = min(due, _day_end(day, end_of_day).astimezone(UTC))
            if end > begin:
                total += end - begin
        day += _ONE_DAY
    return total


def fallback_rows(year: int) -> list[Day]:
    """The provisional rule for an uncovered year as rows, for display only (e.g. "元旦(推定)")."""
    return [Day(date(year, m, d), False, f"{name}(推定)", "fallback") for (m, d), name in _FIXED_HOLIDAYS.items()]


def chinese_calendar_years() -> range:
    """Years chinese_calendar has data for (1.11.0: 2004-2026); it raises NotImplementedError outside them."""
    known = chinese_calendar.holidays.keys()
    return range(min(known).year, max(known).year + 1)


def _holiday_name(english: str) -> str:
    try:
        return chinese_calendar.Holiday(english).chinese
    except ValueError:  # a newer package may name a holiday the enum lacks; keep its English name
        return english


def chinese_calendar_rows() -> Iterator[Day]:
    """Seed rows from chinese_calendar, source "chinese_calendar".

    Emitted, for every date of every covered year: (1) holidays on Mon-Fri (workday=False, holiday name);
    (2) make-up workdays on Sat/Sun (workday=True, name "调休上班"); (3) Sat/Sun inside a named holiday period
    (workday=False, holiday name) so the whole period shows its name. Ordinary weekdays and weekends are not
    emitted: in a covered year is_workday applies the Mon-Fri rule to dates without a row.
    """
    return iter(_chinese_calendar_rows())


@functools.cache
def _chinese_calendar_rows() -> tuple[Day, ...]:
    # Computed once: chinese_calendar re-scans its whole table on every call (~0.3 s for all years).
    rows = []
    for year in chinese_calendar_years():
        day = date(year, 1, 1)
        while day.year == year:
            workday = chinese_calendar.is_workday(day)
            # get_holiday_detail names a make-up workday after the holiday it serves; only the bool tells them apart
            _, english = chinese_calendar.get_holiday_detail(day)
            if workday != _weekday_rule(day):
                name = MAKE_UP_WORKDAY if workday else (_holiday_name(english) if english else "")
                rows.append(Day(day, workday, name, "chinese_calendar"))
            elif not workday and english:
                rows.append(Day(day, False, _holiday_name(english), "chinese_calendar"))
            day += _ONE_DAY
    return tuple(rows)


_FLAGS = {"1": True, "true": True, "是": True, "班": True, "0": False, "false": False, "否": False, "休": False}
EXAMPLE_LINE = "2027-01-01,0,元旦"


def _parse_row(fields: list[str], columns: int) -> Day:
    """One data line; a ValueError's text is the sentence the administrator reads after "第 N 行："."""
    if not 2 <= len(fields) <= columns:
        raise ValueError(f"应有 {'2 或 3' if columns == 3 else '2'} 列（日期,是否上班{',名称' if columns == 3 else ''}），"
                         f"这一行有 {len(fields)} 列；名称中的逗号请改用顿号")  # fmt: skip
    raw = fields[0].strip()
    parts = raw.replace("/", "-").split("-")  # Excel exports 2027/2/6
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(f"日期“{raw}”格式不对，应写成 年-月-日，例如 2027-01-01")
    try:
        day = date(*map(int, parts))
    except ValueError:
        raise ValueError(f"日期“{raw}”不存在，请核对月份和日子") from None
    flag = _FLAGS.get(fields[1].strip().lower())
    if flag is None:
        raise ValueError(f"是否上班“{fields[1].strip()}”无法识别，应填 1（上班）或 0（休息），也可写 是/否、班/休")
    return Day(day, flag, fields[2].strip() if len(fields) > 2 else "", "import")


def parse_schedule_csv(text: str) -> tuple[list[Day], list[str]]:
    """Parse a year's schedule (header ``date,workday,name``, name optional) into rows with source "import".

    Bad lines are reported as "第 N 行：<what is wrong and what is expected>" (plain Chinese: the administrator fixes
    the pasted text by them) and left out, so every problem shows at once; the caller decides whether to save
    anything when the error list is not empty.
    """
    rows: list[Day] = []
    errors: list[str] = []
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    first = next(reader, [])
    header = [h.strip().lower() for h in first]
    if header not in (["date", "workday", "name"], ["date", "workday"]):
        found = f"，现在是“{','.join(first)[:40]}”" if any(h for h in header) else "，现在是空的"
        return [], [f"第 1 行：应为表头 date,workday,name{found}；之后每行一天，例如 {EXAMPLE_LINE}"]
    seen: dict[date, int] = {}
    for fields in reader:
        if not any(f.strip() for f in fields):
            continue  # blank line
        try:
            row = _parse_row(fields, len(header))
            if row.day in seen:
                raise ValueError(f"日期 {row.day.isoformat()} 重复，第 {seen[row.day]} 行已有这一天")
        except ValueError as exc:
            errors.append(f"第 {reader.line_num} 行：{exc}")
            continue
        seen[row.day] = reader.line_num
        rows.append(row)
    return rows, errors
