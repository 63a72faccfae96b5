"""Events and their records: sessions, speakers, sponsors, exhibitors and taxonomy.

Records are read and written in the event JSON format's shape (docs/event-json.md). The four
record kinds share one set of routes, made by `_record_routes`.
"""

# No `from __future__ import annotations` here: the record routes are built at import time
# with each kind's own models, which FastAPI reads from the functions' annotations.

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from agendasync.api.deps import App, Caller, Paging
from agendasync.api.errors import invalid
from agendasync.api.routes_orgs import mappings_out
from agendasync.api.schemas import (
    EventOut,
    EventPatch,
    ImportOut,
    MappingOut,
    PageOut,
    patch_model,
)
from agendasync.domain.accounts import Access
from agendasync.domain.event_json import EventDocument, parse_document
from agendasync.domain.models import (
    Event,
    EventFields,
    SessionStatus,
    SpeakerStatus,
    TaxonomyItem,
    TaxonomyKind,
)
from agendasync.services import access
from agendasync.services import records as service
from agendasync.services.records import EXHIBITORS, SESSIONS, SPEAKERS, SPONSORS, RecordKind
from agendasync.sources.eventfile import export_document, import_document
from agendasync.store import records as rows
from agendasync.store.events import get_organisation
from agendasync.store.exceptions import NotFound
from agendasync.store.portal import bump_portal_links, portal_link_version
from agendasync.store.records import (
    ExhibitorFilter,
    Page,
    PageRequest,
    SessionFilter,
    SpeakerFilter,
    SponsorFilter,
)

router = APIRouter()


def _event_out(event: Event, org_slug: str) -> EventOut:
    return EventOut(**event.model_dump(exclude={"org_id"}), org=org_slug)


# --- events ----------------------------------------------------------------------------------


@router.get("/orgs/{org}/events", tags=["events"], summary="Events, a page at a time")
def list_events(
    org: str,
    app: App,
    principal: Caller,
    paging: Paging,
    q: Annotated[str | None, Query(description="In the name or slug.")] = None,
) -> PageOut[EventOut]:
    with app.store.transaction() as connection:
        found = access.organisation(connection, principal, org)
        page = rows.page_events(connection, found.id, paging, q=q)
    return PageOut.of(page, [_event_out(event, found.slug) for event in page.items])


@router.post(
    "/orgs/{org}/events",
    tags=["events"],
    status_code=status.HTTP_201_CREATED,
    summary="Create an event",
)
def create_event(org: str, body: EventFields, app: App, principal: Caller) -> EventOut:
    with app.store.transaction() as connection:
        found = access.organisation(connection, principal, org, Access.WRITE)
        return _event_out(service.create_event(connection, found, body), found.slug)


@router.post(
    "/orgs/{org}/events/import",
    tags=["events"],
    summary="Import an event JSON document (again: updates, creates nothing twice)",
)
def import_event(
    org: str, document: dict[str, Any], app: App, principal: Caller, response: Response
) -> ImportOut:
    with app.store.transaction() as connection:
        found = access.organisation(connection, principal, org, Access.WRITE)
        result = import_document(connection, parse_document(document), org=found)
    if result.event_created:
        response.status_code = status.HTTP_201_CREATED
    return ImportOut(
        event=result.event.slug,
        event_created=result.event_created,
        records={
            name: {"created": c.created, "updated": c.updated, "unchanged": c.unchanged}
            for name, c in result.summary.counts.items()
        },
    )


def _org_slug(connection: Connection, event: Event) -> str:
    return get_organisation(connection, event.org_id).slug


@router.get("/events/{event}", tags=["events"], summary="One event")
def get_event(event: str, app: App, principal: Caller) -> EventOut:
    with app.store.transaction() as connection:
        found = access.event(connection, principal, event, Access.READ)
        return _event_out(found, _org_slug(connection, found))


@router.patch("/events/{event}", tags=["events"], summary="Change an event: keys left out stay")
def patch_event(event: str, body: EventPatch, app: App, principal: Caller) -> EventOut:
    with app.store.transaction() as connection:
        found = access.event(connection, principal, event, Access.WRITE)
        changed = service.update_event(connection, found, body.model_dump(exclude_unset=True))
        return _event_out(changed, _org_slug(connection, found))


@router.delete(
    "/events/{event}",
    tags=["events"],
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete the event and all it holds (data on partners stays there)",
)
def delete_event(event: str, app: App, principal: Caller) -> Response:
    with app.store.transaction() as connection:
        service.remove_event(connection, access.event(connection, principal, event, Access.WRITE))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/events/{event}/export", tags=["events"], summary="The event as a JSON document")
def export_event(event: str, app: App, principal: Caller) -> EventDocument:
    with app.store.transaction() as connection:
        found = access.event(connection, principal, event, Access.READ)
        return export_document(connection, found.slug)


@router.get(
    "/events/{event}/mappings",
    tags=["mappings"],
    # R-MAP-3
    summary="The partners this event is mapped to (a sync needs one)",
)
def event_mappings(event: str, app: App, principal: Caller) -> list[MappingOut]:
    with app.store.transaction() as connection:
        found = access.event(connection, principal, event, Access.READ)
        return mappings_out(connection, found.org_id, event_id=found.id)


# --- sessions, speakers, sponsors, exhibitors ----------------------------------------------------


@dataclass(frozen=True)
class SessionQuery:
    """The session list's filters; a day is read in the event's time zone, known once the event
    is found."""

    where: SessionFilter
    day: date | None

    def store_filter(self, event: Event) -> SessionFilter:
        return self.where.on_day(self.day, event.tz)


def _text(value: str | None) -> str | None:
    """Text as the pages read it: spaces around it dropped, and no text no filter."""
    return value.strip() or None if value is not None else None


def session_filter(
    status: SessionStatus | None = None,
    q: Annotated[str | None, Query(description="In the title.")] = None,
    track: Annotated[str | None, Query(description="A track's name.")] = None,
    location: Annotated[str | None, Query(description="A room's name.")] = None,
    tag: str | None = None,
    level: str | None = None,
    format: str | None = None,
    speaker: Annotated[uuid.UUID | None, Query(description="On the session in any role.")] = None,
    day: Annotated[
        date | None,
        Query(description="Sessions starting on this day (YYYY-MM-DD) in the event's time zone."),
    ] = None,
    unscheduled: Annotated[
        bool, Query(description="Only sessions without a start or an end time.")
    ] = False,
) -> SessionQuery:
    where = SessionFilter(
        status=status.value if status else None,
        q=_text(q),
        track=_text(track),
        location=location,
        tag=tag,
        level=level,
        format=format,
        speaker=speaker,
        unscheduled=unscheduled,
    )
    return SessionQuery(where, day)


# A speaker's sessions, as the Speakers page offers them: none at all, or one with a status.
_WITHOUT_SESSIONS = "none"
_SESSIONS_CHOICES = [_WITHOUT_SESSIONS, *(s.value for s in SessionStatus)]


def speaker_filter(
    status: SpeakerStatus | None = None,
    q: Annotated[str | None, Query(description="In the names, the email or the company.")] = None,
    email: str | None = None,
    tag: str | None = None,
    track: Annotated[
        str | None, Query(description="On a session of this track (by the track's name).")
    ] = None,
    sessions: Annotated[
        str | None,
        Query(
            description="'none': on no session (of the track, when one is given); a session "
            "status (" + ", ".join(_SESSIONS_CHOICES[1:]) + "): on a session with that status."
        ),
    ] = None,
) -> SpeakerFilter:
    if sessions is not None and sessions not in _SESSIONS_CHOICES:
        choices = ", ".join(f"'{c}'" for c in _SESSIONS_CHOICES[:-1])
        raise invalid([("sessions", f"Input should be {choices} or '{_SESSIONS_CHOICES[-1]}'")])
    return SpeakerFilter(
        status=status.value if status else None,
        q=_text(q),
        email=email,
        tag=tag,
        track=_text(track),
        session_status=None if sessions == _WITHOUT_SESSIONS else sessions,
        without_sessions=sessions == _WITHOUT_SESSIONS,
    )


def sponsor_filter(
    q: Annotated[str | None, Query(description="In the name.")] = None, tier: str | None = None
) -> SponsorFilter:
    return SponsorFilter(q=q, tier=tier)


def exhibitor_filter(
    q: Annotated[str | None, Query(description="In the name.")] = None,
) -> ExhibitorFilter:
    return ExhibitorFilter(q=q)


def _record_routes(
    kind: RecordKind[Any, Any],
    filters: Callable[..., Any],
    page: Callable[[Connection, Event, PageRequest, Any], Page[Any]],
) -> None:
    """GET list, POST, GET one, PATCH, DELETE for one kind of record."""
    entry: Any = kind.entry
    patch: Any = patch_model(kind.entry, f"{kind.entry.__name__.removesuffix('Entry')}Patch")
    collection = f"/events/{{event}}/{kind.name}"
    one = f"{collection}/{{record_id}}"
    tag = kind.name

    def list_records(
        event: str,
        app: App,
        principal: Caller,
        paging: Paging,
        where: Annotated[Any, Depends(filters)],
    ) -> PageOut[entry]:
        with app.store.transaction() as connection:
            found = access.event(connection, principal, event, Access.READ)
            result = page(connection, found, paging, where)
        return PageOut.of(result, [kind.to_entry(record, found) for record in result.items])

    def create_record(
        event: str, body: Annotated[entry, Body()], app: App, principal: Caller
    ) -> entry:
        with app.store.transaction() as connection:
            found = access.event(connection, principal, event, Access.WRITE)
            return service.create_record(connection, found, kind, body)

    def get_record(event: str, record_id: uuid.UUID, app: App, principal: Caller) -> entry:
        with app.store.transaction() as connection:
            found = access.event(connection, principal, event, Access.READ)
            return service.get_record(connection, found, kind, record_id)

    def patch_record(
        event: str,
        record_id: uuid.UUID,
        body: Annotated[patch, Body()],
        app: App,
        principal: Caller,
    ) -> entry:
        with app.store.transaction() as connection:
            found = access.event(connection, principal, event, Access.WRITE)
            changes = body.model_dump(exclude_unset=True)
            return service.update_record(connection, found, kind, record_id, changes)

    def delete_record(event: str, record_id: uuid.UUID, app: App, principal: Caller) -> Response:
        with app.store.transaction() as connection:
            found = access.event(connection, principal, event, Access.WRITE)
            service.delete_record(connection, found, kind, record_id)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    what = kind.what
    router.add_api_route(
        collection, list_records, methods=["GET"], tags=[tag], summary=f"List {kind.name}"
    )
    router.add_api_route(
        collection,
        create_record,
        methods=["POST"],
        tags=[tag],
        status_code=status.HTTP_201_CREATED,
        summary=f"Create a {what}",
    )
    router.add_api_route(one, get_record, methods=["GET"], tags=[tag], summary=f"One {what}")
    router.add_api_route(
        one,
        patch_record,
        methods=["PATCH"],
        tags=[tag],
        summary=f"Change a {what}: keys left out stay; a list given replaces ([] clears)",
    )
    router.add_api_route(
        one,
        delete_record,
        methods=["DELETE"],
        tags=[tag],
        status_code=status.HTTP_204_NO_CONTENT,
        summary=f"Delete a {what}",
    )


def _of_event(
    page: Callable[[Connection, uuid.UUID, PageRequest, Any], Page[Any]],
) -> Callable[[Connection, Event, PageRequest, Any], Page[Any]]:
    """A list whose filters need only the event's id."""
    return lambda connection, event, paging, where: page(connection, event.id, paging, where)


def _page_sessions(
    connection: Connection, event: Event, paging: PageRequest, query: SessionQuery
) -> Page[Any]:
    return rows.page_sessions(connection, event.id, paging, query.store_filter(event))


_record_routes(SESSIONS, session_filter, _page_sessions)
_record_routes(SPEAKERS, speaker_filter, _of_event(rows.page_speakers))
_record_routes(SPONSORS, sponsor_filter, _of_event(rows.page_sponsors))
_record_routes(EXHIBITORS, exhibitor_filter, _of_event(rows.page_exhibitors))


class PortalLinkOut(BaseModel):
    path: str = Field(description="The speaker's personal portal page, on this server.")


@router.post(
    "/events/{event}/speakers/{speaker_id}/portal-link",
    tags=["speakers"],
    summary="A new personal portal link for the speaker; the earlier ones stop working",
)
def renew_portal_link(
    event: str, speaker_id: uuid.UUID, app: App, principal: Caller
) -> PortalLinkOut:
    with app.store.transaction() as connection:
        found = access.event(connection, principal, event, Access.WRITE)
        if rows.event_of_speaker(connection, speaker_id) != found.id:
            raise NotFound(f"no speaker with id {speaker_id} in event {event!r}")
        bump_portal_links(connection, [speaker_id])
        version = portal_link_version(connection, speaker_id)
    return PortalLinkOut(path=f"/portal/speakers/{app.portal.token(speaker_id, version)}")


# --- taxonomy ------------------------------------------------------------------------------


class TaxonomyIn(BaseModel):
    """A taxonomy item to create: a tag, track, location (room), level or format."""

    model_config = ConfigDict(extra="forbid")

    kind: TaxonomyKind
    name: str
    colour: str | None = Field(None, description="#RRGGBB")
    id: uuid.UUID | None = None


class TaxonomyPatch(BaseModel):
    """A new name or colour; an item keeps its kind (sessions hold it in that field)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    colour: str | None = None


@router.get(
    "/events/{event}/taxonomy",
    tags=["taxonomy"],
    summary="Tags, tracks, locations (rooms), levels and formats",
)
def list_taxonomy(
    event: str,
    app: App,
    principal: Caller,
    paging: Paging,
    kind: TaxonomyKind | None = None,
    q: Annotated[str | None, Query(description="In the name.")] = None,
) -> PageOut[TaxonomyItem]:
    with app.store.transaction() as connection:
        found = access.event(connection, principal, event, Access.READ)
        result = rows.page_taxonomy(connection, found.id, paging, kind=kind, q=q)
    return PageOut.of(result, result.items)


@router.post(
    "/events/{event}/taxonomy",
    tags=["taxonomy"],
    status_code=status.HTTP_201_CREATED,
    summary="Create a taxonomy item",
)
def create_taxonomy_item(event: str, body: TaxonomyIn, app: App, principal: Caller) -> TaxonomyItem:
    values = body.model_dump(exclude_none=True)
    with app.store.transaction() as connection:
        found = access.event(connection, principal, event, Access.WRITE)
        return service.create_taxonomy_item(connection, found, values)


@router.get("/events/{event}/taxonomy/{item_id}", tags=["taxonomy"], summary="One taxonomy item")
def get_taxonomy_item(event: str, item_id: uuid.UUID, app: App, principal: Caller) -> TaxonomyItem:
    with app.store.transaction() as connection:
        found = access.event(connection, principal, event, Access.READ)
        return rows.taxonomy_item(connection, found.id, item_id)


@router.patch(
    "/events/{event}/taxonomy/{item_id}",
    tags=["taxonomy"],
    # R-TX-7
    summary="Rename or recolour (a renamed item is renamed on partners too)",
)
def patch_taxonomy_item(
    event: str, item_id: uuid.UUID, body: TaxonomyPatch, app: App, principal: Caller
) -> TaxonomyItem:
    with app.store.transaction() as connection:
        found = access.event(connection, principal, event, Access.WRITE)
        changes = body.model_dump(exclude_unset=True)
        return service.update_taxonomy_item(connection, found, item_id, changes)


@router.delete(
    "/events/{event}/taxonomy/{item_id}",
    tags=["taxonomy"],
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a taxonomy item (sessions and speakers lose it)",
)
def delete_taxonomy_item(event: str, item_id: uuid.UUID, app: App, principal: Caller) -> Response:
    with app.store.transaction() as connection:
        found = access.event(connection, principal, event, Access.WRITE)
        service.delete_taxonomy_item(connection, found, item_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
