"""The holiday table (rules.md, "The working-day calendar"): rows that differ from the Mon-Fri rule, per covered year."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime


class CalendarDay(db.Model):
    __tablename__ = "calendar_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    workday: Mapped[bool]
    name: Mapped[str] = mapped_column(String(64), default="")
    source: Mapped[str] = mapped_column(String(32), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class CalendarYear(db.Model):
    """A year whose official schedule is in the table; deadlines touching any other year are provisional."""

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(32))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime())
