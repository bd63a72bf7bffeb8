"""case_index: what the case list searches by (customer, phone tail, account, unit), and indexes for its scope.

Revision ID: 20261129_case_index
Revises: 20261129_owners
Created: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "20261129_case_index"
down_revision = "20261129_owners"
branch_labels = None
depends_on = None


def _search_key(length: int):
    return sa.String(length=length).with_variant(sa.String(length=length, collation="C"), "postgresql")


def upgrade():
    op.create_table(
        "case_index",
        sa.Column(
            "instance_id", sa.Integer(), sa.ForeignKey("process_instance.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("customer_name", _search_key(64), nullable=True),
        sa.Column("phone_tail", sa.String(length=4), nullable=True),
        sa.Column("account_no", _search_key(32), nullable=True),
        sa.Column("unit", sa.String(length=64), nullable=True),
    )
    op.create_index("ix_case_index_customer_name", "case_index", ["customer_name"])
    op.create_index("ix_case_index_phone_tail", "case_index", ["phone_tail"])
    op.create_index("ix_case_index_account_no", "case_index", ["account_no"])
    op.create_index("ix_case_index_unit", "case_index", ["unit"])
    op.create_index("ix_process_instance_started_at", "process_instance", ["started_at"])
    op.create_index("ix_process_instance_started_by", "process_instance", ["started_by_id"])
    op.create_index("ix_human_task_group_instance", "human_task", ["candidate_group", "instance_id"])
    excludes = sa.text("excluded_usernames IS NOT NULL")
    op.create_index(
        "ix_human_task_excludes",
        "human_task",
        ["excluded_usernames", "instance_id"],
        sqlite_where=excludes,
        postgresql_where=excludes,
    )


def downgrade():
    op.drop_index("ix_human_task_excludes", table_name="human_task")
    op.drop_index("ix_human_task_group_instance", table_name="human_task")
    op.drop_index("ix_process_instance_started_by", table_name="process_instance")
    op.drop_index("ix_process_instance_started_at", table_name="process_instance")
    op.drop_index("ix_case_index_unit", table_name="case_index")
    op.drop_index("ix_case_index_account_no", table_name="case_index")
    op.drop_index("ix_case_index_phone_tail", table_name="case_index")
    op.drop_index("ix_case_index_customer_name", table_name="case_index")
    op.drop_table("case_index")
