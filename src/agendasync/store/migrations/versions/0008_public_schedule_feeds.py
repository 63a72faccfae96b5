"""Events can open their schedule feeds to the public (off by default).

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# In place (SQLite 3.35+): a batch copy of `events` would cascade away the tables below it.


def upgrade() -> None:
    op.add_column(
        "events",
        sa.Column("public_feeds", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.execute("ALTER TABLE events DROP COLUMN public_feeds")
