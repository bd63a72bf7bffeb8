"""unmatched_message: messages no case was waiting for, kept until staff resolve them (issue 6).

Revision ID: 20261129_arrears
Revises: 20261129_task_exclusions
Created: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

from app.models.types import UTCDateTime

revision = "20261129_arrears"
down_revision = "20261129_task_exclusions"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "unmatched_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("correlation_json", sa.Text(), nullable=False),
        sa.Column("payload_json", sa.Text(), nullable=False),
        sa.Column("account_no", sa.String(length=32), nullable=True),
        sa.Column("received_by", sa.String(length=64), nullable=False),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolution", sa.String(length=16), nullable=True),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.Column("delivered_to", sa.String(length=256), nullable=True),
        sa.ForeignKeyConstraint(["resolved_by_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_unmatched_message_open", "unmatched_message", ["resolved_at", "received_at"])
    op.create_index("ix_unmatched_message_account", "unmatched_message", ["account_no"])


def downgrade():
    op.drop_index("ix_unmatched_message_account", table_name="unmatched_message")
    op.drop_index("ix_unmatched_message_open", table_name="unmatched_message")
    op.drop_table("unmatched_message")
