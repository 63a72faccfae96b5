"""The ledger kept per (organisation, partner, partner event) with each record's origin;
field maps on mappings; share links per (mapping, person).

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import agendasync.store.tables

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "partner_ledger",
        sa.Column("org_id", agendasync.store.tables.Id(), nullable=False),
        sa.Column("partner", sa.String(length=32), nullable=False),
        sa.Column("partner_event_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("record_id", agendasync.store.tables.Id(), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("partner_id", sa.String(length=200), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("updated_at", agendasync.store.tables.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_partner_ledger_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "org_id",
            "partner",
            "partner_event_id",
            "kind",
            "record_id",
            name=op.f("uq_partner_ledger_org_id_partner_partner_event_id_kind_record_id"),
        ),
    )
    op.execute(
        """
        INSERT INTO partner_ledger (org_id, partner, partner_event_id, kind, record_id, state,
            partner_id, content_hash, detail, extra, origin, updated_at)
        SELECT i.org_id, i.partner, m.partner_event_id, l.kind, l.record_id, l.state,
            l.partner_id, l.content_hash, l.detail, l.extra, 'created', l.updated_at
        FROM sync_ledger l JOIN mappings m ON m.id = l.mapping_id
        JOIN integrations i ON i.id = m.integration_id
        """
    )
    with op.batch_alter_table("sync_ledger", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_ledger_mapping_id"))
    op.drop_table("sync_ledger")
    with op.batch_alter_table("mappings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("field_maps", sa.JSON(), nullable=True))

    # Nothing wrote the old share links (speaker, partner): replaced, not migrated.
    with op.batch_alter_table("share_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_share_links_speaker_id"))
    op.drop_table("share_links")
    op.create_table(
        "share_links",
        sa.Column("mapping_id", agendasync.store.tables.Id(), nullable=False),
        sa.Column("person_id", agendasync.store.tables.Id(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("updated_at", agendasync.store.tables.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mapping_id"],
            ["mappings.id"],
            name=op.f("fk_share_links_mapping_id_mappings"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "mapping_id",
            "person_id",
            "position",
            name=op.f("uq_share_links_mapping_id_person_id_position"),
        ),
    )
    with op.batch_alter_table("share_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_share_links_mapping_id"), ["mapping_id"])
        batch_op.create_index(batch_op.f("ix_share_links_person_id"), ["person_id"])


def downgrade() -> None:
    raise NotImplementedError("the ledger cannot be tied back to mappings that were removed")
