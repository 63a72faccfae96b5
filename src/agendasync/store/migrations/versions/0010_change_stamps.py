"""Change stamps: the event's content version, the version each mapping last sent per action,
and when each mapping was last reconciled with the partner.

Revision ID: 0010
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import agendasync.store.tables

revision: str = "0010"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("content_version", sa.Integer(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("mappings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reconciled_at", agendasync.store.tables.UTCDateTime(), nullable=True)
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
    op.drop_table("mapping_versions")
    with op.batch_alter_table("mappings", schema=None) as batch_op:
        batch_op.drop_column("reconciled_at")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("content_version")
