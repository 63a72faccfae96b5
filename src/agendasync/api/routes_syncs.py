"""Syncs and dry runs, sync runs with their reports, and the Sessionize import."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from sqlalchemy import Connection

from agendasync.api.deps import App, Caller, Paging
from agendasync.api.errors import ApiError
from agendasync.api.schemas import PageOut, RunOut, SessionizeImportIn, SyncIn, SyncStartedOut
from agendasync.domain.accounts import Access
from agendasync.domain.integrations import Mapping as EventMapping
from agendasync.domain.integrations import RunStatus
from agendasync.domain.models import Event
from agendasync.services import access
from agendasync.services.sync_requests import SyncRefused, check_scope, sync_target
from agendasync.services.syncing import SyncSettings, run_sync
from agendasync.sources.sessionize.importer import (
    import_history,
    import_sessionize,
    last_import_report,
)
from agendasync.store import records as rows
from agendasync.sync.partner import Partner

router = APIRouter()


def _target(
    connection: Connection, event: Event, partner_name: str, action: str
) -> tuple[Partner, EventMapping]:
    try:
        return sync_target(connection, event, partner_name, action)
    except SyncRefused as exc:
        error = "not_mapped" if exc.status == 409 else "invalid"
        raise ApiError(exc.status, error, str(exc), field=exc.field) from exc


@router.post(
    "/events/{event}/syncs",
    tags=["syncs"],
    status_code=status.HTTP_202_ACCEPTED,
    response_model=SyncStartedOut | RunOut,
    summary="Start a sync (202), or run a dry run or a waited-for sync (200 with the run)",
)
async def start_sync(
    event: str, body: SyncIn, app: App, principal: Caller, response: Response
) -> SyncStartedOut | RunOut:
    needed = Access.READ if body.dry_run else Access.WRITE
    with app.store.transaction() as connection:
        found = access.event(connection, principal, event, needed)
        partner, mapping = _target(connection, found, body.partner, body.action)
        try:
            check_scope(connection, found.id, session=body.session, speaker=body.speaker)
        except SyncRefused as exc:
            raise ApiError(exc.status, "not_found", str(exc), field=exc.field) from exc
    if body.session and body.speaker:
        raise ApiError(422, "invalid", "give a session or a speaker, not both", field="speaker")
    scope = body.session or body.speaker
    if body.dry_run or body.wait or scope:
        # A dry run only reads; a single record is quick: both answer with the run itself.
        run = await run_sync(
            app.store,
            app.box,
            mapping,
            action=body.action,
            dry_run=body.dry_run,
            scope=scope,
            trigger="api",
            settings=SyncSettings(allow_private_urls=app.settings.allow_private_partner_urls),
        )
        response.status_code = status.HTTP_200_OK
        return RunOut.of(run)
    app.syncs.start(mapping, action=body.action, trigger="api")
    return SyncStartedOut(
        partner=partner.spec.name,
        action=body.action,
        runs=f"/api/events/{found.slug}/runs?partner={partner.spec.name}",
    )


@router.get("/events/{event}/runs", tags=["syncs"], summary="Sync runs, newest first")
def list_runs(
    event: str,
    app: App,
    principal: Caller,
    paging: Paging,
    partner: str | None = None,
    run_status: Annotated[RunStatus | None, Query(alias="status")] = None,
) -> PageOut[RunOut]:
    with app.store.transaction() as connection:
        found = access.event(connection, principal, event)
        page = rows.page_runs(connection, found.id, paging, partner=partner, status=run_status)
    return PageOut.of(page, [RunOut.of(run) for run in page.items])


@router.get(
    "/events/{event}/runs/{run_id}",
    tags=["syncs"],
    summary="One run and its report: every skipped or failed record with its reason",
)
def get_run(event: str, run_id: uuid.UUID, app: App, principal: Caller) -> RunOut:
    with app.store.transaction() as connection:
        found = access.event(connection, principal, event)
        return RunOut.of(rows.get_run(connection, found.id, run_id))


# --- Sessionize ----------------------------------------------------------------------------


@router.post(
    "/events/{event}/sessionize/imports",
    tags=["Sessionize"],
    summary="Import the event's Sessionize feed (422 with a clear message when it cannot; "
    "409 when it would replace the endpoint the event was imported from)",
)
async def sessionize_import(
    event: str, body: SessionizeImportIn, app: App, principal: Caller
) -> dict[str, Any]:
    needed = Access.READ if body.dry_run else Access.WRITE
    with app.store.transaction() as connection:
        found = access.event(connection, principal, event, needed)
    report = await import_sessionize(
        app.store,
        found.id,
        endpoint_id=body.endpoint_id,
        emails_key=body.emails_key,
        base_url=app.settings.sessionize_base_url,
        dry_run=body.dry_run,
        force=body.force,
        replace=body.replace,
    )
    return report.to_json()


@router.get("/events/{event}/sessionize/imports", tags=["Sessionize"], summary="Past imports")
def sessionize_history(
    event: str,
    app: App,
    principal: Caller,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[dict[str, Any]]:
    with app.store.transaction() as connection:
        found = access.event(connection, principal, event)
        return [report.to_json() for report in import_history(connection, found.id, limit=limit)]


@router.get(
    "/events/{event}/sessionize",
    tags=["Sessionize"],
    summary="The event's Sessionize endpoint id and its last import",
)
def sessionize_settings(event: str, app: App, principal: Caller) -> dict[str, Any]:
    with app.store.transaction() as connection:
        found = access.event(connection, principal, event)
        last = last_import_report(connection, found.id)
    return {
        "endpoint_id": found.sessionize_endpoint_id,
        # Set it with PATCH /events/{event} {"sessionize_category_map": {...}}.
        "category_map": found.sessionize_category_map,
        "last_import": last.to_json() if last else None,
    }
