"""Organisation pages: its events, Settings -> Integrations (a card per partner, the mapping
window), and API tokens."""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

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
from agendasync.services.context import Services
from agendasync.services.integrations import ConfirmationNeeded, IntegrationError, MappingWarning
from agendasync.store import accounts as accounts_repo
from agendasync.store import integrations as repo
from agendasync.store.events import find_event, list_events
from agendasync.store.exceptions import Conflict, NotFound
from agendasync.store.records import page_events
from agendasync.sync.partner import PartnerEvent, PartnerSpec
from agendasync.web.forms import (
    TOKEN_FIELDS,
    FormField,
    as_sentence,
    credential_fields,
    mapping_fields,
)
from agendasync.web.render import App, Paging, User, redirect, render, render_fragment

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


@dataclass(frozen=True)
class _Window:
    """What the mapping window shows: the mappings, and what can still be mapped."""

    org: Organisation
    spec: PartnerSpec
    integration: Integration
    mappings: list[EventMapping]
    events: list[Event]
    partner_events: Sequence[PartnerEvent]
    error: str | None  # the partner could not list its events

    @property
    def path(self) -> str:
        return f"/orgs/{self.org.slug}/settings/integrations/{self.spec.name}"

    def fields(
        self, given: dict[str, str] | None = None, problems: dict[str, str] | None = None
    ) -> list[FormField]:
        # R-MAP-2: what is mapped already is not offered again, on either side.
        mapped_partner_events = {m.partner_event_id for m in self.mappings}
        mapped_events = {m.event_id for m in self.mappings}
        return mapping_fields(
            self.spec,
            [e for e in self.partner_events if e.id not in mapped_partner_events],
            [e for e in self.events if e.id not in mapped_events],
            given,
            problems,
        )


async def _window(app: Services, principal: Principal, org: str, partner: str) -> _Window:
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
    return _Window(found, spec, integration, mappings, events, partner_events, error)


def _given(spec: PartnerSpec, values: Mapping[str, Any]) -> dict[str, str]:
    """The mapping form's values as typed (for showing them again)."""
    return {f.name: str(values.get(f.name, "")).strip() for f in mapping_fields(spec, [], [])}


def _choice(given: Mapping[str, str]) -> str:
    """The choice a warning was given for: "Map anyway" confirms this one only, not another
    chosen after the warning (without JavaScript the warning is not redrawn on a change)."""
    return "|".join(value for name, value in sorted(given.items()) if name != "continuous")


def _form_context(
    window: _Window,
    given: dict[str, str] | None = None,
    problems: dict[str, str] | None = None,
    confirm: bool = False,
) -> dict[str, Any]:
    return {
        "window": window,
        "fields": window.fields(given, problems),
        "confirm": _choice(given) if confirm and given else "",
    }


def _render_window(
    request: Request,
    principal: Principal,
    window: _Window,
    *,
    error: str | None = None,
    status_code: int = 200,
    **form: Any,
) -> HTMLResponse:
    by_id = {event.id: event for event in window.events}
    context = {
        "org": window.org,
        "spec": window.spec,
        "mappings": [_MappingRow(m, by_id[m.event_id]) for m in window.mappings],
        "error": error or window.error,
        "section": "integrations",
        "event": None,
        "can_write": principal.can(window.org.id, Access.WRITE),
    } | _form_context(window, **form)
    return render(
        request, "mapping_window.html", context, principal=principal, status_code=status_code
    )


@router.get("/orgs/{org}/settings/integrations/{partner}", response_class=HTMLResponse)
async def mapping_window(
    request: Request, org: str, partner: str, app: App, principal: User
) -> Response:
    window = await _window(app, principal, org, partner)
    # What the form shows chosen at first (the first of each list) is checked at once.
    given = {f.name: f.options[0][0] if f.options else f.value for f in window.fields()}
    return _render_window(request, principal, window, **_checked(app, window, given))


@router.get(
    "/orgs/{org}/settings/integrations/{partner}/mappings/check", response_class=HTMLResponse
)
async def check_mapping(
    request: Request, org: str, partner: str, app: App, principal: User
) -> Response:
    """The mapping form again, with what to know about the pair chosen (htmx asks on each
    change, before anyone commits)."""
    window = await _window(app, principal, org, partner)
    given = _given(window.spec, request.query_params)
    context = _form_context(window, **_checked(app, window, given))
    return render_fragment(request, "mapping_form.html", context)


def _checked(app: Services, window: _Window, given: dict[str, str]) -> dict[str, Any]:
    """The form's values with what to know about the pair they choose, and Map anyway."""
    warnings = _warnings(app, window, given)
    problems = {_form_name(w.field): w.message for w in warnings}
    return {"given": given, "problems": problems, "confirm": bool(warnings)}


def _warnings(app: Services, window: _Window, given: Mapping[str, str]) -> list[MappingWarning]:
    remote = next((e for e in window.partner_events if e.id == given["partner_event_id"]), None)
    event = next((e for e in window.events if e.slug == given["event"]), None)
    if remote is None or event is None:
        return []
    partner = get_partner(window.spec.name)
    return service.mapping_warnings(app.store, partner, window.integration, event, remote)


def _form_name(field: str) -> str:
    """The service names a mapping parameter `params.NAME`; the form, `param_NAME`."""
    return field.replace("params.", "param_", 1)


@router.post("/orgs/{org}/settings/integrations/{partner}/mappings", response_class=HTMLResponse)
async def add_mapping(
    request: Request, org: str, partner: str, app: App, principal: User
) -> Response:
    spec = _partner_spec(partner)
    with app.store.transaction() as connection:
        found = access.organisation(connection, principal, org, Access.WRITE)
    form = await request.form()
    given = _given(spec, form)
    refusal: dict[str, Any]
    try:
        with app.store.transaction() as connection:
            event = find_event(connection, given["event"], org_id=found.id)
        mapping = await service.add_mapping(
            app.store,
            app.box,
            event_slug=event.slug,
            partner_name=spec.name,
            partner_event_id=given["partner_event_id"],
            params={p.name: given[f"param_{p.name}"] for p in spec.mapping_params},
            continuous=given["continuous"] == "on",
            confirmed=form.get("confirm") == _choice(given),
            allow_private=app.settings.allow_private_partner_urls,
        )
    except ConfirmationNeeded as exc:
        problems = {_form_name(w.field): w.message for w in exc.warnings}
        refusal = {"status_code": 409, "problems": problems, "confirm": True}
    except (IntegrationError, NotFound) as exc:
        field = _form_name(getattr(exc, "field", "event"))
        if field in given:
            refusal = {"status_code": 422, "problems": {field: as_sentence(str(exc))}}
        else:  # the integration's own trouble (its credentials): no one field
            refusal = {"status_code": 422, "error": str(exc)}
    except Conflict as exc:
        refusal = {"status_code": 409, "error": as_sentence(str(exc))}
    else:
        flash(
            request,
            Flash(
                "success",
                f"Mapped {event.name} to {spec.title} event {mapping.partner_event_name}.",
            ),
        )
        return redirect(f"/orgs/{found.slug}/settings/integrations/{spec.name}")
    # Shown again as chosen, with what was refused or needs confirming beside its field.
    window = await _window(app, principal, found.slug, spec.name)
    return _render_window(request, principal, window, given=given, **refusal)


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
