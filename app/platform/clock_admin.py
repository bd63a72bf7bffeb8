"""Moving the clock for demos, training and black-box tests (design.md, Time). Refused unless GASFLOW_TIME_TRAVEL=1."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta

from flask import current_app, has_app_context
from sqlalchemy import select

from app import clock
from app.core.errors import Forbidden, Invalid
from app.core.tx import side_read, writes
from app.extensions import db
from app.models import AppSetting

KEY = "clock_offset_seconds"
CACHE_SECONDS = 1.0  # now() is hot; the offset changes rarely


class _OffsetCache:
    """One per app: several apps may share a process (tests), each with its own database and clock."""

    def __init__(self) -> None:
        self.checked_at = 0.0
        self.value = timedelta(0)
        self.generation = 0  # bumped by every move: a read that began before it is not cached after it


def current_offset() -> timedelta:
    """The offset of the app in context (the clock's source, installed by create_app)."""
    if not has_app_context():
        return timedelta(0)
    app = current_app._get_current_object()
    if not app.config["GASFLOW"].time_travel:
        return timedelta(0)
    cache = app.extensions.setdefault("gasflow_clock_offset", _OffsetCache())
    mono = time.monotonic()
    if mono - cache.checked_at <= CACHE_SECONDS:
        return cache.value
    generation = cache.generation
    with app.app_context(), side_read():  # its own session: never inside the caller's transaction
        value = offset_from_db()
    if generation == cache.generation:
        cache.checked_at, cache.value = mono, value
    return value


def offset_from_db() -> timedelta:
    row = db.session.scalar(select(AppSetting.value_json).where(AppSetting.key == KEY))
    return timedelta(seconds=json.loads(row)) if row else timedelta(0)


def _require_time_travel() -> None:
    if not current_app.config["GASFLOW"].time_travel:
        raise Forbidden("时钟只能在 GASFLOW_TIME_TRAVEL=1 时调整 (time travel is off)")


def set_clock(target: datetime) -> datetime:
    _require_time_travel()
    if target.tzinfo is None:
        raise Invalid("时间需要时区，例如 2026-03-01T09:00:00+08:00 (timezone required)")
    _store((target - clock.system_now()).total_seconds())
    if clock.is_frozen():  # a test has stopped time in this process: the explicit move wins
        clock.freeze(target)
    return target


def reset_clock() -> None:
    _store(0.0)
    if clock.is_frozen():
        clock.freeze(clock.system_now())


def _store(seconds: float) -> None:
    _write_offset(seconds)
    # After the commit, not inside it: a request that read the offset while this was being written cached the old
    # value, and the next read within a second would use it.
    cache = current_app.extensions.get("gasflow_clock_offset")
    if cache is not None:
        cache.generation += 1
        cache.checked_at = 0.0


@writes
def _write_offset(seconds: float) -> None:
    row = db.session.get(AppSetting, KEY)
    if row is None:
        row = AppSetting(key=KEY, value_json="0", updated_at=clock.system_now())
        db.session.add(row)
    row.value_json = json.dumps(seconds)
    row.updated_at = clock.system_now()
