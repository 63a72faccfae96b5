"""What each mapped partner holds of an event's records, read for a whole event (or one page of
its records) in three queries: its mappings, their ledger entries, and its newest runs'
per-record outcomes. `services.sync_state` turns the rows into each record's state.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, or_, select

from agendasync.domain.integrations import RunStatus
from agendasync.domain.run_summary import OWNER_KINDS, RECORD_KINDS
from agendasync.store import tables as t
from agendasync.store.integrations import LedgerScope

# The ledger kinds a record's state is made of: the record itself and its pictures.
PICTURE_OWNERS: Mapping[str, str] = {
    kind: owner for kind, owner in OWNER_KINDS.items() if kind in ("headshots", "logos")
}
_LEDGER_KINDS = (*RECORD_KINDS, *PICTURE_OWNERS)
# Runs read newest first, a few at a time: the walk stops at each mapping's newest full runs.
_RUNS_AT_A_TIME = 8


@dataclass(frozen=True)
class MappedPartner:
    mapping_id: uuid.UUID
    partner: str  # its name ("swoogo")
    partner_event_name: str


@dataclass(frozen=True)
class LedgerRow:
    mapping_id: uuid.UUID
    kind: str
    record_id: uuid.UUID
    state: str  # a `sync.model.LedgerState` value
    detail: str | None
    has_partner_id: bool
    updated_at: datetime


@dataclass(frozen=True)
class Outcome:
    """What the newest run that looked at a record did with it: `sent`, `skipped` or `failed`."""

    mapping_id: uuid.UUID
    kind: str
    record_id: uuid.UUID
    outcome: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class SyncStateRows:
    partners: list[MappedPartner]
    ledger: list[LedgerRow]
    outcomes: list[Outcome] = field(default_factory=list)


def sync_state_rows(
    connection: Connection,
    event_id: uuid.UUID,
    actions: Mapping[str, Collection[str]],
    record_ids: Collection[uuid.UUID] | None = None,
) -> SyncStateRows:
    """The event's mapped partners, what their ledgers hold of its records, and the newest runs'
    outcomes per record; `actions` are the sync actions per partner name (whose newest whole
    runs end the walk back through the runs), `record_ids` narrow it to one page of records."""
    mappings, integrations = t.mappings, t.integrations
    scopes: dict[LedgerScope, MappedPartner] = {}
    for row in connection.execute(
        select(
            mappings.c.id,
            mappings.c.partner_event_id,
            mappings.c.partner_event_name,
            mappings.c.params,
            integrations.c.org_id,
            integrations.c.partner,
        )
        .join(integrations, integrations.c.id == mappings.c.integration_id)
        .where(mappings.c.event_id == event_id)
        .order_by(integrations.c.partner)
    ):
        scope = LedgerScope.for_target(row.org_id, row.partner, row.partner_event_id, row.params)
        scopes[scope] = MappedPartner(row.id, row.partner, row.partner_event_name)
    if not scopes or (record_ids is not None and not record_ids):
        return SyncStateRows(list(scopes.values()), [])
    return SyncStateRows(
        list(scopes.values()),
        _ledger(connection, scopes, record_ids),
        list(_outcomes(connection, scopes.values(), actions, record_ids)),
    )


def _ledger(
    connection: Connection,
    scopes: Mapping[LedgerScope, MappedPartner],
    record_ids: Collection[uuid.UUID] | None,
) -> list[LedgerRow]:
    c = t.sync_ledger.c
    query = select(
        c.partner,
        c.partner_event_id,
        c.org_id,
        c.kind,
        c.record_id,
        c.state,
        c.detail,
        c.partner_id,
        c.updated_at,
    ).where(or_(*(and_(*scope.where()) for scope in scopes)), c.kind.in_(_LEDGER_KINDS))
    if record_ids is not None:
        query = query.where(c.record_id.in_(list(record_ids)))
    return [
        LedgerRow(
            mapping_id=scopes[
                LedgerScope(row.org_id, row.partner, row.partner_event_id)
            ].mapping_id,
            kind=row.kind,
            record_id=row.record_id,
            state=row.state,
            detail=row.detail,
            has_partner_id=row.partner_id is not None,
            updated_at=row.updated_at,
        )
        for row in connection.execute(query)
    ]


def _full(report: Mapping[str, Any]) -> bool:
    """Whether a report names every record its run left out: a scheduled check that sent
    nothing keeps only its counts (the run before it named them)."""
    counts = report.get("counts") or {}
    skipped = sum(int(c.get("skipped", 0)) for c in counts.values())
    return bool(counts) and (skipped == 0 or bool(report.get("skipped")))


def _outcomes(
    connection: Connection,
    partners: Collection[MappedPartner],
    actions: Mapping[str, Collection[str]],
    record_ids: Collection[uuid.UUID] | None,
) -> Iterator[Outcome]:
    """Per record, the outcome of the newest finished run that names it, walking back from the
    newest run to each (mapping, action)'s newest whole run that named what it left out."""
    runs = t.sync_runs.c
    query = (
        select(runs.id, runs.mapping_id, runs.action, runs.scope, runs.started_at, runs.report)
        .where(
            runs.mapping_id.in_([p.mapping_id for p in partners]),
            runs.dry_run.is_(False),
            runs.status.in_([RunStatus.SUCCEEDED.value, RunStatus.PARTIAL.value]),
        )
        .order_by(runs.started_at.desc(), runs.id)
    )
    wanted = {str(record_id) for record_id in record_ids} if record_ids is not None else None
    seen: set[tuple[uuid.UUID, str, str]] = set()
    done: set[tuple[uuid.UUID, str]] = set()
    whole = {(p.mapping_id, action) for p in partners for action in actions.get(p.partner, ())}
    result = connection.execution_options(yield_per=_RUNS_AT_A_TIME).execute(query)
    try:
        for run in result:
            if (run.mapping_id, run.action) in done:
                continue
            for outcome, entries in (
                ("failed", run.report.get("failed", [])),
                ("failed", run.report.get("pictures", [])),
                ("skipped", run.report.get("skipped", [])),
                ("sent", run.report.get("created", [])),
                ("sent", run.report.get("updated", [])),
            ):
                for entry in entries:
                    key = (run.mapping_id, str(entry["kind"]), str(entry["record_id"]))
                    if key in seen or (wanted is not None and key[2] not in wanted):
                        continue
                    seen.add(key)
                    yield Outcome(
                        run.mapping_id,
                        key[1],
                        uuid.UUID(key[2]),
                        outcome,
                        str(entry.get("reason", "")),
                        run.started_at,
                    )
            if run.scope is None and _full(run.report):
                done.add((run.mapping_id, run.action))
                if done >= whole:
                    break
    finally:
        result.close()
