"""Scheduler heartbeats (issue 18): each scheduler process writes its row every few seconds, so /readyz and /metrics
(and the "scheduler silent" alert) see whether the timers are being swept at all."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime


class SchedulerHeartbeat(db.Model):
    __tablename__ = "scheduler_heartbeat"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)  # host:pid of the scheduler process
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime())
