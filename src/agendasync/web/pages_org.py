"""Organisation pages: its events, Settings -> Integrations (a card per partner, the mapping
window), and API tokens."""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Connection

from agendasync.domain.accounts import Access, Principal, Scope
from agendasync.domain.integrations import Integration
from agendasync.domain.integrations import Mapping as EventMapping
from agendasync.domain.models import Event, Organisation
from agendasync.partners.registry import all_partners, get_partner
from agendasync.services import access
from agendasync.services import integrations as service
from agendasync.services import mappings as mappings_service
from agendasync.services.accounts import IssuedToken
from agendasync.services.browser_session import Flash, flash
from agendasync.services.integrations import IntegrationError
from agendasync.store import accounts as accounts_repo
from agendasync.store import integrations as repo
from agendasync.store.events import find_event, list_events
from agendasync.store.exceptions import Conflict, NotFound
from agendasync.store.records import page_events
from agendasync.sync.partner import PartnerSpec
from agendasync.web.forms import TOKEN_FIELDS, FormField, credential_fields, mapping_fields
from agendasync.web.render import App, Paging, User, redirect, render

router = APIRouter()


def _partner_spec(name: str) -> PartnerSpec:
    try:
        return get_partner(name).spec
    except LookupError as exc:
        raise NotFound(str(exc)) from exc


@router.get("/orgs/{org}", response_class=HTMLResponse)
def org_events(request: Request, org: str, app: App, principal: User, paging: Paging) -> Response:
    with app.store.transaction() as connection:
        found = access.organisation(connection, principal, org)
        page = page_events(connection, found.id, paging)
    context = {
        "org": found,
        "page": page,
        "section": "events",
        "event": None,
        "can_write": principal.can(found.id, Access.WRITE),
    }
    return render(request, "org_events.html", context, principal=principal)


# --- integrations ------------------------------------------------------------------------------


@dataclass
class _Card:
    spec: PartnerSpec
    integration: Integration | None
    mappings: int
    fields: list[FormField] = field(default_factory=list)
    error: str | None = None


def _integrations_page(
    request: Request,
    app: App,
    principal: Principal,
    org: Organisation,
    *,
    refused: tuple[str, str, dict[str, str]] | None = None,
) -> HTMLResponse:
    """The cards; `refused` (partner, reason, values given) shows a refused Connect again."""
    with app.store.transaction() as connection:
        integrations = {i.partner: i for i in repo.list_integrations(connection, org.id)}
        mappings = repo.list_mappings(connection, org_id=org.id)
    cards = []
    for partner in all_partners():
        spec = partner.spec
        integration = integrations.get(spec.name)
        given = refused[2] if refused and refused[0] == spec.name else None
        cards.append(
            _Card(
                spec=spec,
                integration=integration,
                mappings=sum(m.integration_id == integration.id for m in mappings if integration),
                fields=credential_fields(spec, given),
                error=refused[1] if given is not None and refused else None,
            )
        )
    context = {
        "org": org,
        "cards": cards,
        "section": "integrations",
        "event": None,
        "can_admin": principal.can(org.id, Access.ADMIN),
    }
    status = 422 if refused else 200
    return render(request, "integrations.html", context, principal=principal, status_code=status)


@router.get("/orgs/{org}/settings/integrations", response_class=HTMLResponse)
def integrations_page(request: Request, org: str, app: App, principal: User) -> Response:
    with app.store.transaction() as connection:
        found = access.organisation(connection, principal, org)
    return _integrations_page(request, app, principal, found)


@router.post("/orgs/{org}/settings/integrations/{partner}/connect", response_class=HTMLResponse)
async def connect(request: Request, org: str, partner: str, app: App, principal: User) -> Response:
    spec = _partner_spec(partner)
    with app.store.transaction() as connection:
        found = access.organisation(connection, principal, org, Access.ADMIN)
    form = await request.form()
    credentials = {
        f.name: str(form.get(f"credential_{f.name}", "")) for f in spec.credential_fields
    }
    base_url = str(form.get("base_url", "")).strip() or None
    try:
        connected = await service.connect(
            app.store,
            app.box,
            org=found.slug,
            partner_name=spec.name,
            credentials=credentials,
            base_url=base_url,
            allow_private=app.settings.allow_private_partner_urls,
        )
    except (IntegrationError, Conflict) as exc:
        shown = {f.name: credentials[f.name] for f in spec.credential_fields if not f.secret}
        shown["base_url"] = base_url or ""
        return _integrations_page(
            request, app, principal, found, refused=(spec.name, str(exc), shown)
        )
    flash(
        request,
        Flash("success", f"{spec.title} connected ({connected.integration.credentials_hint})."),
    )
    # The seed's flow: once connected, the mapping window opens.
    return redirect(f"/orgs/{found.slug}/settings/integrations/{spec.name}")


@router.post("/orgs/{org}/settings/integrations/{partner}/disconnect")
def disconnect(request: Request, org: str, partner: str, app: App, principal: User) -> Response:
    spec = _partner_spec(partner)
    with app.store.transaction() as connection:
        found = access.organisation(connection, principal, org, Access.ADMIN)
    removed = service.disconnect(app.store, org=found.slug, partner_name=spec.name)
    flash(
        request,
        Flash("success", f"{spec.title} disconnected; {removed} event mapping(s) removed."),
    )
    return redirect(f"/orgs/{found.slug}/settings/integrations")


# --- the mapping window ------------------------------------------------------------------------


@dataclass(frozen=True)
class _MappingRow:
    mapping: EventMapping
    event: Event


@router.get("/orgs/{org}/settings/integrations/{partner}", response_class=HTMLResponse)
async def mapping_window(
    request: Request, org: str, partner: str, app: App, principal: User
) -> Response:
    spec = _partner_spec(partner)
    with app.store.transaction() as connection:
        found = access.organisation(connection, principal, org)
        integration = repo.get_integration(connection, found.id, spec.name)
        mappings = repo.list_mappings(connection, integration_id=integration.id)
        events = list_events(connection, org_id=found.id)
    error = None
    try:
        partner_events = await service.partner_events(
            app.store,
            app.box,
            org=found.slug,
            partner_name=spec.name,
            allow_private=app.settings.allow_private_partner_urls,
        )
    except IntegrationError as exc:
        partner_events, error = [], str(exc)
    by_id = {event.id: event for event in events}
    # R-MAP-2: what is mapped already is not offered again, on either side.
    mapped_partner_events = {m.partner_event_id for m in mappings}
    mapped_events = {m.event_id for m in mappings}
    fields = mapping_fields(
        spec,
        [e for e in partner_events if e.id not in mapped_partner_events],
        [e for e in events if e.id not in mapped_events],
    )
    context = {
        "org": found,
        "spec": spec,
        "fields": fields,
        "mappings": [_MappingRow(m, by_id[m.event_id]) for m in mappings],
        "error": error,
        "section": "integrations",
        "event": None,
        "can_write": principal.can(found.id, Access.WRITE),
    }
    return render(request, "mapping_window.html", context, principal=principal)


@router.post("/orgs/{org}/settings/integrations/{partner}/mappings")
async def add_mapping(
    request: Request, org: str, partner: str, app: App, principal: User
) -> Response:
    spec = _partner_spec(partner)
    window = f"/orgs/{org}/settings/integrations/{spec.name}"
    with app.store.transaction() as connection:
        found = access.organisation(connection, principal, org, Access.WRITE)
    form = await request.form()
    try:
        with app.store.transaction() as connection:
            event = find_event(connection, str(form.get("event", "")), org_id=found.id)
        mapping = await service.add_mapping(
            app.store,
            app.box,
            event_slug=event.slug,
            partner_name=spec.name,
            partner_event_id=str(form.get("partner_event_id", "")),
            params={p.name: str(form.get(f"param_{p.name}", "")) for p in spec.mapping_params},
            continuous=form.get("continuous") == "on",
            allow_private=app.settings.allow_private_partner_urls,
        )
    except (IntegrationError, Conflict, NotFound) as exc:
        flash(request, Flash("error", f"The mapping was not added: {exc}"))
        return redirect(window)
    flash(
        request,
        Flash(
            "success",
            f"Mapped {event.name} to {spec.title} event {mapping.partner_event_name}.",
        ),
    )
    return redirect(window)


def _org_mapping(
    connection: Connection, org: Organisation, spec: PartnerSpec, mapping_id: uuid.UUID
) -> EventMapping:
    """The mapping, if it belongs to this organisation's integration with this partner."""
    integration = repo.get_integration(connection, org.id, spec.name)
    mapping = repo.get_mapping(connection, mapping_id)
    if mapping.integration_id != integration.id:
        raise NotFound(f"no mapping with id {mapping_id}")
    return mapping


@router.post("/orgs/{org}/settings/integrations/{partner}/mappings/{mapping_id}/continuous")
def set_continuous(
    request: Request,
    org: str,
    partner: str,
    mapping_id: uuid.UUID,
    app: App,
    principal: User,
    on: Annotated[str, Form()],
) -> Response:
    spec = _partner_spec(partner)
    with app.store.transaction() as connection:
        found = access.organisation(connection, principal, org, Access.WRITE)
        mapping = _org_mapping(connection, found, spec, mapping_id)
    mappings_service.set_continuous(app.store, mapping, on == "on")
    state = "on" if on == "on" else "off"
    flash(request, Flash("success", f"Continuous sync {state} for {mapping.partner_event_name}."))
    return redirect(f"/orgs/{found.slug}/settings/integrations/{spec.name}")


@router.post("/orgs/{org}/settings/integrations/{partner}/mappings/{mapping_id}/remove")
async def remove_mapping(
    request: Request, org: str, partner: str, mapping_id: uuid.UUID, app: App, principal: User
) -> Response:
    spec = _partner_spec(partner)
    with app.store.transaction() as connection:
        found = access.organisation(connection, principal, org, Access.WRITE)
        mapping = _org_mapping(connection, found, spec, mapping_id)
    try:
        removed = await mappings_service.remove_mapping(
            app.store, app.box, mapping, allow_private=app.settings.allow_private_partner_urls
        )
    except IntegrationError as exc:
        flash(request, Flash("error", str(exc)))
        return redirect(f"/orgs/{found.slug}/settings/integrations/{spec.name}")
    if removed.purge is not None:
        deleted = sum(c.deleted for c in removed.purge.counts.values())
        failed = len(removed.purge.failed)
        flash(
            request,
            Flash(
                "warning" if failed else "info",
                f"Deleted {deleted} records this mapping created on {spec.title}"
                + (f"; {failed} could not be deleted." if failed else "."),
            ),
        )
    flash(
        request,
        Flash(
            "success",
            f"Mapping to {spec.title} event {mapping.partner_event_name} removed; "
            f"{spec.title} stays connected.",
        ),
    )
    return redirect(f"/orgs/{found.slug}/settings/integrations/{spec.name}")


# --- API tokens ------------------------------------------------------------------------------


def _tokens_page(
    request: Request, app: App, principal: Principal, org: Organisation, **extra: object
) -> HTMLResponse:
    with app.store.transaction() as connection:
        tokens = accounts_repo.list_tokens(connection, org.id)
    context = {
        "org": org,
        "tokens": tokens,
        "fields": TOKEN_FIELDS,
        "section": "tokens",
        "event": None,
    } | extra
    return render(request, "tokens.html", context, principal=principal)


# A new token's secret waits here for the one page that shows it (after the redirect, so a
# reload makes no second token): never in the session cookie, gone once shown or after a while.
_SHOW_ONCE_FOR_S = 300.0
_issued: dict[str, tuple[float, IssuedToken]] = {}


def _keep_once(issued: IssuedToken) -> str:
    now = time.monotonic()
    for key, (since, _) in list(_issued.items()):
        if now - since > _SHOW_ONCE_FOR_S:
            del _issued[key]
    key = secrets.token_urlsafe(16)
    _issued[key] = (now, issued)
    return key


def _take_once(key: object) -> IssuedToken | None:
    found = _issued.pop(key, None) if isinstance(key, str) else None
    if found is None or time.monotonic() - found[0] > _SHOW_ONCE_FOR_S:
        return None
    return found[1]


@router.get("/orgs/{org}/settings/tokens", response_class=HTMLResponse)
def tokens_page(request: Request, org: str, app: App, principal: User) -> Response:
    with app.store.transaction() as connection:
        found = access.organisation(connection, principal, org, Access.ADMIN)
    issued = _take_once(request.session.pop("issued_token", None))
    if issued is not None and issued.token.org_id != found.id:
        issued = None
    response = _tokens_page(request, app, principal, found, issued=issued)
    if issued is not None:
        response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/orgs/{org}/settings/tokens", response_class=HTMLResponse)
def create_token(
    request: Request,
    org: str,
    app: App,
    principal: User,
    name: Annotated[str, Form()],
    scope: Annotated[Scope, Form()] = Scope.READ,
) -> Response:
    with app.store.transaction() as connection:
        found = access.organisation(connection, principal, org, Access.ADMIN)
    scopes = [Scope.READ, Scope.WRITE] if scope is Scope.WRITE else [Scope.READ]
    issued = app.accounts.issue_token(found.id, name, scopes)
    # Post, redirect, get: the secret shows on the next page only; a reload shows the list.
    request.session["issued_token"] = _keep_once(issued)
    return redirect(f"/orgs/{found.slug}/settings/tokens")


@router.post("/orgs/{org}/settings/tokens/{token_id}/revoke")
def revoke_token(
    request: Request, org: str, token_id: uuid.UUID, app: App, principal: User
) -> Response:
    with app.store.transaction() as connection:
        found = access.organisation(connection, principal, org, Access.ADMIN)
        accounts_repo.delete_token(connection, found.id, token_id)
    flash(request, Flash("success", "Token revoked."))
    return redirect(f"/orgs/{found.slug}/settings/tokens")
