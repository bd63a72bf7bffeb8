"""process_instance.hidden_from: users who may never read the case (C13.2.5; issue 13 item 5).

Revision ID: 20261129_case_hidden_from
Revises: 20261129_user_kind
Created: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "20261129_case_hidden_from"
down_revision = "20261129_user_kind"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("process_instance", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hidden_from", sa.String(length=256), nullable=True))


def downgrade():
    with op.batch_alter_table("process_instance", schema=None) as batch_op:
        batch_op.drop_column("hidden_from")
