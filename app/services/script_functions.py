"""The registry of functions diagrams may call from scripts, conditions and timer expressions (design.md).

They take and return ISO-8601 strings, which is what task data and timer expressions hold.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from app import clock


def _parse(value: str | datetime) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError(f"时间 {value} 缺少时区 (a timezone offset is required, e.g. +08:00)")
    return moment


def now() -> str:
    """The current instant (UTC, ISO). Inside an engine step it is the step's pinned instant."""
    return clock.now().isoformat()


def add_hours(start: str | datetime, hours: float) -> str:
    """Wall-clock hours (S24.6: restore supply within 6 hours of payment)."""
    return (_parse(start) + timedelta(hours=float(hours))).isoformat()


def script_functions() -> dict[str, Callable]:
    return {"now": now, "add_hours": add_hours}
