"""Event mappings after they are made: remove (with the purge a partner declares), continuous
sync on or off, field maps. Pages, the API, the CLI and the workers call these, never the store.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from agendasync.domain.integrations import FieldSpec
from agendasync.domain.integrations import Mapping as EventMapping
from agendasync.partners.registry import get_partner
from agendasync.services.integrations import IntegrationError, check_base_url, http_client
from agendasync.services.sync_loading import StoreLedger
from agendasync.store import Store
from agendasync.store import integrations as repo
from agendasync.store.locks import mapping_lock
from agendasync.store.secrets import SecretBox
from agendasync.sync.engine import Engine
from agendasync.sync.errors import PartnerError
from agendasync.sync.fields import FIELD_KINDS, FieldMapError, checked_pair, without_pair
from agendasync.sync.model import SyncReport
from agendasync.sync.partner import Partner, Target
from agendasync.sync.retry import Retrier, RetryPolicy


@dataclass
class Removed:
    mapping: EventMapping
    # What was deleted from the partner event (R-MAP-6) and what could not be; None when the
    # partner keeps what was synced.
    purge: SyncReport | None = None


async def remove_mapping(
    store: Store,
    box: SecretBox,
    mapping: EventMapping,
    *,
    http: httpx.AsyncClient | None = None,
    retry: RetryPolicy | None = None,
    allow_private: bool = False,
) -> Removed:
    """R-MAP-5: only this mapping goes; the integration and other mappings stay. A partner that
    declares `purge_on_unmap` (R-MAP-6) first has what this mapping created deleted there;
    what the hub adopted, or found there, stays."""
    removed = Removed(mapping)
    async with mapping_lock(store, mapping.id):
        with store.transaction() as connection:
            integration, sealed = repo.integration_with_credentials(
                connection, mapping.integration_id
            )
            scope = repo.ledger_scope(connection, mapping.id)
            ledger = repo.load_ledger(connection, scope)
        partner = get_partner(integration.partner)
        if partner.spec.purge_on_unmap and ledger:
            await check_base_url(partner, integration.base_url, allow_private=allow_private)
            client = http or http_client(allow_private=allow_private)
            try:
                removed.purge = await _purge(
                    store,
                    box.open(sealed),
                    integration.base_url,
                    partner,
                    mapping,
                    scope,
                    client,
                    retry,
                )
            finally:
                if http is None:
                    await client.aclose()
        with store.transaction() as connection:
            repo.remove_mapping(connection, mapping.id)
    return removed


async def _purge(
    store: Store,
    credentials: dict[str, str],
    base_url: str,
    partner: Partner,
    mapping: EventMapping,
    scope: repo.LedgerScope,
    client: httpx.AsyncClient,
    retry: RetryPolicy | None,
) -> SyncReport:
    report = SyncReport()
    with store.transaction() as connection:
        ledger = repo.load_ledger(connection, scope)
    connector = partner.connector(
        client,
        credentials,
        base_url,
        Target(mapping.partner_event_id, mapping.params),
        budget=None,
    )
    engine = Engine(
        connector,
        dict(ledger),
        StoreLedger(store, scope, mapping.id),
        report,
        partner_title=partner.spec.title,
        retrier=Retrier(retry or RetryPolicy()),
    )
    try:
        await engine.purge(ledger.values(), partner.spec.all_kinds())
    except* PartnerError as group:
        raise IntegrationError(
            f"{partner.spec.title}: {group.exceptions[0]}; the mapping stays, so removing"
            " it can be tried again"
        ) from None
    if report.failed:
        first = report.failed[0]
        raise IntegrationError(
            f"{len(report.failed)} records could not be deleted from {partner.spec.title}"
            f" ({first.label}: {first.reason}); the mapping stays, so removing it can be"
            " tried again"
        )
    return report


def set_continuous(store: Store, mapping: EventMapping, on: bool) -> None:
    """R-MAP-4: switched on, the mapping is due at once; off, it is no longer scheduled."""
    with store.transaction() as connection:
        repo.set_continuous(connection, mapping.id, on)


def _partner_of(store: Store, mapping: EventMapping) -> tuple[Partner, str, str]:
    """The mapping's partner, its sealed credentials and its base URL."""
    with store.transaction() as connection:
        integration, sealed = repo.integration_with_credentials(connection, mapping.integration_id)
    return get_partner(integration.partner), sealed, integration.base_url


def field_maps(store: Store, mapping: EventMapping) -> dict[str, tuple[FieldSpec, ...]]:
    """SPEC §6: the mapping's session and speaker field maps, the partner's defaults where
    the mapping has none of its own."""
    partner, _, _ = _partner_of(store, mapping)
    defaults = partner.spec.fields
    return {kind: mapping.field_maps.get(kind, defaults.get(kind, ())) for kind in FIELD_KINDS}


async def add_field(
    store: Store,
    box: SecretBox,
    mapping: EventMapping,
    *,
    kind: str,
    hub: str,
    partner_field: str,
    http: httpx.AsyncClient | None = None,
    allow_private: bool = False,
) -> dict[str, tuple[FieldSpec, ...]]:
    """Add a pair to a field map; a partner field that does not exist there is refused
    (R-FLD-2). `FieldMapError` names the problem."""
    current = field_maps(store, mapping)
    if kind not in current:
        raise FieldMapError(f"field maps are for {' and '.join(FIELD_KINDS)}, not {kind!r}")
    partner, sealed, base_url = _partner_of(store, mapping)
    await check_base_url(partner, base_url, allow_private=allow_private)
    client = http or http_client(allow_private=allow_private)
    try:
        connector = partner.connector(
            client,
            box.open(sealed),
            base_url,
            Target(mapping.partner_event_id, mapping.params),
            budget=None,
        )
        try:
            available = await Retrier()(lambda: connector.fields(kind))
        except PartnerError as exc:
            raise IntegrationError(f"{partner.spec.title}: {exc}") from exc
    finally:
        if http is None:
            await client.aclose()
    pair = checked_pair(kind, hub, partner_field, current[kind], available)
    return _save_maps(store, mapping, current | {kind: (*current[kind], pair)})


def remove_field(
    store: Store, mapping: EventMapping, *, kind: str, partner_field: str
) -> dict[str, tuple[FieldSpec, ...]]:
    """Remove a pair from a field map; required pairs stay (`FieldMapError` says so)."""
    current = field_maps(store, mapping)
    if kind not in current:
        raise FieldMapError(f"field maps are for {' and '.join(FIELD_KINDS)}, not {kind!r}")
    return _save_maps(
        store, mapping, current | {kind: without_pair(kind, partner_field, current[kind])}
    )


def _save_maps(
    store: Store, mapping: EventMapping, maps: dict[str, tuple[FieldSpec, ...]]
) -> dict[str, tuple[FieldSpec, ...]]:
    updated = mapping.model_copy(update={"field_maps": maps})
    with store.transaction() as connection:
        repo.set_field_maps(connection, updated)
    return maps
