"""The process owners' workplace (issue 14): pinned forms and source on each version, which version is live
(process_release), drafts edited in the browser (process_draft).

Revision ID: 20261129_owners
Revises: 20261129_audit_seals
Created: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

from app.models.types import UTCDateTime

revision = "20261129_owners"
down_revision = "20261129_audit_seals"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("process_definition", schema=None) as batch_op:
        batch_op.add_column(sa.Column("forms_json", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("source", sa.String(length=16), nullable=False, server_default="file"))
    op.create_table(
        "process_release",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("definition_id", sa.Integer(), nullable=False),
        sa.Column("released_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("released_by_id", sa.Integer(), nullable=True),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("change_instance_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["definition_id"], ["process_definition.id"]),
        sa.ForeignKeyConstraint(["released_by_id"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["change_instance_id"], ["process_instance.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_process_release_key", "process_release", ["key"])
    # Until now the highest version was live: keep it so.
    op.execute(
        "INSERT INTO process_release (key, definition_id, released_at, via) "
        "SELECT d.key, d.id, d.deployed_at, 'file' FROM process_definition d "
        "WHERE d.version = (SELECT max(v.version) FROM process_definition v WHERE v.key = d.key)"
    )
    op.create_table(
        "process_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("xml", sa.Text(), nullable=False),
        sa.Column("forms_json", sa.Text(), nullable=False),
        sa.Column("base_definition_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("problems_json", sa.Text(), nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("change_instance_id", sa.Integer(), nullable=True),
        sa.Column("published_definition_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["base_definition_id"], ["process_definition.id"]),
        sa.ForeignKeyConstraint(["author_id"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["change_instance_id"], ["process_instance.id"]),
        sa.ForeignKeyConstraint(["published_definition_id"], ["process_definition.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_process_draft_key", "process_draft", ["key"])


def downgrade():
    op.drop_index("ix_process_draft_key", table_name="process_draft")
    op.drop_table("process_draft")
    op.drop_index("ix_process_release_key", table_name="process_release")
    op.drop_table("process_release")
    with op.batch_alter_table("process_definition", schema=None) as batch_op:
        batch_op.drop_column("source")
        batch_op.drop_column("forms_json")
