"""Parse and normalise a Sessionize `view/All` feed (SPEC §9). Pure: no I/O.

`parse_all(body, timezone=...)` turns the raw bytes of `view/All` into frozen, typed data; the
importer stores it. The shape rules follow `shared/partners/sessionize.md`.

Choices where the notes are silent:

* **Leniency** (R-SZ-7). Every field but `id` (sessions, speakers, rooms, categories, category
  items) and a session's `title` may be missing or null; unknown keys are ignored. A field that is
  present with the wrong type (a string where a list is expected, a number as a title, a
  `startsAt` that is not an ISO date-time) raises `MalformedPayload` naming its path, e.g.
  `sessions[3].speakers: expected a list`. The top level must be an object with a `sessions` key;
  the other top-level lists may be missing (old empty feeds lack `questions`).
* **Ids** are compared as strings: session ids are strings (GUIDs for service sessions), a
  speaker's `sessions` holds numbers, room and category item ids are ints; ints and strings are
  both accepted everywhere and normalised with `str()`. Booleans and floats are refused.
* **Dangling references** (a session naming a speaker, room or category item that is not in the
  feed; a speaker naming a session that is not in it) never crash: the reference is dropped and
  a line is added to `feed.warnings`. A repeated id keeps its first record (also a warning). If
  `rooms` is empty, no rooms are derived from the sessions' `roomId`s: those become dangling.
* **Times** (R-SZ-7). A time without an offset is the event's wall-clock time in `timezone`; a
  time with `Z` or an offset is converted into that zone. Every datetime returned is aware and in
  the event zone. A local time inside a DST gap is moved to the first valid time after the gap
  (the clocks go forward at 02:00: 02:30 becomes 03:00), with a warning.
* **Unscheduled sessions** (R-SZ-4). A session is *scheduled* when it has both `startsAt` and
  `endsAt` (and `endsAt` is not before `startsAt`); a room is not required. A partly scheduled
  event is common, so `parse_all` only fails with `ScheduleNotPublished` when the feed has no
  sessions at all, or when *no* session has times (nothing is announced: counted over the
  non-service sessions when there are any, since breaks alone are not a schedule). Otherwise the
  unscheduled sessions are returned with `is_scheduled == False` (`feed.unscheduled_sessions`)
  so the importer can report them as left out, "unscheduled". An end before the start makes a
  session unscheduled, with a warning.
* **Placeholder demo data** (R-SZ-8): when the feed names at least one speaker id and every
  speaker id (from `speakers` and from the sessions) is a zeros-GUID such as
  `00000000-0000-0000-0000-000000000001`, `parse_all` raises `PlaceholderData`. This check runs
  before the schedule check.
* **Category type**: missing in 2020 feeds; then a category whose items are used by speakers and
  by no session is a `speaker` category, any other a `session` category.
* **Text**: `description` and `bio` have their `\\r\\n` turned into `\\n`; empty optional strings
  become `None`. Speaker names missing on both parts are split from `fullName`.
* **Content hash**: sha256 (hex) of the body after the BOM is stripped, nothing else normalised.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from datetime import tzinfo
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from agendasync.sources.sessionize.exceptions import (
    InvalidEndpointId,
    MalformedPayload,
    PlaceholderData,
    ScheduleNotPublished,
)
from agendasync.sources.sessionize.json_values import (
    BOM,
    as_int,
    as_list,
    as_object,
    decode_json,
    fail,
    opt_bool,
    opt_str,
    opt_text,
    parse_datetime,
    parse_id,
    ref_id,
)
from agendasync.sources.sessionize.model import (
    Answer,
    Category,
    CategoryItem,
    CategoryItemRef,
    Link,
    Room,
    Session,
    SessionizeFeed,
    Speaker,
)

# --------------------------------------------------------------------------------------------
# Endpoint ids (R-SZ-1)

_ID_RE: Final = re.compile(r"[a-z0-9]{8}")
_URL_RE: Final = re.compile(
    r"(?:https?://)?(?:www\.)?sessionize\.com/api/v2/(?P<id>[^/?#\s]*)(?:[/?#].*)?",
    re.IGNORECASE,
)


def parse_endpoint_id(text: str) -> str:
    """Return the endpoint id from an id or a pasted `sessionize.com/api/v2/{id}/...` URL."""
    cleaned = text.strip()
    if not cleaned:
        raise InvalidEndpointId(text, "nothing was entered")
    url = _URL_RE.fullmatch(cleaned)
    candidate = url.group("id") if url else cleaned
    candidate = candidate.lower()
    if _ID_RE.fullmatch(candidate):
        return candidate
    if url:
        raise InvalidEndpointId(text, "the URL does not contain an 8-character endpoint id")
    if "sessionize" in cleaned.lower() or "/" in cleaned:
        raise InvalidEndpointId(
            text, "only sessionize.com/api/v2/{id}/... endpoint URLs can be used"
        )
    raise InvalidEndpointId(text, "an id has exactly 8 lowercase letters and digits")


def _id_sort_key(item_id: str) -> tuple[int, int, str]:
    if item_id.isdecimal() and len(item_id) < 19:
        return (0, int(item_id), item_id)
    return (1, 0, item_id)


_PLACEHOLDER_RE: Final = re.compile(r"0{8}-0{4}-0{4}-0{4}-0{6}[0-9a-f]{6}", re.IGNORECASE)


def is_placeholder_speaker_id(speaker_id: str) -> bool:
    """True for Sessionize demo speaker ids such as `00000000-0000-0000-0000-000000000001`."""
    return _PLACEHOLDER_RE.fullmatch(speaker_id) is not None


def content_hash(body: bytes) -> str:
    """sha256 hex of the raw body after a UTF-8 BOM is stripped (R-SZ-5)."""
    if body.startswith(BOM):
        body = body[len(BOM) :]
    return hashlib.sha256(body).hexdigest()


# --------------------------------------------------------------------------------------------
# parse_all

_WEBSITE_LINKS: Final = frozenset({"blog", "company_website"})


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {timezone!r} (expected an IANA name)") from None


def parse_all(body: bytes, *, timezone: str) -> SessionizeFeed:
    """Parse a `view/All` body into a `SessionizeFeed` whose times are in `timezone`.

    Raises `MalformedPayload`, `NotJson`, `PlaceholderData` or `ScheduleNotPublished` (all
    `SessionizeError`); `ValueError` only for an unknown `timezone` (a caller error).
    """
    zone = _zone(timezone)
    data = decode_json(body)
    if isinstance(data, list):
        raise MalformedPayload(
            "$",
            "expected the view/All object (got a list: is the endpoint URL another view, such "
            "as Sessions, Speakers or GridSmart?)",
        )
    top = as_object(data, "$")
    if "sessions" not in top:
        raise MalformedPayload(
            "sessions",
            "missing; this is not a view/All response (is the endpoint URL a different view?)",
        )
    warnings: list[str] = []

    rooms = _parse_rooms(as_list(top.get("rooms"), "rooms"), warnings)
    questions = _parse_questions(as_list(top.get("questions"), "questions"))
    raw_categories = as_list(top.get("categories"), "categories")
    raw_speakers = [
        as_object(value, f"speakers[{i}]")
        for i, value in enumerate(as_list(top.get("speakers"), "speakers"))
    ]
    raw_sessions = [
        as_object(value, f"sessions[{i}]")
        for i, value in enumerate(as_list(top.get("sessions"), "sessions"))
    ]

    speaker_item_ids: set[str] = set()
    for i, sp in enumerate(raw_speakers):
        for j, item in enumerate(as_list(sp.get("categoryItems"), f"speakers[{i}].categoryItems")):
            speaker_item_ids.add(parse_id(item, f"speakers[{i}].categoryItems[{j}]"))
    session_item_ids: set[str] = set()
    for i, se in enumerate(raw_sessions):
        for j, item in enumerate(as_list(se.get("categoryItems"), f"sessions[{i}].categoryItems")):
            session_item_ids.add(parse_id(item, f"sessions[{i}].categoryItems[{j}]"))

    categories = _parse_categories(raw_categories, speaker_item_ids, session_item_ids, warnings)
    item_refs: dict[str, CategoryItemRef] = {}
    for category in categories:
        for item in category.items:
            item_refs.setdefault(
                item.id,
                CategoryItemRef(category.id, category.title, category.type, item.id, item.name),
            )

    room_ids = {room.id for room in rooms}
    raw_speaker_ids = [
        parse_id(sp.get("id"), f"speakers[{i}].id") for i, sp in enumerate(raw_speakers)
    ]
    known_speaker_ids = set(raw_speaker_ids)
    sessions = _parse_sessions(raw_sessions, zone, room_ids, known_speaker_ids, item_refs, warnings)
    session_ids = {session.id for session in sessions}
    speakers = _parse_speakers(
        raw_speakers, raw_speaker_ids, session_ids, item_refs, questions, warnings
    )

    all_speaker_ids = known_speaker_ids | {
        ref_id(ref, f"sessions[{i}].speakers[{j}]")
        for i, se in enumerate(raw_sessions)
        for j, ref in enumerate(as_list(se.get("speakers"), f"sessions[{i}].speakers"))
    }
    if all_speaker_ids and all(is_placeholder_speaker_id(s) for s in all_speaker_ids):
        raise PlaceholderData(len(all_speaker_ids))

    if not sessions:
        raise ScheduleNotPublished(sessions=0, without_times=0)
    talks = [s for s in sessions if not s.is_service] or list(sessions)
    if not any(s.is_scheduled for s in talks):
        without = sum(1 for s in sessions if not s.is_scheduled)
        raise ScheduleNotPublished(sessions=len(sessions), without_times=without)

    return SessionizeFeed(
        timezone=timezone,
        content_hash=content_hash(body),
        rooms=rooms,
        speakers=speakers,
        sessions=sessions,
        categories=categories,
        warnings=tuple(warnings),
    )


def _parse_rooms(raw: list[object], warnings: list[str]) -> tuple[Room, ...]:
    rooms: dict[str, Room] = {}
    for i, value in enumerate(raw):
        path = f"rooms[{i}]"
        obj = as_object(value, path)
        room_id = parse_id(obj.get("id"), f"{path}.id")
        name = opt_str(obj.get("name"), f"{path}.name")
        sort = as_int(obj.get("sort"), f"{path}.sort")
        if room_id in rooms:
            warnings.append(f"{path}: room id {room_id} appears twice; the first is kept")
            continue
        rooms[room_id] = Room(
            room_id, name.strip() if name and name.strip() else f"Room {room_id}", sort
        )
    return tuple(sorted(rooms.values(), key=lambda r: (r.sort, *_id_sort_key(r.id))))


def _parse_categories(
    raw: list[object],
    speaker_item_ids: set[str],
    session_item_ids: set[str],
    warnings: list[str],
) -> tuple[Category, ...]:
    categories: list[Category] = []
    seen: set[str] = set()
    for i, value in enumerate(raw):
        path = f"categories[{i}]"
        obj = as_object(value, path)
        category_id = parse_id(obj.get("id"), f"{path}.id")
        title = (opt_str(obj.get("title"), f"{path}.title") or "").strip()
        sort = as_int(obj.get("sort"), f"{path}.sort")
        raw_type = opt_str(obj.get("type"), f"{path}.type")
        items: list[CategoryItem] = []
        for j, item_value in enumerate(as_list(obj.get("items"), f"{path}.items")):
            item_path = f"{path}.items[{j}]"
            item = as_object(item_value, item_path)
            items.append(
                CategoryItem(
                    parse_id(item.get("id"), f"{item_path}.id"),
                    (opt_str(item.get("name"), f"{item_path}.name") or "").strip(),
                    as_int(item.get("sort"), f"{item_path}.sort"),
                )
            )
        if category_id in seen:
            warnings.append(f"{path}: category id {category_id} appears twice; the first is kept")
            continue
        seen.add(category_id)
        if raw_type and raw_type.strip():
            category_type, inferred = raw_type.strip().lower(), False
        else:
            ids = {item.id for item in items}
            speaker_only = bool(ids & speaker_item_ids) and not ids & session_item_ids
            category_type, inferred = ("speaker" if speaker_only else "session"), True
        categories.append(Category(category_id, title, category_type, sort, tuple(items), inferred))
    return tuple(categories)


def _resolve_items(
    raw: list[object],
    path: str,
    item_refs: Mapping[str, CategoryItemRef],
    warnings: list[str],
) -> tuple[CategoryItemRef, ...]:
    refs: dict[str, CategoryItemRef] = {}
    for j, value in enumerate(raw):
        item_id = parse_id(value, f"{path}[{j}]")
        ref = item_refs.get(item_id)
        if ref is None:
            warnings.append(f"{path}[{j}]: category item {item_id} is not in the feed; dropped")
        else:
            refs.setdefault(item_id, ref)
    return tuple(refs.values())


def _parse_sessions(
    raw: list[dict[str, object]],
    zone: tzinfo,
    room_ids: set[str],
    speaker_ids: set[str],
    item_refs: Mapping[str, CategoryItemRef],
    warnings: list[str],
) -> tuple[Session, ...]:
    sessions: dict[str, Session] = {}
    for i, obj in enumerate(raw):
        path = f"sessions[{i}]"
        session_id = parse_id(obj.get("id"), f"{path}.id")
        title_value = obj.get("title")
        if title_value is None:
            raise MalformedPayload(f"{path}.title", "missing title")
        title = opt_str(title_value, f"{path}.title") or ""
        description = opt_text(obj.get("description"), f"{path}.description")
        starts_at = parse_datetime(obj.get("startsAt"), f"{path}.startsAt", zone, warnings)
        ends_at = parse_datetime(obj.get("endsAt"), f"{path}.endsAt", zone, warnings)
        if starts_at is not None and ends_at is not None and ends_at < starts_at:
            warnings.append(
                f"{path}.endsAt: session {session_id} ends before it starts; treated as unscheduled"
            )
        room_value = obj.get("roomId")
        room_id = None if room_value is None else parse_id(room_value, f"{path}.roomId")
        if room_id is not None and room_id not in room_ids:
            warnings.append(f"{path}.roomId: room {room_id} is not in the feed; dropped")
            room_id = None
        speakers: list[str] = []
        for j, value in enumerate(as_list(obj.get("speakers"), f"{path}.speakers")):
            # view/Sessions style {id, name} entries are accepted too.
            speaker_id = ref_id(value, f"{path}.speakers[{j}]")
            if speaker_id not in speaker_ids:
                warnings.append(
                    f"{path}.speakers[{j}]: speaker {speaker_id} is not in the feed; dropped"
                )
            elif speaker_id not in speakers:
                speakers.append(speaker_id)
        items = _resolve_items(
            as_list(obj.get("categoryItems"), f"{path}.categoryItems"),
            f"{path}.categoryItems",
            item_refs,
            warnings,
        )
        session = Session(
            id=session_id,
            title=title,
            description=description,
            starts_at=starts_at,
            ends_at=ends_at,
            room_id=room_id,
            speaker_ids=tuple(speakers),
            category_items=items,
            is_service=bool(opt_bool(obj.get("isServiceSession"), f"{path}.isServiceSession")),
            is_plenum=bool(opt_bool(obj.get("isPlenumSession"), f"{path}.isPlenumSession")),
            status=opt_text(obj.get("status"), f"{path}.status"),
            is_informed=opt_bool(obj.get("isInformed"), f"{path}.isInformed"),
            is_confirmed=opt_bool(obj.get("isConfirmed"), f"{path}.isConfirmed"),
            live_url=opt_text(obj.get("liveUrl"), f"{path}.liveUrl"),
            recording_url=opt_text(obj.get("recordingUrl"), f"{path}.recordingUrl"),
        )
        if session_id in sessions:
            warnings.append(f"{path}: session id {session_id} appears twice; the first is kept")
            continue
        sessions[session_id] = session
    return tuple(sessions.values())


def _parse_links(raw: list[object], path: str) -> tuple[Link, ...]:
    links: list[Link] = []
    for j, value in enumerate(raw):
        link_path = f"{path}[{j}]"
        obj = as_object(value, link_path)
        url = opt_text(obj.get("url"), f"{link_path}.url")
        if url is None:
            continue
        links.append(
            Link(
                title=opt_text(obj.get("title"), f"{link_path}.title"),
                url=url.strip(),
                link_type=opt_text(obj.get("linkType"), f"{link_path}.linkType"),
            )
        )
    return tuple(links)


def _first_link(links: Iterable[Link], types: Iterable[str]) -> str | None:
    wanted = set(types)
    for link in links:
        if link.link_type is not None and link.link_type.strip().lower() in wanted:
            return link.url
    return None


def _split_full_name(full_name: str) -> tuple[str, str]:
    parts = full_name.strip().rsplit(None, 1)
    if len(parts) == 2:
        return parts[0], parts[1]
    return full_name.strip(), ""


def _parse_questions(raw: list[object]) -> dict[str, str]:
    """Question id -> its title."""
    questions: dict[str, str] = {}
    for i, value in enumerate(raw):
        question = as_object(value, f"questions[{i}]")
        title = opt_str(question.get("question"), f"questions[{i}].question") or ""
        questions.setdefault(parse_id(question.get("id"), f"questions[{i}].id"), title.strip())
    return questions


def _parse_answers(
    raw: list[object], path: str, questions: Mapping[str, str], warnings: list[str]
) -> tuple[Answer, ...]:
    answers: list[Answer] = []
    for j, value in enumerate(raw):
        answer = as_object(value, f"{path}[{j}]")
        question_id = parse_id(answer.get("questionId"), f"{path}[{j}].questionId")
        text = opt_text(answer.get("answerValue"), f"{path}[{j}].answerValue")
        if question_id not in questions:
            warnings.append(f"{path}[{j}]: question {question_id} is not in the feed; dropped")
        elif text is not None:
            answers.append(Answer(questions[question_id], text.strip()))
    return tuple(answers)


def _parse_speakers(
    raw: list[dict[str, object]],
    raw_ids: list[str],
    session_ids: set[str],
    item_refs: Mapping[str, CategoryItemRef],
    questions: Mapping[str, str],
    warnings: list[str],
) -> tuple[Speaker, ...]:
    speakers: dict[str, Speaker] = {}
    for i, (obj, speaker_id) in enumerate(zip(raw, raw_ids, strict=True)):
        path = f"speakers[{i}]"
        first = (opt_str(obj.get("firstName"), f"{path}.firstName") or "").strip()
        last = (opt_str(obj.get("lastName"), f"{path}.lastName") or "").strip()
        full = (opt_str(obj.get("fullName"), f"{path}.fullName") or "").strip()
        if not first and not last and full:
            first, last = _split_full_name(full)
        if not full:
            full = f"{first} {last}".strip()
        if not full:
            warnings.append(f"{path}: speaker {speaker_id} has no name")
        links = _parse_links(as_list(obj.get("links"), f"{path}.links"), f"{path}.links")
        own_sessions: list[str] = []
        for j, value in enumerate(as_list(obj.get("sessions"), f"{path}.sessions")):
            session_id = ref_id(value, f"{path}.sessions[{j}]")
            if session_id not in session_ids:
                warnings.append(
                    f"{path}.sessions[{j}]: session {session_id} is not in the feed; dropped"
                )
            elif session_id not in own_sessions:
                own_sessions.append(session_id)
        speaker = Speaker(
            id=speaker_id,
            first_name=first,
            last_name=last,
            full_name=full,
            bio=opt_text(obj.get("bio"), f"{path}.bio"),
            tag_line=opt_text(obj.get("tagLine"), f"{path}.tagLine"),
            profile_picture=opt_text(obj.get("profilePicture"), f"{path}.profilePicture"),
            website=_first_link(links, _WEBSITE_LINKS),
            twitter=_first_link(links, ("twitter",)),
            linkedin=_first_link(links, ("linkedin",)),
            facebook=_first_link(links, ("facebook",)),
            links=links,
            is_top_speaker=bool(opt_bool(obj.get("isTopSpeaker"), f"{path}.isTopSpeaker")),
            category_items=_resolve_items(
                as_list(obj.get("categoryItems"), f"{path}.categoryItems"),
                f"{path}.categoryItems",
                item_refs,
                warnings,
            ),
            session_ids=tuple(own_sessions),
            answers=_parse_answers(
                as_list(obj.get("questionAnswers"), f"{path}.questionAnswers"),
                f"{path}.questionAnswers",
                questions,
                warnings,
            ),
        )
        if speaker_id in speakers:
            warnings.append(f"{path}: speaker id {speaker_id} appears twice; the first is kept")
            continue
        speakers[speaker_id] = speaker
    return tuple(speakers.values())


# --------------------------------------------------------------------------------------------
# Speaker emails (view/SpeakersEmails)


def parse_emails(body: bytes) -> dict[str, str]:
    """`[{id, firstName, lastName, email}]` -> {speaker id: email}; entries without one skipped."""
    data = decode_json(body)
    if not isinstance(data, list):
        raise fail("$", "a list of speakers", data)
    rows: list[object] = data
    emails: dict[str, str] = {}
    for i, value in enumerate(rows):
        obj = as_object(value, f"[{i}]")
        speaker_id = parse_id(obj.get("id"), f"[{i}].id")
        email = opt_str(obj.get("email"), f"[{i}].email")
        if email and email.strip():
            emails.setdefault(speaker_id, email.strip())
    return emails


__all__ = [
    "content_hash",
    "is_placeholder_speaker_id",
    "parse_all",
    "parse_emails",
    "parse_endpoint_id",
]
