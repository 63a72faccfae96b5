"""An event's programme as schedule feeds (c3voc schedule.json and schedule.xml, iCal), and the
import of a schedule file.

The feeds are read-only and answered to whoever may read the event (a read token or a signed-in
member), with an `ETag` and `Last-Modified`; a conditional request for an unchanged feed is
answered `304 Not Modified`. They hold accepted, scheduled sessions that are not withdrawn.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from agendasync.api.deps import App, Caller
from agendasync.api.errors import ApiError
from agendasync.domain.accounts import Access
from agendasync.services import access
from agendasync.services.feeds import feed_answer
from agendasync.sources.schedule.importer import MAX_BYTES, import_schedule_body, import_table_body
from agendasync.sources.schedule.validation import MalformedSchedule

router = APIRouter()


def _feed(
    name: str, request: Request, event: str, app: App, principal: Caller, **options: Any
) -> Response:
    with app.store.transaction() as connection:
        found = access.event(connection, principal, event, Access.READ)
        url = str(request.url.remove_query_params(["room", "speaker"]))
        answer = feed_answer(
            connection, found, name, url=url, request_headers=request.headers, **options
        )
    headers = {**answer.headers, "Cache-Control": "private, no-cache"}
    if answer.status == 304:
        return Response(status_code=304, headers=headers)
    return Response(answer.body, media_type=answer.media_type, headers=headers)


@router.get(
    "/events/{event}/schedule.json",
    tags=["schedule"],
    summary="The programme as c3voc schedule.json (as pretalx and frab publish it)",
)
def schedule_json_feed(request: Request, event: str, app: App, principal: Caller) -> Response:
    return _feed("schedule.json", request, event, app, principal)


@router.get(
    "/events/{event}/schedule.xml",
    tags=["schedule"],
    summary="The programme as schedule.xml (frab/pentabarf XML)",
)
def schedule_xml_feed(request: Request, event: str, app: App, principal: Caller) -> Response:
    return _feed("schedule.xml", request, event, app, principal)


@router.get(
    "/events/{event}/schedule.ics",
    tags=["schedule"],
    summary="The programme as an iCalendar file: all of it, one room's or one speaker's",
)
def schedule_ics_feed(
    request: Request,
    event: str,
    app: App,
    principal: Caller,
    room: Annotated[str | None, Query(description="Only the sessions in this room.")] = None,
    speaker: Annotated[
        uuid.UUID | None, Query(description="Only the sessions of this speaker (id).")
    ] = None,
) -> Response:
    return _feed("schedule.ics", request, event, app, principal, room=room, speaker=speaker)


@router.post(
    "/events/{event}/schedule/imports",
    tags=["schedule"],
    summary="Import a schedule file (c3voc schedule.json or schedule.xml, sent as the body)",
)
async def schedule_import(
    request: Request,
    event: str,
    app: App,
    principal: Caller,
    dry_run: Annotated[bool, Query(description="Report what would change; write nothing.")] = False,
    force: Annotated[bool, Query(description="Import even when the file is unchanged.")] = False,
) -> dict[str, Any]:
    needed = Access.READ if dry_run else Access.WRITE
    with app.store.transaction() as connection:
        found = access.event(connection, principal, event, needed)
    body = await request.body()
    if len(body) > MAX_BYTES:
        raise ApiError(413, "too_large", f"the file is larger than {MAX_BYTES // 2**20} MB")
    try:
        report = await asyncio.to_thread(
            import_schedule_body, app.store, found.id, body, dry_run=dry_run, force=force
        )
    except MalformedSchedule as exc:
        raise ApiError(422, exc.code, str(exc), problems=exc.problems) from None
    return report.to_json()


@router.post(
    "/events/{event}/table/imports",
    tags=["schedule"],
    summary="Import a spreadsheet (CSV or .xlsx, sent as the body), columns mapped to fields",
)
async def table_import(
    request: Request,
    event: str,
    app: App,
    principal: Caller,
    column_map: Annotated[
        list[str] | None,
        Query(alias="map", description="COLUMN=field, once per column (see the CLI's fields)."),
    ] = None,
    dry_run: Annotated[bool, Query(description="Report what would change; write nothing.")] = False,
    force: Annotated[bool, Query(description="Import even when the file is unchanged.")] = False,
) -> dict[str, Any]:
    needed = Access.READ if dry_run else Access.WRITE
    with app.store.transaction() as connection:
        found = access.event(connection, principal, event, needed)
    given: dict[str, str] = {}
    for pair in column_map or []:
        column, equals, name = pair.partition("=")
        if not equals or not column.strip() or not name.strip():
            raise ApiError(422, "invalid", f"map {pair!r}: write COLUMN=field", field="map")
        given[column.strip()] = name.strip()
    mapping = given if column_map else None  # none given: the event's last import's map
    body = await request.body()
    if len(body) > MAX_BYTES:
        raise ApiError(413, "too_large", f"the file is larger than {MAX_BYTES // 2**20} MB")
    try:
        report = await asyncio.to_thread(
            import_table_body,
            app.store,
            found.id,
            body,
            mapping=mapping,
            dry_run=dry_run,
            force=force,
        )
    except MalformedSchedule as exc:
        raise ApiError(422, exc.code, str(exc), problems=exc.problems) from None
    return report.to_json()
