"""A speaker's portal page, reached by their personal link (no account needed): their
sessions, and under "Share Your Attendance" the share links partners gave them."""
# R-SPK-2

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from agendasync.partners.registry import get_partner
from agendasync.store import records as rows
from agendasync.store.content import load_speakers
from agendasync.store.events import get_event
from agendasync.store.exceptions import NotFound
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
    speaker_id = app.portal.speaker(token)
    if speaker_id is None:
        raise NotFound(_NOT_FOUND)
    with app.store.transaction() as connection:
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
    response = render(request, "portal.html", context)
    # The URL is the speaker's key: keep it out of other sites' logs and shared caches.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "private, no-store"
    return response
