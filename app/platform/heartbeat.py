"""The scheduler's heartbeat (issue 18): every scheduler process upserts its row every ``heartbeat_seconds``, so any
web process can tell (in /readyz and /metrics) whether timers are being swept, and this process knows when its own
scheduler last got a job through."""

from __future__ import annotations

import os
import socket
import time
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from app import clock
from app.core.tx import writes
from app.extensions import db
from app.models import SchedulerHeartbeat

NAME = f"{socket.gethostname()}:{os.getpid()}"
# Rows of schedulers silent this long are dropped (a restarted process beats under a new pid).
FORGET_SECONDS = 24 * 3600

_last_beat: float | None = None  # time.monotonic() of this process's last committed beat


@writes
def beat() -> None:
    global _last_beat
    now = clock.now()
    if not db.session.execute(
        update(SchedulerHeartbeat).where(SchedulerHeartbeat.name == NAME).values(beat_at=now)
    ).rowcount:
        db.session.add(SchedulerHeartbeat(name=NAME, started_at=now, beat_at=now))
    db.session.execute(
        delete(SchedulerHeartbeat).where(SchedulerHeartbeat.beat_at < now - timedelta(seconds=FORGET_SECONDS))
    )
    _last_beat = time.monotonic()


def own_age() -> float | None:
    """Seconds since this process's scheduler last beat (None: it never has)."""
    return None if _last_beat is None else time.monotonic() - _last_beat


def beats() -> dict[str, datetime]:
    return dict(db.session.execute(select(SchedulerHeartbeat.name, SchedulerHeartbeat.beat_at)).all())
