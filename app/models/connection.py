"""Gas connection (获得用气, app/connection): the public side's own records. SMS codes that verify an online
application's phone, and the public progress lookups (logged, and counted for the rate limit)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime


class ConnectionCode(db.Model):
    """A verification code sent by SMS (through the outbox) to the phone an online application gives."""

    __tablename__ = "connection_code"
    __table_args__ = (Index("ix_connection_code_phone", "phone", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20))
    code_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the code with the phone and the app's secret
    client: Mapped[str] = mapped_column(String(64))  # the requesting address, for the per-client limit
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ConnectionLookup(db.Model):
    """One public progress lookup (application number + last four phone digits): logged, right or wrong."""

    __tablename__ = "connection_lookup"
    __table_args__ = (
        Index("ix_connection_lookup_client", "client", "at"),
        Index("ix_connection_lookup_application", "application_no", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    client: Mapped[str] = mapped_column(String(64))
    application_no: Mapped[str] = mapped_column(String(32))
    found: Mapped[bool] = mapped_column(default=False)
