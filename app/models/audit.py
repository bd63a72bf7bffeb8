"""Whole-database seals, the auditors' access log and their background checks (issue 15)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime


class Seal(db.Model):
    """A signed tree head (Certificate Transparency style): the Merkle root over the chain head of every case at one
    instant, chained to the seal before it. Append-only; a copy of each goes to the seal log file outside the
    database (rollback detection), to a paper register (``short_code``) and, as a file, to a notary."""

    __tablename__ = "audit_seal"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cases: Mapped[int]
    events: Mapped[int]
    max_instance_id: Mapped[int] = mapped_column(default=0)
    root: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))  # sha256 over the fields above
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(64))  # HMAC of ``hash`` with the history key
    short_code: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(16))  # daily, on_demand
    sealed_by: Mapped[str] = mapped_column(String(64))


class SealLeaf(db.Model):
    """One case's chain head as a seal saw it (the leaves the root was built from, in instance id order)."""

    __tablename__ = "audit_seal_leaf"

    id: Mapped[int] = mapped_column(primary_key=True)
    seal_id: Mapped[int] = mapped_column(ForeignKey("audit_seal.id", ondelete="CASCADE"))
    position: Mapped[int]
    instance_id: Mapped[int]  # no foreign key: the leaf must outlive a deleted case, that is its point
    event_seq: Mapped[int]
    head_hash: Mapped[str] = mapped_column(String(64))


Index("ix_audit_seal_leaf_seal", SealLeaf.seal_id, SealLeaf.position)
Index("ix_audit_seal_leaf_instance", SealLeaf.instance_id, SealLeaf.seal_id)


class AuditAccess(db.Model):
    """Every page and API answer an auditor was shown (issue 15: every view logged). Append-only."""

    __tablename__ = "audit_access_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))  # the view: search, case, replay, verify, bundle ...
    instance_id: Mapped[int | None]
    detail: Mapped[str] = mapped_column(String(500), default="")


Index("ix_audit_access_log_at", AuditAccess.at)
Index("ix_audit_access_log_user", AuditAccess.user_id, AuditAccess.at)
Index("ix_audit_access_log_instance", AuditAccess.instance_id)


class AuditJob(db.Model):
    """A background check (verify every case): progress for the progress bar, findings for the results page."""

    __tablename__ = "audit_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="running")  # running, done, failed
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    broken: Mapped[int] = mapped_column(default=0)
    # [{"instance_id", "business_key", "first_broken_seq", "reason"}] for every case that failed
    result_json: Mapped[str] = mapped_column(Text, default="[]")
    error: Mapped[str | None] = mapped_column(Text)
