"""Conflict-of-interest declarations between staff (C13.2.5: an investigator with a conflict steps aside)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime

# C13.2.5 names the kinds: relative, friend, close colleague of the person complained about, or one's own interest.
CONFLICT_KINDS = {"relative": "亲属", "friend": "朋友", "colleague": "关系密切的同事", "interest": "利害关系"}


class ConflictDeclaration(db.Model):
    """user declares a conflict with other_user; it binds both ways until withdrawn."""

    __tablename__ = "conflict_declaration"
    __table_args__ = (CheckConstraint("user_id <> other_user_id", name="ck_conflict_not_self"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    other_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(200), default="")
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime())
    declared_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


Index("ix_conflict_pair", ConflictDeclaration.user_id, ConflictDeclaration.other_user_id)
Index("ix_conflict_pair_reverse", ConflictDeclaration.other_user_id, ConflictDeclaration.user_id)
