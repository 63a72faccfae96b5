"""The schema. Alembic migrations in `migrations/` create exactly these tables.

Content is read and written with SQLAlchemy Core (see `content.py`): an event's whole content
loads in a fixed number of queries, whatever its size.
"""

from __future__ import annotations

import functools
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    false,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator, TypeEngine

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime, stored in UTC.

    PostgreSQL keeps it as `timestamptz`. SQLite has no such type, so it is fixed-width ISO
    text (sortable, and parsed with the fast `datetime.fromisoformat`).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(32))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} cannot be stored; give it a time zone")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            # Fixed width, so that text order is time order.
            return value.replace(tzinfo=None).isoformat(timespec="microseconds") + "+00:00"
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            return datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value.astimezone(UTC)


@functools.lru_cache(maxsize=262_144)
def _parse_uuid(text: str) -> uuid.UUID:
    return uuid.UUID(text)


class Id(Uuid[uuid.UUID]):
    """A UUID column; native on PostgreSQL, 32 hex characters on SQLite.

    An event's link rows repeat the same few thousand ids many times over, so on SQLite each
    text form is parsed once and the `UUID` reused (a third of the load time otherwise).
    """

    cache_ok = True

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        if dialect.supports_native_uuid and self.native_uuid:
            return super().result_processor(dialect, coltype)  # type: ignore[no-untyped-call]

        def process(value: str | None) -> uuid.UUID | None:
            return None if value is None else _parse_uuid(value)

        return process


def _timestamps() -> list[Column[Any]]:
    return [
        Column("created_at", UTCDateTime(), nullable=False),
        Column("updated_at", UTCDateTime(), nullable=False),
    ]


def _owner(table: str) -> Column[Any]:
    """The foreign key to the record a row belongs to; deleting the owner deletes the row."""
    return Column(
        f"{table}_id",
        Id(),
        ForeignKey(f"{table}s.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )


organisations = Table(
    "organisations",
    metadata,
    Column("id", Id(), primary_key=True),
    Column("name", String(500), nullable=False, unique=True),
    Column("slug", String(63), nullable=False, unique=True),
    *_timestamps(),
)


def _changed_version() -> Column[int]:
    """The event's content version that last wrote the record (or unlinked a speaker from a
    session): a check loads only the records written since its last complete run."""
    return Column("changed_version", Integer(), nullable=False, server_default="0")


events = Table(
    "events",
    metadata,
    Column("id", Id(), primary_key=True),
    Column("org_id", Id(), ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("slug", String(63), nullable=False, unique=True),
    Column("name", String(500), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("start_date", Date(), nullable=False),
    Column("end_date", Date(), nullable=False),
    Column("sessionize_endpoint_id", String(8)),
    Column("sessionize_category_map", JSON(), nullable=False),
    # Moves in the same transaction as any change that can alter what a partner receives:
    # a continuous sync of an event that has not moved since its last complete run is skipped.
    Column("content_version", Integer(), nullable=False, server_default="0"),
    # The content version of the last change that can alter many records at once (taxonomy,
    # a deleted record, the event's own fields): a check plans the whole event after it.
    Column("structure_version", Integer(), nullable=False, server_default="0"),
    Column("public_feeds", Boolean(), nullable=False, server_default=false()),
    *_timestamps(),
    Index("ix_events_org_id", "org_id"),
)

taxonomy_items = Table(
    "taxonomy_items",
    metadata,
    Column("id", Id(), primary_key=True),
    _owner("event"),
    Column("kind", String(16), nullable=False),
    Column("name", String(500), nullable=False),
    Column("colour", String(7)),
    *_timestamps(),
    UniqueConstraint("event_id", "kind", "name"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", Id(), primary_key=True),
    _owner("event"),
    Column("title", String(500), nullable=False),
    Column("description", Text(), nullable=False),
    Column("starts_at", UTCDateTime()),
    Column("ends_at", UTCDateTime()),
    Column("status", String(16), nullable=False),
    Column("language", String(2)),
    Column("format_id", Id(), ForeignKey("taxonomy_items.id", ondelete="SET NULL")),
    Column("client_session_id", String(500)),
    Column("sessionize_id", String(500)),
    Column("is_service", Boolean(), nullable=False),
    Column("withdrawn", Boolean(), nullable=False),
    Column("placeholder", Boolean(), nullable=False),
    _changed_version(),
    *_timestamps(),
    UniqueConstraint("event_id", "sessionize_id"),
)

# A session's tags, tracks, locations and levels, in order (the item's kind says which).
session_taxonomy = Table(
    "session_taxonomy",
    metadata,
    _owner("session"),
    Column("item_id", Id(), ForeignKey("taxonomy_items.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer(), nullable=False),
    UniqueConstraint("session_id", "item_id"),
)

session_files = Table(
    "session_files",
    metadata,
    _owner("session"),
    Column("position", Integer(), nullable=False),
    Column("url", String(500), nullable=False),
    Column("uploaded_at", UTCDateTime(), nullable=False),
)

session_people = Table(
    "session_people",
    metadata,
    _owner("session"),
    Column("speaker_id", Id(), ForeignKey("speakers.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(16), nullable=False),
    Column("position", Integer(), nullable=False),
    UniqueConstraint("session_id", "speaker_id", "role"),
)

speakers = Table(
    "speakers",
    metadata,
    Column("id", Id(), primary_key=True),
    _owner("event"),
    Column("first_name", String(500), nullable=False),
    Column("last_name", String(500), nullable=False),
    Column("email", String(500)),
    Column("job_title", String(500)),
    Column("honorific", String(500)),
    Column("company", String(500)),
    Column("website", String(500)),
    Column("mobile_phone", String(500)),
    Column("biography", Text(), nullable=False),
    Column("address", String(500)),
    Column("postcode", String(500)),
    Column("headshot_url", String(500)),
    Column("facebook_url", String(500)),
    Column("linkedin_url", String(500)),
    Column("twitter_url", String(500)),
    Column("status", String(16), nullable=False),
    Column("sessionize_id", String(500)),
    Column("withdrawn", Boolean(), nullable=False),
    Column("placeholder", Boolean(), nullable=False),
    _changed_version(),
    *_timestamps(),
    UniqueConstraint("event_id", "sessionize_id"),
)
# R-MOD-3: an email, where known, is unique within an event, case-insensitively.
Index("uq_speakers_event_id_email", speakers.c.event_id, func.lower(speakers.c.email), unique=True)

speaker_tags = Table(
    "speaker_tags",
    metadata,
    _owner("speaker"),
    Column("item_id", Id(), ForeignKey("taxonomy_items.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer(), nullable=False),
    UniqueConstraint("speaker_id", "item_id"),
)

sponsors = Table(
    "sponsors",
    metadata,
    Column("id", Id(), primary_key=True),
    _owner("event"),
    Column("name", String(500), nullable=False),
    Column("description", Text(), nullable=False),
    Column("website", String(500)),
    Column("tier", String(500)),
    Column("logo_url", String(500)),
    *_timestamps(),
)

exhibitors = Table(
    "exhibitors",
    metadata,
    Column("id", Id(), primary_key=True),
    _owner("event"),
    Column("name", String(500), nullable=False),
    Column("description", Text(), nullable=False),
    Column("website", String(500)),
    *_timestamps(),
)

# The primary contact and the team of an exhibitor, in order.
exhibitor_people = Table(
    "exhibitor_people",
    metadata,
    _owner("exhibitor"),
    Column("position", Integer(), nullable=False),
    # The person's stable id (share links are kept by it, R-SPK-2).
    Column("id", Id(), nullable=False, index=True),
    Column("is_primary", Boolean(), nullable=False),
    Column("first_name", String(500), nullable=False),
    Column("last_name", String(500), nullable=False),
    Column("email", String(500)),
)

# One row per import of an event's content from a source (Sessionize), with its report.
import_runs = Table(
    "import_runs",
    metadata,
    Column("id", Id(), primary_key=True),
    _owner("event"),
    Column("source", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("content_hash", String(64)),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime(), nullable=False),
    Column("report", JSON(), nullable=False),
)

# --- integrations and sync -------------------------------------------------------------------

# R-INT-1: one set of credentials per partner per organisation, encrypted at rest (R-INT-4).
integrations = Table(
    "integrations",
    metadata,
    Column("id", Id(), primary_key=True),
    Column("org_id", Id(), ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("partner", String(32), nullable=False),
    Column("base_url", String(500), nullable=False),
    Column("credentials", Text(), nullable=False),
    Column("credentials_hint", String(64), nullable=False),
    *_timestamps(),
    UniqueConstraint("org_id", "partner"),
)

# R-MAP-1/2: one partner event to one local event, each mapped at most once per integration.
mappings = Table(
    "mappings",
    metadata,
    Column("id", Id(), primary_key=True),
    _owner("integration"),
    _owner("event"),
    Column("partner_event_id", String(200), nullable=False),
    Column("partner_event_name", String(500), nullable=False),
    Column("params", JSON(), nullable=False),
    # SPEC §6: {"sessions": [[hub, partner, required], ...], "speakers": ...}; null: defaults.
    Column("field_maps", JSON()),
    Column("continuous", Boolean(), nullable=False),
    # Continuous sync (R-MAP-4): when the dispatcher next runs it (null: not scheduled).
    Column("next_run_at", UTCDateTime(), index=True),
    # When the partner was last listed to find what changed there (reconciliation).
    Column("reconciled_at", UTCDateTime()),
    *_timestamps(),
    UniqueConstraint("integration_id", "partner_event_id"),
    UniqueConstraint("integration_id", "event_id"),
)

# What each partner event holds for each record (the sync ledger), kept per (organisation,
# partner, partner event) rather than per mapping: removing and re-adding a mapping of the same
# pair finds it again (R-INT-6), and what was deleted on the partner stays blocked (R-SYNC-4).
sync_ledger = Table(
    "partner_ledger",
    metadata,
    Column("org_id", Id(), ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("partner", String(32), nullable=False),
    # The partner event, with the mapping's parameters where it has any ("SITE;seminar_id=X").
    Column("partner_event_id", String(200), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("record_id", Id(), nullable=False),
    Column("state", String(24), nullable=False),
    Column("partner_id", String(200)),
    Column("content_hash", String(64)),
    Column("detail", Text()),
    Column("extra", JSON(), nullable=False),
    Column("origin", String(16), nullable=False),  # created or adopted (a purge deletes created)
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("org_id", "partner", "partner_event_id", "kind", "record_id"),
)

# Per mapping and action: the event's content version its last complete run sent.
mapping_versions = Table(
    "mapping_versions",
    metadata,
    _owner("mapping"),
    Column("action", String(32), nullable=False),
    Column("content_version", Integer(), nullable=False),
    # When that run started: sessions that started or ended since may have changed eligibility.
    Column("sent_at", UTCDateTime()),
    UniqueConstraint("mapping_id", "action"),
)

# One row per sync run, with its report (R-SYNC-5). Kept when the mapping goes.
sync_runs = Table(
    "sync_runs",
    metadata,
    Column("id", Id(), primary_key=True),
    Column("mapping_id", Id(), ForeignKey("mappings.id", ondelete="SET NULL"), index=True),
    _owner("event"),
    Column("partner", String(32), nullable=False),
    Column("action", String(32), nullable=False),
    Column("trigger", String(32), nullable=False),
    Column("dry_run", Boolean(), nullable=False),
    Column("scope", Id()),
    Column("status", String(16), nullable=False),
    Column("message", Text()),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime()),
    Column("report", JSON(), nullable=False),
)

# Credits spent per partner credential, shared by every worker process (R-SYNC-8): the batches
# taken in its rolling window ({"id", "at": epoch seconds, "cost"}), all in one row, so that
# one statement can take a batch (PostgreSQL only).
budget_windows = Table(
    "budget_windows",
    metadata,
    Column("credential", String(64), primary_key=True),
    Column("spends", JSON().with_variant(JSONB(), "postgresql"), nullable=False),
    Column("checked_at", UTCDateTime(), nullable=False),
)

# --- accounts ----------------------------------------------------------------------------------

users = Table(
    "users",
    metadata,
    Column("id", Id(), primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    *_timestamps(),
    Column("last_signed_in_at", UTCDateTime()),
)

# Who may do what in which organisation: admin, editor or viewer.
memberships = Table(
    "memberships",
    metadata,
    _owner("user"),
    Column("org_id", Id(), ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(16), nullable=False),
    UniqueConstraint("user_id", "org_id"),
)

# API tokens of an organisation: shown once, stored as a hash.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Id(), primary_key=True),
    Column("org_id", Id(), ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    # The token's first characters, shown to tell tokens apart (none for older tokens).
    Column("prefix", String(16)),
    Column("scopes", JSON(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("last_used_at", UTCDateTime()),
)

# Speaker share links from partners (R-SPK-2), per speaker and partner.
share_links = Table(
    "share_links",
    metadata,
    _owner("mapping"),
    # A speaker's id, or an exhibitor team member's (R-SPK-2); it goes with its record.
    Column("person_id", Id(), nullable=False, index=True),
    Column("position", Integer(), nullable=False),
    Column("title", String(500), nullable=False),
    Column("url", String(2000), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("mapping_id", "person_id", "position"),
)

# Signed-in browser sessions, kept on the server so that signing out, a password change or an
# admin ends them for good (the cookie only names one, by a key stored here as its sha256).
browser_sessions = Table(
    "browser_sessions",
    metadata,
    Column("key_hash", String(64), primary_key=True),
    _owner("user"),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
)

# Failed sign-ins, per (email, address) and per address, shared by every web process.
login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column("key", String(64), nullable=False, index=True),
    Column("failed_at", UTCDateTime(), nullable=False),
)

# The version of a speaker's portal link: bumping it makes their earlier links invalid.
portal_links = Table(
    "portal_links",
    metadata,
    Column(
        "speaker_id",
        Id(),
        ForeignKey("speakers.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("version", Integer(), nullable=False),
)
