"""The customer archive (一户一档, S21): one row per account, its phones, and the log of unmasked views (S21.4)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.org import Unit, User
from app.models.types import UTCDateTime

# Customer classes (M3); A* and B1 need a named customer manager (M4).
CLASSES = {"A1": "工业", "A2": "商业", "A3": "其他含公福", "B1": "集体含楼盘", "B2": "散户"}
CLASSES_NEEDING_MANAGER = frozenset({"A1", "A2", "A3", "B1"})
# 报停 = suspended at the customer's request; 停气 = disconnected by the company (S24.6, S24.7).
SUPPLY_STATUSES = {"normal": "正常", "suspended": "报停", "disconnected": "停气"}


def search_key(length: int) -> String:
    """A string column searched by prefix ranges: PostgreSQL compares it bytewise ("C") like SQLite does, so
    `col >= p AND col < next(p)` is a plain index range on both, whatever the database's locale."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


class Customer(db.Model):
    __tablename__ = "customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_no: Mapped[str] = mapped_column(search_key(32), unique=True)
    name: Mapped[str] = mapped_column(search_key(64))
    customer_class: Mapped[str] = mapped_column(String(2))
    # The address is split so an outage area (S24.5) can be selected by district / street / estate.
    district: Mapped[str] = mapped_column(String(32))
    street: Mapped[str] = mapped_column(String(64))
    estate: Mapped[str] = mapped_column(search_key(64))
    room: Mapped[str] = mapped_column(String(64), default="")
    id_number: Mapped[str | None] = mapped_column(String(18))
    branch_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    supply_status: Mapped[str] = mapped_column(String(16), default="normal")
    revision: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    branch: Mapped[Unit] = relationship(lazy="joined")
    manager: Mapped[User | None] = relationship(lazy="joined")
    phones: Mapped[list[CustomerPhone]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="CustomerPhone.position"
    )

    @property
    def address(self) -> str:
        return " ".join(part for part in (self.district, self.street, self.estate, self.room) if part)


class CustomerPhone(db.Model):
    """Phones in their own rows so one index serves suffix search over every number a customer has."""

    __tablename__ = "customer_phone"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    phone: Mapped[str] = mapped_column(String(20))
    # The digits reversed: "ends with 5678" becomes the index range "starts with 8765".
    phone_reversed: Mapped[str] = mapped_column(search_key(20))


class CustomerView(db.Model):
    """Who saw a customer's full phone or ID number, when and how (S21.4, M5.5). Append-only; auditors read it."""

    __tablename__ = "customer_view_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    viewed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # Kept as text too, so the record outlives a deleted customer.
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id", ondelete="SET NULL"))
    account_no: Mapped[str] = mapped_column(String(32))
    # view (one record opened), edit (shown back after a change), export (the archive written out by an operator),
    # case (a case's data shown unmasked)
    channel: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(200), default="")
    # The case the full record was seen from (an auditor opening a case's unmasked history), if any.
    instance_id: Mapped[int | None]


Index("ix_customer_name", Customer.name, Customer.id)
Index("ix_customer_estate", Customer.estate, Customer.id)
Index("ix_customer_area", Customer.district, Customer.street, Customer.estate)  # outage areas (S24.5)
Index("ix_customer_district_estate", Customer.district, Customer.estate, Customer.id)  # estate prefix in a district
Index("ix_customer_branch", Customer.branch_id)
Index("ix_customer_supply_status", Customer.supply_status)  # the disconnection board: the few 停气 among many
Index("ix_customer_manager", Customer.manager_id)
Index("ix_customer_phone_reversed", CustomerPhone.phone_reversed, CustomerPhone.customer_id)
Index("ix_customer_phone_customer", CustomerPhone.customer_id)
Index("ix_customer_view_log_customer", CustomerView.customer_id, CustomerView.viewed_at)
Index("ix_customer_view_log_user", CustomerView.user_id, CustomerView.viewed_at)
Index("ix_customer_view_log_at", CustomerView.viewed_at)
