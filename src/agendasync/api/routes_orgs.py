"""Organisations, their API tokens, partners, integrations and event mappings."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response, status
from sqlalchemy import Connection

from agendasync.api.deps import App, Caller, Paging
from agendasync.api.errors import ApiError
from agendasync.api.schemas import (
    ConnectedOut,
    ConnectIn,
    DisconnectedOut,
    IntegrationOut,
    IssuedTokenOut,
    MappingIn,
    MappingOut,
    MappingPatch,
    OrgIn,
    OrgOut,
    PageOut,
    PartnerEventOut,
    PartnerOut,
    PasswordChangeIn,
    SessionOut,
    SessionsEndedOut,
    TokenIn,
    TokenOut,
)
from agendasync.domain.accounts import Access, Membership, Principal, Role
from agendasync.domain.models import Organisation
from agendasync.partners.registry import all_partners, get_partner
from agendasync.services import access
from agendasync.services import integrations as service
from agendasync.services import mappings as mappings_service
from agendasync.services.accounts import LoginRefused, LoginThrottled
from agendasync.services.browser_session import client_address, csrf_token, log_in
from agendasync.services.integrations import ConfirmationNeeded, IntegrationError
from agendasync.store import accounts as accounts_repo
from agendasync.store import integrations as repo
from agendasync.store.events import (
    create_organisation,
    delete_organisation,
    find_event,
    list_events,
    list_organisations,
    rename_organisation,
)
from agendasync.store.exceptions import NotFound

router = APIRouter()

_ACCESS_NAMES = {Access.READ: "read", Access.WRITE: "write", Access.ADMIN: "admin"}


def _org_out(org: Organisation, principal: Principal) -> OrgOut:
    granted = principal.access(org.id) or Access.READ
    return OrgOut(id=org.id, name=org.name, slug=org.slug, access=_ACCESS_NAMES[granted])


# --- who is calling ------------------------------------------------------------------------------


@router.get(
    "/session",
    tags=["organisations"],
    summary="Who is calling; for a signed-in browser also the CSRF token its changes need",
)
def who_am_i(request: Request, principal: Caller) -> SessionOut:
    # Safe to answer: another site can make the browser send the cookie, but not read this.
    return SessionOut(
        email=principal.user.email if principal.user else None,
        token=principal.token.name if principal.token else None,
        csrf_token=csrf_token(request) if principal.user else None,
    )


@router.post(
    "/session/password",
    tags=["organisations"],
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Change your password; every other signed-in session of yours ends",
)
def change_password(
    request: Request, body: PasswordChangeIn, app: App, principal: Caller
) -> Response:
    if principal.user is None:
        raise ApiError(403, "forbidden", "an API token has no password; sign in to change yours")
    try:
        app.accounts.change_password(
            principal.user, body.current_password, body.new_password, client_address(request)
        )
    except LoginThrottled as exc:
        retry_after = {"Retry-After": str(int(exc.retry_after_s) + 1)}
        raise ApiError(
            429, "throttled", str(exc), field="current_password", headers=retry_after
        ) from exc
    except LoginRefused as exc:
        raise ApiError(403, "forbidden", str(exc), field="current_password") from exc
    # This browser goes on with a new session; copies of the old cookie no longer work.
    log_in(request, app.accounts.start_session(principal.user.id, app.settings.session_max_age_s))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- organisations -----------------------------------------------------------------------------


@router.get("/orgs", tags=["organisations"], summary="The organisations you can reach")
def list_orgs(app: App, principal: Caller, paging: Paging) -> PageOut[OrgOut]:
    with app.store.transaction() as connection:
        mine = [org for org in list_organisations(connection) if principal.sees(org.id)]
    chosen = mine[paging.offset : paging.offset + paging.limit]
    return PageOut[OrgOut](
        items=[_org_out(org, principal) for org in chosen],
        total=len(mine),
        limit=paging.limit,
        offset=paging.offset,
    )


@router.post(
    "/orgs",
    tags=["organisations"],
    status_code=status.HTTP_201_CREATED,
    summary="Create an organisation (you become its admin)",
)
def create_org(body: OrgIn, app: App, principal: Caller) -> OrgOut:
    if principal.user is None:
        raise ApiError(403, "forbidden", "API tokens cannot create organisations; sign in")
    with app.store.transaction() as connection:
        org = create_organisation(connection, body.name)
        accounts_repo.set_membership(
            connection, Membership(user_id=principal.user.id, org_id=org.id, role=Role.ADMIN)
        )
    return OrgOut(id=org.id, name=org.name, slug=org.slug, access="admin")


@router.get("/orgs/{org}", tags=["organisations"], summary="One organisation")
def get_org(org: str, app: App, principal: Caller) -> OrgOut:
    with app.store.transaction() as connection:
        return _org_out(access.organisation(connection, principal, org), principal)


@router.patch("/orgs/{org}", tags=["organisations"], summary="Rename (the slug stays)")
def rename_org(org: str, body: OrgIn, app: App, principal: Caller) -> OrgOut:
    with app.store.transaction() as connection:
        found = access.organisation(connection, principal, org, Access.ADMIN)
        return _org_out(rename_organisation(connection, found, body.name), principal)


@router.delete(
    "/orgs/{org}",
    tags=["organisations"],
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete the organisation and everything it holds",
)
def delete_org(org: str, app: App, principal: Caller) -> Response:
    with app.store.transaction() as connection:
        found = access.organisation(connection, principal, org, Access.ADMIN)
        delete_organisation(connection, found.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- API tokens ------------------------------------------------------------------------------


@router.get("/orgs/{org}/tokens", tags=["API tokens"], summary="The tokens (never their secrets)")
def list_tokens(org: str, app: App, principal: Caller) -> list[TokenOut]:
    with app.store.transaction() as connection:
        found = access.organisation(connection, principal, org, Access.ADMIN)
        tokens = accounts_repo.list_tokens(connection, found.id)
    return [TokenOut.model_validate(token.model_dump()) for token in tokens]


@router.post(
    "/orgs/{org}/tokens",
    tags=["API tokens"],
    status_code=status.HTTP_201_CREATED,
    summary="Issue a token (its secret is in this answer only)",
)
def issue_token(org: str, body: TokenIn, app: App, principal: Caller) -> IssuedTokenOut:
    with app.store.transaction() as connection:
        found = access.organisation(connection, principal, org, Access.ADMIN)
    issued = app.accounts.issue_token(found.id, body.name, body.scopes)
    return IssuedTokenOut(**issued.token.model_dump(exclude={"org_id"}), token=issued.secret)


@router.delete(
    "/orgs/{org}/tokens/{token_id}",
    tags=["API tokens"],
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke a token",
)
def revoke_token(org: str, token_id: uuid.UUID, app: App, principal: Caller) -> Response:
    with app.store.transaction() as connection:
        found = access.organisation(connection, principal, org, Access.ADMIN)
        accounts_repo.delete_token(connection, found.id, token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete(
    "/orgs/{org}/members/{email}/sessions",
    tags=["organisations"],
    summary="Sign a member out everywhere (every browser they are signed in with)",
)
def end_member_sessions(org: str, email: str, app: App, principal: Caller) -> SessionsEndedOut:
    with app.store.transaction() as connection:
        found = access.organisation(connection, principal, org, Access.ADMIN)
    return SessionsEndedOut(ended=app.accounts.end_sessions(email, org_id=found.id))


# --- partners and integrations ------------------------------------------------------------------


@router.get("/partners", tags=["integrations"], summary="The partners one can connect")
def list_partners(principal: Caller) -> list[PartnerOut]:
    return [PartnerOut.of(partner) for partner in all_partners()]


def _known_partner(name: str) -> str:
    try:
        return get_partner(name).spec.name
    except LookupError as exc:
        raise ApiError(422, "invalid", str(exc), field="partner") from exc


@router.get("/orgs/{org}/integrations", tags=["integrations"], summary="Integrations (masked)")
def list_integrations(org: str, app: App, principal: Caller) -> list[IntegrationOut]:
    with app.store.transaction() as connection:
        found = access.organisation(connection, principal, org)
        return [IntegrationOut.of(i) for i in repo.list_integrations(connection, found.id)]


@router.post(
    "/orgs/{org}/integrations",
    tags=["integrations"],
    status_code=status.HTTP_201_CREATED,
    summary="Connect a partner (the credentials are checked with it at once)",
)
async def connect(org: str, body: ConnectIn, app: App, principal: Caller) -> ConnectedOut:
    with app.store.transaction() as connection:
        found = access.organisation(connection, principal, org, Access.ADMIN)
    connected = await service.connect(
        app.store,
        app.box,
        org=found.slug,
        partner_name=_known_partner(body.partner),
        credentials=body.credentials,
        base_url=body.base_url,
        allow_private=app.settings.allow_private_partner_urls,
    )
    return ConnectedOut(
        **IntegrationOut.of(connected.integration).model_dump(),
        partner_events=[PartnerEventOut.of(e) for e in connected.partner_events],
    )


@router.get(
    "/orgs/{org}/integrations/{partner}",
    tags=["integrations"],
    summary="One integration (masked)",
)
def get_integration(org: str, partner: str, app: App, principal: Caller) -> IntegrationOut:
    with app.store.transaction() as connection:
        found = access.organisation(connection, principal, org)
        return IntegrationOut.of(repo.get_integration(connection, found.id, partner))


@router.get(
    "/orgs/{org}/integrations/{partner}/events",
    tags=["integrations"],
    summary="The partner's events these credentials reach (fetched from the partner)",
)
async def partner_events(
    org: str, partner: str, app: App, principal: Caller
) -> list[PartnerEventOut]:
    with app.store.transaction() as connection:
        found = access.organisation(connection, principal, org)
        repo.get_integration(connection, found.id, partner)
    events = await service.partner_events(
        app.store,
        app.box,
        org=found.slug,
        partner_name=partner,
        allow_private=app.settings.allow_private_partner_urls,
    )
    return [PartnerEventOut.of(e) for e in events]


@router.delete(
    "/orgs/{org}/integrations/{partner}",
    tags=["integrations"],
    # R-INT-5
    summary="Disconnect: removes every mapping of it; data on the partner stays",
)
def disconnect(org: str, partner: str, app: App, principal: Caller) -> DisconnectedOut:
    with app.store.transaction() as connection:
        found = access.organisation(connection, principal, org, Access.ADMIN)
    removed = service.disconnect(app.store, org=found.slug, partner_name=partner)
    return DisconnectedOut(removed_mappings=removed)


# --- mappings --------------------------------------------------------------------------------


@router.get("/orgs/{org}/mappings", tags=["mappings"], summary="The organisation's mappings")
def list_mappings(org: str, app: App, principal: Caller) -> list[MappingOut]:
    with app.store.transaction() as connection:
        found = access.organisation(connection, principal, org)
        return mappings_out(connection, found.id)


def mappings_out(
    connection: Connection, org_id: uuid.UUID, *, event_id: uuid.UUID | None = None
) -> list[MappingOut]:
    """The organisation's mappings (of one event, if given), their partner and event named, in
    three queries whatever their number."""
    found = repo.list_mappings(connection, org_id=org_id, event_id=event_id)
    partners = {i.id: i.partner for i in repo.list_integrations(connection, org_id)}
    slugs = {e.id: e.slug for e in list_events(connection, org_id=org_id)}
    return [MappingOut.of(m, partners[m.integration_id], slugs[m.event_id]) for m in found]


@router.post(
    "/orgs/{org}/mappings",
    tags=["mappings"],
    status_code=status.HTTP_201_CREATED,
    # R-MAP-1, R-MAP-2
    summary="Map a partner event to one of our events",
)
async def add_mapping(org: str, body: MappingIn, app: App, principal: Caller) -> MappingOut:
    """Each event, on either side, is mapped once (409 `conflict` names the mapping that holds
    it). When the time zones differ, or the partner event already holds another event's
    records, the answer is 409 `confirmation_needed` naming each field and what to know; the
    same request with `"confirm": true` maps anyway."""
    with app.store.transaction() as connection:
        found = access.organisation(connection, principal, org, Access.WRITE)
        try:
            event = find_event(connection, body.event, org_id=found.id)
        except NotFound as exc:
            raise ApiError(
                422, "invalid", f"no event {body.event!r} in this organisation", field="event"
            ) from exc
    partner = _known_partner(body.partner)
    try:
        mapping = await service.add_mapping(
            app.store,
            app.box,
            event_slug=event.slug,
            partner_name=partner,
            partner_event_id=body.partner_event_id,
            params=body.params,
            continuous=body.continuous,
            confirmed=body.confirm,
            allow_private=app.settings.allow_private_partner_urls,
        )
    except ConfirmationNeeded as exc:
        raise ApiError(
            409,
            "confirmation_needed",
            f'{exc} Send "confirm": true to map anyway.',
            problems=[(warning.field, warning.message) for warning in exc.warnings],
        ) from exc
    except IntegrationError as exc:
        # Problems of the integration itself (its credentials) are no field of this body.
        field = exc.field if exc.field not in ("credentials", "base_url") else None
        raise ApiError(422, "invalid", str(exc), field=field) from exc
    return MappingOut.of(mapping, partner, event.slug)


def _org_mapping(connection: Connection, org_id: uuid.UUID, mapping_id: uuid.UUID) -> MappingOut:
    for mapping in mappings_out(connection, org_id):
        if mapping.id == mapping_id:
            return mapping
    raise NotFound(f"no mapping with id {mapping_id}")


@router.patch(
    "/orgs/{org}/mappings/{mapping_id}",
    tags=["mappings"],
    # R-MAP-4
    summary="Switch continuous sync on or off",
)
def patch_mapping(
    org: str, mapping_id: uuid.UUID, body: MappingPatch, app: App, principal: Caller
) -> MappingOut:
    with app.store.transaction() as connection:
        found = access.organisation(connection, principal, org, Access.WRITE)
        mapping = repo.get_mapping(connection, _org_mapping(connection, found.id, mapping_id).id)
    mappings_service.set_continuous(app.store, mapping, body.continuous)
    with app.store.transaction() as connection:
        return _org_mapping(connection, found.id, mapping_id)


@router.delete(
    "/orgs/{org}/mappings/{mapping_id}",
    tags=["mappings"],
    status_code=status.HTTP_204_NO_CONTENT,
    # R-MAP-5
    summary="Remove a mapping; the integration and other mappings stay",
)
async def remove_mapping(org: str, mapping_id: uuid.UUID, app: App, principal: Caller) -> Response:
    with app.store.transaction() as connection:
        found = access.organisation(connection, principal, org, Access.WRITE)
        _org_mapping(connection, found.id, mapping_id)
        mapping = repo.get_mapping(connection, mapping_id)
    await mappings_service.remove_mapping(
        app.store, app.box, mapping, allow_private=app.settings.allow_private_partner_urls
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
