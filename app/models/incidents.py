"""Incidents (issue 13, item 3): an engine step that failed (a script error, a bad timer value, a loop limit) is kept
on its case with what is needed to run it again; the case stops there until someone retries it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime


class Incident(db.Model):
    __tablename__ = "incident"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    # Where it failed: the diagram element (id and its Chinese name) and the error, Chinese first, English beside.
    element_id: Mapped[str | None] = mapped_column(String(128))
    element_name: Mapped[str | None] = mapped_column(String(256))
    error: Mapped[str] = mapped_column(Text)
    # The step that failed, as its event would have recorded it: kind (started, task_completed, timer_fired,
    # message_received), the task it completed, its payload (form data, message), who asked.
    step_kind: Mapped[str] = mapped_column(String(32))
    task_id: Mapped[str | None] = mapped_column(String(36))
    step_payload_json: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(64))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    tries: Mapped[int] = mapped_column(default=1)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


Index("ix_incident_open", Incident.resolved_at, Incident.created_at)
Index("ix_incident_instance", Incident.instance_id)
