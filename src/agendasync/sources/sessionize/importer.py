"""Import a Sessionize `view/All` feed into an event (SPEC §9, R-SZ-1..8).

The library call behind the command line, the REST API and the pages:

* `import_sessionize(store, event, ...)` fetches `view/All` (and, with a key, the speaker
  emails) and imports it; `import_sessionize_feed(store, event, body, ...)` imports bytes
  already fetched (a saved response, a test).
* `plan_import(stored, feed, emails=...)` is the pure part: it matches the feed's records to the
  stored ones by Sessionize id, builds the records to write and counts what happens.
* `last_import_report(connection, event_id)` and `import_history(...)` read the reports back from
  `import_runs`, where every import of an existing event is recorded, failed ones too (a dry run
  writes nothing, not even its run).

Choices where the spec is silent:

* **The endpoint id** (R-SZ-1) is stored on the event by a successful (or unchanged) import,
  never by a failed one or a dry run; an import without an id uses the stored one.
* **What is imported.** Only *scheduled* sessions whose start and end both lie within the event's
  days (from the first day's midnight to the midnight after the last day, in the event's zone)
  are imported (R-SZ-3). Unscheduled sessions (no times, or an end not after the start) and
  sessions outside the dates are *left out*, each with its reason. A speaker is imported when at
  least one of their sessions is (joined both ways: `session.speakers` and `speaker.sessions`,
  ids compared as strings); the others are left out too, so one Sessionize endpoint can feed
  several hub events (a meetup series).
* **Who owns which value.** Sessionize owns what it provides, and a re-import sets it to what
  the feed says, also when the feed no longer has it: a session's title, description, times,
  format, language, tags, tracks, levels, room (`locations`) and its speakers; a speaker's
  names, biography, tagline (stored as `job_title`), picture (`headshot_url`), links and tags.
  The hub owns everything else, which survives a re-import: ids and creation times, a session's
  `client_session_id` and files, people on a session in another role than speaker or who are
  not Sessionize speakers, a speaker's email unless the emails view gives one, company and the
  other speaker fields, and taxonomy colours (items are found again by kind and name, case-
  insensitively). Status is always `accepted` (R-SZ-6).
* **Vanished records** (R-SZ-5): a stored session or speaker with a Sessionize id that this
  import does not import (gone from the feed, or now left out) is marked `withdrawn`, and nothing
  else about it changes; imported again, it is restored. Records without a Sessionize id are
  never touched. Taxonomy items are never removed.
* **Unchanged feed** (R-SZ-5): the fingerprint of an import is the sha256 of the feed's content
  hash, the emails view's, and the event settings the result depends on (time zone, dates,
  category map). When it equals the last successful import's, nothing is planned or written and
  an `unchanged` run is recorded; `force=True` imports anyway.
* **Values the hub cannot store** are fixed, never fatal, and named in the report's warnings:
  text longer than its field is cut, NUL characters and lone surrogates are dropped, a URL too
  long to store is dropped, an empty title becomes "(untitled)", a missing first or last name
  becomes "-", an email that is not an address is ignored. An email from the emails view that
  another speaker of the event already uses is not taken: the speaker keeps the email it had
  (none for a new one), and the clash is reported. An id too long to store is a malformed feed.
* **Plenum sessions** keep the one room Sessionize gives them. **Service sessions** are imported
  like the others, flagged `is_service` (R-SZ-6).
* **A wrong emails key** fails the import (the key was asked for, so silently importing without
  emails would hide the mistake).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import re
import ssl
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Any, Final, Literal

import httpx
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Connection, insert, select

from agendasync.domain.models import (
    Email,
    Event,
    EventContent,
    Role,
    SessionPerson,
    SessionStatus,
    SpeakerStatus,
    TaxonomyItem,
    TaxonomyKind,
)
from agendasync.domain.models import Session as StoredSession
from agendasync.domain.models import Speaker as StoredSpeaker
from agendasync.sources.sessionize.client import DEFAULT_BASE_URL, SessionizeClient
from agendasync.sources.sessionize.exceptions import (
    EndpointIdMissing,
    MalformedPayload,
)
from agendasync.sources.sessionize.feed import Session as FeedSession
from agendasync.sources.sessionize.feed import (
    SessionizeFeed,
    classify_session,
    content_hash,
    default_category_map,
    parse_all,
    parse_emails,
    parse_endpoint_id,
)
from agendasync.sources.sessionize.feed import Speaker as FeedSpeaker
from agendasync.store import tables as t
from agendasync.store.content import load_event_content, save_event_content
from agendasync.store.db import Store
from agendasync.store.events import find_event, get_event, save_event
from agendasync.store.exceptions import NotFound

SOURCE: Final = "sessionize"
# Seconds before the first retry of a failed fetch (doubling after); read at call time.
DEFAULT_RETRY_BACKOFF: float = 0.5

# The lengths the content model (domain/models.py) and its columns allow.
_SHORT_TEXT_LIMIT: Final = 500
_LONG_TEXT_LIMIT: Final = 100_000
_UNSTORABLE: Final = re.compile("[\x00\ud800-\udfff]")
_EMAIL: Final = TypeAdapter(Email)


# --- the report ------------------------------------------------------------------------------


class ImportStatus(StrEnum):
    IMPORTED = "imported"
    UNCHANGED = "unchanged"  # same fingerprint as the last successful import: nothing done
    FAILED = "failed"


class LeftOutReason(StrEnum):
    UNSCHEDULED = "unscheduled"
    OUTSIDE_DATES = "outside_dates"
    NO_IMPORTED_SESSION = "no_imported_session"


@dataclass(frozen=True, slots=True)
class LeftOut:
    """A feed record that was not imported, and why (`detail` is the sentence to show)."""

    kind: Literal["session", "speaker"]
    sessionize_id: str
    name: str
    reason: LeftOutReason
    detail: str


@dataclass(slots=True)
class RecordCounts:
    """What an import did to one record type; each record is counted once.

    `restored` records were withdrawn and are back in the feed; `withdrawn` ones were marked
    withdrawn by this import (records withdrawn before and still absent are not counted).
    """

    created: int = 0
    updated: int = 0
    restored: int = 0
    unchanged: int = 0
    withdrawn: int = 0

    @property
    def written(self) -> int:
        return self.created + self.updated + self.restored + self.withdrawn


@dataclass(frozen=True)
class ImportPlan:
    """The outcome of `plan_import`: the records to write and what the report says."""

    changes: EventContent  # new taxonomy items and the sessions and speakers that change
    sessions: RecordCounts
    speakers: RecordCounts
    taxonomy: RecordCounts
    left_out: tuple[LeftOut, ...]
    warnings: tuple[str, ...]


@dataclass
class ImportReport:
    """One import of an event from Sessionize, as recorded in `import_runs` and shown."""

    event_id: uuid.UUID
    event_slug: str
    status: ImportStatus
    started_at: datetime
    finished_at: datetime
    endpoint_id: str | None = None
    dry_run: bool = False
    content_hash: str | None = None  # the import's fingerprint (see the module docstring)
    unchanged_since: datetime | None = None  # for `unchanged`: when the matching import ran
    sessions: RecordCounts = field(default_factory=RecordCounts)
    speakers: RecordCounts = field(default_factory=RecordCounts)
    taxonomy: RecordCounts = field(default_factory=RecordCounts)
    left_out: tuple[LeftOut, ...] = ()
    warnings: tuple[str, ...] = ()
    error_code: str | None = None
    error: str | None = None

    def left_out_by_reason(self) -> dict[LeftOutReason, int]:
        counts: dict[LeftOutReason, int] = {}
        for record in self.left_out:
            counts[record.reason] = counts.get(record.reason, 0) + 1
        return counts

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict (what `import_runs.report` holds and `--json` prints)."""

        def moment(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "event": {"id": str(self.event_id), "slug": self.event_slug},
            "status": self.status.value,
            "dry_run": self.dry_run,
            "endpoint_id": self.endpoint_id,
            "content_hash": self.content_hash,
            "started_at": moment(self.started_at),
            "finished_at": moment(self.finished_at),
            "unchanged_since": moment(self.unchanged_since),
            "counts": {
                "sessions": asdict(self.sessions),
                "speakers": asdict(self.speakers),
                "taxonomy": asdict(self.taxonomy),
            },
            "left_out": [
                {
                    **asdict(record),
                    "sessionize_id": _shown(record.sessionize_id),
                    "reason": record.reason.value,
                }
                for record in self.left_out
            ],
            "warnings": [_shown(warning) for warning in self.warnings],
            "error": (
                {"code": self.error_code, "message": _storable_text(self.error)}
                if self.error is not None
                else None
            ),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ImportReport:
        def moment(value: str | None) -> datetime | None:
            return datetime.fromisoformat(value) if value else None

        error = data.get("error") or {}
        counts = data.get("counts") or {}
        return cls(
            event_id=uuid.UUID(data["event"]["id"]),
            event_slug=data["event"]["slug"],
            status=ImportStatus(data["status"]),
            started_at=datetime.fromisoformat(data["started_at"]),
            finished_at=datetime.fromisoformat(data["finished_at"]),
            endpoint_id=data.get("endpoint_id"),
            dry_run=bool(data.get("dry_run")),
            content_hash=data.get("content_hash"),
            unchanged_since=moment(data.get("unchanged_since")),
            sessions=RecordCounts(**counts.get("sessions", {})),
            speakers=RecordCounts(**counts.get("speakers", {})),
            taxonomy=RecordCounts(**counts.get("taxonomy", {})),
            left_out=tuple(
                LeftOut(**{**record, "reason": LeftOutReason(record["reason"])})
                for record in data.get("left_out", ())
            ),
            warnings=tuple(data.get("warnings", ())),
            error_code=error.get("code"),
            error=error.get("message"),
        )


# --- planning (pure) -------------------------------------------------------------------------


def _storable_text(value: str) -> str:
    return _UNSTORABLE.sub("", value) if _UNSTORABLE.search(value) else value


def _shown(value: str) -> str:
    """A feed value as a report shows it: storable, and not endless."""
    text = _storable_text(value)
    return text if len(text) <= _SHORT_TEXT_LIMIT else text[: _SHORT_TEXT_LIMIT - 1] + "…"


class _Cleaner:
    """Makes feed values storable, noting every change it has to make."""

    def __init__(self, warnings: list[str]) -> None:
        self.warnings = warnings

    def text(self, value: str | None, limit: int, what: str) -> str:
        text = _storable_text(value or "").strip()
        if len(text) > limit:
            self.warnings.append(f"{what}: cut to {limit} characters (it had {len(text)})")
            text = text[:limit].rstrip()
        return text

    def optional(self, value: str | None, what: str) -> str | None:
        return self.text(value, _SHORT_TEXT_LIMIT, what) or None

    def url(self, value: str | None, what: str) -> str | None:
        text = _storable_text(value or "").strip()
        if len(text) > _SHORT_TEXT_LIMIT:
            self.warnings.append(f"{what}: longer than {_SHORT_TEXT_LIMIT} characters; left out")
            return None
        return text or None

    def required(self, value: str | None, what: str, fallback: str) -> str:
        text = self.text(value, _SHORT_TEXT_LIMIT, what)
        if not text:
            self.warnings.append(f"{what}: empty in Sessionize; {fallback!r} stored")
            return fallback
        return text

    def email(self, value: str, what: str) -> str | None:
        try:
            email = _EMAIL.validate_python(value)
        except ValidationError:
            email = None
        if email is None or len(email) > _SHORT_TEXT_LIMIT or _UNSTORABLE.search(email):
            self.warnings.append(f"{what}: {value[:80]!r} is not an email address; ignored")
            return None
        return email


def _storable_id(value: str, records: str) -> str:
    if len(value) > _SHORT_TEXT_LIMIT or _UNSTORABLE.search(value):
        raise MalformedPayload(
            records,
            f"the id {_shown(value)[:40]!r}... cannot be stored (it is longer than "
            f"{_SHORT_TEXT_LIMIT} characters, or holds NUL or unpaired surrogate characters)",
        )
    return value


class _Taxonomy:
    """The event's taxonomy items by kind and name; names not seen yet become new items."""

    def __init__(self, stored: Iterable[TaxonomyItem], cleaner: _Cleaner) -> None:
        self._cleaner = cleaner
        self._exact: dict[tuple[TaxonomyKind, str], TaxonomyItem] = {}
        self._folded: dict[tuple[TaxonomyKind, str], TaxonomyItem] = {}
        for item in stored:
            self._remember(item)
        self._resolved: dict[tuple[TaxonomyKind, str], TaxonomyItem | None] = {}
        self.created: dict[uuid.UUID, TaxonomyItem] = {}
        self.reused: dict[uuid.UUID, TaxonomyItem] = {}

    def _remember(self, item: TaxonomyItem) -> None:
        self._exact.setdefault((item.kind, item.name), item)
        self._folded.setdefault((item.kind, item.name.casefold()), item)

    def item(self, kind: TaxonomyKind, name: str) -> TaxonomyItem | None:
        # The same few names come back for every session: each is resolved once.
        key = (kind, name)
        if key not in self._resolved:
            self._resolved[key] = self._resolve(kind, name)
        return self._resolved[key]

    def _resolve(self, kind: TaxonomyKind, name: str) -> TaxonomyItem | None:
        clean = self._cleaner.text(name, _SHORT_TEXT_LIMIT, f"{kind.value} {name[:40]!r}")
        if not clean:
            return None
        found = self._exact.get((kind, clean)) or self._folded.get((kind, clean.casefold()))
        if found is None:
            found = TaxonomyItem(kind=kind, name=clean)
            self._remember(found)
            self.created[found.id] = found
        elif found.id not in self.created:
            self.reused[found.id] = found
        return found

    def items(self, kind: TaxonomyKind, names: Iterable[str]) -> list[TaxonomyItem]:
        found = (self.item(kind, name) for name in names)
        return list({item.id: item for item in found if item is not None}.values())


def _event_window(event: Event) -> tuple[datetime, datetime]:
    zone: tzinfo = event.tz
    first = datetime.combine(event.start_date, time.min, zone)
    after_last = datetime.combine(event.end_date + timedelta(days=1), time.min, zone)
    return first, after_last


def _why_left_out(
    session: FeedSession, window: tuple[datetime, datetime], event: Event
) -> LeftOut | None:
    starts, ends = session.starts_at, session.ends_at
    reason, detail = LeftOutReason.UNSCHEDULED, ""
    if starts is None or ends is None:
        detail = "unscheduled: it has no start and end time in Sessionize"
    elif ends <= starts:
        detail = f"unscheduled: it ends ({ends:%Y-%m-%d %H:%M}) before or when it starts"
    elif not (window[0] <= starts and ends <= window[1]):
        reason = LeftOutReason.OUTSIDE_DATES
        detail = (
            f"outside the event's dates: {starts:%Y-%m-%d %H:%M} to {ends:%Y-%m-%d %H:%M} is not "
            f"within {event.start_date} to {event.end_date} ({event.timezone})"
        )
    else:
        return None
    return LeftOut("session", session.id, _shown(session.title), reason, detail)


def _speakers_of_sessions(feed: SessionizeFeed) -> dict[str, list[str]]:
    """Session id -> its speaker ids: the session's own list, then speakers who list it."""
    by_session = {session.id: list(session.speaker_ids) for session in feed.sessions}
    for speaker in feed.speakers:
        for session_id in speaker.session_ids:
            listed = by_session.get(session_id)
            if listed is not None and speaker.id not in listed:
                listed.append(speaker.id)
    return by_session


class _Emails:
    """Who holds which email (case-insensitively) in the event once the import is done."""

    def __init__(self) -> None:
        self._holders: dict[str, uuid.UUID] = {}
        self.names: dict[uuid.UUID, str] = {}

    def hold(self, speaker_id: uuid.UUID, email: str | None) -> None:
        if email:
            self._holders.setdefault(email.casefold(), speaker_id)

    def holder(self, email: str) -> uuid.UUID | None:
        return self._holders.get(email.casefold())


def _name(speaker: StoredSpeaker) -> str:
    return f"{speaker.first_name} {speaker.last_name}"


class _Planner:
    def __init__(
        self, stored: EventContent, feed: SessionizeFeed, emails: Mapping[str, str] | None
    ) -> None:
        self.event = stored.event
        self.stored = stored
        self.feed = feed
        self.feed_emails = emails
        self.warnings: list[str] = list(feed.warnings)
        self.clean = _Cleaner(self.warnings)
        self.taxonomy = _Taxonomy(stored.taxonomy, self.clean)
        self.category_map = default_category_map(
            feed.categories, overrides=self.event.sessionize_category_map
        )
        self.rooms = {room.id: room for room in feed.rooms}
        self.stored_sessions = {s.sessionize_id: s for s in stored.sessions if s.sessionize_id}
        self.stored_speakers = {s.sessionize_id: s for s in stored.speakers if s.sessionize_id}
        self.sessionize_speaker_ids = {s.id for s in self.stored_speakers.values()}
        self.left_out: list[LeftOut] = []
        self.changed_sessions: list[StoredSession] = []
        self.changed_speakers: list[StoredSpeaker] = []
        self.session_counts = RecordCounts()
        self.speaker_counts = RecordCounts()

    def plan(self) -> ImportPlan:
        window = _event_window(self.event)
        sessions: list[FeedSession] = []
        for session in self.feed.sessions:
            left_out = _why_left_out(session, window, self.event)
            if left_out is None:
                sessions.append(session)
            else:
                self.left_out.append(left_out)
        if not sessions:
            self.warnings.append(
                "no session of the feed is scheduled within the event's dates "
                f"({self.event.start_date} to {self.event.end_date}, {self.event.timezone})"
            )
        speakers_of = _speakers_of_sessions(self.feed)
        wanted = {sid: None for session in sessions for sid in speakers_of[session.id]}
        speakers = [speaker for speaker in self.feed.speakers if speaker.id in wanted]
        with_sessions = {sid for ids in speakers_of.values() for sid in ids}
        for speaker in self.feed.speakers:
            if speaker.id not in wanted:
                detail = (
                    "none of their sessions is imported"
                    if speaker.id in with_sessions
                    else "they have no session in the feed"
                )
                self.left_out.append(
                    LeftOut(
                        "speaker",
                        speaker.id,
                        _shown(speaker.full_name),
                        LeftOutReason.NO_IMPORTED_SESSION,
                        detail,
                    )
                )

        speaker_ids = self._plan_speakers(speakers)
        for session in sessions:
            self._plan_session(session, [speaker_ids[sid] for sid in speakers_of[session.id]])
        self._withdraw({s.id for s in sessions}, set(wanted))

        taxonomy = self.taxonomy
        return ImportPlan(
            changes=EventContent.model_construct(
                event=self.event,
                taxonomy=list(taxonomy.created.values()),
                sessions=self.changed_sessions,
                speakers=self.changed_speakers,
                sponsors=[],
                exhibitors=[],
            ),
            sessions=self.session_counts,
            speakers=self.speaker_counts,
            taxonomy=RecordCounts(created=len(taxonomy.created), unchanged=len(taxonomy.reused)),
            left_out=tuple(self.left_out),
            warnings=tuple(self.warnings),
        )

    # -- speakers

    def _plan_speakers(self, speakers: Sequence[FeedSpeaker]) -> dict[str, uuid.UUID]:
        """Plan the speakers' records; returns their record ids by Sessionize id."""
        record_ids = {
            speaker.id: (
                self.stored_speakers[speaker.id].id
                if speaker.id in self.stored_speakers
                else uuid.uuid4()
            )
            for speaker in speakers
        }
        emails = self._emails(speakers, record_ids)
        for speaker in speakers:
            _storable_id(speaker.id, "speakers")
            what = f"speaker {speaker.id}"
            old = self.stored_speakers.get(speaker.id)
            values: dict[str, Any] = {
                "first_name": self.clean.required(speaker.first_name, f"{what} first name", "-"),
                "last_name": self.clean.required(speaker.last_name, f"{what} last name", "-"),
                "email": emails[speaker.id],
                "biography": self.clean.text(speaker.bio, _LONG_TEXT_LIMIT, f"{what} bio"),
                "job_title": self.clean.optional(speaker.tag_line, f"{what} tagline"),
                "headshot_url": self.clean.url(speaker.profile_picture, f"{what} picture"),
                "website": self.clean.url(speaker.website, f"{what} website"),
                "twitter_url": self.clean.url(speaker.twitter, f"{what} Twitter link"),
                "linkedin_url": self.clean.url(speaker.linkedin, f"{what} LinkedIn link"),
                "facebook_url": self.clean.url(speaker.facebook, f"{what} Facebook link"),
                "tags": self.taxonomy.items(TaxonomyKind.TAG, speaker.tags),
                "status": SpeakerStatus.ACCEPTED,
                "sessionize_id": speaker.id,
                "withdrawn": False,
            }
            self._apply(StoredSpeaker, old, values, record_ids[speaker.id], what)
        return record_ids

    def _emails(
        self, speakers: Sequence[FeedSpeaker], record_ids: Mapping[str, uuid.UUID]
    ) -> dict[str, str | None]:
        """Each imported speaker's email: the emails view's, unless another speaker holds it."""
        book = _Emails()
        imported = set(record_ids.values())
        for other in self.stored.speakers:
            book.names[other.id] = _name(other)
            if other.id not in imported:
                book.hold(other.id, other.email)
        offered: dict[str, str] = {}
        for speaker in speakers:
            book.names[record_ids[speaker.id]] = speaker.full_name
            old = self.stored_speakers.get(speaker.id)
            raw = (self.feed_emails or {}).get(speaker.id)
            email = self.clean.email(raw, f"speaker {speaker.id} email") if raw else None
            if email is not None and not (old and old.email == email):
                offered[speaker.id] = email
            elif old is not None:
                book.hold(old.id, old.email)  # kept: it holds its email before offers are taken
        result: dict[str, str | None] = {}
        for speaker in speakers:
            record_id = record_ids[speaker.id]
            old = self.stored_speakers.get(speaker.id)
            kept = old.email if old else None
            email = offered.get(speaker.id)
            if email is None:
                result[speaker.id] = kept
                continue
            holder = book.holder(email)
            if holder is None or holder == record_id:
                book.hold(record_id, email)
                result[speaker.id] = email
                continue
            holder_name = book.names.get(holder) or f"speaker {holder}"
            fallback = kept if kept and book.holder(kept) in (None, record_id) else None
            book.hold(record_id, fallback)
            result[speaker.id] = fallback
            self.warnings.append(
                f"speaker {speaker.full_name} ({speaker.id}): email {email!r} from Sessionize is "
                f"already used by {holder_name} of this event; "
                + (f"kept {fallback!r}" if fallback else "left empty")
            )
        return result

    # -- sessions

    def _plan_session(self, session: FeedSession, speaker_ids: list[uuid.UUID]) -> None:
        _storable_id(session.id, "sessions")
        what = f"session {session.id}"
        old = self.stored_sessions.get(session.id)
        taxonomy = classify_session(session, self.category_map)
        self.warnings.extend(taxonomy.notes)
        room = self.rooms.get(session.room_id) if session.room_id else None
        items = self.taxonomy
        formats = items.items(TaxonomyKind.FORMAT, [taxonomy.format] if taxonomy.format else [])
        people = [SessionPerson(speaker_id) for speaker_id in speaker_ids]
        if old is not None:  # hub-owned people: other roles, speakers not from Sessionize
            people += [
                person
                for person in old.people
                if person.role is not Role.SPEAKER
                or person.speaker_id not in self.sessionize_speaker_ids
            ]
        values: dict[str, Any] = {
            "title": self.clean.required(session.title, f"{what} title", "(untitled)"),
            "description": self.clean.text(
                session.description, _LONG_TEXT_LIMIT, f"{what} description"
            ),
            "starts_at": session.starts_at,
            "ends_at": session.ends_at,
            "status": SessionStatus.ACCEPTED,
            "language": taxonomy.language,
            "format": formats[0] if formats else None,
            "tracks": items.items(TaxonomyKind.TRACK, taxonomy.tracks),
            "levels": items.items(TaxonomyKind.LEVEL, taxonomy.levels),
            "tags": items.items(TaxonomyKind.TAG, taxonomy.tags),
            "locations": items.items(TaxonomyKind.LOCATION, [room.name] if room else []),
            "people": people,
            "sessionize_id": session.id,
            "is_service": session.is_service,
            "withdrawn": False,
        }
        self._apply(StoredSession, old, values, uuid.uuid4(), what)

    # -- both

    def _apply(
        self,
        model: type[StoredSession] | type[StoredSpeaker],
        old: StoredSession | StoredSpeaker | None,
        values: dict[str, Any],
        new_id: uuid.UUID,
        what: str,
    ) -> None:
        """Build the record from `old` (hub-owned values kept) and the feed's values; count."""
        is_session = model is StoredSession
        counts = self.session_counts if is_session else self.speaker_counts
        try:
            record = model(id=new_id, **values) if old is None else model(**(old.__dict__ | values))
        except ValidationError as exc:  # cleaned values should always pass: name the culprit
            problem = "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_url=False)
            )
            raise MalformedPayload(what, f"cannot be stored ({problem})") from None
        if old is None:
            counts.created += 1
        elif record == old:
            counts.unchanged += 1
            return
        elif old.withdrawn:
            counts.restored += 1
        else:
            counts.updated += 1
        changed: list[Any] = self.changed_sessions if is_session else self.changed_speakers
        changed.append(record)

    def _withdraw(self, session_ids: set[str], speaker_ids: set[str]) -> None:
        for sessionize_id, session in self.stored_sessions.items():
            if sessionize_id not in session_ids and not session.withdrawn:
                self.changed_sessions.append(session.model_copy(update={"withdrawn": True}))
                self.session_counts.withdrawn += 1
        for sessionize_id, speaker in self.stored_speakers.items():
            if sessionize_id not in speaker_ids and not speaker.withdrawn:
                self.changed_speakers.append(speaker.model_copy(update={"withdrawn": True}))
                self.speaker_counts.withdrawn += 1


def plan_import(
    stored: EventContent, feed: SessionizeFeed, *, emails: Mapping[str, str] | None = None
) -> ImportPlan:
    """What importing `feed` into the event whose content is `stored` does. Pure.

    `feed` must be parsed in the event's time zone; `emails` is the emails view (speaker id ->
    email), if it was fetched. Raises `MalformedPayload` for a record the hub cannot store.
    """
    if feed.timezone != stored.event.timezone:
        raise ValueError(
            f"the feed was parsed in {feed.timezone}, the event is in {stored.event.timezone}"
        )
    return _Planner(stored, feed, emails).plan()


def import_fingerprint(feed_body: bytes, emails_body: bytes | None, event: Event) -> str:
    """What decides an import's result besides the hub's own edits (R-SZ-5: unchanged feed)."""
    parts = {
        "feed": content_hash(feed_body),
        "emails": content_hash(emails_body) if emails_body is not None else None,
        "timezone": event.timezone,
        "dates": [event.start_date.isoformat(), event.end_date.isoformat()],
        "category_map": event.sessionize_category_map,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode("utf-8")).hexdigest()


# --- I/O -------------------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


def _find_event(connection: Connection, ref: str | uuid.UUID) -> Event:
    """The event by id (a UUID or its text) or by slug."""
    if isinstance(ref, uuid.UUID):
        event = get_event(connection, ref)
        if event is None:
            raise NotFound(f"no event with id {ref}")
        return event
    with suppress(ValueError):
        event = get_event(connection, uuid.UUID(ref))
        if event is not None:
            return event
    return find_event(connection, ref)


def _endpoint_for(event: Event, endpoint_id: str | None) -> str:
    if endpoint_id is not None:
        return parse_endpoint_id(endpoint_id)
    if event.sessionize_endpoint_id:
        return event.sessionize_endpoint_id
    raise EndpointIdMissing(event.slug)


def _last_success(
    connection: Connection, event_id: uuid.UUID
) -> tuple[str | None, datetime] | None:
    runs = t.import_runs.c
    row = connection.execute(
        select(runs.content_hash, runs.finished_at)
        .where(
            runs.event_id == event_id,
            runs.source == SOURCE,
            runs.status.in_([ImportStatus.IMPORTED.value, ImportStatus.UNCHANGED.value]),
        )
        .order_by(runs.finished_at.desc())
        .limit(1)
    ).first()
    return (row.content_hash, row.finished_at) if row else None


def _record(connection: Connection, report: ImportReport) -> None:
    connection.execute(
        insert(t.import_runs).values(
            id=uuid.uuid4(),
            event_id=report.event_id,
            source=SOURCE,
            status=report.status.value,
            content_hash=report.content_hash,
            started_at=report.started_at,
            finished_at=report.finished_at,
            report=report.to_json(),
        )
    )


def _remember_endpoint(connection: Connection, event: Event, endpoint_id: str | None) -> None:
    """R-SZ-1: the event keeps the endpoint id it was last imported from."""
    if endpoint_id and event.sessionize_endpoint_id != endpoint_id:
        save_event(connection, event.model_copy(update={"sessionize_endpoint_id": endpoint_id}))


def _begin(store: Store, event: str | uuid.UUID, *, dry_run: bool) -> tuple[Event, ImportReport]:
    """The event (or `NotFound`: nothing is recorded then) and the report to fill in."""
    with store.transaction() as connection:
        found = _find_event(connection, event)
    started = _now()
    report = ImportReport(
        event_id=found.id,
        event_slug=found.slug,
        status=ImportStatus.IMPORTED,
        started_at=started,
        finished_at=started,
        dry_run=dry_run,
    )
    return found, report


@contextmanager
def _failures_recorded(store: Store, report: ImportReport) -> Iterator[None]:
    """Record a failed run (with the error as its report) for whatever fails in the block.

    The block's own transaction has rolled back by then, so the run is all a failure writes
    (and a dry run not even that).
    """
    try:
        yield
    except Exception as exc:
        report.status = ImportStatus.FAILED
        report.finished_at = _now()
        report.error_code = getattr(exc, "code", f"internal.{type(exc).__name__}")
        report.error = str(exc)
        if not report.dry_run:
            with store.transaction() as connection:
                _record(connection, report)
        raise


def import_sessionize_feed(
    store: Store,
    event: str | uuid.UUID,
    body: bytes,
    *,
    emails_body: bytes | None = None,
    endpoint_id: str | None = None,
    dry_run: bool = False,
    force: bool = False,
) -> ImportReport:
    """Import a fetched `view/All` body (and emails view body) into the event (slug or id).

    Writes in one transaction, so a failure changes nothing but the failed run it records.
    Raises `NotFound` for an unknown event and a `SessionizeError` for a feed it refuses.
    """
    found, report = _begin(store, event, dry_run=dry_run)
    with _failures_recorded(store, report):
        if endpoint_id is not None:
            report.endpoint_id = parse_endpoint_id(endpoint_id)
        _import_body(store, found, body, emails_body, report, force=force)
    return report


def _import_body(
    store: Store,
    event: Event,
    body: bytes,
    emails_body: bytes | None,
    report: ImportReport,
    *,
    force: bool,
) -> None:
    report.content_hash = import_fingerprint(body, emails_body, event)
    if not force:
        with store.transaction() as connection:
            last = _last_success(connection, event.id)
            if last is not None and last[0] == report.content_hash:
                report.status = ImportStatus.UNCHANGED
                report.unchanged_since = last[1]
                report.finished_at = _now()
                if not report.dry_run:
                    _remember_endpoint(connection, event, report.endpoint_id)
                    _record(connection, report)
                return
    feed = parse_all(body, timezone=event.timezone)
    emails = parse_emails(emails_body) if emails_body is not None else None
    with store.transaction() as connection:
        plan = plan_import(load_event_content(connection, event.id), feed, emails=emails)
        report.sessions = plan.sessions
        report.speakers = plan.speakers
        report.taxonomy = plan.taxonomy
        report.left_out = plan.left_out
        report.warnings = plan.warnings
        report.finished_at = _now()
        if not report.dry_run:
            save_event_content(connection, plan.changes, now=report.finished_at)
            _remember_endpoint(connection, plan.changes.event, report.endpoint_id)
            _record(connection, report)


async def import_sessionize(
    store: Store,
    event: str | uuid.UUID,
    *,
    endpoint_id: str | None = None,
    emails_key: str | None = None,
    base_url: str = DEFAULT_BASE_URL,
    http: httpx.AsyncClient | None = None,
    dry_run: bool = False,
    force: bool = False,
    retry_backoff: float | None = None,
) -> ImportReport:
    """Fetch the event's Sessionize feed and import it (SPEC §9); the event is a slug or id.

    `endpoint_id` (an id or a pasted endpoint URL) defaults to the one stored on the event, and
    is stored on it after a successful import. `emails_key` also fetches the speaker-emails
    view. `dry_run` computes the report and writes nothing. An unchanged feed is skipped unless
    `force`. Raises `NotFound` for an unknown event, `SessionizeError` for every import error
    (its message is for people); each failure is recorded in `import_runs`.
    """
    found, report = _begin(store, event, dry_run=dry_run)
    with _failures_recorded(store, report):
        report.endpoint_id = _endpoint_for(found, endpoint_id)
        backoff = DEFAULT_RETRY_BACKOFF if retry_backoff is None else retry_backoff
        async with _http_client(http) as client:
            sessionize = SessionizeClient(client, base_url, backoff=backoff)
            body = await sessionize.fetch_all(report.endpoint_id)
            emails_body = (
                await sessionize.fetch_emails(report.endpoint_id, emails_key)
                if emails_key
                else None
            )
        # Parsing and writing a large feed takes seconds: not on the caller's event loop.
        await asyncio.to_thread(_import_body, store, found, body, emails_body, report, force=force)
    return report


@asynccontextmanager
async def _http_client(http: httpx.AsyncClient | None) -> AsyncIterator[httpx.AsyncClient]:
    """The caller's client, or one of our own for the duration of the import."""
    if http is not None:
        yield http
        return
    async with httpx.AsyncClient(verify=_tls_context()) as own:
        yield own


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # Building it loads the CA bundle (~50 ms); one context serves every client.
    return httpx.create_ssl_context()


# --- reading the history back ------------------------------------------------------------------


def import_history(
    connection: Connection, event_id: uuid.UUID, *, limit: int = 20
) -> list[ImportReport]:
    """The event's Sessionize imports, newest first (dry runs are not recorded)."""
    runs = t.import_runs.c
    rows = connection.execute(
        select(runs.report)
        .where(runs.event_id == event_id, runs.source == SOURCE)
        .order_by(runs.finished_at.desc())
        .limit(limit)
    )
    return [ImportReport.from_json(report) for (report,) in rows]


def last_import_report(connection: Connection, event_id: uuid.UUID) -> ImportReport | None:
    """The report of the event's latest Sessionize import, failed or not."""
    history = import_history(connection, event_id, limit=1)
    return history[0] if history else None


__all__ = [
    "DEFAULT_RETRY_BACKOFF",
    "ImportPlan",
    "ImportReport",
    "ImportStatus",
    "LeftOut",
    "LeftOutReason",
    "RecordCounts",
    "import_fingerprint",
    "import_history",
    "import_sessionize",
    "import_sessionize_feed",
    "last_import_report",
    "plan_import",
]
