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
    # Cases from before: the only exclusion then was C13.2.5's (the person complained about, on every task of the
    # case), and it hid the whole case. Carry it over, so visibility no longer needs to read task exclusions.
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT instance_id, excluded_usernames FROM human_task WHERE excluded_usernames IS NOT NULL")
    ).all()
    hidden: dict[int, set[str]] = {}
    for instance_id, names in rows:
        hidden.setdefault(instance_id, set()).update(n for n in names.split(",") if n)
    for instance_id, names in hidden.items():
        bind.execute(
            sa.text("UPDATE process_instance SET hidden_from = :names WHERE id = :id"),
            {"names": ",".join(sorted(names))[:256], "id": instance_id},
        )


def downgrade():
    with op.batch_alter_table("process_instance", schema=None) as batch_op:
        batch_op.drop_column("hidden_from")
