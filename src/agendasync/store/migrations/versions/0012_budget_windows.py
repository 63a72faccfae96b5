"""Shared budgets in one row per credential (one statement takes a batch of credits) instead of
a row per call.

Revision ID: 0012
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import agendasync.store.tables

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Spends in flight when a worker is upgraded are a few seconds' worth: not carried over.
    op.create_table(
        "budget_windows",
        sa.Column("credential", sa.String(length=64), nullable=False),
        sa.Column(
            "spends", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("checked_at", agendasync.store.tables.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("credential", name=op.f("pk_budget_windows")),
    )
    op.drop_index(op.f("ix_budget_spends_credential"), table_name="budget_spends")
    op.drop_table("budget_spends")


def downgrade() -> None:
    op.create_table(
        "budget_spends",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("credential", sa.String(length=64), nullable=False),
        sa.Column("spent_at", agendasync.store.tables.UTCDateTime(), nullable=False),
        sa.Column("cost", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_spends")),
    )
    op.create_index(
        op.f("ix_budget_spends_credential"), "budget_spends", ["credential"], unique=False
    )
    op.drop_table("budget_windows")
