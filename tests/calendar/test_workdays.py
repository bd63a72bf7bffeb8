"""Working-day calendar (rules.md "The working-day calendar"; C14.1 five working days, S24.6 six hours).

Expected values were read off the State Council schedule as chinese_calendar 1.11.0 records it; the day-by-day walk
is in each comment (Wn = n-th working day, "off" = day off, 调休 = make-up workday), and ``expect`` re-checks every
expected due date against chinese_calendar.is_workday, so a comment cannot drift from the data.
"""

from __future__ import annotations

import time as timer
from datetime import UTC, date, datetime, time, timedelta

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.calendar import (
    MAKE_UP_WORKDAY,
    SHANGHAI,
    Day,
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

ROWS = list(chinese_calendar_rows())
TABLE = MemoryDayTable(ROWS, chinese_calendar_years())


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def end_of(day: str) -> datetime:
    """24:00 of a Shanghai calendar day, i.e. 00:00 of the next day, as UTC."""
    return (local(*date.fromisoformat(day).timetuple()[:3]) + timedelta(days=1)).astimezone(UTC)


def cc_working_days_between(receipt: date, last: date) -> int:
    """Independent oracle: chinese_calendar's working days in (receipt, last]."""
    return sum(chinese_calendar.is_workday(receipt + timedelta(days=i)) for i in range(1, (last - receipt).days + 1))


def expect(start: datetime, n: int, due_day: str) -> None:
    deadline = add_working_days(start, n, TABLE)
    assert deadline.due == end_of(due_day)
    assert deadline.due.tzinfo is UTC
    assert deadline.provisional is False
    receipt, last = start.astimezone(SHANGHAI).date(), date.fromisoformat(due_day)
    assert chinese_calendar.is_workday(last) and cc_working_days_between(receipt, last) == n


# --- the two checked values in rules.md ---------------------------------------------------------------------------


@pytest.mark.parametrize("hour_minute", [(0, 0), (9, 15), (23, 59)])
def test_C14_1_five_working_days_after_national_day_eve(hour_minute):
    # 2025: 10-01..10-08 off (merged 国庆/中秋; 10-06 is 中秋), 10-09 W1, 10-10 W2, 10-11 Sat 调休 W3, 10-12 off,
    # 10-13 W4, 10-14 W5 -> ends 24:00 on 2025-10-14, whatever the hour of receipt on 09-30.
    expect(local(2025, 9, 30, *hour_minute), 5, "2025-10-14")


def test_C14_1_five_working_days_after_spring_festival_2026_eve():
    # 2026: 02-14 Sat 调休 W1, 02-15..02-23 春节 off, 02-24 W2, 02-25 W3, 02-26 W4, 02-27 W5.
    expect(local(2026, 2, 13, 16, 0), 5, "2026-02-27")


# --- holidays across the year ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("receipt", "due_day"),
    [
        # 春节 2025: 01-25 Sat off, 01-26 Sun 调休 W1, 01-27 W2, 01-28..02-04 off, 02-05 W3, 02-06 W4, 02-07 W5
        ("2025-01-24", "2025-02-07"),
        # 春节 2026 (after): 02-28 Sat 调休 W1, 03-01 Sun off, 03-02 W2 .. 03-05 W5
        ("2026-02-27", "2026-03-05"),
        # 元旦 2026: 01-02 off (in lieu), 01-03 Sat off, 01-04 Sun 调休 W1, 01-05 W2 .. 01-08 W5
        ("2026-01-01", "2026-01-08"),
        # 劳动节 2025: 05-01..05-05 off, 05-06 W1 .. 05-09 W4, weekend off, 05-12 W5
        ("2025-04-30", "2025-05-12"),
        # 劳动节 2025 make-up Sunday: 04-26 Sat off, 04-27 Sun 调休 W1, 04-28..04-30 W2-W4, 05-01..05-05 off, 05-06 W5
        ("2025-04-25", "2025-05-06"),
        # 劳动节 2026: 05-01..05-05 off, 05-06 W1 .. 05-08 W3, 05-09 Sat 调休 W4, 05-10 off, 05-11 W5
        ("2026-04-30", "2026-05-11"),
        # 端午 2025: 05-31..06-02 off, 06-03 W1 .. 06-06 W4, weekend off, 06-09 W5
        ("2025-05-30", "2025-06-09"),
        # 端午 2026: 06-19..06-21 off, 06-22 W1 .. 06-26 W5
        ("2026-06-18", "2026-06-26"),
        # 中秋 then 国庆 2026: 09-25..09-27 off, 09-28..09-30 W1-W3, 10-01..10-07 off, 10-08 W4, 10-09 W5
        ("2026-09-24", "2026-10-09"),
        # 国庆 2026 make-up Sunday: 09-19 Sat off, 09-20 Sun 调休 W1, 09-21..09-24 W2-W5
        ("2026-09-18", "2026-09-24"),
    ],
)
def test_C14_1_statutory_holidays_and_make_up_days(receipt, due_day):
    expect(local(*date.fromisoformat(receipt).timetuple()[:3], 11, 0), 5, due_day)


def test_C14_1_merged_mid_autumn_national_day_2025_rows():
    # State Council 2025: 10-01..10-08 off (中秋 falls on 10-06), 09-28 Sun and 10-11 Sat are make-up workdays.
    for offset in range(8):
        day = date(2025, 10, 1) + timedelta(days=offset)
        assert is_workday(day, TABLE) == (False, False)
    assert is_workday(date(2025, 9, 28), TABLE) == (True, False)  # Sunday
    assert is_workday(date(2025, 10, 11), TABLE) == (True, False)  # Saturday
    assert is_workday(date(2025, 10, 12), TABLE) == (False, False)  # ordinary Sunday, no row
    assert TABLE.get(date(2025, 10, 6)).name == "中秋"
    assert TABLE.get(date(2025, 9, 28)).name == MAKE_UP_WORKDAY


def test_C14_1_table_matches_chinese_calendar_every_day():
    for year in chinese_calendar_years():
        day = date(year, 1, 1)
        while day.year == year:
            assert is_workday(day, TABLE) == (chinese_calendar.is_workday(day), False), day
            day += timedelta(days=1)


# --- moment of receipt (Civil Code art. 201: the day of receipt is not counted) ----------------------------------


def test_C14_1_receipt_on_a_holiday():
    # received 2025-10-03 (国庆): 10-04..10-08 off, 10-09 W1, 10-10 W2, 10-11 调休 W3, 10-13 W4, 10-14 W5
    expect(local(2025, 10, 3, 12, 0), 5, "2025-10-14")


def test_C14_1_receipt_on_a_make_up_saturday_is_not_counted():
    # received 2025-10-11 (调休 Saturday): 10-12 off, 10-13 W1 .. 10-17 W5
    expect(local(2025, 10, 11, 10, 0), 5, "2025-10-17")


def test_C14_1_receipt_at_23_59_local_is_still_that_day():
    # received 2025-10-09 23:59: 10-10 W1, 10-11 调休 W2, 10-12 off, 10-13 W3, 10-14 W4, 10-15 W5
    expect(local(2025, 10, 9, 23, 59, 59), 5, "2025-10-15")


def test_C14_1_receipt_just_after_local_midnight_is_the_new_day():
    # received 2025-10-10 00:00:30: 10-11 调休 W1, 10-12 off, 10-13 W2 .. 10-16 W5
    expect(local(2025, 10, 10, 0, 0, 30), 5, "2025-10-16")


def test_C14_1_start_in_utc_already_next_day_in_shanghai():
    # 2025-10-09 16:30 UTC is 2025-10-10 00:30 in Shanghai: receipt day is 10-10, not 10-09 (see the test above)
    start = datetime(2025, 10, 9, 16, 30, tzinfo=UTC)
    expect(start, 5, "2025-10-16")
    assert add_working_days(start, 5, TABLE).due == datetime(2025, 10, 16, 16, 0, tzinfo=UTC)


def test_C14_1_close_of_business_end_of_day():
    # Civil Code art. 203: with business hours the last day ends at close of business, here 17:30 on 2025-10-14
    deadline = add_working_days(local(2025, 9, 30, 20, 0), 5, TABLE, end_of_day=time(17, 30))
    assert deadline.due == datetime(2025, 10, 14, 9, 30, tzinfo=UTC)
    assert deadline.provisional is False


def test_C14_1_bad_input_is_rejected():
    with pytest.raises(ValueError, match="timezone-aware"):
        add_working_days(datetime(2025, 9, 30, 10, 0), 5, TABLE)
    for n in (0, -1, True):
        with pytest.raises(ValueError, match="n must be"):
            add_working_days(local(2025, 9, 30), n, TABLE)
    with pytest.raises(ValueError, match="end_of_day"):
        add_working_days(local(2025, 9, 30), 5, TABLE, end_of_day=time(17, 30, tzinfo=UTC))


# --- years the table does not cover ------------------------------------------------------------------------------


def test_C14_1_uncovered_2027_is_provisional_and_skips_new_year():
    # 2026-12-31 Thu W1 (2026 covered); 2027 not published: 01-01 Fri off (元旦 fallback), weekend off,
    # 01-04 W2 .. 01-07 W5 -> provisional
    assert 2027 not in chinese_calendar_years()
    deadline = add_working_days(local(2026, 12, 30, 9, 0), 5, TABLE)
    assert deadline.due == end_of("2027-01-07")
    assert deadline.provisional is True


def test_C14_1_provisional_only_when_an_uncovered_year_is_touched():
    # 2026-12-24: 12-25 W1, weekend, 12-28..12-31 W2-W5 -> never reaches 2027
    deadline = add_working_days(local(2026, 12, 24, 9, 0), 5, TABLE)
    assert deadline == add_working_days(local(2026, 12, 24, 23, 0), 5, TABLE)
    assert (deadline.due, deadline.provisional) == (end_of("2026-12-31"), False)


def test_C14_1_fallback_fixed_date_holidays():
    # 2028 (no table): 01-01 Sat, 05-01 Mon, 05-02 Tue, 10-02 Mon, 10-03 Tue are fallback holidays; 05-03 works
    for day, workday in [
        (date(2028, 5, 1), False),
        (date(2028, 5, 2), False),
        (date(2028, 5, 3), True),
        (date(2028, 10, 2), False),
        (date(2028, 10, 3), False),
        (date(2028, 10, 4), True),
        (date(2028, 1, 1), False),
        (date(2028, 1, 3), True),
    ]:
        assert is_workday(day, TABLE) == (workday, True), day
    # 2028-04-28 Fri: 04-29/30 weekend, 05-01/02 off, 05-03 W1 .. 05-05 W3, weekend, 05-08 W4, 05-09 W5
    deadline = add_working_days(local(2028, 4, 28, 10, 0), 5, TABLE)
    assert (deadline.due, deadline.provisional) == (end_of("2028-05-09"), True)


def test_C14_1_admin_row_in_uncovered_year_decides_but_stays_provisional():
    table = MemoryDayTable(ROWS, chinese_calendar_years())
    table.put(Day(date(2027, 2, 8), False, "春节", "admin"))
    assert is_workday(date(2027, 2, 8), table) == (False, True)


def test_C14_1_admin_correction_in_covered_year():
    # e.g. a typhoon day declared off locally: the row replaces the weekday rule and moves the deadline
    table = MemoryDayTable(ROWS, chinese_calendar_years())
    table.put(Day(date(2025, 10, 13), False, "台风停工", "admin"))
    assert table.get(date(2025, 10, 13)).name == "台风停工"
    assert add_working_days(local(2025, 9, 30), 5, table).due == end_of("2025-10-15")
    assert table.years == frozenset(chinese_calendar_years())


def test_fallback_rows_for_display():
    rows = fallback_rows(2027)
    assert [r.day for r in rows] == [date(2027, 1, 1), date(2027, 5, 1), date(2027, 5, 2)] + [
        date(2027, 10, d) for d in (1, 2, 3)
    ]
    assert rows[0] == Day(date(2027, 1, 1), False, "元旦(推定)", "fallback")
    empty = MemoryDayTable()
    assert all(is_workday(r.day, empty) == (False, True) for r in rows)


# --- what chinese_calendar_rows emits ----------------------------------------------------------------------------


def test_chinese_calendar_rows_emit_only_exceptions_and_named_holiday_weekends():
    assert chinese_calendar_years() == range(2004, 2027)
    assert {r.source for r in ROWS} == {"chinese_calendar"}
    assert len({r.day for r in ROWS}) == len(ROWS)
    for row in ROWS:
        weekend = row.day.weekday() >= 5
        if row.workday:  # make-up workday: always a weekend day
            assert weekend and row.name == MAKE_UP_WORKDAY
        else:  # a named holiday, on a weekday or inside the holiday period on a weekend
            assert row.name and row.name != MAKE_UP_WORKDAY
    assert TABLE.get(date(2025, 10, 4)) == Day(date(2025, 10, 4), False, "国庆节", "chinese_calendar")  # Saturday
    assert TABLE.get(date(2025, 10, 18)) is None  # ordinary Saturday
    assert TABLE.get(date(2025, 10, 15)) is None  # ordinary Wednesday
    assert TABLE.get(date(2015, 9, 3)).name.startswith("中国人民抗日战争")  # the one-off 2015 holiday


# --- S24.6 wall-clock hours --------------------------------------------------------------------------------------


def test_S24_6_restore_within_six_wall_clock_hours_even_on_a_holiday():
    due = add_hours(local(2025, 10, 1, 22, 0), 6)
    assert due == datetime(2025, 10, 1, 20, 0, tzinfo=UTC)  # 04:00 on 10-02 in Shanghai
    assert due.tzinfo is UTC
    assert add_hours(local(2025, 10, 1, 22, 0), -2) == datetime(2025, 10, 1, 12, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="timezone-aware"):
        add_hours(datetime(2025, 10, 1, 22, 0), 6)
    with pytest.raises(ValueError, match="finite"):
        add_hours(local(2025, 10, 1), float("nan"))


# --- working time left -------------------------------------------------------------------------------------------


def test_C14_1_working_time_left_counts_only_working_days():
    due = add_working_days(local(2025, 9, 30, 8, 0), 5, TABLE).due
    # 12 h left of 09-30, then 10-09, 10-10, 10-11 (调休), 10-13, 10-14 at 24 h each; the holiday week counts nothing
    assert working_time_left(local(2025, 9, 30, 12, 0), due, TABLE) == timedelta(hours=12 + 5 * 24)
    assert working_time_left(local(2025, 10, 5, 10, 0), due, TABLE) == timedelta(hours=5 * 24)
    assert working_time_left(due, due, TABLE) == timedelta(0)
    # overdue: minus the wall-clock time since due, holidays or not
    assert working_time_left(due + timedelta(hours=50), due, TABLE) == -timedelta(hours=50)


def test_C14_1_working_time_left_with_close_of_business():
    cob = time(17, 30)
    due = add_working_days(local(2025, 9, 30, 8, 0), 5, TABLE, end_of_day=cob).due
    # 09-30 12:00-17:30 = 5.5 h, then 00:00-17:30 = 17.5 h on each of the 5 working days
    left = working_time_left(local(2025, 9, 30, 12, 0), due, TABLE, end_of_day=cob)
    assert left == timedelta(hours=5.5 + 5 * 17.5)
    # after close of business on the due day: overdue by the wall-clock difference
    assert working_time_left(local(2025, 10, 14, 18, 0), due, TABLE, end_of_day=cob) == -timedelta(minutes=30)
    with pytest.raises(ValueError, match="timezone-aware"):
        working_time_left(datetime(2025, 9, 30), due, TABLE)


# --- holiday schedule import -------------------------------------------------------------------------------------


def test_parse_schedule_csv_accepts_bom_and_all_flag_spellings():
    text = (
        "\ufeffdate,workday,name\r\n"
        "2027-02-06,0,春节\r\n"
        "2027-02-07,false,春节\n"
        "2027/2/8,否,春节\n"
        "2027-02-09,休,\n"
        "2027-02-20,1,调休上班\n"
        "2027-02-21,TRUE,调休上班\n"
        "\n"
        "2027-02-27,是,\n"
        "2027-02-28,班,调休上班\n"
    )
    rows, errors = parse_schedule_csv(text)
    assert errors == []
    assert [r.workday for r in rows] == [False] * 4 + [True] * 4
    assert rows[2] == Day(date(2027, 2, 8), False, "春节", "import")
    assert rows[3].name == "" and {r.source for r in rows} == {"import"}


def test_parse_schedule_csv_reports_every_bad_line():
    lines = ["date,workday,name", "2027-02-30,0,x", "2027-02-06,maybe,x", "not-a-date,1,x", "2027-02-06,0,a"]
    text = "\n".join([*lines, "2027-02-06,1,b", "1,2"])
    rows, errors = parse_schedule_csv(text)
    assert [r.day for r in rows] == [date(2027, 2, 6)]
    assert errors == [  # plain Chinese with the line number: the administrator corrects the pasted text by them
        "第 2 行：日期“2027-02-30”不存在，请核对月份和日子",
        "第 3 行：是否上班“maybe”无法识别，应填 1（上班）或 0（休息），也可写 是/否、班/休",
        "第 4 行：日期“not-a-date”格式不对，应写成 年-月-日，例如 2027-01-01",
        "第 6 行：日期 2027-02-06 重复，第 5 行已有这一天",
        "第 7 行：日期“1”格式不对，应写成 年-月-日，例如 2027-01-01",
    ]
    header = "第 1 行：应为表头 date,workday,name，现在是“day,off”；之后每行一天，例如 2027-01-01,0,元旦"
    assert parse_schedule_csv("day,off\n2027-01-01,1\n") == ([], [header])
    assert parse_schedule_csv("")[1] == [
        "第 1 行：应为表头 date,workday,name，现在是空的；之后每行一天，例如 2027-01-01,0,元旦"
    ]
    assert parse_schedule_csv("date,workday,name\n2027-01-01,0,a,b\n")[1] == [
        "第 2 行：应有 2 或 3 列（日期,是否上班,名称），这一行有 4 列；名称中的逗号请改用顿号"
    ]


# --- properties and speed ----------------------------------------------------------------------------------------

starts = st.datetimes(min_value=datetime(2004, 1, 1), max_value=datetime(2029, 12, 31), timezones=st.just(UTC))


@settings(max_examples=300, deadline=None)
@given(start=starts, n=st.integers(min_value=1, max_value=30))
def test_C14_1_property_due_is_end_of_nth_working_day(start, n):
    deadline = add_working_days(start, n, TABLE)
    nxt = add_working_days(start, n + 1, TABLE)
    receipt = start.astimezone(SHANGHAI).date()
    due_local = deadline.due.astimezone(SHANGHAI)
    last = due_local.date() - timedelta(days=1)  # due is 24:00 of the last day
    assert deadline.due.tzinfo is UTC and due_local.time() == time(0)
    assert deadline.due > start and nxt.due > deadline.due  # strictly after receipt, strictly monotonic in n
    assert is_workday(last, TABLE)[0]
    counted = [is_workday(receipt + timedelta(days=i), TABLE) for i in range(1, (last - receipt).days + 1)]
    assert sum(w for w, _ in counted) == n
    assert deadline.provisional == any(p for _, p in counted) == (last.year > 2026)
    if last.year <= 2026:  # covered: agrees with chinese_calendar itself
        assert cc_working_days_between(receipt, last) == n


def test_add_working_days_is_fast():
    start = local(2025, 9, 30, 10, 0)
    began = timer.perf_counter()
    for _ in range(1000):
        add_working_days(start, 30, TABLE)
    assert timer.perf_counter() - began < 1.0  # ~20 µs each on a laptop; generous for loaded CI


def test_corrupt_table_with_no_working_days_stops_with_a_clear_error():
    # every day of 2025-2040 marked off and the years covered: a data error, reported instead of looping forever
    first, last = date(2025, 1, 1), date(2040, 12, 31)
    days = [Day(first + timedelta(days=i), False, "x", "admin") for i in range((last - first).days + 1)]
    with pytest.raises(ValueError, match="check the table"):
        add_working_days(local(2025, 3, 3), 5, MemoryDayTable(days, range(2025, 2041)))
