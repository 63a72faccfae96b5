"""An event's schedule feeds (c3voc schedule.json and schedule.xml, iCal) as HTTP answers, for the
API (readers of the event) and the public URLs (events that switched their feeds on).

Each answer carries an `ETag` (a hash of the body) and `Last-Modified` (the latest change to the
event, its sessions, speakers and taxonomy); a conditional request for an unchanged feed is
answered `304 Not Modified` with no body.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any, Final

from sqlalchemy import Connection

from agendasync.domain.models import Event, EventContent
from agendasync.sources.schedule.export import schedule_ical, schedule_json_text, schedule_xml
from agendasync.store.content import load_event_content
from agendasync.store.events import find_event
from agendasync.store.exceptions import NotFound

FEEDS: Final[dict[str, tuple[str, Callable[..., str | bytes]]]] = {
    "schedule.json": ("application/json; charset=utf-8", schedule_json_text),
    "schedule.xml": ("application/xml; charset=utf-8", schedule_xml),
    "schedule.ics": ("text/calendar; charset=utf-8", schedule_ical),
}
_EPOCH: Final = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class FeedAnswer:
    status: int  # 200, or 304 for a conditional request of an unchanged feed
    body: bytes
    media_type: str
    headers: dict[str, str] = field(default_factory=dict)


def public_event(connection: Connection, slug: str) -> Event:
    """The event whose public feeds are switched on; `NotFound` for any other."""
    try:
        found = find_event(connection, slug)
    except NotFound:
        found = None
    if found is None or not found.public_feeds:
        raise NotFound(f"event {slug!r} publishes no schedule")
    return found


def last_modified(content: EventContent) -> datetime:
    stamps = [
        stamp
        for record in (content.event, *content.sessions, *content.speakers, *content.taxonomy)
        for stamp in (record.updated_at, record.created_at)
        if stamp is not None
    ]
    return max(stamps, default=_EPOCH).astimezone(UTC).replace(microsecond=0)


def _unchanged(request_headers: Mapping[str, str], etag: str, modified: datetime) -> bool:
    sent = request_headers.get("if-none-match")
    if sent is not None:  # when both are sent, the ETag decides (RFC 9110)
        return sent.strip() == "*" or etag in {tag.strip() for tag in sent.split(",")}
    since = request_headers.get("if-modified-since")
    if since:
        try:
            return modified <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def feed_answer(
    connection: Connection,
    event: Event,
    name: str,
    *,
    url: str,
    request_headers: Mapping[str, str],
    room: str | None = None,
    speaker: uuid.UUID | None = None,
) -> FeedAnswer:
    """The feed `name` (`schedule.json`, `schedule.xml` or `schedule.ics`) of `event`."""
    media_type, write = FEEDS[name]
    content = load_event_content(connection, event.id)
    options: dict[str, Any] = {"room": room, "speaker": speaker} if name == "schedule.ics" else {}
    body = write(content, url=url, **options)
    data = body.encode("utf-8") if isinstance(body, str) else body
    etag = f'"{hashlib.sha256(data).hexdigest()[:32]}"'
    modified = last_modified(content)
    headers = {"ETag": etag, "Last-Modified": format_datetime(modified, usegmt=True)}
    if _unchanged(request_headers, etag, modified):
        return FeedAnswer(304, b"", media_type, headers)
    return FeedAnswer(200, data, media_type, headers)


__all__ = ["FEEDS", "FeedAnswer", "feed_answer", "last_modified", "public_event"]
