"""A mapping's field maps: which of our fields fills which partner field, for sessions and for
speakers. Every mapping starts with the partner's defaults; pairs can be added (the partner is
asked whether its field exists) and those the partner does not require removed."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter, status
from sqlalchemy import Connection

from agendasync.api.deps import App, Caller
from agendasync.api.errors import ApiError
from agendasync.api.schemas import FieldMapsOut, FieldPairIn
from agendasync.domain.accounts import Access, Principal
from agendasync.domain.integrations import Mapping as EventMapping
from agendasync.services import access
from agendasync.services import mappings as service
from agendasync.store import integrations as repo
from agendasync.store.exceptions import NotFound
from agendasync.sync.fields import HUB_FIELDS, FieldMapError

router = APIRouter()

_PATH = "/orgs/{org}/mappings/{mapping_id}/fields"


def _mapping(
    connection: Connection,
    principal: Principal,
    org: str,
    mapping_id: uuid.UUID,
    needed: Access = Access.READ,
) -> EventMapping:
    """The organisation's mapping; another organisation's answers 404, as if it did not exist."""
    found = access.organisation(connection, principal, org, needed)
    ours = {i.id for i in repo.list_integrations(connection, found.id)}
    try:
        mapping = repo.get_mapping(connection, mapping_id)
    except NotFound:
        mapping = None
    if mapping is None or mapping.integration_id not in ours:
        raise NotFound(f"no mapping with id {mapping_id}")
    return mapping


@router.get(_PATH, tags=["mappings"], summary="The mapping's session and speaker field maps")
def get_field_maps(org: str, mapping_id: uuid.UUID, app: App, principal: Caller) -> FieldMapsOut:
    with app.store.transaction() as connection:
        mapping = _mapping(connection, principal, org, mapping_id)
    return FieldMapsOut.of(service.field_maps(app.store, mapping))


@router.post(
    _PATH,
    tags=["mappings"],
    status_code=status.HTTP_201_CREATED,
    summary="Add a pair to a field map (the partner is asked whether its field exists)",
)
async def add_field_pair(
    org: str, mapping_id: uuid.UUID, body: FieldPairIn, app: App, principal: Caller
) -> FieldMapsOut:
    with app.store.transaction() as connection:
        mapping = _mapping(connection, principal, org, mapping_id, Access.WRITE)
    try:
        maps = await service.add_field(
            app.store,
            app.box,
            mapping,
            kind=body.kind,
            hub=body.hub,
            partner_field=body.partner,
            allow_private=app.settings.allow_private_partner_urls,
        )
    except FieldMapError as exc:
        field = "hub" if body.hub not in HUB_FIELDS[body.kind] else "partner"
        raise ApiError(422, "invalid", str(exc), field=field) from exc
    return FieldMapsOut.of(maps)


@router.delete(
    _PATH + "/{kind}/{partner_field}",
    tags=["mappings"],
    summary="Remove a pair from a field map (pairs the partner requires stay)",
)
def remove_field_pair(
    org: str,
    mapping_id: uuid.UUID,
    kind: Literal["sessions", "speakers"],
    partner_field: str,
    app: App,
    principal: Caller,
) -> FieldMapsOut:
    with app.store.transaction() as connection:
        mapping = _mapping(connection, principal, org, mapping_id, Access.WRITE)
    try:
        maps = service.remove_field(app.store, mapping, kind=kind, partner_field=partner_field)
    except FieldMapError as exc:
        raise ApiError(422, "invalid", str(exc), field="partner_field") from exc
    return FieldMapsOut.of(maps)
