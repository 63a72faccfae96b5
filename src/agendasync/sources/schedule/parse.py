"""A schedule file into plain records: c3voc `schedule.json` (any version the schema allows, as
pretalx, frab and the c3voc hub write it) or `schedule.xml`, validated against its schema first.

Every problem is a `MalformedSchedule` naming its place in the file: a JSON path such as
`schedule.conference.days[0].rooms["Hall 1"][2].guid`, or an XML path such as
`/schedule/day[1]/room[2]/event[3]/start`.

Times: an event's `date` carries its offset (both schemas); one without an offset is read in the
importing event's zone. The end is `end` where given (JSON), else `date` + `duration`.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

from agendasync.sources.schedule.validation import (
    MalformedSchedule,
    check_json,
    check_xml,
    json_place,
    xml_document,
)

BREAK_TYPES: Final = frozenset({"break", "pause"})
_COLOUR: Final = re.compile(r"^#[0-9A-Fa-f]{6}$")
_LANGUAGE: Final = re.compile(r"^([a-z]{2})(?:[-_][a-z0-9]+)?$")


@dataclass(frozen=True, slots=True)
class ScheduledPerson:
    """A person of a session. `biography` and `avatar` are None where the format does not carry
    them (XML), "" where the file leaves them empty."""

    key: str  # what the person is known by in the file: guid, code, id or name
    guid: uuid.UUID | None
    name: str
    biography: str | None
    avatar: str | None
    email: str | None = None  # a spreadsheet may give it; the schedule formats never do


@dataclass(frozen=True, slots=True)
class ScheduledSession:
    guid: uuid.UUID
    place: str
    title: str
    starts_at: datetime
    ends_at: datetime
    room: str
    track: str | None
    type: str
    language: str | None
    abstract: str
    description: str
    persons: tuple[ScheduledPerson, ...]
    links: tuple[str, ...]

    @property
    def is_break(self) -> bool:
        return self.type.strip().casefold() in BREAK_TYPES


@dataclass(frozen=True)
class Schedule:
    format: Literal["json", "xml", "csv"]
    title: str
    rooms: tuple[str, ...]  # every room the file names, in its order
    track_colours: dict[str, str | None]  # every track the file names, with its colour
    sessions: tuple[ScheduledSession, ...]
    warnings: tuple[str, ...] = field(default=())


def parse_schedule(body: bytes, *, timezone: str) -> Schedule:
    """Parse and validate a schedule file; times are placed in `timezone`."""
    text_start = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if text_start == b"<":
        return _parse_xml(body, ZoneInfo(timezone))
    return _parse_json(body, ZoneInfo(timezone))


# --- shared ----------------------------------------------------------------------------------


def _moment(value: str, zone: ZoneInfo, place: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise MalformedSchedule([(place, f"{value!r} is not a date and time")]) from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=zone)
    return moment.astimezone(zone)


def _duration(value: str, place: str) -> timedelta:
    parts = value.strip().split(":")
    if not 2 <= len(parts) <= 3 or not all(p.isdigit() for p in parts):
        raise MalformedSchedule([(place, f"{value!r} is not a duration (hh:mm)")])
    hours, minutes, *seconds = (int(p) for p in parts)
    return timedelta(hours=hours, minutes=minutes, seconds=seconds[0] if seconds else 0)


def _guid(value: str, place: str) -> uuid.UUID:
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        raise MalformedSchedule([(place, f"{value!r} is not a UUID")]) from None


def _language(value: str | None, place: str, warnings: list[str]) -> str | None:
    if not value or not value.strip():
        return None
    found = _LANGUAGE.match(value.strip().lower())
    if found is None:
        warnings.append(f"{place}: language {value[:20]!r} is not an ISO 639-1 code; left out")
        return None
    return found.group(1)


def _person(
    name: str | None,
    guid: str | None,
    code: str | None,
    number: Any,
    place: str,
    *,
    biography: str | None,
    avatar: str | None,
) -> ScheduledPerson:
    parsed = _guid(guid, place) if guid else None
    if parsed is not None:
        key = f"guid:{parsed}"
    elif code:
        key = f"code:{code}"
    elif number is not None:
        key = f"id:{number}"
    else:
        key = f"name:{(name or '').strip().casefold()}"
    return ScheduledPerson(key, parsed, (name or "").strip(), biography, avatar)


def _no_duplicates(sessions: list[ScheduledSession]) -> None:
    seen: dict[uuid.UUID, str] = {}
    problems = []
    for session in sessions:
        first = seen.setdefault(session.guid, session.place)
        if first != session.place:
            problems.append((session.place, f"guid {session.guid} is also used at {first}"))
    if problems:
        raise MalformedSchedule(problems)


# --- schedule.json ---------------------------------------------------------------------------


def _parse_json(body: bytes, zone: ZoneInfo) -> Schedule:
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise MalformedSchedule([("(the document)", f"not UTF-8 text ({exc.reason})")]) from None
    except json.JSONDecodeError as exc:
        place = f"line {exc.lineno}, column {exc.colno}"
        raise MalformedSchedule([(place, f"not valid JSON: {exc.msg}")]) from None
    check_json(document)
    conference = document["schedule"]["conference"]
    warnings: list[str] = []
    rooms = [room["name"] for room in conference.get("rooms", [])]
    colours: dict[str, str | None] = {}
    for index, track in enumerate(conference.get("tracks", [])):
        name = (track.get("name") or "").strip()
        colour = track.get("color")
        if colour is not None and not _COLOUR.match(colour):
            place = json_place(["schedule", "conference", "tracks", index, "color"])
            warnings.append(f"{place}: {colour!r} is not a #RRGGBB colour; left out")
            colour = None
        if name:
            colours[name] = colour
    sessions = []
    for day_index, day in enumerate(conference["days"]):
        for room, events in day["rooms"].items():
            if room not in rooms:
                rooms.append(room)
            for index, event in enumerate(events):
                path = ["schedule", "conference", "days", day_index, "rooms", room, index]
                sessions.append(_json_session(event, json_place(path), zone, warnings))
    for session in sessions:
        if session.track and session.track not in colours:
            colours[session.track] = None
    _no_duplicates(sessions)
    return Schedule(
        "json", conference["title"], tuple(rooms), colours, tuple(sessions), tuple(warnings)
    )


def _json_session(
    event: dict[str, Any], place: str, zone: ZoneInfo, warnings: list[str]
) -> ScheduledSession:
    starts = _moment(event["date"], zone, f"{place}.date")
    if event.get("end"):
        ends = _moment(event["end"], zone, f"{place}.end")
    else:
        ends = starts + _duration(event["duration"], f"{place}.duration")
    persons = tuple(
        _person(
            person.get("name") or person.get("public_name"),
            person.get("guid"),
            person.get("code"),
            person.get("id"),
            f"{place}.persons[{index}]",
            biography=person.get("biography") or "",
            avatar=person.get("avatar") or "",
        )
        for index, person in enumerate(event["persons"])
    )
    links = [link["url"] for link in (*event["links"], *event.get("attachments", []))]
    return ScheduledSession(
        guid=_guid(event["guid"], f"{place}.guid"),
        place=place,
        title=event["title"],
        starts_at=starts,
        ends_at=ends,
        room=event["room"],
        track=(event["track"] or "").strip() or None,
        type=event["type"],
        language=_language(event["language"], f"{place}.language", warnings),
        abstract=event["abstract"] or "",
        description=event.get("description") or "",
        persons=persons,
        links=tuple(dict.fromkeys(links)),
    )


# --- schedule.xml ----------------------------------------------------------------------------


def _text(element: Any, tag: str) -> str:
    child = element.find(tag)
    return (child.text or "") if child is not None else ""


def _parse_xml(body: bytes, zone: ZoneInfo) -> Schedule:
    root = xml_document(body)
    check_xml(root)
    warnings: list[str] = []
    conference = root.find("conference")
    assert conference is not None  # the schema requires it
    colours: dict[str, str | None] = {
        (track.get("name") or "").strip(): track.get("color")
        for track in conference.findall("track")
        if (track.get("name") or "").strip()
    }
    rooms: list[str] = []
    sessions = []
    for day_index, day in enumerate(root.findall("day"), start=1):
        for room_index, room in enumerate(day.findall("room"), start=1):
            name = room.get("name", "")
            if name not in rooms:
                rooms.append(name)
            for index, event in enumerate(room.findall("event"), start=1):
                place = f"/schedule/day[{day_index}]/room[{room_index}]/event[{index}]"
                sessions.append(_xml_session(event, place, zone, warnings))
    for session in sessions:
        if session.track and session.track not in colours:
            colours[session.track] = None
    _no_duplicates(sessions)
    title = _text(conference, "title")
    return Schedule("xml", title, tuple(rooms), colours, tuple(sessions), tuple(warnings))


def _xml_session(event: Any, place: str, zone: ZoneInfo, warnings: list[str]) -> ScheduledSession:
    starts = _moment(_text(event, "date"), zone, f"{place}/date")
    ends = starts + _duration(_text(event, "duration"), f"{place}/duration")
    persons = tuple(
        _person(
            person.text,
            person.get("guid"),
            None,
            person.get("id"),
            f"{place}/persons/person[{index}]",
            biography=None,
            avatar=None,
        )
        for index, person in enumerate(event.findall("persons/person"), start=1)
    )
    links = [
        element.get("href", "").strip()
        for element in (*event.findall("links/link"), *event.findall("attachments/attachment"))
    ]
    return ScheduledSession(
        guid=_guid(event.get("guid", ""), f"{place}/@guid"),
        place=place,
        title=_text(event, "title"),
        starts_at=starts,
        ends_at=ends,
        room=_text(event, "room"),
        track=_text(event, "track").strip() or None,
        type=_text(event, "type"),
        language=_language(_text(event, "language"), f"{place}/language", warnings),
        abstract=_text(event, "abstract"),
        description=_text(event, "description"),
        persons=persons,
        links=tuple(dict.fromkeys(link for link in links if link)),
    )


__all__ = ["BREAK_TYPES", "Schedule", "ScheduledPerson", "ScheduledSession", "parse_schedule"]
