"""Integrations, event mappings, the sync ledger and sync runs.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import agendasync.store.tables

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "integrations",
        sa.Column("id", agendasync.store.tables.Id(), nullable=False),
        sa.Column("org_id", agendasync.store.tables.Id(), nullable=False),
        sa.Column("partner", sa.String(length=32), nullable=False),
        sa.Column("base_url", sa.String(length=500), nullable=False),
        sa.Column("credentials", sa.Text(), nullable=False),
        sa.Column("credentials_hint", sa.String(length=64), nullable=False),
        sa.Column("created_at", agendasync.store.tables.UTCDateTime(), nullable=False),
        sa.Column("updated_at", agendasync.store.tables.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_integrations_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integrations")),
        sa.UniqueConstraint("org_id", "partner", name=op.f("uq_integrations_org_id_partner")),
    )
    op.create_table(
        "mappings",
        sa.Column("id", agendasync.store.tables.Id(), nullable=False),
        sa.Column("integration_id", agendasync.store.tables.Id(), nullable=False),
        sa.Column("event_id", agendasync.store.tables.Id(), nullable=False),
        sa.Column("partner_event_id", sa.String(length=200), nullable=False),
        sa.Column("partner_event_name", sa.String(length=500), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("continuous", sa.Boolean(), nullable=False),
        sa.Column("created_at", agendasync.store.tables.UTCDateTime(), nullable=False),
        sa.Column("updated_at", agendasync.store.tables.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_mappings_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_mappings_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mappings")),
        sa.UniqueConstraint(
            "integration_id", "event_id", name=op.f("uq_mappings_integration_id_event_id")
        ),
        sa.UniqueConstraint(
            "integration_id",
            "partner_event_id",
            name=op.f("uq_mappings_integration_id_partner_event_id"),
        ),
    )
    with op.batch_alter_table("mappings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mappings_event_id"), ["event_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_mappings_integration_id"), ["integration_id"], unique=False
        )

    op.create_table(
        "sync_ledger",
        sa.Column("mapping_id", agendasync.store.tables.Id(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("record_id", agendasync.store.tables.Id(), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("partner_id", sa.String(length=200), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("updated_at", agendasync.store.tables.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mapping_id"],
            ["mappings.id"],
            name=op.f("fk_sync_ledger_mapping_id_mappings"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "mapping_id", "kind", "record_id", name=op.f("uq_sync_ledger_mapping_id_kind_record_id")
        ),
    )
    with op.batch_alter_table("sync_ledger", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_ledger_mapping_id"), ["mapping_id"], unique=False)

    op.create_table(
        "sync_runs",
        sa.Column("id", agendasync.store.tables.Id(), nullable=False),
        sa.Column("mapping_id", agendasync.store.tables.Id(), nullable=True),
        sa.Column("event_id", agendasync.store.tables.Id(), nullable=False),
        sa.Column("partner", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("trigger", sa.String(length=32), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("scope", agendasync.store.tables.Id(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("started_at", agendasync.store.tables.UTCDateTime(), nullable=False),
        sa.Column("finished_at", agendasync.store.tables.UTCDateTime(), nullable=True),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_sync_runs_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mapping_id"],
            ["mappings.id"],
            name=op.f("fk_sync_runs_mapping_id_mappings"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_runs")),
    )
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_runs_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sync_runs_mapping_id"), ["mapping_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_runs_mapping_id"))
        batch_op.drop_index(batch_op.f("ix_sync_runs_event_id"))

    op.drop_table("sync_runs")
    with op.batch_alter_table("sync_ledger", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_ledger_mapping_id"))

    op.drop_table("sync_ledger")
    with op.batch_alter_table("mappings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mappings_integration_id"))
        batch_op.drop_index(batch_op.f("ix_mappings_event_id"))

    op.drop_table("mappings")
    op.drop_table("integrations")
