"""initial content schema

Revision ID: 0001
Revises: none
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import agendasync.store.tables

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("created_at", agendasync.store.tables.UTCDateTime(), nullable=False),
        sa.Column("updated_at", agendasync.store.tables.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("name", name=op.f("uq_organisations_name")),
        sa.UniqueConstraint("slug", name=op.f("uq_organisations_slug")),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("created_at", agendasync.store.tables.UTCDateTime(), nullable=False),
        sa.Column("updated_at", agendasync.store.tables.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_events_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("slug", name=op.f("uq_events_slug")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_org_id", ["org_id"], unique=False)

    op.create_table(
        "exhibitors",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("created_at", agendasync.store.tables.UTCDateTime(), nullable=False),
        sa.Column("updated_at", agendasync.store.tables.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_exhibitors_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exhibitors")),
    )
    with op.batch_alter_table("exhibitors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exhibitors_event_id"), ["event_id"], unique=False)

    op.create_table(
        "speakers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("first_name", sa.String(length=500), nullable=False),
        sa.Column("last_name", sa.String(length=500), nullable=False),
        sa.Column("email", sa.String(length=500), nullable=True),
        sa.Column("job_title", sa.String(length=500), nullable=True),
        sa.Column("honorific", sa.String(length=500), nullable=True),
        sa.Column("company", sa.String(length=500), nullable=True),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("mobile_phone", sa.String(length=500), nullable=True),
        sa.Column("biography", sa.Text(), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("postcode", sa.String(length=500), nullable=True),
        sa.Column("headshot_url", sa.String(length=500), nullable=True),
        sa.Column("facebook_url", sa.String(length=500), nullable=True),
        sa.Column("linkedin_url", sa.String(length=500), nullable=True),
        sa.Column("twitter_url", sa.String(length=500), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", agendasync.store.tables.UTCDateTime(), nullable=False),
        sa.Column("updated_at", agendasync.store.tables.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_speakers_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_speakers")),
    )
    with op.batch_alter_table("speakers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_speakers_event_id"), ["event_id"], unique=False)
    # R-MOD-3: a speaker's email is unique within an event, case-insensitively.
    op.create_index(
        "uq_speakers_event_id_email", "speakers", ["event_id", sa.text("lower(email)")], unique=True
    )

    op.create_table(
        "sponsors",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("tier", sa.String(length=500), nullable=True),
        sa.Column("logo_url", sa.String(length=500), nullable=True),
        sa.Column("created_at", agendasync.store.tables.UTCDateTime(), nullable=False),
        sa.Column("updated_at", agendasync.store.tables.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_sponsors_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sponsors")),
    )
    with op.batch_alter_table("sponsors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sponsors_event_id"), ["event_id"], unique=False)

    op.create_table(
        "taxonomy_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("colour", sa.String(length=7), nullable=True),
        sa.Column("created_at", agendasync.store.tables.UTCDateTime(), nullable=False),
        sa.Column("updated_at", agendasync.store.tables.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_taxonomy_items_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_taxonomy_items")),
        sa.UniqueConstraint(
            "event_id", "kind", "name", name=op.f("uq_taxonomy_items_event_id_kind_name")
        ),
    )
    with op.batch_alter_table("taxonomy_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_taxonomy_items_event_id"), ["event_id"], unique=False)

    op.create_table(
        "exhibitor_people",
        sa.Column("exhibitor_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("first_name", sa.String(length=500), nullable=False),
        sa.Column("last_name", sa.String(length=500), nullable=False),
        sa.Column("email", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["exhibitor_id"],
            ["exhibitors.id"],
            name=op.f("fk_exhibitor_people_exhibitor_id_exhibitors"),
            ondelete="CASCADE",
        ),
    )
    with op.batch_alter_table("exhibitor_people", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exhibitor_people_exhibitor_id"), ["exhibitor_id"], unique=False
        )

    op.create_table(
        "sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("starts_at", agendasync.store.tables.UTCDateTime(), nullable=True),
        sa.Column("ends_at", agendasync.store.tables.UTCDateTime(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=True),
        sa.Column("format_id", sa.Uuid(), nullable=True),
        sa.Column("client_session_id", sa.String(length=500), nullable=True),
        sa.Column("created_at", agendasync.store.tables.UTCDateTime(), nullable=False),
        sa.Column("updated_at", agendasync.store.tables.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_sessions_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["format_id"],
            ["taxonomy_items.id"],
            name=op.f("fk_sessions_format_id_taxonomy_items"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
    )
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sessions_event_id"), ["event_id"], unique=False)

    op.create_table(
        "speaker_tags",
        sa.Column("speaker_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["taxonomy_items.id"],
            name=op.f("fk_speaker_tags_item_id_taxonomy_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["speaker_id"],
            ["speakers.id"],
            name=op.f("fk_speaker_tags_speaker_id_speakers"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "speaker_id", "item_id", name=op.f("uq_speaker_tags_speaker_id_item_id")
        ),
    )
    with op.batch_alter_table("speaker_tags", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_speaker_tags_speaker_id"), ["speaker_id"], unique=False
        )

    op.create_table(
        "session_files",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("uploaded_at", agendasync.store.tables.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_session_files_session_id_sessions"),
            ondelete="CASCADE",
        ),
    )
    with op.batch_alter_table("session_files", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_session_files_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "session_people",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("speaker_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_session_people_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["speaker_id"],
            ["speakers.id"],
            name=op.f("fk_session_people_speaker_id_speakers"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "session_id",
            "speaker_id",
            "role",
            name=op.f("uq_session_people_session_id_speaker_id_role"),
        ),
    )
    with op.batch_alter_table("session_people", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_session_people_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "session_taxonomy",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["taxonomy_items.id"],
            name=op.f("fk_session_taxonomy_item_id_taxonomy_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_session_taxonomy_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "session_id", "item_id", name=op.f("uq_session_taxonomy_session_id_item_id")
        ),
    )
    with op.batch_alter_table("session_taxonomy", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_session_taxonomy_session_id"), ["session_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("session_taxonomy", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_taxonomy_session_id"))

    op.drop_table("session_taxonomy")
    with op.batch_alter_table("session_people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_people_session_id"))

    op.drop_table("session_people")
    with op.batch_alter_table("session_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_files_session_id"))

    op.drop_table("session_files")
    with op.batch_alter_table("speaker_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_speaker_tags_speaker_id"))

    op.drop_table("speaker_tags")
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sessions_event_id"))

    op.drop_table("sessions")
    with op.batch_alter_table("exhibitor_people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exhibitor_people_exhibitor_id"))

    op.drop_table("exhibitor_people")
    with op.batch_alter_table("taxonomy_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_taxonomy_items_event_id"))

    op.drop_table("taxonomy_items")
    with op.batch_alter_table("sponsors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sponsors_event_id"))

    op.drop_table("sponsors")
    with op.batch_alter_table("speakers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_speakers_event_id"))

    op.drop_table("speakers")
    with op.batch_alter_table("exhibitors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exhibitors_event_id"))

    op.drop_table("exhibitors")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_org_id")

    op.drop_table("events")
    op.drop_table("organisations")
