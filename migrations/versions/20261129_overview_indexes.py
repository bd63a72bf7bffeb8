"""Indexes for the overview, the disconnection board and event-kind reports (they scanned before).

Revision ID: 20261129_overview_indexes
Revises: 20261129_arrears
Created: 2026-11-29
"""

from alembic import op

revision = "20261129_overview_indexes"
down_revision = "20261129_arrears"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_human_task_completed_at", "human_task", ["completed_at"])
    op.create_index("ix_event_kind_at", "event", ["kind", "at"])
    op.create_index("ix_customer_supply_status", "customer", ["supply_status"])


def downgrade():
    op.drop_index("ix_customer_supply_status", table_name="customer")
    op.drop_index("ix_event_kind_at", table_name="event")
    op.drop_index("ix_human_task_completed_at", table_name="human_task")
