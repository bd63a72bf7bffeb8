"""The registry of functions diagrams may call from scripts, conditions and timer expressions (design.md).

Functions (all take and return JSON-friendly values; instants are ISO-8601 strings with an offset):
- ``now()`` -> the step's pinned instant (UTC ISO);
- ``add_hours(start, hours)`` -> ISO; wall-clock hours (S24.6: restore supply within 6 hours);
- ``add_working_days(start, n)`` -> ISO (Asia/Shanghai offset); the end of the n-th working day after receipt on the
  holiday table (C14.1: n=5). ``start`` may be a date ``YYYY-MM-DD`` (receipt during that day, Shanghai);
- ``add_working_days_provisional(start, n)`` -> bool; True when that deadline touches a year the table does not hold
  yet (rules.md: shown as provisional, recomputed when the year is entered). A script that keeps a deadline in a data
  field names the flag ``<field>_provisional`` so the inbox shows it (services/sla.py, ``dueField``).
- ``add_days(start, n)`` -> ISO (Asia/Shanghai); the end (24:00) of the n-th calendar day after the start day, moved to
  the end of the next working day when that day is off (Civil Code art. 201, 203; S24.6 payment deadline);
- ``start_of_working_day_before(due)`` -> ISO (Asia/Shanghai); the start of the working day before the day a
  deadline ends, at the company's reminder time (C14.1 "due tomorrow" reminder);
- ``setting(name)`` -> a company setting (platform/company_settings.py, e.g. ``arrears_notice_days``);

Business areas add their own (core.registry), e.g. supply's ``set_supply_status``; they are recorded the same way.

Replay must reproduce a step exactly, but a calendar answer changes when an administrator edits the table. So every
call made during an engine step is recorded — (function, args, result) in the event's ``payload["calls"]`` — and replay
feeds the recorded results back in order instead of computing them again (``recording()`` / ``replaying()``).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from datetime import date, datetime, time, timedelta

from app import calendar, clock
from app.calendar import table as workcalendar
from app.engine import EngineError
from app.platform import company_settings


def _parse(value: str | datetime) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError(f"时间 {value} 缺少时区 (a timezone offset is required, e.g. +08:00)")
    return moment


def receipt_instant(value: str | datetime | date) -> datetime:
    """An instant, or a bare date meaning "received during that day" (its Shanghai midnight; the day is not counted)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time(0), tzinfo=calendar.SHANGHAI)
    if isinstance(value, str) and len(value.strip()) == 10:
        return datetime.combine(date.fromisoformat(value.strip()), time(0), tzinfo=calendar.SHANGHAI)
    return _parse(value)


# A registry function runs in the engine's process with the diagram's arguments: ten years of days is the most any
# deadline needs, and a huge n must not make the calendar walk day by day for seconds (issue 13, item 2).
MAX_DAYS = 3660


def _days(n) -> int:
    if isinstance(n, float) and n.is_integer():
        n = int(n)
    if isinstance(n, bool) or not isinstance(n, int):
        raise ValueError(f"工作日数必须是整数 (working days must be an integer), got {n!r}")
    if abs(n) > MAX_DAYS:
        raise ValueError(f"天数不能超过 {MAX_DAYS} (at most {MAX_DAYS} days), got {n!r}")
    return n


def now() -> str:
    """The current instant (UTC, ISO). Inside an engine step it is the step's pinned instant."""
    return clock.now().isoformat()


def add_hours(start: str | datetime, hours: float) -> str:
    """Wall-clock hours (S24.6: restore supply within 6 hours of payment)."""
    return (_parse(start) + timedelta(hours=float(hours))).isoformat()


def add_working_days(start: str | datetime, n: int) -> str:
    """C14.1: the end of the n-th working day after the day of receipt, as Shanghai-local ISO."""
    deadline = workcalendar.add_working_days(receipt_instant(start), _days(n))
    return deadline.due.astimezone(calendar.SHANGHAI).isoformat()


def add_working_days_provisional(start: str | datetime, n: int) -> bool:
    return workcalendar.add_working_days(receipt_instant(start), _days(n)).provisional


def add_days(start: str | datetime, n: int) -> str:
    """Civil Code art. 201/203: counting starts the day after; the last day ends at 24:00; a period ending on a day
    off ends on the next working day (S24.6: the deadline on the 缴费及停气通知书)."""
    day = receipt_instant(start).astimezone(calendar.SHANGHAI).date() + timedelta(days=_days(n))
    for _ in range(60):  # the longest run of days off is about ten
        if workcalendar.day_info(day)[0]:
            break
        day += timedelta(days=1)
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=calendar.SHANGHAI).isoformat()


def start_of_working_day_before(due: str | datetime) -> str:
    """C14.1 (issue 12, item 4): when to remind people of a deadline — the start of the working day before the day
    the deadline ends (a limit "by the end of Monday", stored as Tuesday 00:00, is reminded on Friday), at the
    company's reminder time (setting ``due_reminder_minutes``, default 08:30 Beijing time)."""
    last_day = (_parse(due).astimezone(calendar.SHANGHAI) - timedelta(microseconds=1)).date()
    day = last_day - timedelta(days=1)
    for _ in range(60):  # the longest run of days off is about ten
        if workcalendar.day_info(day)[0]:
            break
        day -= timedelta(days=1)
    minutes = int(company_settings.get("due_reminder_minutes"))
    start = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=calendar.SHANGHAI)
    return start.isoformat()


def setting(name: str) -> object:
    return company_settings.get(str(name))


class ReplayMismatch(EngineError):
    """Replay asked for a call the recorded step did not make: the history and the diagram disagree."""


class CallLog:
    """The calls of one engine step: recorded live, or served from the record during replay."""

    def __init__(self, recorded: list[dict] | None = None, before_first_call: Callable[[], None] | None = None):
        self.calls: list[dict] = []
        self._recorded = recorded
        self._before_first_call = before_first_call

    def call(self, name: str, fn: Callable, args: tuple, kwargs: dict) -> object:
        normal_args = json.loads(json.dumps([*args, kwargs] if kwargs else list(args), default=str, ensure_ascii=False))
        if self._recorded is None:
            if self._before_first_call is not None:
                self._before_first_call()  # (steps.apply_step: the savepoint what the call writes is undone to)
                self._before_first_call = None
            result = fn(*args, **kwargs)
            self.calls.append({"fn": name, "args": normal_args, "result": result})
            return result
        index = len(self.calls)
        if index >= len(self._recorded):
            raise ReplayMismatch(f"重放时多出调用 {name}{tuple(normal_args)} (replay made a call the step did not)")
        expected = self._recorded[index]
        if expected.get("fn") != name or expected.get("args") != normal_args:
            raise ReplayMismatch(
                f"重放调用不一致：记录为 {expected.get('fn')}{tuple(expected.get('args') or [])}，"
                f"重放为 {name}{tuple(normal_args)} (replayed call differs from the recorded one)"
            )
        self.calls.append(expected)
        return expected.get("result")

    def payload(self) -> dict:
        """What goes into the event payload: nothing when the step called no function (keeps old payloads as they were)."""
        return {"calls": self.calls} if self.calls else {}

    def check_complete(self) -> None:
        if self._recorded is not None and len(self.calls) != len(self._recorded):
            missing = self._recorded[len(self.calls)]
            raise ReplayMismatch(f"重放缺少调用 {missing.get('fn')} (replay did not make a recorded call)")


_log: ContextVar[CallLog | None] = ContextVar("gasflow_script_calls", default=None)


@contextlib.contextmanager
def recording(before_first_call: Callable[[], None] | None = None) -> Iterator[CallLog]:
    """Around one live engine step: collects every registry call; put ``log.payload()`` into the step's event.
    ``before_first_call`` runs once, before the first call runs."""
    log = CallLog(before_first_call=before_first_call)
    token = _log.set(log)
    try:
        yield log
    finally:
        _log.reset(token)


@contextlib.contextmanager
def replaying(recorded: list[dict] | None) -> Iterator[CallLog]:
    """Around one replayed step: answers calls from the record; raises ReplayMismatch if the calls differ."""
    log = CallLog(list(recorded or []))
    token = _log.set(log)
    try:
        yield log
    finally:
        _log.reset(token)
    log.check_complete()


def _logged(name: str, fn: Callable) -> Callable:
    def call(*args, **kwargs):
        log = _log.get()
        return fn(*args, **kwargs) if log is None else log.call(name, fn, args, kwargs)

    call.__name__ = name
    call.__doc__ = fn.__doc__
    return call


PLATFORM_FUNCTIONS: dict[str, Callable] = {
    "now": now,
    "add_hours": add_hours,
    "add_working_days": add_working_days,
    "add_working_days_provisional": add_working_days_provisional,
    "add_days": add_days,
    "start_of_working_day_before": start_of_working_day_before,
    "setting": setting,
}


def script_functions(area_functions: dict[str, Callable] | None = None) -> dict[str, Callable]:
    """Everything a diagram may call: the platform's functions plus those the business areas registered."""
    return {name: _logged(name, fn) for name, fn in {**PLATFORM_FUNCTIONS, **(area_functions or {})}.items()}
