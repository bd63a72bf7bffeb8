"""Units, users and their roles (issue 2 §7; the directory grows in issue 4)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime

# Roles a user may hold. 部门负责人 signs off disconnections (S24.6) and the 信息处理表 (C15.1).
ROLES = {
    "staff": "员工",
    "head": "部门负责人",
    "process_owner": "流程负责人",
    "auditor": "审计",
    "admin": "管理员",
    # M4, S18.2: the named manager of A-class and B1 customers (gas connection is assigned among them, app/connection).
    "customer_manager": "客户经理",
}


class Unit(db.Model):
    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    # csc (客服中心), branch (主营分公司), department (职能部门)
    kind: Mapped[str] = mapped_column(String(16), default="department")
    district: Mapped[str | None] = mapped_column(String(32))


class User(db.Model):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(256))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    superior_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    active: Mapped[bool] = mapped_column(default=True)
    # person, or system: the API client of another system (billing, the 12345 platform) with a token and no password
    # or roles; diagrams name it as system:<username> in startableBy/sentBy (issue 13, item 4).
    kind: Mapped[str] = mapped_column(String(16), default="person", server_default="person")
    # Bumped at sign-out: every browser session signed in before it stops working (issue 13, item 11).
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # sha256 of the bearer token; the token itself is shown once and never stored.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    token_last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # to the minute (users.user_for_token)
    # The person's last look at their inbox: tasks that reached them since are "new" (issue 11, notifications).
    inbox_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failed_logins: Mapped[int] = mapped_column(default=0)
    last_failed_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    unit: Mapped[Unit] = relationship(lazy="joined")
    role_rows: Mapped[list[UserRole]] = relationship(lazy="selectin", cascade="all, delete-orphan")

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(r.role for r in self.role_rows)


class LoginThrottle(db.Model):
    """Wrong passwords per (address, username) and per address (issue 13, item 11): the wait after several failures
    falls on the one who keeps guessing, not on the user whose name they type. Rows are keyed by a hash (no address or
    name stored) and deleted on a successful sign-in."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OrgChange(db.Model):
    """What an administrator changed about a person (issue 11: every change recorded, who and when). Append-only;
    never holds a password or a token, only that one was set or issued."""

    __tablename__ = "org_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    actor: Mapped[str] = mapped_column(String(64))  # the administrator's username, kept if the row is renamed
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    action: Mapped[str] = mapped_column(String(32))  # add, disable, enable, password, roles, unit, token, revoke
    detail: Mapped[str] = mapped_column(String(500), default="")


Index("ix_org_change_user", OrgChange.user_id, OrgChange.at)
Index("ix_org_change_at", OrgChange.at)


class UserRole(db.Model):
    __tablename__ = "user_role"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(32))


Index("ix_user_role_role", UserRole.role)
