"""Who may use the auditors' workplace (role auditor only: read-only over every case) and the log of every view they
were shown (issue 15: every auditor view logged)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app import clock
from app.core.tx import writes
from app.extensions import db
from app.models import AuditAccess, User
from app.org import access

ROLE = "auditor"
PAGE_SIZE = 100


def require_auditor(user: User) -> None:
    access.require_role(user, ROLE)


@writes
def record(user: User, action: str, instance_id: int | None = None, detail: str = "") -> None:
    db.session.add(
        AuditAccess(
            at=clock.now(),
            user_id=user.id,
            username=user.username,
            action=action[:64],
            instance_id=instance_id,
            detail=detail[:500],
        )  # fmt: skip
    )


@dataclass(frozen=True)
class AccessQuery:
    username: str | None = None
    instance_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    page: int = 1


def entries(query: AccessQuery) -> tuple[list[AuditAccess], int]:
    stmt = select(AuditAccess)
    if query.username:
        stmt = stmt.where(AuditAccess.username == query.username)
    if query.instance_id is not None:
        stmt = stmt.where(AuditAccess.instance_id == query.instance_id)
    if query.since is not None:
        stmt = stmt.where(AuditAccess.at >= query.since)
    if query.until is not None:
        stmt = stmt.where(AuditAccess.at < query.until)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = max(query.page, 1)
    rows = db.session.scalars(
        stmt.order_by(AuditAccess.at.desc(), AuditAccess.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    )
    return list(rows), total
