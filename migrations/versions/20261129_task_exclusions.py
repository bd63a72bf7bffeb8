"""human_task.excluded_usernames: users who may not work a task although in its group (C13: the complainee).

Revision ID: 20261129_task_exclusions
Revises: 20261129_customers
Created: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "20261129_task_exclusions"
down_revision = "20261129_customers"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("human_task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("excluded_usernames", sa.String(length=256), nullable=True))


def downgrade():
    with op.batch_alter_table("human_task", schema=None) as batch_op:
        batch_op.drop_column("excluded_usernames")
