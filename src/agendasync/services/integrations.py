"""Connecting partners and mapping events (SPEC §2, §3): what the CLI, API and pages call.

`allow_private` says whether a partner may live at a private address (or plain http): the
pages and the API pass what the operator allowed at start-up, the CLI (the operator) allows it.
Otherwise the base URL must be https and resolve to public addresses (see `partners.addresses`).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx

from agendasync.domain.integrations import Integration
from agendasync.domain.integrations import Mapping as EventMapping
from agendasync.domain.models import Event
from agendasync.partners.addresses import PrivateAddress, PublicOnlyTransport, check_public_url
from agendasync.partners.registry import get_partner
from agendasync.partners.urls import InvalidBaseUrl, normalise_base_url
from agendasync.store import Store
from agendasync.store import integrations as repo
from agendasync.store.events import find_event, find_organisation
from agendasync.store.secrets import SecretBox, mask
from agendasync.sync.errors import AuthFailed, PartnerError, Transient
from agendasync.sync.partner import Partner, PartnerEvent, Target
from agendasync.sync.timezones import same_rules


class IntegrationError(Exception):
    """A connect, map or disconnect that cannot be done; the message says why, `field` which
    input is at fault."""

    def __init__(self, message: str, *, field: str = "credentials") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class MappingWarning:
    """Something to know before a mapping is made; `field` is the input it is about."""

    field: str
    message: str


class ConfirmationNeeded(IntegrationError):
    """A mapping that can be made, once someone who has read the warnings confirms it."""

    def __init__(self, warnings: Sequence[MappingWarning]) -> None:
        super().__init__(" ".join(w.message for w in warnings), field=warnings[0].field)
        self.warnings = tuple(warnings)


@dataclass(frozen=True)
class Connected:
    integration: Integration
    partner_events: Sequence[PartnerEvent]


def http_client(timeout: float = 30.0, *, allow_private: bool) -> httpx.AsyncClient:
    """The client partner calls and picture downloads go through; unless private addresses
    are allowed, it sends requests only to public https addresses (redirects included)."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=10.0),
        transport=None if allow_private else PublicOnlyTransport(),
    )


async def check_base_url(partner: Partner, url: str, *, allow_private: bool) -> None:
    if allow_private:
        return
    try:
        await check_public_url(url)
    except PrivateAddress as exc:
        raise IntegrationError(
            f"{partner.spec.title} cannot be reached at {url}: {exc}", field="base_url"
        ) from None


def _credentials(partner: Partner, given: Mapping[str, str]) -> dict[str, str]:
    values = {}
    for field in partner.spec.credential_fields:
        value = (given.get(field.name) or "").strip()
        if not value:
            raise IntegrationError(f"{field.label} is required to connect {partner.spec.title}")
        values[field.name] = value
    return values


def _hint(partner: Partner, values: Mapping[str, str]) -> str:
    return ", ".join(
        f"{field.label} {mask(values[field.name])}" for field in partner.spec.credential_fields
    )


def _base_url(partner: Partner, given: str | None) -> str:
    text = given or partner.spec.default_base_url
    if not text:
        raise IntegrationError(
            f"{partner.spec.title} needs the base URL of your platform", field="base_url"
        )
    try:
        return normalise_base_url(text)
    except InvalidBaseUrl as exc:
        raise IntegrationError(str(exc), field="base_url") from exc


async def verify(
    partner: Partner, http: httpx.AsyncClient, credentials: Mapping[str, str], base_url: str
) -> Sequence[PartnerEvent]:
    """R-INT-2: the partner's own verdict on the credentials, in words people understand."""
    try:
        return await partner.verify(http, credentials, base_url)
    except AuthFailed as exc:
        raise IntegrationError(f"{partner.spec.title} refused the credentials: {exc}") from exc
    except Transient as exc:
        raise IntegrationError(
            f"{partner.spec.title} could not be reached at {base_url}: {exc}"
        ) from exc
    except PartnerError as exc:
        raise IntegrationError(f"{partner.spec.title} answered unexpectedly: {exc}") from exc


async def connect(
    store: Store,
    box: SecretBox,
    *,
    org: str,
    partner_name: str,
    credentials: Mapping[str, str],
    base_url: str | None = None,
    http: httpx.AsyncClient | None = None,
    allow_private: bool = False,
) -> Connected:
    """Verify the credentials against the partner at once, then keep them encrypted."""
    partner = _partner(partner_name)
    values = _credentials(partner, credentials)
    url = _base_url(partner, base_url)
    await check_base_url(partner, url, allow_private=allow_private)
    async with _client(http, allow_private) as client:
        events = await verify(partner, client, values, url)
    with store.transaction() as connection:
        owner = find_organisation(connection, org)
        integration = repo.create_integration(
            connection,
            org_id=owner.id,
            partner=partner.spec.name,
            base_url=url,
            sealed_credentials=box.seal(values),
            credentials_hint=_hint(partner, values),
        )
    return Connected(integration, events)


def disconnect(store: Store, *, org: str, partner_name: str) -> int:
    """R-INT-5: removes the integration and all its mappings; returns how many mappings."""
    with store.transaction() as connection:
        owner = find_organisation(connection, org)
        integration = repo.get_integration(connection, owner.id, partner_name)
        return repo.delete_integration(connection, integration.id)


async def partner_events(
    store: Store,
    box: SecretBox,
    *,
    org: str,
    partner_name: str,
    http: httpx.AsyncClient | None = None,
    allow_private: bool = False,
) -> Sequence[PartnerEvent]:
    """The partner's events, for the mapping window's dropdown."""
    with store.transaction() as connection:
        owner = find_organisation(connection, org)
        integration = repo.get_integration(connection, owner.id, partner_name)
    return await _events_for(
        store, box, integration, _partner(partner_name), http, allow_private=allow_private
    )


async def add_mapping(
    store: Store,
    box: SecretBox,
    *,
    event_slug: str,
    partner_name: str,
    partner_event_id: str,
    params: Mapping[str, str] | None = None,
    continuous: bool = False,
    confirmed: bool = False,
    http: httpx.AsyncClient | None = None,
    allow_private: bool = False,
) -> EventMapping:
    """The partner event must exist for the credentials; each side maps once. What the
    mapping warns of (time zones that differ, a partner event holding another event's records)
    stops it with `ConfirmationNeeded` unless `confirmed`."""
    # R-MAP-1, R-MAP-2
    partner = _partner(partner_name)
    with store.transaction() as connection:
        event = find_event(connection, event_slug)
    missing = [p for p in partner.spec.mapping_params if not (params or {}).get(p.name)]
    if missing:
        raise IntegrationError(
            f"a mapping to {partner.spec.title} needs: {', '.join(p.label for p in missing)}",
            field=f"params.{missing[0].name}",
        )
    integration = _integration_of(store, event, partner)
    events = await _events_for(store, box, integration, partner, http, allow_private=allow_private)
    chosen = _chosen(partner, events, partner_event_id)
    target = Target(chosen.id, params or {})
    remote = await _check_target(store, box, integration, partner, target, http, allow_private)
    # The zone of the event as the mapping reaches it (ASP: the seminar's), else as listed.
    warnings = mapping_warnings(
        store, partner, integration, event, remote if remote.timezone else chosen
    )
    if warnings and not confirmed:
        raise ConfirmationNeeded(warnings)
    with store.transaction() as connection:
        return repo.add_mapping(
            connection,
            integration,
            event_id=event.id,
            event_slug=event.slug,
            partner_event_id=chosen.id,
            partner_event_name=chosen.name,
            params=params or {},
            continuous=continuous,
        )


def mapping_warnings(
    store: Store, partner: Partner, integration: Integration, event: Event, remote: PartnerEvent
) -> list[MappingWarning]:
    """What to know before mapping `remote` to `event`: differing time zones, and the other
    events whose records the partner event already holds. The mapping window shows them as the
    choice changes; Add Mapping asks for confirmation of them."""
    title = partner.spec.title
    warnings = []
    # R-MAP-8: a sync stops on differing zones; say so while the mapping can still be chosen.
    if remote.timezone and not same_rules(remote.timezone, event.timezone, event.start_date):
        warnings.append(
            MappingWarning(
                "event",
                f"Time zones differ: {title} event '{remote.name}' is in {remote.timezone}, "
                f"{event.name} is in {event.timezone}. Syncs are refused until both are the "
                "same.",
            )
        )
    with store.transaction() as connection:
        holders = repo.events_held_by(
            connection, integration.org_id, partner.spec.name, remote.id, other_than=event.id
        )
    if holders:
        names = ", ".join(holders)
        warnings.append(
            MappingWarning(
                "partner_event_id",
                f"{title} event '{remote.name}' already holds records of {names}: a sync of "
                f"{event.name} adds its own beside them.",
            )
        )
    return warnings


def _integration_of(store: Store, event: Event, partner: Partner) -> Integration:
    with store.transaction() as connection:
        integration = repo.find_integration(connection, event.org_id, partner.spec.name)
    if integration is None:
        raise IntegrationError(
            f"{partner.spec.title} is not connected for the organisation of {event.slug!r}",
            field="partner",
        )
    return integration


def _chosen(
    partner: Partner, events: Sequence[PartnerEvent], partner_event_id: str
) -> PartnerEvent:
    wanted = str(partner_event_id).strip()
    # Ids as the partner wrote them; one typed in another case still finds its event (ASP).
    chosen = next((e for e in events if e.id == wanted), None) or next(
        (e for e in events if e.id.lower() == wanted.lower()), None
    )
    if chosen is None:
        raise IntegrationError(
            f"{partner.spec.title} has no event {partner_event_id} for these credentials",
            field="partner_event_id",
        )
    return chosen


async def _check_target(
    store: Store,
    box: SecretBox,
    integration: Integration,
    partner: Partner,
    target: Target,
    http: httpx.AsyncClient | None,
    allow_private: bool,
) -> PartnerEvent:
    """The partner event as the mapping will reach it (ASP: its seminar must exist there)."""
    with store.transaction() as connection:
        values = box.open(repo.sealed_credentials(connection, integration.id))
    async with _client(http, allow_private) as client:
        connector = partner.connector(client, values, integration.base_url, target, budget=None)
        try:
            return await connector.event()
        except PartnerError as exc:
            # The event was listed: what is not found is what the parameters name.
            params = partner.spec.mapping_params
            field = f"params.{params[0].name}" if params else "partner_event_id"
            raise IntegrationError(f"{partner.spec.title}: {exc}", field=field) from exc


async def _events_for(
    store: Store,
    box: SecretBox,
    integration: Integration,
    partner: Partner,
    http: httpx.AsyncClient | None,
    *,
    allow_private: bool,
) -> Sequence[PartnerEvent]:
    await check_base_url(partner, integration.base_url, allow_private=allow_private)
    with store.transaction() as connection:
        values = box.open(repo.sealed_credentials(connection, integration.id))
    async with _client(http, allow_private) as client:
        return await verify(partner, client, values, integration.base_url)


def _partner(name: str) -> Partner:
    try:
        return get_partner(name)
    except LookupError as exc:
        raise IntegrationError(str(exc)) from exc


@asynccontextmanager
async def _client(
    http: httpx.AsyncClient | None, allow_private: bool
) -> AsyncIterator[httpx.AsyncClient]:
    """The given client (tests choose the wire), or a fresh one closed afterwards."""
    if http is not None:
        yield http
        return
    async with http_client(allow_private=allow_private) as own:
        yield own


def mapping_for(store: Store, event_slug: str, partner_name: str) -> tuple[uuid.UUID, EventMapping]:
    with store.transaction() as connection:
        event = find_event(connection, event_slug)
        mapping = repo.find_mapping(connection, event.id, partner_name)
    if mapping is None:
        # R-MAP-3: the sync action exists only for a mapped event.
        raise IntegrationError(
            f"event {event_slug!r} is not mapped to {partner_name}; add a mapping first"
        )
    return event.id, mapping
