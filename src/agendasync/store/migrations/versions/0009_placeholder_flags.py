"""Sessions and speakers flagged as placeholders ("To be announced", demo speakers): kept, shown,
never synced (R-SZ-11).

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Columns are added and dropped in place (SQLite 3.35+): a batch copy of `sessions` or
# `speakers` would drop the old table, and its cascades would empty the tables below it.


def upgrade() -> None:
    for table in ("sessions", "speakers"):
        op.add_column(
            table,
            sa.Column("placeholder", sa.Boolean(), nullable=False, server_default=sa.false()),
        )


def downgrade() -> None:
    for table in ("sessions", "speakers"):
        op.execute(f"ALTER TABLE {table} DROP COLUMN placeholder")
