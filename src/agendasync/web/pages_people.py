"""Speakers' and sponsors' pages: one record with its details (a speaker's sessions and roles),
and adding, editing and deleting them (`record_pages`)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from agendasync.domain.models import SpeakerStatus
from agendasync.services.records import SPEAKERS, SPONSORS
from agendasync.services.sync_state import event_record_states
from agendasync.store import records as rows
from agendasync.store.content import load_speakers, load_sponsors
from agendasync.store.portal import portal_link_versions
from agendasync.web.pages_event import event_context
from agendasync.web.record_forms import Group, Input, RecordForm
from agendasync.web.record_pages import RecordPages, add_record_pages
from agendasync.web.render import App, User, render

router = APIRouter()

_URL_HELP = "A web address, such as https://example.com/…"

SPEAKER_FORM = RecordForm(
    groups=(
        Group(
            "Name",
            (
                Input("honorific", "Title", help="Dr, Prof, …"),
                Input("first_name", "First name", required=True),
                Input("last_name", "Last name", required=True),
            ),
        ),
        Group(
            "Work and status",
            (
                Input("job_title", "Job title"),
                Input("company", "Company"),
                Input(
                    "status",
                    "Status",
                    kind="select",
                    options=[(s.value, s.value.capitalize()) for s in SpeakerStatus],
                ),
            ),
        ),
        Group(
            "Contact",
            (
                Input("email", "Email", kind="email", autocomplete="off"),
                Input("mobile_phone", "Mobile phone"),
                Input("address", "Address"),
                Input("postcode", "Postcode"),
            ),
        ),
        Group(
            "Profile",
            (
                Input("headshot_url", "Headshot address", kind="url", help=_URL_HELP),
                Input("biography", "Biography", kind="textarea"),
                Input("tags", "Tags", kind="list", help="Separated by commas."),
            ),
        ),
        Group(
            "Links",
            (
                Input("website", "Website", kind="url"),
                Input("linkedin_url", "LinkedIn", kind="url"),
                Input("twitter_url", "X (Twitter)", kind="url"),
                Input("facebook_url", "Facebook", kind="url"),
            ),
        ),
    )
)

SPONSOR_FORM = RecordForm(
    groups=(
        Group(
            "Sponsor",
            (
                Input("name", "Name", required=True),
                Input("tier", "Tier", help="Gold, Silver, …"),
                Input("website", "Website", kind="url"),
                Input("logo_url", "Logo address", kind="url", help=_URL_HELP),
                Input("description", "Description", kind="textarea"),
            ),
        ),
    )
)

SPEAKER_PAGES = RecordPages(
    SPEAKERS, SPEAKER_FORM, "Speaker", lambda s: f"{s.first_name} {s.last_name}"
)
SPONSOR_PAGES = RecordPages(SPONSORS, SPONSOR_FORM, "Sponsor", lambda s: s.name)
add_record_pages(router, SPEAKER_PAGES)
add_record_pages(router, SPONSOR_PAGES)


@router.get("/events/{event}/speakers/{speaker_id:uuid}", response_class=HTMLResponse)
def speaker_page(
    request: Request, event: str, speaker_id: uuid.UUID, app: App, principal: User
) -> Response:
    with app.store.transaction() as connection:
        found, context = event_context(connection, principal, event, "speakers")
        speaker = rows.one(load_speakers, connection, found.id, speaker_id, "speaker")
        sessions = rows.page_sessions(
            connection, found.id, rows.PageRequest(500, 0), rows.SessionFilter(speaker=speaker_id)
        )
        version = portal_link_versions(connection, [speaker_id])[speaker_id]
        states = event_record_states(connection, found.id, [speaker_id])
    roles = [
        (session, next(p.role for p in session.people if p.speaker_id == speaker_id))
        for session in sessions.items
    ]
    name = SPEAKER_PAGES.name_of(speaker)
    on = f"{sessions.total} session{'' if sessions.total == 1 else 's'}" if sessions.total else ""
    context |= {
        "speaker": speaker,
        "name": name,
        "delete_question": f"Delete {name}? "
        + (f"They are taken off {on}. " if on else "")
        + "This cannot be undone.",
        "roles": roles,
        "sessions_total": sessions.total,
        "portal_link": f"/portal/speakers/{app.portal.token(speaker_id, version)}",
        "states": states,
    }
    return render(request, "speaker.html", context, principal=principal)


@router.get("/events/{event}/sponsors/{sponsor_id:uuid}", response_class=HTMLResponse)
def sponsor_page(
    request: Request, event: str, sponsor_id: uuid.UUID, app: App, principal: User
) -> Response:
    with app.store.transaction() as connection:
        found, context = event_context(connection, principal, event, "sponsors")
        sponsor = rows.one(load_sponsors, connection, found.id, sponsor_id, "sponsor")
        states = event_record_states(connection, found.id, [sponsor_id])
    context |= {"sponsor": sponsor, "name": sponsor.name, "states": states}
    return render(request, "sponsor.html", context, principal=principal)
