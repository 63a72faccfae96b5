"""Portal pages reached by a personal link (no account needed), with the share links partners
made under "Share Your Attendance": a speaker's (their sessions and links) and an
exhibitor's primary contact's (the exhibitor's links and every team member's, with names)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from agendasync.partners.registry import get_partner
from agendasync.store import records as rows
from agendasync.store.content import load_exhibitors, load_speakers
from agendasync.store.events import get_event
from agendasync.store.exceptions import NotFound
from agendasync.store.portal import portal_link_version
from agendasync.web.render import App, render

router = APIRouter()

_NOT_FOUND = "This link is not valid. Ask the event team for your personal link."


@dataclass(frozen=True)
class _Link:
    title: str
    url: str


def _partner_title(name: str) -> str:
    try:
        return get_partner(name).spec.title
    except LookupError:
        return name.capitalize()


@router.get("/portal/speakers/{token}", response_class=HTMLResponse)
def speaker_portal(request: Request, token: str, app: App) -> Response:
    signed = app.portal.speaker(token)
    if signed is None:
        raise NotFound(_NOT_FOUND)
    speaker_id, version = signed
    with app.store.transaction() as connection:
        if portal_link_version(connection, speaker_id) != version:
            raise NotFound(_NOT_FOUND)  # a link replaced by a newer one
        event_id = rows.event_of_speaker(connection, speaker_id)
        event = get_event(connection, event_id) if event_id else None
        if event is None:
            raise NotFound(_NOT_FOUND)
        speaker = load_speakers(connection, event.id, [speaker_id])[0]
        sessions = rows.page_sessions(
            connection,
            event.id,
            rows.PageRequest(limit=200),
            rows.SessionFilter(status="accepted", speaker=speaker_id),
        ).items
        links = rows.share_links_of(connection, speaker_id)
    context = {
        "speaker": speaker,
        "event": event,
        "sessions": sessions,
        "links": [_Link(_partner_title(link.partner), link.url) for link in links],
    }
    return _private(render(request, "portal.html", context))


def _private(response: Response) -> Response:
    # The URL is the person's key: keep it out of other sites' logs and shared caches.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@dataclass(frozen=True)
class _PersonLinks:
    name: str
    links: list[_Link]


@router.get("/portal/exhibitors/{token}", response_class=HTMLResponse)
def exhibitor_portal(request: Request, token: str, app: App) -> Response:
    """The primary contact's page: the exhibitor's own links and each team member's."""
    signed = app.portal.speaker(token)  # the same signed links, over the person's id
    if signed is None or signed[1] != 0:  # contacts' links have no versions
        raise NotFound(_NOT_FOUND)
    contact_id = signed[0]
    with app.store.transaction() as connection:
        found = rows.exhibitor_of_contact(connection, contact_id)
        if found is None:
            raise NotFound(_NOT_FOUND)
        event = get_event(connection, found[0])
        if event is None:
            raise NotFound(_NOT_FOUND)
        exhibitor = load_exhibitors(connection, event.id, [found[1]])[0]
        contact = exhibitor.primary_contact
        assert contact is not None
        people = [(exhibitor.id, exhibitor.name)]
        seen = {exhibitor.id}
        for person in [contact, *exhibitor.team]:
            if person.id is not None and person.id not in seen:
                seen.add(person.id)
                people.append((person.id, f"{person.first_name} {person.last_name}"))
        shared = [
            _PersonLinks(
                name,
                [
                    _Link(_partner_title(link.partner), link.url)
                    for link in rows.share_links_of(connection, person_id)
                ],
            )
            for person_id, name in people
        ]
    context = {
        "exhibitor": exhibitor,
        "contact": contact,
        "event": event,
        "people": [entry for entry in shared if entry.links],
    }
    return _private(render(request, "exhibitor_portal.html", context))
