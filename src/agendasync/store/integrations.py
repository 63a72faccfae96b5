"""Integrations, mappings, the sync ledger and sync runs in the store."""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Iterator
from collections.abc import Mapping as MappingType
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    Text,
    cast,
    delete,
    insert,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from agendasync.domain.integrations import FieldSpec, Integration, Mapping, RunStatus, SyncRun
from agendasync.store import tables as t
from agendasync.store.exceptions import Conflict, NotFound
from agendasync.sync.model import LedgerEntry, LedgerState, Origin


def _now() -> datetime:
    return datetime.now(UTC)


def _integration(row: Row[Any]) -> Integration:
    values = row._asdict()
    return Integration.model_construct(
        **{k: values[k] for k in Integration.model_fields if k in values}
    )


def _mapping(row: Row[Any]) -> Mapping:
    values = row._asdict()
    values["field_maps"] = {
        kind: tuple(FieldSpec(*pair) for pair in pairs)
        for kind, pairs in (values["field_maps"] or {}).items()
    }
    return Mapping.model_construct(**{k: values[k] for k in Mapping.model_fields})


def _field_maps_json(mapping: Mapping) -> dict[str, list[list[Any]]] | None:
    maps = mapping.field_maps
    if not maps:
        return None
    return {kind: [[p.hub, p.partner, p.required] for p in pairs] for kind, pairs in maps.items()}


# --- integrations ------------------------------------------------------------------------------


def create_integration(
    connection: Connection,
    *,
    org_id: uuid.UUID,
    partner: str,
    base_url: str,
    sealed_credentials: str,
    credentials_hint: str,
) -> Integration:
    if find_integration(connection, org_id, partner) is not None:  # R-INT-1
        raise Conflict(
            f"{partner} is already connected for this organisation; disconnect it first "
            "to use other credentials (one set of credentials per partner)"
        )
    integration = Integration(
        org_id=org_id,
        partner=partner,
        base_url=base_url,
        credentials_hint=credentials_hint,
        created_at=_now(),
    )
    connection.execute(
        insert(t.integrations).values(
            **integration.model_dump(),
            credentials=sealed_credentials,
            updated_at=integration.created_at,
        )
    )
    return integration


def find_integration(connection: Connection, org_id: uuid.UUID, partner: str) -> Integration | None:
    row = connection.execute(
        select(t.integrations).where(
            t.integrations.c.org_id == org_id, t.integrations.c.partner == partner
        )
    ).first()
    return _integration(row) if row else None


def get_integration(connection: Connection, org_id: uuid.UUID, partner: str) -> Integration:
    integration = find_integration(connection, org_id, partner)
    if integration is None:
        raise NotFound(f"{partner} is not connected for this organisation")
    return integration


def integration_with_credentials(
    connection: Connection, integration_id: uuid.UUID
) -> tuple[Integration, str]:
    """The integration and its sealed credentials, in one query (every sync needs both)."""
    row = connection.execute(
        select(t.integrations).where(t.integrations.c.id == integration_id)
    ).first()
    if row is None:
        raise NotFound(f"no integration with id {integration_id}")
    return _integration(row), str(row.credentials)


def sealed_credentials(connection: Connection, integration_id: uuid.UUID) -> str:
    sealed: str | None = connection.execute(
        select(t.integrations.c.credentials).where(t.integrations.c.id == integration_id)
    ).scalar()
    if sealed is None:
        raise NotFound(f"no integration with id {integration_id}")
    return sealed


def list_integrations(connection: Connection, org_id: uuid.UUID) -> list[Integration]:
    rows = connection.execute(
        select(t.integrations)
        .where(t.integrations.c.org_id == org_id)
        .order_by(t.integrations.c.partner)
    )
    return [_integration(row) for row in rows]


def delete_integration(connection: Connection, integration_id: uuid.UUID) -> int:
    """R-INT-5: the integration and all its mappings (and their ledgers) go; returns how many
    mappings went with it."""
    mappings = len(list_mappings(connection, integration_id=integration_id))
    connection.execute(delete(t.integrations).where(t.integrations.c.id == integration_id))
    return mappings


# --- mappings ----------------------------------------------------------------------------------


def add_mapping(
    connection: Connection,
    integration: Integration,
    *,
    event_id: uuid.UUID,
    event_slug: str,
    partner_event_id: str,
    partner_event_name: str,
    params: MappingType[str, str],
    continuous: bool,
) -> Mapping:
    """R-MAP-1/2: map a partner event to a local event; each side only once per integration."""
    holders = connection.execute(
        select(t.mappings).where(
            t.mappings.c.integration_id == integration.id,
            (t.mappings.c.partner_event_id == partner_event_id)
            | (t.mappings.c.event_id == event_id),
        )
    ).all()
    for existing in map(_mapping, holders):
        if existing.partner_event_id == partner_event_id:
            holder = _event_slug(connection, existing.event_id)
            raise Conflict(
                f"{integration.partner} event {partner_event_id} ({existing.partner_event_name})"
                f" is already mapped to event {holder!r}"
            )
        raise Conflict(
            f"event {event_slug!r} is already mapped to {integration.partner} event "
            f"{existing.partner_event_id} ({existing.partner_event_name})"
        )
    mapping = Mapping(
        integration_id=integration.id,
        event_id=event_id,
        partner_event_id=partner_event_id,
        partner_event_name=partner_event_name,
        params=dict(params),
        continuous=continuous,
        created_at=_now(),
    )
    connection.execute(
        insert(t.mappings).values(
            **mapping.model_dump(exclude={"field_maps"}),
            field_maps=_field_maps_json(mapping),
            updated_at=mapping.created_at,
            next_run_at=mapping.created_at if continuous else None,
        )
    )
    return mapping


def _event_slug(connection: Connection, event_id: uuid.UUID) -> str:
    return str(
        connection.execute(select(t.events.c.slug).where(t.events.c.id == event_id)).scalar()
    )


def list_mappings(
    connection: Connection,
    *,
    integration_id: uuid.UUID | None = None,
    event_id: uuid.UUID | None = None,
    org_id: uuid.UUID | None = None,
) -> list[Mapping]:
    query = select(t.mappings).join(t.integrations).order_by(t.mappings.c.created_at)
    if integration_id is not None:
        query = query.where(t.mappings.c.integration_id == integration_id)
    if event_id is not None:
        query = query.where(t.mappings.c.event_id == event_id)
    if org_id is not None:
        query = query.where(t.integrations.c.org_id == org_id)
    return [_mapping(row) for row in connection.execute(query)]


def find_mapping(connection: Connection, event_id: uuid.UUID, partner: str) -> Mapping | None:
    row = connection.execute(
        select(t.mappings)
        .join(t.integrations)
        .where(t.mappings.c.event_id == event_id, t.integrations.c.partner == partner)
    ).first()
    return _mapping(row) if row else None


def get_mapping(connection: Connection, mapping_id: uuid.UUID) -> Mapping:
    row = connection.execute(select(t.mappings).where(t.mappings.c.id == mapping_id)).first()
    if row is None:
        raise NotFound(f"no mapping with id {mapping_id}")
    return _mapping(row)


def remove_mapping(connection: Connection, mapping_id: uuid.UUID) -> None:
    connection.execute(delete(t.mappings).where(t.mappings.c.id == mapping_id))


def set_field_maps(connection: Connection, mapping: Mapping) -> None:
    """A changed field map changes what the partner receives: the next run sends everything."""
    connection.execute(
        delete(t.mapping_versions).where(t.mapping_versions.c.mapping_id == mapping.id)
    )
    connection.execute(
        update(t.mappings)
        .where(t.mappings.c.id == mapping.id)
        .values(field_maps=_field_maps_json(mapping), updated_at=_now())
    )


def set_continuous(connection: Connection, mapping_id: uuid.UUID, on: bool) -> None:
    """R-MAP-4: switched on, the mapping is due at once; off, it is no longer scheduled."""
    now = _now()
    connection.execute(
        update(t.mappings)
        .where(t.mappings.c.id == mapping_id)
        .values(continuous=on, next_run_at=now if on else None, updated_at=now)
    )


# --- ledger ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerScope:
    """Whose ledger: one partner event of one organisation's integration (not one mapping, so
    a mapping removed and added again finds what it synced, R-INT-6)."""

    org_id: uuid.UUID
    partner: str
    partner_event_id: str

    def where(self) -> list[ColumnElement[bool]]:
        c = t.sync_ledger.c
        return [
            c.org_id == self.org_id,
            c.partner == self.partner,
            c.partner_event_id == self.partner_event_id,
        ]

    @classmethod
    def of(cls, integration: Integration, mapping: Mapping) -> LedgerScope:
        return cls.for_target(
            integration.org_id, integration.partner, mapping.partner_event_id, mapping.params
        )

    @classmethod
    def for_target(
        cls, org_id: uuid.UUID, partner: str, partner_event_id: str, params: dict[str, Any]
    ) -> LedgerScope:
        """A mapping's parameters are part of where its records live (ASP: the seminar)."""
        target = partner_event_id
        if params:
            target += "".join(f";{k}={v}" for k, v in sorted(params.items()))
        return cls(org_id, partner, target)


def ledger_scope(connection: Connection, mapping_id: uuid.UUID) -> LedgerScope:
    mapping = get_mapping(connection, mapping_id)
    row = connection.execute(
        select(t.integrations).where(t.integrations.c.id == mapping.integration_id)
    ).first()
    assert row is not None
    return LedgerScope.of(_integration(row), mapping)


class StoredExtra(MappingType[str, Any]):
    """A ledger entry's `extra` as stored, decoded when first read: a check reads it only for
    the few records it sends or points at, not for the thousands it leaves alone."""

    __slots__ = ("_text", "_value")

    def __init__(self, text: str) -> None:
        self._text = text
        self._value: dict[str, Any] | None = None

    def _decoded(self) -> dict[str, Any]:
        if self._value is None:
            self._value = json.loads(self._text)
        return self._value

    def __getitem__(self, key: str) -> Any:
        return self._decoded()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._decoded())

    def __len__(self) -> int:
        return len(self._decoded())

    def __repr__(self) -> str:
        return repr(self._decoded())


_STATES = {state.value: state for state in LedgerState}
_ORIGINS = {origin.value: origin for origin in Origin}


def load_ledger(
    connection: Connection, scope: LedgerScope
) -> dict[tuple[str, uuid.UUID], LedgerEntry]:
    """The scope's entries, with the columns a run needs and `extra` left undecoded."""
    c = t.sync_ledger.c
    rows = connection.execute(
        select(
            c.kind,
            c.record_id,
            c.state,
            c.partner_id,
            c.content_hash,
            c.detail,
            cast(c.extra, Text),
            c.origin,
        ).where(*scope.where())
    ).all()  # fetched at once, not a row at a time
    return {
        (kind, record_id): LedgerEntry(
            kind,
            record_id,
            _STATES[state],
            partner_id,
            content_hash,
            detail,
            StoredExtra(extra),
            _ORIGINS[origin],
        )
        for kind, record_id, state, partner_id, content_hash, detail, extra, origin in rows
    }


def events_held_by(
    connection: Connection,
    org_id: uuid.UUID,
    partner: str,
    partner_event_id: str,
    *,
    other_than: uuid.UUID,
) -> list[str]:
    """The names of the organisation's events, other than one, whose sessions, speakers,
    sponsors or exhibitors the ledger says a partner event holds (under any of its mapping
    parameters: an ASP site holds what went to each of its seminars), in one query."""
    owners = union_all(
        *(
            select(table.c.id.label("record_id"), table.c.event_id)
            for table in (t.sessions, t.speakers, t.sponsors, t.exhibitors)
        )
    ).subquery()
    c = t.sync_ledger.c
    query = (
        select(t.events.c.name)
        .distinct()
        .select_from(t.sync_ledger)
        .join(owners, owners.c.record_id == c.record_id)
        .join(t.events, t.events.c.id == owners.c.event_id)
        .where(
            c.org_id == org_id,
            c.partner == partner,
            or_(
                c.partner_event_id == partner_event_id,
                c.partner_event_id.startswith(f"{partner_event_id};", autoescape=True),
            ),
            # What the partner deleted, or a create that never reached it, is not held there.
            c.state != LedgerState.DELETED_BY_PARTNER.value,
            or_(c.partner_id.is_not(None), c.state == LedgerState.CREATING.value),
            t.events.c.id != other_than,
        )
        .order_by(t.events.c.name)
    )
    return list(connection.execute(query).scalars())


_LEDGER_KEY = ("org_id", "partner", "partner_event_id", "kind", "record_id")


@functools.cache
def _ledger_upsert(dialect: str) -> Any:
    """Insert, or update the row of the same (scope, kind, record): built once per dialect,
    since a sync runs it for every record."""
    statement = (postgres_insert if dialect == "postgresql" else sqlite_insert)(t.sync_ledger)
    return statement.on_conflict_do_update(
        index_elements=list(_LEDGER_KEY),
        set_={
            c.name: statement.excluded[c.name] for c in t.sync_ledger.c if c.name not in _LEDGER_KEY
        },
    )


def save_ledger_entries(
    connection: Connection, scope: LedgerScope, entries: list[LedgerEntry]
) -> None:
    now = _now()
    rows = [
        {
            "org_id": scope.org_id,
            "partner": scope.partner,
            "partner_event_id": scope.partner_event_id,
            "kind": entry.kind,
            "record_id": entry.record_id,
            "state": entry.state.value,
            "partner_id": entry.partner_id,
            "content_hash": entry.content_hash,
            "detail": entry.detail,
            "extra": dict(entry.extra),
            "origin": entry.origin.value,
            "updated_at": now,
        }
        for entry in entries
    ]
    if rows:
        connection.execute(_ledger_upsert(connection.dialect.name), rows)


def delete_ledger_entries(
    connection: Connection, scope: LedgerScope, entries: list[LedgerEntry]
) -> None:
    """Forget records the hub itself deleted on the partner (a purge, a mirrored delete)."""
    c = t.sync_ledger.c
    for kind in {entry.kind for entry in entries}:
        ids = [entry.record_id for entry in entries if entry.kind == kind]
        connection.execute(
            delete(t.sync_ledger).where(*scope.where(), c.kind == kind, c.record_id.in_(ids))
        )


# --- runs --------------------------------------------------------------------------------------


def close_interrupted_runs(connection: Connection, mapping_id: uuid.UUID, now: datetime) -> None:
    """Runs of the mapping still marked running were cut short (a killed process): the caller
    holds the mapping's lock, so none can still be going on."""
    connection.execute(
        update(t.sync_runs)
        .where(
            t.sync_runs.c.mapping_id == mapping_id,
            t.sync_runs.c.status == RunStatus.RUNNING.value,
        )
        .values(
            status=RunStatus.FAILED.value,
            finished_at=now,
            message="interrupted before it finished; the next run went on from where it stopped",
        )
    )


def insert_run(connection: Connection, run: SyncRun) -> None:
    connection.execute(insert(t.sync_runs).values(**run.model_dump()))


def update_run(connection: Connection, run: SyncRun) -> None:
    connection.execute(
        update(t.sync_runs).where(t.sync_runs.c.id == run.id).values(**run.model_dump())
    )


def list_runs(connection: Connection, event_id: uuid.UUID, *, limit: int = 50) -> list[SyncRun]:
    rows = connection.execute(
        select(t.sync_runs)
        .where(t.sync_runs.c.event_id == event_id)
        .order_by(t.sync_runs.c.started_at.desc())
        .limit(limit)
    )
    return [
        SyncRun.model_construct(**(row._asdict() | {"status": RunStatus(row.status)}))
        for row in rows
    ]


def prune_runs(
    connection: Connection,
    mapping_id: uuid.UUID,
    *,
    keep: int,
    keep_failed_for: timedelta,
    now: datetime,
) -> int:
    """Retention: a mapping keeps its newest `keep` runs, and failed ones for `keep_failed_for`.
    Returns how many runs were deleted."""
    runs = t.sync_runs.c
    newest = (
        select(runs.id)
        .where(runs.mapping_id == mapping_id)
        .order_by(runs.started_at.desc())
        .limit(keep)
    )
    recent_failures = select(runs.id).where(
        runs.mapping_id == mapping_id,
        runs.status == RunStatus.FAILED.value,
        runs.started_at > now - keep_failed_for,
    )
    deleted = connection.execute(
        delete(t.sync_runs).where(
            runs.mapping_id == mapping_id,
            runs.id.not_in(newest),
            runs.id.not_in(recent_failures),
        )
    )
    return int(deleted.rowcount)


# --- change stamps and reconciliation ----------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    """What a mapping's last complete run of an action sent, and where the event stands now."""

    version: int  # the event's content version that run sent
    at: datetime | None  # when it started (unknown for runs before it was kept)
    structure_version: int  # the event's last change that can alter many records at once


def sent_version(connection: Connection, mapping_id: uuid.UUID, action: str) -> Sent | None:
    versions = t.mapping_versions.c
    found = connection.execute(
        select(versions.content_version, versions.sent_at, t.events.c.structure_version)
        .join(t.mappings, t.mappings.c.id == versions.mapping_id)
        .join(t.events, t.events.c.id == t.mappings.c.event_id)
        .where(versions.mapping_id == mapping_id, versions.action == action)
    ).first()
    return Sent(*found) if found else None


def record_sent_version(
    connection: Connection, mapping_id: uuid.UUID, action: str, version: int, at: datetime
) -> None:
    """The event's content version a complete run of `action` sent, and when it started."""
    versions = t.mapping_versions
    connection.execute(
        delete(versions).where(versions.c.mapping_id == mapping_id, versions.c.action == action)
    )
    connection.execute(
        insert(versions).values(
            mapping_id=mapping_id, action=action, content_version=version, sent_at=at
        )
    )


def record_reconciled(connection: Connection, mapping_id: uuid.UUID, when: datetime) -> None:
    connection.execute(
        update(t.mappings).where(t.mappings.c.id == mapping_id).values(reconciled_at=when)
    )
