"""A session's page, and adding, changing and deleting sessions, through the same services and
validation as the REST API."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from agendasync.domain.accounts import Access, Principal
from agendasync.domain.exceptions import InvalidContent
from agendasync.domain.models import Session
from agendasync.services import access
from agendasync.services import records as service
from agendasync.services.browser_session import Flash, flash
from agendasync.services.records import SESSIONS, FieldConflict
from agendasync.services.sync_state import event_record_states
from agendasync.store import records as rows
from agendasync.store.content import load_sessions, load_speakers
from agendasync.store.editing import event_taxonomy, speaker_choices
from agendasync.web.pages_event import event_context
from agendasync.web.refusals import Refusal, refusal
from agendasync.web.render import App, User, redirect, render
from agendasync.web.session_form import (
    CLASSIFIED_AS,
    LABELS,
    Typed,
    blank,
    entry_values,
    of_session,
    people_labels,
    people_places,
    session_form,
    typed,
)

router = APIRouter()


def _path(event: str, session_id: uuid.UUID | None = None) -> str:
    return f"/events/{event}/sessions" + (f"/{session_id}" if session_id else "")


def _form_page(
    request: Request,
    app: App,
    principal: Principal,
    slug: str,
    session_id: uuid.UUID | None,
    given: Typed | None = None,
    refused: Refusal | None = None,
) -> HTMLResponse:
    """The form to add a session (`session_id` None) or change one: as it is, or as typed."""
    with app.store.transaction() as connection:
        event, context = event_context(connection, principal, slug, "agenda", Access.WRITE)
        if given is None:
            given = (
                of_session(service.get_record(connection, event, SESSIONS, session_id), event)
                if session_id
                else blank()
            )
        kinds = [kind for _, kind, _ in CLASSIFIED_AS]
        form = session_form(
            given,
            event_taxonomy(connection, event.id, kinds),
            speaker_choices(connection, event.id),
            refused,
        )
    context |= {
        "form": form,
        "refused": refused,
        "session_id": session_id,
        "action": _path(event.slug, session_id),
        "cancel": _path(event.slug, session_id) if session_id else f"/events/{event.slug}/agenda",
    }
    status = 422 if refused else 200
    return render(request, "session_form.html", context, principal=principal, status_code=status)


def _refused(exc: InvalidContent | FieldConflict, given: Typed, what: str) -> Refusal:
    labels = LABELS | people_labels(given)
    return refusal(exc, labels, whole="ends_at", what=what, field_of=people_places(given))


@router.get("/events/{event}/sessions/new", response_class=HTMLResponse)
def new_session(request: Request, event: str, app: App, principal: User) -> Response:
    return _form_page(request, app, principal, event, None)


@router.post("/events/{event}/sessions", response_class=HTMLResponse)
async def create_session(request: Request, event: str, app: App, principal: User) -> Response:
    with app.store.transaction() as connection:
        found = access.event(connection, principal, event, Access.WRITE)
    given = typed(await request.form())
    try:
        with app.store.transaction() as connection:  # a refusal writes nothing
            entry = service.entry_of(SESSIONS, entry_values(given))
            made = service.create_record(connection, found, SESSIONS, entry)
    except (InvalidContent, FieldConflict) as exc:
        refused = _refused(exc, given, "The session was not added")
        return _form_page(request, app, principal, event, None, given, refused)
    flash(request, Flash("success", f"Session {made.title} added."))
    return redirect(_path(found.slug, made.id))


@router.get("/events/{event}/sessions/{session_id}", response_class=HTMLResponse)
def session_page(
    request: Request, event: str, session_id: uuid.UUID, app: App, principal: User
) -> Response:
    with app.store.transaction() as connection:
        found, context = event_context(connection, principal, event, "agenda")
        session: Session = rows.one(load_sessions, connection, found.id, session_id, "session")
        people = load_speakers(connection, found.id, [p.speaker_id for p in session.people])
        states = event_record_states(connection, found.id, [session_id])
    context |= {
        "session": session,
        "names": {s.id: f"{s.first_name} {s.last_name}" for s in people},
        "states": states,
    }
    return render(request, "session.html", context, principal=principal)


@router.get("/events/{event}/sessions/{session_id}/edit", response_class=HTMLResponse)
def edit_session(
    request: Request, event: str, session_id: uuid.UUID, app: App, principal: User
) -> Response:
    return _form_page(request, app, principal, event, session_id)


@router.post("/events/{event}/sessions/{session_id}", response_class=HTMLResponse)
async def update_session(
    request: Request, event: str, session_id: uuid.UUID, app: App, principal: User
) -> Response:
    given = typed(await request.form())
    try:
        with app.store.transaction() as connection:  # a refusal writes nothing
            found = access.event(connection, principal, event, Access.WRITE)
            changed = service.update_record(
                connection, found, SESSIONS, session_id, entry_values(given)
            )
    except (InvalidContent, FieldConflict) as exc:
        refused = _refused(exc, given, "The session was not saved")
        return _form_page(request, app, principal, event, session_id, given, refused)
    flash(request, Flash("success", f"Session {changed.title} saved."))
    return redirect(_path(found.slug, session_id))


@router.post("/events/{event}/sessions/{session_id}/delete")
def delete_session(
    request: Request, event: str, session_id: uuid.UUID, app: App, principal: User
) -> Response:
    with app.store.transaction() as connection:
        found = access.event(connection, principal, event, Access.WRITE)
        gone = service.get_record(connection, found, SESSIONS, session_id)
        service.delete_record(connection, found, SESSIONS, session_id)
    flash(request, Flash("success", f"Session {gone.title} deleted."))
    return redirect(f"/events/{found.slug}/agenda")
