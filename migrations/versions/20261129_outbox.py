"""outbox_message: the notification outbox (issue 16 §4; platform/outbox.py, docs/outbox.md).

Revision ID: 20261129_outbox
Revises: 20261129_overview_indexes
Created: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

import app.models.types

revision = "20261129_outbox"
down_revision = "20261129_overview_indexes"
branch_labels = None
depends_on = None


def upgrade():
    when = app.models.types.UTCDateTime(timezone=True)
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("out_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("params_json", sa.Text(), nullable=False),
        sa.Column("account_no", sa.String(length=32), nullable=True),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", when, nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", when, nullable=True),
        sa.Column("last_attempt_at", when, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("gateway_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", when, nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("sent_at", when, nullable=True),
        sa.Column("updated_at", when, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    op.create_index("ix_outbox_due", "outbox_message", ["status", "next_attempt_at"])
    op.create_index("ix_outbox_lease", "outbox_message", ["status", "lease_until"])
    op.create_index("ix_outbox_instance", "outbox_message", ["instance_id"])


def downgrade():
    op.drop_index("ix_outbox_instance", table_name="outbox_message")
    op.drop_index("ix_outbox_lease", table_name="outbox_message")
    op.drop_index("ix_outbox_due", table_name="outbox_message")
    op.drop_table("outbox_message")
