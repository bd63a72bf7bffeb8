"""org_change (who changed which person, when), API token dates, the last inbox visit and when a handed-on task
reached its new holder (issue 11).

Revision ID: 20261130_user_admin
Revises: 20261129_heartbeats
Created: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

import app.models.types

revision = "20261130_user_admin"
down_revision = "20261129_heartbeats"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("token_created_at", app.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("token_last_used_at", app.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("inbox_seen_at", app.models.types.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("human_task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reached_at", app.models.types.UTCDateTime(timezone=True), nullable=True))
    op.create_table(
        "org_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_org_change_user", "org_change", ["user_id", "at"], unique=False)
    op.create_index("ix_org_change_at", "org_change", ["at"], unique=False)


def downgrade():
    op.drop_index("ix_org_change_at", table_name="org_change")
    op.drop_index("ix_org_change_user", table_name="org_change")
    op.drop_table("org_change")
    with op.batch_alter_table("human_task", schema=None) as batch_op:
        batch_op.drop_column("reached_at")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_column("inbox_seen_at")
        batch_op.drop_column("token_last_used_at")
        batch_op.drop_column("token_created_at")
