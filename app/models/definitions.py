"""Deployed BPMN definitions: one row per version of a process key, stored once per content hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime


class ProcessDefinition(db.Model):
    __tablename__ = "process_definition"
    __table_args__ = (
        UniqueConstraint("key", "version"),
        UniqueConstraint("key", "content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(128))
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(256))
    content_hash: Mapped[str] = mapped_column(String(64))
    xml: Mapped[str] = mapped_column(Text)
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
