"""The one source of "now" (design.md, Time).

Order of precedence:
1. a pinned instant (``pinned(at)``): one engine operation sees one instant, and replay pins each event's recorded time,
   so a replay reproduces the stored state exactly;
2. a frozen instant (``freeze(at)``), for tests in this process: time stands still until moved again;
3. an offset from the database, when time travel is on (``gasflow clock set``), so server, scheduler and CLI agree
   (the source is installed by the app; it reads the offset of the app in context, cached there);
4. the system clock.
All values are timezone-aware UTC.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

_pinned: ContextVar[datetime | None] = ContextVar("gasflow_pinned_now", default=None)
_frozen: datetime | None = None
_offset_source: Callable[[], timedelta] | None = None


def system_now() -> datetime:
    return datetime.now(UTC)


def now() -> datetime:
    pinned_at = _pinned.get()
    if pinned_at is not None:
        return pinned_at
    if _frozen is not None:
        return _frozen
    return system_now() + offset()


def is_frozen() -> bool:
    return _frozen is not None


def freeze(at: datetime | None) -> None:
    """Stop the clock at ``at`` for this whole process (tests); ``None`` lets it run again."""
    global _frozen
    if at is not None and at.tzinfo is None:
        raise ValueError("clock.freeze needs a timezone-aware datetime")
    _frozen = at.astimezone(UTC) if at is not None else None


def offset() -> timedelta:
    """The time-travel offset (zero unless a source is installed)."""
    return _offset_source() if _offset_source is not None else timedelta(0)


def install_offset_source(source: Callable[[], timedelta] | None) -> None:
    global _offset_source
    _offset_source = source


@contextlib.contextmanager
def pinned(at: datetime) -> Iterator[datetime]:
    if at.tzinfo is None:
        raise ValueError("clock.pinned needs a timezone-aware datetime")
    token = _pinned.set(at.astimezone(UTC))
    try:
        yield at
    finally:
        _pinned.reset(token)


def to_local(value: datetime) -> datetime:
    return value.astimezone(SHANGHAI)


def ensure_aware(value: datetime) -> datetime:
    """Stored datetimes come back naive from SQLite; they are UTC by convention."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
