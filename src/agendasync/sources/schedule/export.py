"""An event's programme in the open schedule formats: c3voc `schedule.json` and `schedule.xml`
(as pretalx and frab publish them) and iCalendar. Pure: `EventContent` in, a document out.

What is published: sessions that are accepted, not withdrawn and have a start and an end; of
their people, speakers that are accepted and not withdrawn (roles are not part of the formats).
Service sessions (breaks, meals) appear with the type `break`. Nothing private leaves: no email,
phone, address or status.

How the hub's model meets the formats (the schemas in `schemas/` are the contract):

* `guid` is the session's id; the legacy integer `id` the formats still require is derived from
  it (stable from one export to the next, unique within the file).
* `room` is the session's first location, `track` its first track (the formats hold one each);
  a session without a location is listed under the room named "" (empty).
* `type` is the session's format name ("" when it has none), `break` for a service session.
* `abstract` holds the description; the files of a session are its `attachments`.
* A person's `name` is the first and last name, `guid` the speaker's id, with `avatar`
  (headshot) and `biography`.
* The conference `acronym` is the event slug with `-` written `_` (the schema's pattern), padded
  to four characters; `time_zone_name` is given where the schema's pattern admits the zone.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final
from xml.etree import ElementTree as ET

import icalendar

from agendasync.domain.models import (
    EventContent,
    Session,
    SessionStatus,
    Speaker,
    SpeakerStatus,
    TaxonomyItem,
    TaxonomyKind,
)

GENERATOR: Final = "agendasync"
SCHEMA_URL: Final = "https://c3voc.de/schedule/schema.json"
BREAK_TYPE: Final = "break"
TIMESLOT: Final = "00:05"
_ZONE_PATTERN: Final = re.compile(r"^([A-Z][a-z]+/[A-Z][a-z]+)|UTC$")  # the schema's own
_ID_RANGE: Final = 2_000_000_000
_NOT_XML: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True, slots=True)
class Slot:
    """One published session, as every format shows it."""

    session: Session
    number: int  # the legacy positive integer id
    slug: str
    starts: datetime  # in the event's zone
    ends: datetime
    room: str
    track: TaxonomyItem | None
    type: str
    speakers: tuple[Speaker, ...]
    url: str

    @property
    def guid(self) -> str:
        return str(self.session.id)

    @property
    def duration(self) -> str:
        return _hours_minutes(self.ends - self.starts)


@dataclass(frozen=True, slots=True)
class Programme:
    """What an export publishes, computed once for every format."""

    content: EventContent
    acronym: str
    url: str
    slots: tuple[Slot, ...]
    rooms: tuple[TaxonomyItem, ...]
    tracks: tuple[TaxonomyItem, ...]
    days: tuple[date, ...]
    version: str

    def on(self, day: date) -> list[Slot]:
        return [slot for slot in self.slots if slot.starts.date() == day]


def is_published(session: Session) -> bool:
    return (
        session.status == SessionStatus.ACCEPTED
        and not session.withdrawn
        and session.starts_at is not None
        and session.ends_at is not None
    )


def slugify(text: str, fallback: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-")
    return slug or fallback


def acronym_of(event_slug: str) -> str:
    return event_slug.replace("-", "_").ljust(4, "_")


def full_name(speaker: Speaker) -> str:
    # "-" stands for a missing name part (see the importers).
    return " ".join(part for part in (speaker.first_name, speaker.last_name) if part != "-")


def _hours_minutes(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _numbers(sessions: Iterable[Session]) -> dict[uuid.UUID, int]:
    """A positive integer per session, derived from its id; a clash takes the next free one."""
    taken: set[int] = set()
    numbers: dict[uuid.UUID, int] = {}
    for session in sorted(sessions, key=lambda s: s.id):
        number = session.id.int % _ID_RANGE + 1
        while number in taken:
            number = number % _ID_RANGE + 1
        taken.add(number)
        numbers[session.id] = number
    return numbers


def programme(content: EventContent, *, url: str) -> Programme:
    """The published part of `content`; `url` is where the schedule is served (session links
    point into it)."""
    event = content.event
    zone = event.tz
    acronym = acronym_of(event.slug)
    speakers = {
        s.id: s for s in content.speakers if s.status == SpeakerStatus.ACCEPTED and not s.withdrawn
    }
    sessions = sorted(
        (s for s in content.sessions if is_published(s)),
        key=lambda s: (s.starts_at, s.title, s.id),
    )
    numbers = _numbers(sessions)
    slots = []
    for session in sessions:
        assert session.starts_at is not None
        assert session.ends_at is not None
        number = numbers[session.id]
        people = dict.fromkeys(p.speaker_id for p in session.people if p.speaker_id in speakers)
        slots.append(
            Slot(
                session=session,
                number=number,
                slug=f"{acronym}-{number}-{slugify(session.title, 'session')}",
                starts=session.starts_at.astimezone(zone),
                ends=session.ends_at.astimezone(zone),
                room=session.locations[0].name if session.locations else "",
                track=session.tracks[0] if session.tracks else None,
                type=BREAK_TYPE
                if session.is_service
                else (session.format.name if session.format else ""),
                speakers=tuple(speakers[i] for i in people),
                url=f"{url}#{session.id}",
            )
        )
    used_tracks = {slot.track.id for slot in slots if slot.track}
    days = {event.start_date + timedelta(days=n) for n in range(_day_count(content))}
    days |= {slot.starts.date() for slot in slots}
    version_source = [
        (
            slot.guid,
            slot.session.title,
            slot.session.description,
            slot.starts.isoformat(),
            slot.ends.isoformat(),
            slot.room,
            slot.track.name if slot.track else None,
            slot.type,
            slot.session.language,
            [(s.id.hex, full_name(s), s.biography, s.headshot_url) for s in slot.speakers],
            [f.url for f in slot.session.files],
        )
        for slot in slots
    ]
    version = hashlib.sha256(
        json.dumps([event.name, event.timezone, version_source]).encode("utf-8")
    ).hexdigest()[:16]
    return Programme(
        content=content,
        acronym=acronym,
        url=url,
        slots=tuple(slots),
        rooms=tuple(i for i in content.taxonomy if i.kind is TaxonomyKind.LOCATION),
        tracks=tuple(
            i for i in content.taxonomy if i.kind is TaxonomyKind.TRACK and i.id in used_tracks
        ),
        days=tuple(sorted(days)),
        version=version,
    )


def _day_count(content: EventContent) -> int:
    return (content.event.end_date - content.event.start_date).days + 1


def _day_bounds(day: date, content: EventContent) -> tuple[datetime, datetime]:
    zone = content.event.tz
    return (
        datetime.combine(day, time.min, zone),
        datetime.combine(day + timedelta(days=1), time.min, zone),
    )


def _rooms_in_order(programme: Programme, slots: Sequence[Slot]) -> list[str]:
    """Every room of the event (as pretalx lists them each day), then any other used."""
    names = [room.name for room in programme.rooms]
    return names + sorted({slot.room for slot in slots} - set(names))


# --- schedule.json ---------------------------------------------------------------------------


def _json_person(speaker: Speaker) -> dict[str, Any]:
    name = full_name(speaker)
    return {
        "guid": str(speaker.id),
        "name": name,
        "public_name": name,
        "avatar": speaker.headshot_url,
        "biography": speaker.biography or None,
    }


def _json_event(slot: Slot) -> dict[str, Any]:
    session = slot.session
    return {
        "guid": slot.guid,
        "id": slot.number,
        "date": slot.starts.isoformat(),
        "start": slot.starts.strftime("%H:%M"),
        "end": slot.ends.isoformat(),
        "duration": slot.duration,
        "room": slot.room,
        "slug": slot.slug,
        "url": slot.url,
        "title": session.title,
        "subtitle": "",
        "track": slot.track.name if slot.track else None,
        "type": slot.type,
        "language": session.language,
        "abstract": session.description,
        "persons": [_json_person(speaker) for speaker in slot.speakers],
        "links": [],
        "attachments": [
            {"url": file.url, "title": file.url.rstrip("/").rsplit("/", 1)[-1] or file.url}
            for file in session.files
        ],
    }


def _json_track(track: TaxonomyItem) -> dict[str, Any]:
    out: dict[str, Any] = {"name": track.name}
    slug = slugify(track.name, "")
    if re.fullmatch(r"[a-z0-9_-]+[a-z0-9]", slug):
        out["slug"] = slug
    if track.colour:
        out["color"] = track.colour.lower()
    return out


def schedule_json(content: EventContent, *, url: str) -> dict[str, Any]:
    """The event's programme as a c3voc `schedule.json` document."""
    found = programme(content, url=url)
    event = content.event
    conference: dict[str, Any] = {
        "acronym": found.acronym,
        "title": event.name,
        "start": event.start_date.isoformat(),
        "end": event.end_date.isoformat(),
        "daysCount": len(found.days),
        "timeslot_duration": TIMESLOT,
    }
    if _ZONE_PATTERN.search(event.timezone):
        conference["time_zone_name"] = event.timezone
    conference["tracks"] = [_json_track(track) for track in found.tracks]
    conference["rooms"] = [{"name": room.name, "guid": str(room.id)} for room in found.rooms]
    days = []
    for index, day in enumerate(found.days, start=1):
        slots = found.on(day)
        start, end = _day_bounds(day, content)
        days.append(
            {
                "index": index,
                "date": day.isoformat(),
                "day_start": start.isoformat(),
                "day_end": end.isoformat(),
                "rooms": {
                    room: [_json_event(slot) for slot in slots if slot.room == room]
                    for room in _rooms_in_order(found, slots)
                },
            }
        )
    conference["days"] = days
    return {
        "$schema": SCHEMA_URL,
        "generator": {"name": GENERATOR},
        "schedule": {"version": found.version, "conference": conference},
    }


def schedule_json_text(content: EventContent, *, url: str) -> str:
    return json.dumps(schedule_json(content, url=url), indent=2, ensure_ascii=False) + "\n"


# --- schedule.xml ----------------------------------------------------------------------------


def xml_safe(text: str) -> str:
    """`text` without the characters XML 1.0 cannot hold (control characters but tab and line
    breaks; the hub stores them, an XML reader would refuse the whole file), and with its line
    breaks as line feeds (what every XML reader makes of them)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _NOT_XML.sub("", text) if _NOT_XML.search(text) else text


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: xml_safe(v) for k, v in attributes.items()})
    if text is not None:
        element.text = xml_safe(text)
    return element


def _is_http(url: str) -> bool:
    return url.startswith(("http://", "https://"))


def _xml_event(parent: ET.Element, slot: Slot) -> None:
    session = slot.session
    element = _sub(parent, "event", id=str(slot.number), guid=slot.guid)
    _sub(element, "date", slot.starts.isoformat())
    _sub(element, "start", slot.starts.strftime("%H:%M"))
    _sub(element, "duration", slot.duration)
    _sub(element, "room", slot.room)
    _sub(element, "slug", slot.slug)
    if _is_http(slot.url):
        _sub(element, "url", slot.url)
    _sub(element, "title", session.title)
    _sub(element, "track", slot.track.name if slot.track else "")
    _sub(element, "type", slot.type)
    if session.language:
        _sub(element, "language", session.language)
    _sub(element, "abstract", session.description)
    persons = _sub(element, "persons")
    for speaker in slot.speakers:
        _sub(persons, "person", full_name(speaker), guid=str(speaker.id))
    if session.files:
        attachments = _sub(element, "attachments")
        for file in session.files:
            _sub(attachments, "attachment", file.url.rstrip("/").rsplit("/", 1)[-1], href=file.url)


def schedule_xml(content: EventContent, *, url: str) -> str:
    """The event's programme as a `schedule.xml` (frab/pentabarf) document."""
    found = programme(content, url=url)
    event = content.event
    root = ET.Element("schedule")
    _sub(root, "generator", name=GENERATOR)
    if _is_http(url):
        _sub(root, "url", url)
    _sub(root, "version", found.version)
    conference = _sub(root, "conference")
    _sub(conference, "acronym", found.acronym)
    _sub(conference, "title", event.name)
    _sub(conference, "start", event.start_date.isoformat())
    _sub(conference, "end", event.end_date.isoformat())
    _sub(conference, "days", str(len(found.days)))
    _sub(conference, "timeslot_duration", TIMESLOT)
    _sub(conference, "time_zone_name", event.timezone)
    for track in found.tracks:
        attributes = {"name": track.name}
        if track.colour:
            attributes["color"] = track.colour.lower()
        slug = slugify(track.name, "")
        if re.fullmatch(r"[a-z][a-z0-9-]+", slug):
            attributes["slug"] = slug
        _sub(conference, "track", track.name, **attributes)
    guids = {room.name: str(room.id) for room in found.rooms}
    for index, day in enumerate(found.days, start=1):
        slots = found.on(day)
        start, end = _day_bounds(day, content)
        day_element = _sub(
            root,
            "day",
            index=str(index),
            date=day.isoformat(),
            start=start.isoformat(),
            end=end.isoformat(),
        )
        for room in _rooms_in_order(found, slots):
            attributes = {"name": room}
            if room in guids:
                attributes["guid"] = guids[room]
            room_element = _sub(day_element, "room", **attributes)
            for slot in slots:
                if slot.room == room:
                    _xml_event(room_element, slot)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


# --- iCalendar -------------------------------------------------------------------------------


def schedule_ical(
    content: EventContent,
    *,
    url: str,
    room: str | None = None,
    speaker: uuid.UUID | None = None,
) -> bytes:
    """The programme (or one room's, or one speaker's sessions) as an iCalendar file, each time
    in the event's zone (with its VTIMEZONE)."""
    found = programme(content, url=url)
    event = content.event
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//{GENERATOR}//schedule//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", event.name)
    calendar.add("x-wr-timezone", event.timezone)
    for slot in found.slots:
        if room is not None and slot.room != room:
            continue
        if speaker is not None and all(s.id != speaker for s in slot.speakers):
            continue
        session = slot.session
        item = icalendar.Event()
        item.add("uid", f"{slot.guid}@{GENERATOR}")
        item.add("dtstamp", (session.updated_at or session.created_at or _EPOCH).astimezone(UTC))
        item.add("dtstart", slot.starts)
        item.add("dtend", slot.ends)
        item.add("summary", session.title)
        description = session.description
        if slot.speakers:
            names = ", ".join(full_name(s) for s in slot.speakers)
            description = f"{names}\n\n{description}".strip()
        if description:
            item.add("description", description)
        if slot.room:
            item.add("location", slot.room)
        categories = [name for name in (slot.type, slot.track.name if slot.track else "") if name]
        if categories:
            item.add("categories", categories)
        if _is_http(slot.url):
            item.add("url", slot.url)
        calendar.add_component(item)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


_EPOCH: Final = datetime(2000, 1, 1, tzinfo=UTC)


__all__ = [
    "BREAK_TYPE",
    "Programme",
    "Slot",
    "acronym_of",
    "full_name",
    "is_published",
    "programme",
    "schedule_ical",
    "schedule_json",
    "schedule_json_text",
    "schedule_xml",
    "slugify",
    "xml_safe",
]
