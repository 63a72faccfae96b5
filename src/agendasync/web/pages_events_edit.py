"""Creating an event (the organisation's "New event"), changing it (*Settings: Event*) and
deleting it, through the same services and validation as the REST API."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date
from typing import Any
from zoneinfo import available_timezones

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from agendasync.domain.accounts import Access, Principal
from agendasync.domain.exceptions import InvalidContent
from agendasync.domain.models import Event, Organisation
from agendasync.services import access
from agendasync.services import records as service
from agendasync.services.browser_session import Flash, flash
from agendasync.services.records import FieldConflict
from agendasync.store.editing import event_holdings
from agendasync.store.events import get_organisation
from agendasync.web.forms import FormField, refilled
from agendasync.web.pages_event import event_context
from agendasync.web.refusals import Refusal, refusal
from agendasync.web.render import App, User, redirect, render

router = APIRouter()

_LABELS = {
    "name": "Name",
    "slug": "Short name",
    "timezone": "Time zone",
    "start_date": "First day",
    "end_date": "Last day",
}


@functools.cache
def _zones() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(available_timezones()) if "/" in name]


def _fields(values: Mapping[str, str], refused: Refusal | None) -> list[FormField]:
    def given(name: str) -> str:
        return values.get(name, "")

    fields = [
        FormField("name", _LABELS["name"], value=given("name"), required=True),
        FormField(
            "slug",
            _LABELS["slug"],
            value=given("slug"),
            required=True,
            placeholder="e.g. devconf-2027",
            help="Lowercase letters, digits and hyphens: the event's name in addresses and "
            "commands.",
        ),
        FormField(
            "timezone",
            _LABELS["timezone"],
            kind="select",
            value=given("timezone") or "Europe/Berlin",
            options=_zones(),
            required=True,
            help="Session times are shown and entered in this time zone.",
        ),
        FormField("start_date", _LABELS["start_date"], "date", given("start_date"), True),
        FormField("end_date", _LABELS["end_date"], "date", given("end_date"), True),
    ]
    return refilled(fields, {}, refused.errors if refused else {})


def _typed(form: Mapping[str, Any]) -> dict[str, str]:
    return {name: str(form.get(name, "")).strip() for name in _LABELS}


def _current(event: Event) -> dict[str, str]:
    values = event.model_dump(include=set(_LABELS))
    return {k: v.isoformat() if isinstance(v, date) else str(v) for k, v in values.items()}


def _refused(exc: InvalidContent | FieldConflict, what: str) -> Refusal:
    return refusal(exc, _LABELS, whole="end_date", what=what)


# --- new event -------------------------------------------------------------------------------


def _new_page(
    request: Request,
    principal: Principal,
    org: Organisation,
    values: Mapping[str, str],
    refused: Refusal | None = None,
) -> HTMLResponse:
    context = {
        "org": org,
        "event": None,
        "section": "events",
        "fields": _fields(values, refused),
        "refused": refused,
    }
    status = 422 if refused else 200
    return render(request, "event_new.html", context, principal=principal, status_code=status)


@router.get("/orgs/{org}/events/new", response_class=HTMLResponse)
def new_event(request: Request, org: str, app: App, principal: User) -> Response:
    with app.store.transaction() as connection:
        found = access.organisation(connection, principal, org, Access.WRITE)
    return _new_page(request, principal, found, {})


@router.post("/orgs/{org}/events", response_class=HTMLResponse)
async def create_event(request: Request, org: str, app: App, principal: User) -> Response:
    with app.store.transaction() as connection:
        found = access.organisation(connection, principal, org, Access.WRITE)
    values = _typed(await request.form())
    try:
        with app.store.transaction() as connection:  # a refusal writes nothing
            event = service.create_event(connection, found, service.event_fields(values))
    except (InvalidContent, FieldConflict) as exc:
        refused = _refused(exc, "The event was not created")
        return _new_page(request, principal, found, values, refused)
    flash(request, Flash("success", f"Event {event.name} created."))
    return redirect(f"/events/{event.slug}/agenda")


# --- Settings: Event -------------------------------------------------------------------------


def _settings_page(
    request: Request,
    app: App,
    principal: Principal,
    slug: str,
    values: Mapping[str, str] | None = None,
    refused: Refusal | None = None,
) -> HTMLResponse:
    with app.store.transaction() as connection:
        event, context = event_context(connection, principal, slug, "event")
        holdings = event_holdings(connection, event.id)
    context |= {
        "fields": _fields(values or _current(event), refused),
        "refused": refused,
        "holdings": holdings.parts(),
    }
    status = 422 if refused else 200
    return render(request, "event_settings.html", context, principal=principal, status_code=status)


@router.get("/events/{event}/settings/event", response_class=HTMLResponse)
def event_settings(request: Request, event: str, app: App, principal: User) -> Response:
    return _settings_page(request, app, principal, event)


@router.post("/events/{event}/settings/event", response_class=HTMLResponse)
async def update_event(request: Request, event: str, app: App, principal: User) -> Response:
    values = _typed(await request.form())
    try:
        with app.store.transaction() as connection:
            found = access.event(connection, principal, event, Access.WRITE)
            changed = service.update_event(connection, found, values)
    except (InvalidContent, FieldConflict) as exc:
        refused = _refused(exc, "The event was not saved")
        return _settings_page(request, app, principal, event, values, refused)
    flash(request, Flash("success", f"Event {changed.name} saved."))
    return redirect(f"/events/{changed.slug}/settings/event")


@router.post("/events/{event}/delete")
def delete_event(request: Request, event: str, app: App, principal: User) -> Response:
    with app.store.transaction() as connection:
        found = access.event(connection, principal, event, Access.WRITE)
        org = get_organisation(connection, found.org_id)
        service.remove_event(connection, found)
    flash(request, Flash("success", f"Event {found.name} and all it held deleted."))
    return redirect(f"/orgs/{org.slug}")
