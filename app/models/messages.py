"""Messages no case was waiting for (e.g. a payment for an account with no open arrears case): kept, never lost,
until staff resolve them (issue 6)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime


class UnmatchedMessage(db.Model):
    __tablename__ = "unmatched_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    name: Mapped[str] = mapped_column(String(128))
    correlation_json: Mapped[str] = mapped_column(Text)
    payload_json: Mapped[str] = mapped_column(Text)
    # The account number when the message names one, so staff find a customer's payments at a glance.
    account_no: Mapped[str | None] = mapped_column(String(32))
    received_by: Mapped[str] = mapped_column(String(64))  # username or "system", kept as text
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # redelivered (a case took it later) or closed (handled outside, with a note)
    resolution: Mapped[str | None] = mapped_column(String(16))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    delivered_to: Mapped[str | None] = mapped_column(String(256))  # instance ids, comma-separated


Index("ix_unmatched_message_open", UnmatchedMessage.resolved_at, UnmatchedMessage.received_at)
Index("ix_unmatched_message_account", UnmatchedMessage.account_no)
