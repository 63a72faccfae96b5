"""A mapping's field maps on the integration's pages: which of our fields fills which partner
field, for sessions and speakers; a pair added (the partner is asked whether its field
exists), or removed unless the partner requires it."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Connection

from agendasync.domain.accounts import Access
from agendasync.domain.integrations import Mapping as EventMapping
from agendasync.domain.models import Organisation
from agendasync.partners.registry import get_partner
from agendasync.services import access
from agendasync.services import mappings as service
from agendasync.services.browser_session import Flash, flash
from agendasync.services.integrations import IntegrationError
from agendasync.store import integrations as repo
from agendasync.store.events import get_event
from agendasync.store.exceptions import NotFound
from agendasync.sync.fields import FIELD_KINDS, HUB_FIELDS, FieldMapError
from agendasync.sync.partner import PartnerSpec
from agendasync.web.render import App, User, redirect, render

router = APIRouter()

_KIND_LABELS = {"sessions": "Sessions", "speakers": "Speakers"}


def _partner_spec(name: str) -> PartnerSpec:
    try:
        return get_partner(name).spec
    except LookupError as exc:
        raise NotFound(str(exc)) from exc


def _org_mapping(
    connection: Connection, org: Organisation, spec: PartnerSpec, mapping_id: uuid.UUID
) -> EventMapping:
    """The mapping, if it belongs to this organisation's integration with this partner."""
    integration = repo.get_integration(connection, org.id, spec.name)
    mapping = repo.get_mapping(connection, mapping_id)
    if mapping.integration_id != integration.id:
        raise NotFound(f"no mapping with id {mapping_id}")
    return mapping


def _path(org: Organisation, spec: PartnerSpec, mapping: EventMapping) -> str:
    return f"/orgs/{org.slug}/settings/integrations/{spec.name}/mappings/{mapping.id}/fields"


@router.get(
    "/orgs/{org}/settings/integrations/{partner}/mappings/{mapping_id}/fields",
    response_class=HTMLResponse,
)
def field_maps_page(
    request: Request, org: str, partner: str, mapping_id: uuid.UUID, app: App, principal: User
) -> Response:
    spec = _partner_spec(partner)
    with app.store.transaction() as connection:
        found = access.organisation(connection, principal, org)
        mapping = _org_mapping(connection, found, spec, mapping_id)
        event = get_event(connection, mapping.event_id)
    maps = service.field_maps(app.store, mapping)
    context = {
        "org": found,
        "spec": spec,
        "mapping": mapping,
        "our_event": event,
        "maps": [
            {
                "kind": kind,
                "label": _KIND_LABELS[kind],
                "pairs": maps[kind],
                "hub": HUB_FIELDS[kind],
            }
            for kind in FIELD_KINDS
        ],
        "base": _path(found, spec, mapping),
        "window": f"/orgs/{found.slug}/settings/integrations/{spec.name}",
        "section": "integrations",
        "event": None,
        "can_write": principal.can(found.id, Access.WRITE),
    }
    return render(request, "mapping_fields.html", context, principal=principal)


@router.post("/orgs/{org}/settings/integrations/{partner}/mappings/{mapping_id}/fields")
async def add_field_pair(
    request: Request,
    org: str,
    partner: str,
    mapping_id: uuid.UUID,
    app: App,
    principal: User,
    kind: Annotated[str, Form()] = "",
    hub: Annotated[str, Form()] = "",
    partner_field: Annotated[str, Form()] = "",
) -> Response:
    spec = _partner_spec(partner)
    with app.store.transaction() as connection:
        found = access.organisation(connection, principal, org, Access.WRITE)
        mapping = _org_mapping(connection, found, spec, mapping_id)
    try:
        await service.add_field(
            app.store,
            app.box,
            mapping,
            kind=kind,
            hub=hub,
            partner_field=partner_field,
            allow_private=app.settings.allow_private_partner_urls,
        )
    except (FieldMapError, IntegrationError) as exc:
        flash(request, Flash("error", f"The pair was not added: {str(exc).rstrip('.')}."))
        return redirect(_path(found, spec, mapping))
    flash(
        request,
        Flash("success", f"{kind.capitalize()}: {hub} now fills {partner_field.strip()}."),
    )
    return redirect(_path(found, spec, mapping))


@router.post("/orgs/{org}/settings/integrations/{partner}/mappings/{mapping_id}/fields/remove")
def remove_field_pair(
    request: Request,
    org: str,
    partner: str,
    mapping_id: uuid.UUID,
    app: App,
    principal: User,
    kind: Annotated[str, Form()] = "",
    partner_field: Annotated[str, Form()] = "",
) -> Response:
    spec = _partner_spec(partner)
    with app.store.transaction() as connection:
        found = access.organisation(connection, principal, org, Access.WRITE)
        mapping = _org_mapping(connection, found, spec, mapping_id)
    try:
        service.remove_field(app.store, mapping, kind=kind, partner_field=partner_field)
    except FieldMapError as exc:
        flash(request, Flash("error", f"The pair was not removed: {str(exc).rstrip('.')}."))
        return redirect(_path(found, spec, mapping))
    flash(request, Flash("success", f"{kind.capitalize()}: {partner_field} is no longer filled."))
    return redirect(_path(found, spec, mapping))
