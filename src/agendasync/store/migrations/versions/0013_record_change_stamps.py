"""Change stamps per record: the content version that last wrote each session and speaker, the
version of the event's last change that can touch many records at once, and when a mapping's
last complete run started (a check then plans only what changed since).

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import agendasync.store.tables

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STAMPED = ("sessions", "speakers")


def upgrade() -> None:
    for table in _STAMPED:
        op.add_column(
            table, sa.Column("changed_version", sa.Integer(), nullable=False, server_default="0")
        )
    op.add_column(
        "events",
        sa.Column("structure_version", sa.Integer(), nullable=False, server_default="0"),
    )
    # Unknown for runs before this revision: their next check plans the whole event.
    op.add_column(
        "mapping_versions",
        sa.Column("sent_at", agendasync.store.tables.UTCDateTime(), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("mapping_versions", "sent_at")
    op.drop_column("events", "structure_version")
    for table in _STAMPED:
        op.drop_column(table, "changed_version")
