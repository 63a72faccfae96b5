"""An event's programme as schedule feeds (c3voc schedule.json and schedule.xml, iCal), and the
import of a schedule file.

The feeds are read-only and answered to whoever may read the event (a read token or a signed-in
member), with an `ETag` and `Last-Modified`; a conditional request for an unchanged feed is
answered `304 Not Modified`. They hold accepted, scheduled sessions that are not withdrawn.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated, Any, Final

from fastapi import APIRouter, Query, Request, Response

from agendasync.api.deps import App, Caller
from agendasync.api.errors import ApiError
from agendasync.domain.accounts import Access
from agendasync.domain.models import EventContent
from agendasync.services import access
from agendasync.sources.schedule.export import schedule_ical, schedule_json_text, schedule_xml
from agendasync.sources.schedule.importer import MAX_BYTES, import_schedule_body
from agendasync.sources.schedule.validation import MalformedSchedule
from agendasync.store.content import load_event_content

router = APIRouter()

_FEEDS: Final[dict[str, tuple[str, Callable[..., str | bytes]]]] = {
    "schedule.json": ("application/json; charset=utf-8", schedule_json_text),
    "schedule.xml": ("application/xml; charset=utf-8", schedule_xml),
    "schedule.ics": ("text/calendar; charset=utf-8", schedule_ical),
}


def _last_modified(content: EventContent) -> datetime:
    stamps = [
        stamp
        for record in (content.event, *content.sessions, *content.speakers, *content.taxonomy)
        for stamp in (record.updated_at, record.created_at)
        if stamp is not None
    ]
    return max(stamps, default=datetime(2000, 1, 1, tzinfo=UTC)).replace(microsecond=0)


def _not_modified(request: Request, etag: str, modified: datetime) -> bool:
    sent = request.headers.get("if-none-match")
    if sent is not None:
        return etag in {tag.strip() for tag in sent.split(",")} or sent.strip() == "*"
    since = request.headers.get("if-modified-since")
    if since:
        try:
            return modified <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def _feed(
    name: str, request: Request, event: str, app: App, principal: Caller, **options: Any
) -> Response:
    media_type, write = _FEEDS[name]
    with app.store.transaction() as connection:
        found = access.event(connection, principal, event, Access.READ)
        content = load_event_content(connection, found.id)
    url = str(request.url.remove_query_params(["room", "speaker"]))
    body = write(content, url=url, **options)
    data = body.encode("utf-8") if isinstance(body, str) else body
    etag = f'"{hashlib.sha256(data).hexdigest()[:32]}"'
    modified = _last_modified(content)
    headers = {
        "ETag": etag,
        "Last-Modified": format_datetime(modified.astimezone(UTC), usegmt=True),
        "Cache-Control": "private, no-cache",
    }
    if _not_modified(request, etag, modified):
        return Response(status_code=304, headers=headers)
    return Response(data, media_type=media_type, headers=headers)


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
