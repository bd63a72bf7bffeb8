"""app_user.session_version (sign-out ends every session) and login_throttle (issue 13, item 11).

Revision ID: 20261129_sessions
Revises: 20261129_case_hidden_from
Created: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

import app.models.types

revision = "20261129_sessions"
down_revision = "20261129_case_hidden_from"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), server_default="0", nullable=False))
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade():
    op.drop_table("login_throttle")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_column("session_version")
