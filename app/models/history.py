"""The append-only, hash-chained history of each instance (design.md; issue 2 §8)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime


class Event(db.Model):
    __tablename__ = "event"
    __table_args__ = (UniqueConstraint("instance_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    seq: Mapped[int]
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    actor: Mapped[str] = mapped_column(String(64))  # username or "system"/"scheduler", kept as text for the chain
    kind: Mapped[str] = mapped_column(String(32))
    task_id: Mapped[str | None] = mapped_column(String(36))
    payload_json: Mapped[str] = mapped_column(Text)
    # Digest of the engine state after this event (state-changing events only): replay names the first event that parts.
    state_digest: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    # sha256 over prev_hash and the fields: anyone can recompute it (bundles are checked without the key) ...
    hash: Mapped[str] = mapped_column(String(64))
    # ... and an HMAC of it with a key kept outside the database (platform/history_keys.py), which nobody with only
    # database access can recompute (issue 13 §8). NULL only on events written before keys existed, until an operator
    # adopts them (`gasflow audit adopt-legacy`).
    key_id: Mapped[str | None] = mapped_column(String(16))
    mac: Mapped[str | None] = mapped_column(String(64))


Index("ix_event_kind_at", Event.kind, Event.at)  # today's escalations, breaches, reports by event kind


class AppSetting(db.Model):
    """Small key/value settings shared by server, scheduler and CLI (clock offset, limits)."""

    __tablename__ = "app_setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value_json: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
