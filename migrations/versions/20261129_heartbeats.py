"""scheduler_heartbeat: each scheduler process's last beat (issue 18: /readyz, /metrics, the scheduler-silent alert).

Revision ID: 20261129_heartbeats
Revises: 20261129_sessions
Created: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

import app.models.types

revision = "20261129_heartbeats"
down_revision = "20261129_sessions"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "scheduler_heartbeat",
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("started_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("beat_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade():
    op.drop_table("scheduler_heartbeat")
