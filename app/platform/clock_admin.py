"""Moving the clock for demos, training and black-box tests (design.md, Time). Refused unless GASFLOW_TIME_TRAVEL=1."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app import clock
from app.core.errors import Forbidden, Invalid
from app.core.tx import writes
from app.extensions import db
from app.models import AppSetting

KEY = "clock_offset_seconds"


def offset_from_db() -> timedelta:
    row = db.session.scalar(select(AppSetting.value_json).where(AppSetting.key == KEY))
    return timedelta(seconds=json.loads(row)) if row else timedelta(0)


def _require_time_travel() -> None:
    if not current_app.config["GASFLOW"].time_travel:
        raise Forbidden("时钟只能在 GASFLOW_TIME_TRAVEL=1 时调整 (time travel is off)")


@writes
def set_clock(target: datetime) -> datetime:
    _require_time_travel()
    if target.tzinfo is None:
        raise Invalid("时间需要时区，例如 2026-03-01T09:00:00+08:00 (timezone required)")
    seconds = (target - clock.system_now()).total_seconds()
    _store(seconds)
    if clock.is_frozen():  # a test has stopped time in this process: the explicit move wins
        clock.freeze(target)
    return target


@writes
def reset_clock() -> None:
    _store(0.0)
    if clock.is_frozen():
        clock.freeze(clock.system_now())


def _store(seconds: float) -> None:
    row = db.session.get(AppSetting, KEY)
    if row is None:
        row = AppSetting(key=KEY, value_json="0", updated_at=clock.system_now())
        db.session.add(row)
    row.value_json = json.dumps(seconds)
    row.updated_at = clock.system_now()
    clock.forget_cached_offset()
