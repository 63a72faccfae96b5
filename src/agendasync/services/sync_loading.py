"""What one sync run works on, read in one transaction (`load`), and where its outcomes are
written as they land (`StoreLedger`). A scheduled check of content loads only what changed
since the mapping's last complete run, when that plans the same as the whole event."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from agendasync.domain.integrations import Integration
from agendasync.domain.integrations import Mapping as EventMapping
from agendasync.domain.models import EventContent
from agendasync.partners.registry import get_partner
from agendasync.store import Store
from agendasync.store import integrations as repo
from agendasync.store.content import ChangedContent, load_changed_content, load_event_content
from agendasync.store.events import content_version
from agendasync.store.records import save_share_links
from agendasync.store.secrets import SecretBox
from agendasync.sync.model import LedgerEntry, LedgerState, ShareLink
from agendasync.sync.partner import Partner, SyncAction


@dataclass
class StoreLedger:
    """Writes each outcome in its own transaction, as it lands."""

    store: Store
    scope: repo.LedgerScope
    mapping_id: uuid.UUID

    def save(self, entries: list[LedgerEntry]) -> None:
        with self.store.transaction() as connection:
            repo.save_ledger_entries(connection, self.scope, entries)

    def forget(self, entries: list[LedgerEntry]) -> None:
        with self.store.transaction() as connection:
            repo.delete_ledger_entries(connection, self.scope, entries)
            for entry in entries:  # share links die with their owner on the partner (R-SPK-2)
                save_share_links(connection, self.mapping_id, entry.record_id, [])

    def share_links(self, record_id: uuid.UUID, links: tuple[ShareLink, ...]) -> None:
        with self.store.transaction() as connection:
            save_share_links(
                connection, self.mapping_id, record_id, [(link.title, link.url) for link in links]
            )


@dataclass
class Loaded:
    """What one run works on, read in one transaction."""

    mapping: EventMapping
    integration: Integration
    credentials: dict[str, str]
    partner: Partner
    content: EventContent
    scope: repo.LedgerScope
    ledger: dict[tuple[str, uuid.UUID], LedgerEntry]
    content_version: int  # the event's, when it was read
    read_at: datetime  # sessions that start or end later are judged by the next check
    # Set when only what changed since the last complete run was loaded (`content` holds it).
    changed: ChangedContent | None = None


def _settled(ledger: Mapping[tuple[str, uuid.UUID], LedgerEntry]) -> bool:
    """Every record the partner holds got its whole payload: nothing to retry or complete."""
    return all(
        entry.state is LedgerState.DELETED_BY_PARTNER
        or (entry.state is LedgerState.SYNCED and entry.content_hash is not None)
        for entry in ledger.values()
    )


def _changed_since_sent(
    connection: Connection,
    mapping: EventMapping,
    ledger: Mapping[tuple[str, uuid.UUID], LedgerEntry],
    now: datetime,
) -> ChangedContent | None:
    """What changed since the mapping's last complete content run, or None when the whole
    event must be planned: no such run, a change that can touch many records since (taxonomy,
    a deleted record, the event's fields), or records of the ledger left to retry."""
    sent = repo.sent_version(connection, mapping.id, SyncAction.CONTENT)
    if sent is None or sent.at is None or sent.structure_version > sent.version:
        return None
    if not _settled(ledger):
        return None
    return load_changed_content(
        connection, mapping.event_id, since=sent.version, window=(sent.at, now)
    )


def load(
    store: Store,
    box: SecretBox,
    mapping: EventMapping,
    action: str,
    *,
    now: datetime,
    changes_only: bool = False,
) -> Loaded:
    """What a run needs. `changes_only` (a scheduled check of content): only the records that
    changed since the last complete run, when that plans the same as the whole event."""
    with store.transaction() as connection:
        # Read first: a change committed while the rest is read moves the version past it, so
        # the next check sees it (PostgreSQL reads each statement as of its own start).
        version = content_version(connection, mapping.event_id)
        integration, sealed = repo.integration_with_credentials(connection, mapping.integration_id)
        scope = repo.LedgerScope.of(integration, mapping)
        ledger = repo.load_ledger(connection, scope)
        changed = None
        if changes_only and action == SyncAction.CONTENT:
            changed = _changed_since_sent(connection, mapping, ledger, now)
        content = (
            changed.content
            if changed
            else load_event_content(
                connection,
                mapping.event_id,
                sponsors=action == SyncAction.SPONSORS,
                exhibitors=action == SyncAction.EXHIBITORS,
            )
        )
    partner = get_partner(integration.partner)
    partner.spec.action(action)  # an action the partner does not offer is refused here
    credentials = box.open(sealed)
    return Loaded(
        mapping, integration, credentials, partner, content, scope, ledger, version, now, changed
    )
