"""Sessions and speakers flagged as placeholders ("To be announced", demo speakers): kept, shown,
never synced (R-SZ-11).

Revision ID: 0008
Revises: 0005 (for now: 0006 and 0007 are on other branches; point this at "0007" when they
are merged)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("sessions", "speakers"):
        op.add_column(
            table,
            sa.Column("placeholder", sa.Boolean(), nullable=False, server_default=sa.false()),
        )


def downgrade() -> None:
    for table in ("sessions", "speakers"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("placeholder")
    # SQLite's batch mode rebuilt `speakers` without the index it cannot reflect: restore it.
    op.execute(
        "CREATE UNIQUE INDEX IF NOT EXISTS uq_speakers_event_id_email "
        "ON speakers (event_id, lower(email))"
    )
