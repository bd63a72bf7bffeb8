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
    # The forms this version was published with, {formKey: JSON Schema}: a running case reads its own version's forms,
    # so a form edited later never changes under it (docs/architecture.md, "Pinned forms"). NULL: rows from before.
    forms_json: Mapped[str | None] = mapped_column(Text)
    # How the version arrived: "file" (gasflow deploy / setup), "api" (POST /api/v1/definitions), "browser" (a draft
    # published through the review case of the owners' workplace).
    source: Mapped[str] = mapped_column(String(16), default="file")


class ProcessRelease(db.Model):
    """Which version of a process is live: the newest release row per key. Publishing an older version again (a
    rollback) is a new release of that version, so "live" is never just "the highest version number"."""

    __tablename__ = "process_release"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(128), index=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"))
    released_at: Mapped[datetime] = mapped_column(UTCDateTime())
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    via: Mapped[str] = mapped_column(String(16))  # file, api, review
    change_instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    note: Mapped[str | None] = mapped_column(Text)


class ProcessDraft(db.Model):
    """A diagram a process owner is editing in the browser, with its edited forms and the last server check."""

    __tablename__ = "process_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(128), index=True)
    name: Mapped[str] = mapped_column(String(256))
    xml: Mapped[str] = mapped_column(Text)
    forms_json: Mapped[str] = mapped_column(Text, default="{}")  # {formKey: schema} edited in this draft
    base_definition_id: Mapped[int | None] = mapped_column(ForeignKey("process_definition.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    # editing -> submitted (a review case runs) -> published | editing (sent back) ; withdrawn
    status: Mapped[str] = mapped_column(String(16), default="editing")
    problems_json: Mapped[str] = mapped_column(Text, default="[]")
    error_count: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str | None] = mapped_column(Text)
    change_instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    published_definition_id: Mapped[int | None] = mapped_column(ForeignKey("process_definition.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
