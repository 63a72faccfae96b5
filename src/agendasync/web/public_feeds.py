"""The public schedule feeds of an event that switched them on (`public_feeds`, off by default):
`/public/{event}/schedule.json`, `schedule.xml` and `schedule.ics` (all of the programme, or one
room's or one speaker's with `?room=` / `?speaker=`), open to anyone and to any site (CORS), as
pretalx serves them, with `ETag`, `Last-Modified` and `304` for an unchanged feed. An event
whose feeds are off answers `404`, as one that does not exist."""

from __future__ import annotations

import uuid
from typing import Annotated, Final

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, Response

from agendasync.services.feeds import feed_answer, public_event
from agendasync.store.exceptions import NotFound
from agendasync.web.render import App

router = APIRouter()

_CORS: Final = {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "ETag"}
_NAMES: Final = ("schedule.json", "schedule.xml", "schedule.ics")


@router.get("/public/{event}/{name}")
def public_feed(
    request: Request,
    event: str,
    name: str,
    app: App,
    room: Annotated[str | None, Query()] = None,
    speaker: Annotated[uuid.UUID | None, Query()] = None,
) -> Response:
    if name not in _NAMES:
        return PlainTextResponse("not found", status_code=404, headers=_CORS)
    with app.store.transaction() as connection:
        try:
            found = public_event(connection, event)
        except NotFound as exc:
            return PlainTextResponse(str(exc), status_code=404, headers=_CORS)
        answer = feed_answer(
            connection,
            found,
            name,
            url=str(request.url.remove_query_params(["room", "speaker"])),
            request_headers=request.headers,
            room=room,
            speaker=speaker,
        )
    headers = {**answer.headers, **_CORS, "Cache-Control": "public, max-age=60"}
    if answer.status == 304:
        return Response(status_code=304, headers=headers)
    return Response(answer.body, media_type=answer.media_type, headers=headers)
