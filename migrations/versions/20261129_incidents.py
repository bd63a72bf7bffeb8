"""incident: engine steps that failed, kept on their case until retried (issue 13, item 3).

Revision ID: 20261129_incidents
Revises: 20261129_case_index
Created: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

import app.models.types

revision = "20261129_incidents"
down_revision = "20261129_case_index"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "incident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("element_id", sa.String(length=128), nullable=True),
        sa.Column("element_name", sa.String(length=256), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("step_kind", sa.String(length=32), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=True),
        sa.Column("step_payload_json", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_failed_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("resolved_at", app.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instance.id"]),
        sa.ForeignKeyConstraint(["actor_id"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["resolved_by_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_incident_open", "incident", ["resolved_at", "created_at"])
    op.create_index("ix_incident_instance", "incident", ["instance_id"])


def downgrade():
    op.drop_index("ix_incident_instance", table_name="incident")
    op.drop_index("ix_incident_open", table_name="incident")
    op.drop_table("incident")
