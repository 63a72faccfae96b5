"""*Settings: Schedule*: import a schedule file (pretalx or frab schedule.json or schedule.xml),
switch the event's public schedule feeds on or off, and the feeds' addresses."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from agendasync.domain.accounts import Access
from agendasync.services import access
from agendasync.services.browser_session import Flash, flash
from agendasync.services.records import update_event
from agendasync.sources.schedule.importer import MAX_BYTES, import_schedule_body, last_report
from agendasync.sources.schedule.validation import MalformedSchedule
from agendasync.sources.sessionize.importer import ImportStatus
from agendasync.store.events import get_organisation
from agendasync.web.render import App, User, redirect, render

router = APIRouter()

_FEEDS = ("schedule.json", "schedule.xml", "schedule.ics")


@router.get("/events/{event}/settings/schedule", response_class=HTMLResponse)
def schedule_page(request: Request, event: str, app: App, principal: User) -> Response:
    with app.store.transaction() as connection:
        found = access.event(connection, principal, event, Access.READ)
        org = get_organisation(connection, found.org_id)
        report = last_report(connection, found.id)
    root = str(request.base_url).rstrip("/")
    context = {
        "event": found,
        "org": org,
        "tab": "schedule",
        "section": "events",
        "can_write": principal.can(org.id, Access.WRITE),
        "report": report,
        "public_feeds": [f"{root}/public/{found.slug}/{name}" for name in _FEEDS],
        "api_feeds": [f"{root}/api/events/{found.slug}/{name}" for name in _FEEDS],
    }
    return render(request, "schedule.html", context, principal=principal)


@router.post("/events/{event}/settings/schedule/feeds")
def switch_feeds(
    request: Request,
    event: str,
    app: App,
    principal: User,
    public_feeds: Annotated[str, Form()] = "off",
) -> Response:
    on = public_feeds == "on"
    with app.store.transaction() as connection:
        found = access.event(connection, principal, event, Access.WRITE)
        update_event(connection, found, {"public_feeds": on})
    flash(request, Flash("success", "Public feeds are on." if on else "Public feeds are off."))
    return redirect(f"/events/{found.slug}/settings/schedule")


@router.post("/events/{event}/schedule/import")
async def import_schedule_file(
    request: Request,
    event: str,
    app: App,
    principal: User,
    schedule: Annotated[UploadFile, File()],
) -> Response:
    """Import the uploaded file now and say what it did; a refused file changes nothing."""
    with app.store.transaction() as connection:
        found = access.event(connection, principal, event, Access.WRITE)
    page = f"/events/{found.slug}/settings/schedule"
    body = await schedule.read(MAX_BYTES + 1)
    if len(body) > MAX_BYTES:
        flash(request, Flash("error", f"The file is larger than {MAX_BYTES // 2**20} MB."))
        return redirect(page)
    try:
        report = import_schedule_body(
            app.store, found.id, body, source=schedule.filename or "(upload)"
        )
    except MalformedSchedule as exc:
        flash(request, Flash("error", f"The schedule was not imported: {exc}"))
        return redirect(page)
    if report.status is ImportStatus.UNCHANGED:
        text = "The schedule has not changed since the last import: nothing to do."
    else:
        s, p = report.sessions, report.speakers
        text = (
            f"Schedule imported: sessions {s.created} new, {s.updated + s.restored} changed, "
            f"{s.withdrawn} withdrawn; speakers {p.created} new, {p.updated + p.restored} changed."
        )
    flash(request, Flash("success", text))
    return redirect(page)
