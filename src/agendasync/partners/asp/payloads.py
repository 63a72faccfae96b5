"""What ASP Events should hold for each eligible record (SPEC §5, "ASP Events decisions"). Pure.

Kinds, in the order they are sent: `streams` (our tags, with their colours, R-TX-4) and
`locations` (rooms), both matched by name; `speakers` (per site, found by email); `sessions`
(in the mapping's seminar, found by the `sessionboard_id` custom field, which holds our UUID).

Payload keys are ASP's attribute names; any other key is a custom field slug (R-TX-6), which
the connector sends in `CustomFields` only where the seminar (or site) has that slug. Two
values are names the connector turns into ASP's ids at send time: `SessionTypeUuid` holds the
format's name (R-TX-3: matched to a session type, never created) and checkbox slugs hold level
names (matched to the field's option values).
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, tzinfo
from typing import Any

from pydantic import BaseModel

from agendasync.domain.integrations import FieldSpec
from agendasync.domain.models import EventContent, Role, Session, Speaker, TaxonomyItem
from agendasync.partners.transforms import first_by_name, one_day
from agendasync.sync.fields import FieldMaps, apply_field_map, extra_pairs
from agendasync.sync.model import Item, Ref
from agendasync.sync.partner import Transformed
from agendasync.sync.select import Selection, session_label, speaker_label

DEFAULT_TYPE = "Session"  # R-TX-3: the type sent when no type matches the format
ID_SLUG = "sessionboard_id"  # where our UUID lives; how sessions are found again

# The default field maps (SPEC §6). Slugs other than ASP's attributes are custom fields.
SESSION_FIELDS = (
    FieldSpec("title", "Title", required=True),
    FieldSpec("description", "Description"),
    FieldSpec("starts_at", "Start", required=True),
    FieldSpec("ends_at", "End", required=True),
    FieldSpec("client_session_id", "ClientSessionId", required=True),
    FieldSpec("id", ID_SLUG, required=True),
    FieldSpec("format", "SessionTypeUuid"),
    FieldSpec("locations", "LocationUuid"),
    FieldSpec("tags", "StreamUuids"),
    FieldSpec("speakers", "Speakers"),
    FieldSpec("files", "sessionboard-content"),
    FieldSpec("levels", "levels-checkbox"),
    FieldSpec("moderators", "panel-moderator"),
    FieldSpec("chairpersons", "chairperson"),
)
SPEAKER_FIELDS = (
    FieldSpec("first_name", "FirstName", required=True),
    FieldSpec("last_name", "LastName", required=True),
    FieldSpec("email", "Email", required=True),
    FieldSpec("honorific", "Title"),
    FieldSpec("job_title", "JobTitle"),
    FieldSpec("company", "Company"),
    FieldSpec("website", "Website"),
    FieldSpec("mobile_phone", "MobilePhone"),
    FieldSpec("biography", "Biography"),
    FieldSpec("headshot_url", "PhotoUrl"),
    FieldSpec("facebook_url", "FacebookUrl"),
    FieldSpec("linkedin_url", "LinkedInUrl"),
    FieldSpec("twitter_url", "TwitterUrl"),
)
# ASP's own attributes; every other payload key is a custom field slug.
SESSION_ATTRIBUTES = frozenset(
    {
        "Title",
        "Description",
        "ClientSessionId",
        "Start",
        "End",
        "LocationUuid",
        "SessionTypeUuid",
        "StreamUuids",
        "Speakers",
    }
)
SPEAKER_ATTRIBUTES = frozenset(pair.partner for pair in SPEAKER_FIELDS)
_PEOPLE = {"speakers": Role.SPEAKER, "moderators": Role.MODERATOR, "chairpersons": Role.CHAIRPERSON}


def one_day_times(
    starts_at: datetime, ends_at: datetime, tz: tzinfo
) -> tuple[str, str, str | None]:
    """R-TX-1 as ASP takes it: `Start` and `End` as local date-times with the zone's own offset
    at that moment; the third value is a note when a session spanning days was cut."""
    start, end, cut = one_day(starts_at, ends_at, tz)
    note = (
        f"spans several days; sent as {start.date()} "
        f"{start.strftime('%H:%M')}-{end.strftime('%H:%M')}"
        if cut
        else None
    )
    return start.isoformat(timespec="seconds"), end.isoformat(timespec="seconds"), note


def stream_item(tag: TaxonomyItem) -> Item:
    payload: dict[str, Any] = {"Name": tag.name}
    if tag.colour:
        payload["Colour"] = tag.colour.upper()
    return Item("streams", tag.id, f"stream '{tag.name}'", payload, (("name", tag.name.lower()),))


def location_item(room: TaxonomyItem) -> Item:
    label = f"location '{room.name}'"
    return Item("locations", room.id, label, {"Name": room.name}, (("name", room.name.lower()),))


def _people(session: Session, role: Role, eligible: set[uuid.UUID]) -> list[Ref]:
    """Refs to the session's people in `role`, in order; optional, so a speaker that failed
    does not hold its sessions back (they are sent again when it is there)."""
    seen: list[uuid.UUID] = []
    for person in session.people:
        if person.role is role and person.speaker_id in eligible and person.speaker_id not in seen:
            seen.append(person.speaker_id)
    return [Ref("speakers", speaker_id, optional=True) for speaker_id in seen]


def session_item(session: Session, tz: tzinfo, eligible: set[uuid.UUID]) -> Item:
    # Selection keeps only scheduled sessions with a client session ID (R-ELIG-4).
    assert session.starts_at is not None
    assert session.ends_at is not None
    start, end, cut = one_day_times(session.starts_at, session.ends_at, tz)
    notes = [cut] if cut else []
    room = first_by_name(session.locations)
    if len(session.locations) > 1 and room:
        notes.append(f"ASP Events holds one location per session; sent '{room.name}'")
    files = sorted(session.files, key=lambda f: f.uploaded_at)
    payload: dict[str, Any] = {
        "Title": session.title,
        "Description": session.description,
        "ClientSessionId": session.client_session_id,
        "Start": start,
        "End": end,
        ID_SLUG: str(session.id),
        "SessionTypeUuid": session.format.name if session.format else DEFAULT_TYPE,
        "LocationUuid": Ref("locations", room.id) if room else None,
        "StreamUuids": [Ref("streams", tag.id) for tag in sorted(session.tags, key=_name)],
        "Speakers": _people(session, Role.SPEAKER, eligible),
        "sessionboard-content": files[-1].url if files else None,
        "levels-checkbox": [level.name for level in session.levels],
        "panel-moderator": _people(session, Role.MODERATOR, eligible),
        "chairperson": _people(session, Role.CHAIRPERSON, eligible),
    }
    return Item(
        "sessions",
        session.id,
        session_label(session),
        payload,
        lookup=((ID_SLUG, str(session.id)),),
        notes=tuple(notes),
    )


def _name(item: TaxonomyItem) -> str:
    return item.name.lower()


def speaker_item(speaker: Speaker) -> Item:
    payload = {
        "FirstName": speaker.first_name,
        "LastName": speaker.last_name,
        "Email": speaker.email,
        "Title": speaker.honorific,
        "JobTitle": speaker.job_title,
        "Company": speaker.company,
        "Website": speaker.website,
        "MobilePhone": speaker.mobile_phone,
        "Biography": speaker.biography or None,
        "PhotoUrl": speaker.headshot_url,
        "FacebookUrl": speaker.facebook_url,
        "LinkedInUrl": speaker.linkedin_url,
        "TwitterUrl": speaker.twitter_url,
    }
    lookup = (("email", (speaker.email or "").lower()),)
    return Item("speakers", speaker.id, speaker_label(speaker), payload, lookup=lookup)


def _mapped(
    item: Item,
    record: BaseModel,
    defaults: tuple[FieldSpec, ...],
    maps: FieldMaps,
    eligible: set[uuid.UUID],
) -> Item:
    """The field map applied; added pairs of people become refs to those speakers on ASP."""
    payload, notes = apply_field_map(item.payload, record, item.kind, defaults, maps)
    send, _ = extra_pairs(item.kind, defaults, maps)
    for pair in send:
        if pair.hub in _PEOPLE and isinstance(record, Session):
            payload[pair.partner] = _people(record, _PEOPLE[pair.hub], eligible)
    return replace(item, payload=payload, notes=(*item.notes, *notes))


def content_items(
    selection: Selection, content: EventContent, maps: FieldMaps | None = None
) -> Transformed:
    maps = maps or FieldMaps()
    out = Transformed(skipped=list(selection.skipped))
    streams: dict[uuid.UUID, TaxonomyItem] = {}
    rooms: dict[uuid.UUID, TaxonomyItem] = {}
    for session in selection.sessions:
        streams.update((tag.id, tag) for tag in session.tags)
        room = first_by_name(session.locations)
        if room:
            rooms[room.id] = room
    out.items += [stream_item(tag) for tag in streams.values()]
    out.items += [location_item(room) for room in rooms.values()]
    eligible = {speaker.id for speaker in selection.speakers}
    out.items += [
        _mapped(speaker_item(speaker), speaker, SPEAKER_FIELDS, maps, eligible)
        for speaker in selection.speakers
    ]
    tz = content.event.tz
    out.items += [
        _mapped(session_item(session, tz, eligible), session, SESSION_FIELDS, maps, eligible)
        for session in selection.sessions
    ]
    return out
