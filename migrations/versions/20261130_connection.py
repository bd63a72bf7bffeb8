"""connection_code and connection_lookup: the gas connection area's SMS codes and public progress lookups (issue 17).

Revision ID: 20261130_connection
Revises: 20261130_user_admin
Created: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

import app.models.types

revision = "20261130_connection"
down_revision = "20261130_user_admin"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "connection_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", app.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_connection_code_phone", "connection_code", ["phone", "created_at"], unique=False)
    op.create_table(
        "connection_lookup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("application_no", sa.String(length=32), nullable=False),
        sa.Column("found", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_connection_lookup_client", "connection_lookup", ["client", "at"], unique=False)
    op.create_index("ix_connection_lookup_application", "connection_lookup", ["application_no", "at"], unique=False)


def downgrade():
    op.drop_index("ix_connection_lookup_application", table_name="connection_lookup")
    op.drop_index("ix_connection_lookup_client", table_name="connection_lookup")
    op.drop_table("connection_lookup")
    op.drop_index("ix_connection_code_phone", table_name="connection_code")
    op.drop_table("connection_code")
