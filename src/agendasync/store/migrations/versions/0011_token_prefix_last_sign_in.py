"""Accounts: an API token's visible prefix (to tell same-named tokens apart) and when each
person last signed in.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import agendasync.store.tables

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Columns are added and dropped in place (a batch copy of `users` would fire its cascades).
# Tokens issued before keep no prefix: their secret was never stored.


def upgrade() -> None:
    op.add_column("api_tokens", sa.Column("prefix", sa.String(length=16), nullable=True))
    op.add_column(
        "users",
        sa.Column("last_signed_in_at", agendasync.store.tables.UTCDateTime(), nullable=True),
    )


def downgrade() -> None:
    op.execute("ALTER TABLE users DROP COLUMN last_signed_in_at")
    op.execute("ALTER TABLE api_tokens DROP COLUMN prefix")
