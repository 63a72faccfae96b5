"""Event pages: Sessions -> Agenda, Speakers, Sponsors, Sync history and reports, the
Sessionize settings; syncing and previewing from them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Connection

from agendasync.domain.accounts import Access, Principal
from agendasync.domain.integrations import RunStatus, SyncRun
from agendasync.domain.models import Event
from agendasync.domain.run_summary import RunSummary, by_design, summarise
from agendasync.partners.registry import get_partner
from agendasync.services import access, sessionize_settings
from agendasync.services.browser_session import Flash, flash
from agendasync.services.context import Services
from agendasync.services.sessionize_settings import SettingsRefused
from agendasync.services.sync_requests import Pending, SyncRefused, action_title, sync_target
from agendasync.services.sync_state import event_record_states
from agendasync.services.syncing import SyncSettings, run_sync
from agendasync.sources.sessionize.exceptions import (
    EmailsKeyRejected,
    EndpointChanged,
    SessionizeError,
)
from agendasync.sources.sessionize.importer import (
    ImportReport,
    ImportStatus,
    import_sessionize,
    last_import_report,
)
from agendasync.store import integrations as repo
from agendasync.store import records as rows
from agendasync.store.content import load_speakers
from agendasync.store.events import get_organisation
from agendasync.store.portal import portal_link_versions
from agendasync.sync.partner import PartnerSpec
from agendasync.web.agenda_filters import AgendaFilters, agenda_filters, filter_fields
from agendasync.web.forms import sessionize_fields
from agendasync.web.render import (
    HTMX_STOP_POLLING,
    App,
    LoginRequired,
    Paging,
    User,
    redirect,
    remember_sync,
    render,
    render_fragment,
    safe_back,
    signed_in,
    sync_states,
)
from agendasync.web.speaker_search import (
    SpeakerSearch,
    search_fields,
    speaker_search,
    track_names,
)

router = APIRouter()


def event_context(
    connection: Connection,
    principal: Principal,
    slug: str,
    tab: str,
    needed: Access = Access.READ,
) -> tuple[Event, dict[str, Any]]:
    event = access.event(connection, principal, slug, needed)
    org = get_organisation(connection, event.org_id)
    context = {
        "event": event,
        "org": org,
        "tab": tab,
        "section": "events",
        "can_write": principal.can(org.id, Access.WRITE),
    }
    return event, context


@dataclass(frozen=True)
class _SyncAction:
    partner: str
    title: str
    action: str


def sync_actions(connection: Connection, event: Event, action: str) -> list[_SyncAction]:
    """One per partner this event is mapped to and that syncs `action`."""
    # R-MAP-3
    integrations = {i.id: i.partner for i in repo.list_integrations(connection, event.org_id)}
    actions = []
    for mapping in repo.list_mappings(connection, event_id=event.id):
        spec = get_partner(integrations[mapping.integration_id]).spec
        if action in spec.action_names:
            actions.append(_SyncAction(spec.name, spec.title, action))
    return actions


@router.get("/events/{event}", response_class=HTMLResponse)
def event_home(event: str) -> Response:
    return redirect(f"/events/{event}/agenda")


@router.get("/events/{event}/agenda", response_class=HTMLResponse)
def agenda(
    request: Request,
    event: str,
    app: App,
    principal: User,
    filters: Annotated[AgendaFilters, Depends(agenda_filters)],
    paging: Paging,
) -> Response:
    with app.store.transaction() as connection:
        found, context = event_context(connection, principal, event, "agenda")
        page = rows.page_sessions(
            connection,
            found.id,
            paging,
            filters.store_filter(found),
        )
        speaker_ids = list({p.speaker_id for s in page.items for p in s.people})
        speakers = load_speakers(connection, found.id, speaker_ids)
        syncs = sync_actions(connection, found, "content")
        filter_form = filter_fields(connection, found, filters)
        states = event_record_states(connection, found.id, [s.id for s in page.items])
    context |= {
        "page": page,
        "states": states,
        "filters": filters,
        "filter_fields": filter_form,
        "names": {s.id: f"{s.first_name} {s.last_name}" for s in speakers},
        "syncs": syncs,
    }
    return render(request, "agenda.html", context, principal=principal)


@router.get("/events/{event}/speakers", response_class=HTMLResponse)
def speakers(
    request: Request,
    event: str,
    app: App,
    principal: User,
    search: Annotated[SpeakerSearch, Depends(speaker_search)],
    paging: Paging,
) -> Response:
    with app.store.transaction() as connection:
        found, context = event_context(connection, principal, event, "speakers")
        page = rows.page_speakers(
            connection,
            found.id,
            paging,
            search.filter,
        )
        versions = portal_link_versions(connection, [s.id for s in page.items])
        tracks = track_names(connection, found.id)
        states = event_record_states(connection, found.id, [s.id for s in page.items])
    context |= {
        "page": page,
        "states": states,
        "portal_links": {
            s.id: f"/portal/speakers/{app.portal.token(s.id, versions[s.id])}" for s in page.items
        },
        "search": search,
        "search_fields": search_fields(search, tracks),
    }
    return render(request, "speakers.html", context, principal=principal)


@router.get("/events/{event}/sponsors", response_class=HTMLResponse)
def sponsors(request: Request, event: str, app: App, principal: User, paging: Paging) -> Response:
    with app.store.transaction() as connection:
        found, context = event_context(connection, principal, event, "sponsors")
        page = rows.page_sponsors(
            connection,
            found.id,
            paging,
            rows.SponsorFilter(),
        )
        syncs = sync_actions(connection, found, "sponsors")
        states = event_record_states(connection, found.id, [s.id for s in page.items])
    context |= {"page": page, "syncs": syncs, "states": states}
    return render(request, "sponsors.html", context, principal=principal)


# --- syncing -------------------------------------------------------------------------------


@router.post("/events/{event}/sync")
async def sync(
    request: Request,
    event: str,
    app: App,
    principal: User,
    partner: Annotated[str, Form()],
    action: Annotated[str, Form()] = "content",
    back: Annotated[str, Form()] = "",
) -> Response:
    """Start the sync in the background and return at once; the pages show its progress in
    place until it has finished (see `render.sync_states`). Async: the sync starts on this
    loop. A sync asked for while one of the same mapping runs waits behind it (one follow-up)."""
    target = safe_back(back, f"/events/{event}/agenda")
    with app.store.transaction() as connection:
        found = access.event(connection, principal, event, Access.WRITE)
        try:
            chosen, mapping = sync_target(connection, found, partner, action)
        except SyncRefused as exc:
            flash(request, Flash("error", str(exc)))
            return redirect(target)
        running = _running(connection, found, chosen.spec.name, action)
    title = action_title(chosen.spec.title, action)
    since = datetime.now(UTC)
    app.syncs.start(mapping, action=action, trigger="web")
    remember_sync(request, Pending(mapping.id, action, since, title, found.slug))
    if running:
        text = (
            f"{title} is queued behind the one running now: it starts when that one has "
            "finished, and sends what changed since."
        )
    else:
        text = f"{title} started. Its progress shows above."
    flash(request, Flash("info", text))
    return redirect(target)


def _running(connection: Connection, event: Event, partner: str, action: str) -> bool:
    """Whether a sync of this event to the partner, for this action, runs now."""
    page = rows.page_runs(
        connection, event.id, rows.PageRequest(10, 0), partner=partner, status=RunStatus.RUNNING
    )
    return any(run.action == action and run.finished_at is None for run in page.items)


@router.get("/syncs/status", response_class=HTMLResponse)
def sync_status(request: Request, app: App) -> Response:
    """The progress area alone, for the page to update in place while syncs run (htmx)."""
    try:
        signed_in(request, app)
    except LoginRequired:
        return Response(status_code=HTMX_STOP_POLLING)
    syncing = sync_states(request, app, flash_finished=False)
    if syncing is None:
        return HTMLResponse("")  # nothing to show: the area goes away
    return render_fragment(request, "sync_status.html", {"syncing": syncing})


@router.get("/events/{event}/preview", response_class=HTMLResponse)
async def preview(
    request: Request,
    event: str,
    app: App,
    principal: User,
    partner: str,
    action: str = "content",
) -> Response:
    """A dry run: what a sync would create, update and skip, and why."""
    # R-SYNC-9
    with app.store.transaction() as connection:
        found, context = event_context(connection, principal, event, "runs")
        try:
            chosen, mapping = sync_target(connection, found, partner, action)
        except SyncRefused as exc:
            flash(request, Flash("error", str(exc)))
            return redirect(f"/events/{event}/agenda")
    run = await run_sync(
        app.store,
        app.box,
        mapping,
        action=action,
        dry_run=True,
        trigger="web",
        settings=SyncSettings(allow_private_urls=app.settings.allow_private_partner_urls),
    )
    title = action_title(chosen.spec.title, action)
    context |= _run_context(run, chosen.spec, f"Preview: {title}")
    return render(request, "run.html", context, principal=principal)


def _run_context(run: SyncRun, spec: PartnerSpec, heading: str) -> dict[str, Any]:
    summary = summarise(run)
    skipped = run.report.get("skipped", [])
    return {
        "run": run,
        "heading": heading,
        "partner_title": spec.title,
        "summary": summary,
        "sentence": summary.sentence(heading.removeprefix("Preview: ")),
        "attention": [p for p in skipped if not by_design(str(p.get("reason", "")))],
        "by_design": [p for p in skipped if by_design(str(p.get("reason", "")))],
    }


def _spec(name: str) -> PartnerSpec:
    try:
        return get_partner(name).spec
    except LookupError:
        # A run of a partner no longer installed still shows, under its own name.
        return PartnerSpec(
            name=name, title=name, credential_fields=(), default_base_url=None, actions=()
        )


@dataclass(frozen=True)
class _RunRow:
    run: SyncRun
    partner_title: str
    what: str
    summary: RunSummary
    sentence: str


_WHAT = {"content": "Sessions and speakers", "sponsors": "Sponsors", "exhibitors": "Exhibitors"}


def _run_row(run: SyncRun) -> _RunRow:
    title = _spec(run.partner).title
    summary = summarise(run)
    what = _WHAT.get(run.action, run.action)
    return _RunRow(run, title, what, summary, summary.sentence(action_title(title, run.action)))


@router.get("/events/{event}/runs", response_class=HTMLResponse)
def runs(request: Request, event: str, app: App, principal: User, paging: Paging) -> Response:
    with app.store.transaction() as connection:
        found, context = event_context(connection, principal, event, "runs")
        page = rows.page_runs(connection, found.id, paging)
    context |= {"page": page, "rows": [_run_row(run) for run in page.items]}
    return render(request, "runs.html", context, principal=principal)


@router.get("/events/{event}/runs/{run_id}", response_class=HTMLResponse)
def run_report(
    request: Request, event: str, run_id: uuid.UUID, app: App, principal: User
) -> Response:
    with app.store.transaction() as connection:
        found, context = event_context(connection, principal, event, "runs")
        run = rows.get_run(connection, found.id, run_id)
    spec = _spec(run.partner)
    context |= _run_context(run, spec, action_title(spec.title, run.action))
    return render(request, "run.html", context, principal=principal)


# --- Sessionize ----------------------------------------------------------------------------


def _sessionize_page(
    request: Request,
    app: Services,
    principal: Principal,
    event: str,
    *,
    given: dict[str, str] | None = None,
    problems: dict[str, str] | None = None,
) -> HTMLResponse:
    """The settings form (after a refusal: the values as typed, what is wrong beside each
    field) and the last import's report."""
    with app.store.transaction() as connection:
        found, context = event_context(connection, principal, event, "sessionize")
        report = last_import_report(connection, found.id)
    context |= {"fields": sessionize_fields(found, given, problems), "report": report}
    status = 422 if problems else 200
    return render(request, "sessionize.html", context, principal=principal, status_code=status)


@router.get("/events/{event}/settings/sessionize", response_class=HTMLResponse)
def sessionize_page(request: Request, event: str, app: App, principal: User) -> Response:
    return _sessionize_page(request, app, principal, event)


@router.post("/events/{event}/settings/sessionize", response_class=HTMLResponse)
def save_sessionize(
    request: Request,
    event: str,
    app: App,
    principal: User,
    endpoint_id: Annotated[str, Form()] = "",
    category_map: Annotated[str, Form()] = "",
) -> Response:
    """Save: the Sessionize API ID and the category map."""
    with app.store.transaction() as connection:
        found = access.event(connection, principal, event, Access.WRITE)
    try:
        saved = sessionize_settings.save_sessionize_settings(
            app.store, found, endpoint_id=endpoint_id, category_map=category_map
        )
    except SettingsRefused as exc:
        given = {"endpoint_id": endpoint_id, "category_map": category_map}
        return _sessionize_page(request, app, principal, event, given=given, problems=exc.problems)
    endpoint = saved.sessionize_endpoint_id
    text = f"Sessionize API ID {endpoint} saved" if endpoint else "No Sessionize API ID"
    flash(request, Flash("success", f"{text}; the next import applies the category map."))
    return redirect(f"/events/{found.slug}/settings/sessionize")


@router.post("/events/{event}/sessionize/sync", response_class=HTMLResponse)
async def sync_sessionize(
    request: Request,
    event: str,
    app: App,
    principal: User,
    endpoint_id: Annotated[str | None, Form()] = None,
    category_map: Annotated[str, Form()] = "",
    emails_key: Annotated[str, Form()] = "",
    replace: Annotated[str, Form()] = "",
) -> Response:
    """Sync Sessionize: import the feed now (a large one takes seconds) and show its report.

    From the settings form, what is typed is synced: the settings are saved first (when they
    are right). Another endpoint than the one the event was imported from is refused; the page
    then asks to confirm, naming how many records replacing withdraws, and posts `replace`.
    """
    # R-SZ-9
    with app.store.transaction() as connection:
        found = access.event(connection, principal, event, Access.WRITE)
    given = None
    if endpoint_id is not None:  # the settings form, not the confirmation to replace
        given = {"endpoint_id": endpoint_id, "category_map": category_map}
        try:
            found = sessionize_settings.save_sessionize_settings(
                app.store, found, endpoint_id=endpoint_id, category_map=category_map
            )
        except SettingsRefused as exc:
            return _sessionize_page(
                request, app, principal, event, given=given, problems=exc.problems
            )
    try:
        report = await import_sessionize(
            app.store,
            found.id,
            emails_key=emails_key.strip() or None,
            base_url=app.settings.sessionize_base_url,
            replace=bool(replace),
        )
    except EndpointChanged as exc:  # the last import's report asks to confirm replacing
        flash(request, Flash("error", f"Sessionize was not imported: {exc}"))
    except SessionizeError as exc:
        field = "emails_key" if isinstance(exc, EmailsKeyRejected) else "endpoint_id"
        problems = {field: f"Sessionize was not imported: {exc}"}
        return _sessionize_page(request, app, principal, event, given=given, problems=problems)
    else:
        flash(request, Flash("success", _imported(report)))
    return redirect(f"/events/{found.slug}/settings/sessionize")


def _imported(report: ImportReport) -> str:
    if report.status is ImportStatus.UNCHANGED:
        return "Sessionize has not changed since the last import: nothing to do."
    s, p = report.sessions, report.speakers
    text = (
        f"Sessionize imported: sessions {s.created} new, {s.updated + s.restored} "
        f"changed, {s.withdrawn} withdrawn; speakers {p.created} new, "
        f"{p.updated + p.restored} changed, {p.withdrawn} withdrawn."
    )
    if report.replaced_endpoint:
        return f"Endpoint {report.replaced_endpoint} replaced. " + text
    return text
