"""Sessionize import: endpoint and category map per event, source ids, import runs.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import agendasync.store.tables

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_runs",
        sa.Column("id", agendasync.store.tables.Id(), nullable=False),
        sa.Column("event_id", agendasync.store.tables.Id(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("started_at", agendasync.store.tables.UTCDateTime(), nullable=False),
        sa.Column("finished_at", agendasync.store.tables.UTCDateTime(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_import_runs_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_runs")),
    )
    with op.batch_alter_table("import_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_runs_event_id"), ["event_id"], unique=False)

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sessionize_endpoint_id", sa.String(length=8), nullable=True))
        batch_op.add_column(
            sa.Column("sessionize_category_map", sa.JSON(), nullable=False, server_default="{}")
        )

    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sessionize_id", sa.String(length=500), nullable=True))
        batch_op.add_column(
            sa.Column("is_service", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("withdrawn", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_sessions_event_id_sessionize_id"), ["event_id", "sessionize_id"]
        )

    with op.batch_alter_table("speakers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sessionize_id", sa.String(length=500), nullable=True))
        batch_op.add_column(
            sa.Column("withdrawn", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_speakers_event_id_sessionize_id"), ["event_id", "sessionize_id"]
        )

    # SQLite's batch mode rebuilt `speakers` without the index it cannot reflect: restore it.
    op.execute(
        "CREATE UNIQUE INDEX IF NOT EXISTS uq_speakers_event_id_email "
        "ON speakers (event_id, lower(email))"
    )


def downgrade() -> None:
    with op.batch_alter_table("speakers", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_speakers_event_id_sessionize_id"), type_="unique")
        batch_op.drop_column("withdrawn")
        batch_op.drop_column("sessionize_id")

    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_sessions_event_id_sessionize_id"), type_="unique")
        batch_op.drop_column("withdrawn")
        batch_op.drop_column("is_service")
        batch_op.drop_column("sessionize_id")

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("sessionize_category_map")
        batch_op.drop_column("sessionize_endpoint_id")

    with op.batch_alter_table("import_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_runs_event_id"))

    op.drop_table("import_runs")
