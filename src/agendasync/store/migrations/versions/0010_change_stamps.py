"""Change stamps: the event's content version, the version each mapping last sent per action,
and when each mapping was last reconciled with the partner.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import agendasync.store.tables

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Columns are added and dropped in place (SQLite 3.35+ does both): a batch copy of `events`
# or `mappings` would drop the old table, and its cascades would empty the tables below it.


def upgrade() -> None:
    op.add_column(
        "events", sa.Column("content_version", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column(
        "mappings",
        sa.Column("reconciled_at", agendasync.store.tables.UTCDateTime(), nullable=True),
    )
    op.create_table(
        "mapping_versions",
        sa.Column("mapping_id", agendasync.store.tables.Id(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("content_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mapping_id"],
            ["mappings.id"],
            name=op.f("fk_mapping_versions_mapping_id_mappings"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "mapping_id", "action", name=op.f("uq_mapping_versions_mapping_id_action")
        ),
    )
    with op.batch_alter_table("mapping_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mapping_versions_mapping_id"), ["mapping_id"])


def downgrade() -> None:
    with op.batch_alter_table("mapping_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mapping_versions_mapping_id"))
    op.drop_table("mapping_versions")
    op.execute("ALTER TABLE mappings DROP COLUMN reconciled_at")
    op.execute("ALTER TABLE events DROP COLUMN content_version")
