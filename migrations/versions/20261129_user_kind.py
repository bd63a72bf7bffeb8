"""app_user.kind: person, or system (another system's API client, issue 13 item 4).

Revision ID: 20261129_user_kind
Revises: 20261129_incidents
Created: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "20261129_user_kind"
down_revision = "20261129_incidents"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=16), server_default="person", nullable=False))


def downgrade():
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_column("kind")
