"""Keyed history (issue 13 §8) and the auditors' workplace (issue 15): each event's HMAC and key id, whole-database
seals with their leaves, the auditors' access log, background checks, and the case a customer record was seen from.

Events written before this revision keep their sha256 chain untouched and get no MAC here (the key lives outside the
database, a migration must not need it): `gasflow setup` / `gasflow audit adopt-legacy` keys them afterwards, and
until then verification names them as unkeyed.

Revision ID: 20261129_audit_seals
Revises: 20261129_outbox
Created: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

from app.models.types import UTCDateTime

revision = "20261129_audit_seals"
down_revision = "20261129_outbox"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("event") as batch:
        batch.add_column(sa.Column("key_id", sa.String(16), nullable=True))
        batch.add_column(sa.Column("mac", sa.String(64), nullable=True))
    with op.batch_alter_table("customer_view_log") as batch:
        batch.add_column(sa.Column("instance_id", sa.Integer(), nullable=True))
    op.create_table(
        "audit_seal",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("seq", sa.Integer(), nullable=False, unique=True),
        sa.Column("sealed_at", UTCDateTime(), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("max_instance_id", sa.Integer(), nullable=False),
        sa.Column("root", sa.String(64), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("signature", sa.String(64), nullable=False),
        sa.Column("short_code", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("sealed_by", sa.String(64), nullable=False),
    )
    op.create_table(
        "audit_seal_leaf",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("seal_id", sa.Integer(), sa.ForeignKey("audit_seal.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("event_seq", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_seal_leaf_seal", "audit_seal_leaf", ["seal_id", "position"])
    op.create_index("ix_audit_seal_leaf_instance", "audit_seal_leaf", ["instance_id", "seal_id"])
    op.create_table(
        "audit_access_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.String(500), nullable=False),
    )
    op.create_index("ix_audit_access_log_at", "audit_access_log", ["at"])
    op.create_index("ix_audit_access_log_user", "audit_access_log", ["user_id", "at"])
    op.create_index("ix_audit_access_log_instance", "audit_access_log", ["instance_id"])
    op.create_table(
        "audit_job",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("started_by_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=True),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("broken", sa.Integer(), nullable=False),
        sa.Column("result_json", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
    )


def downgrade():
    op.drop_table("audit_job")
    op.drop_index("ix_audit_access_log_instance", table_name="audit_access_log")
    op.drop_index("ix_audit_access_log_user", table_name="audit_access_log")
    op.drop_index("ix_audit_access_log_at", table_name="audit_access_log")
    op.drop_table("audit_access_log")
    op.drop_index("ix_audit_seal_leaf_instance", table_name="audit_seal_leaf")
    op.drop_index("ix_audit_seal_leaf_seal", table_name="audit_seal_leaf")
    op.drop_table("audit_seal_leaf")
    op.drop_table("audit_seal")
    with op.batch_alter_table("customer_view_log") as batch:
        batch.drop_column("instance_id")
    with op.batch_alter_table("event") as batch:
        batch.drop_column("mac")
        batch.drop_column("key_id")
