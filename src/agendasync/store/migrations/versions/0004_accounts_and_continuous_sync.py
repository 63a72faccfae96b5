"""Accounts (users, memberships, API tokens), share links, continuous sync schedule and
shared rate budgets.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import agendasync.store.tables

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "budget_spends",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("credential", sa.String(length=64), nullable=False),
        sa.Column("spent_at", agendasync.store.tables.UTCDateTime(), nullable=False),
        sa.Column("cost", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_spends")),
    )
    with op.batch_alter_table("budget_spends", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_budget_spends_credential"), ["credential"], unique=False
        )

    op.create_table(
        "users",
        sa.Column("id", agendasync.store.tables.Id(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("created_at", agendasync.store.tables.UTCDateTime(), nullable=False),
        sa.Column("updated_at", agendasync.store.tables.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", agendasync.store.tables.Id(), nullable=False),
        sa.Column("org_id", agendasync.store.tables.Id(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_at", agendasync.store.tables.UTCDateTime(), nullable=False),
        sa.Column("last_used_at", agendasync.store.tables.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_api_tokens_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_table(
        "memberships",
        sa.Column("user_id", agendasync.store.tables.Id(), nullable=False),
        sa.Column("org_id", agendasync.store.tables.Id(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_memberships_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_memberships_user_id_users"), ondelete="CASCADE"
        ),
        sa.UniqueConstraint("user_id", "org_id", name=op.f("uq_memberships_user_id_org_id")),
    )
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_memberships_user_id"), ["user_id"], unique=False)

    op.create_table(
        "share_links",
        sa.Column("speaker_id", agendasync.store.tables.Id(), nullable=False),
        sa.Column("partner", sa.String(length=32), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("updated_at", agendasync.store.tables.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["speaker_id"],
            ["speakers.id"],
            name=op.f("fk_share_links_speaker_id_speakers"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "speaker_id", "partner", name=op.f("uq_share_links_speaker_id_partner")
        ),
    )
    with op.batch_alter_table("share_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_share_links_speaker_id"), ["speaker_id"], unique=False)

    with op.batch_alter_table("mappings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("next_run_at", agendasync.store.tables.UTCDateTime(), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_mappings_next_run_at"), ["next_run_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("mappings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mappings_next_run_at"))
        batch_op.drop_column("next_run_at")

    with op.batch_alter_table("share_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_share_links_speaker_id"))

    op.drop_table("share_links")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_memberships_user_id"))

    op.drop_table("memberships")
    op.drop_table("api_tokens")
    op.drop_table("users")
    with op.batch_alter_table("budget_spends", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_spends_credential"))

    op.drop_table("budget_spends")
