"""The pure part of a Sessionize import (SPEC §9): given the parsed feed and the event's
current records, decide what is created, updated, withdrawn and linked. No I/O: `importer`
loads the records, calls `plan_import` and writes `ImportPlan.changes`.

Choices where the spec is silent:

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
* **Values the hub cannot store** are fixed, never fatal, and named in the report's warnings:
  text longer than its field is cut, NUL characters and lone surrogates are dropped, a URL too
  long to store is dropped, an empty title becomes "(untitled)", a missing first or last name
  becomes "-", an email that is not an address is ignored. An email from the emails view that
  another speaker of the event already uses is not taken: the speaker keeps the email it had
  (none for a new one), and the clash is reported. An id too long to store is a malformed feed.
* **Plenum sessions** keep the one room Sessionize gives them. **Service sessions** are imported
  like the others, flagged `is_service` (R-SZ-6).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from typing import Any, Final, Literal

from pydantic import TypeAdapter, ValidationError

from agendasync.domain.models import (
    Email,
    Event,
    EventContent,
    Role,
    SessionPerson,
    SessionStatus,
    SpeakerStatus,
    TaxonomyKind,
)
from agendasync.domain.models import Session as StoredSession
from agendasync.domain.models import Speaker as StoredSpeaker
from agendasync.sources.sessionize.categories import (
    classify_session,
    default_category_map,
    speaker_fields,
)
from agendasync.sources.sessionize.exceptions import MalformedPayload
from agendasync.sources.sessionize.feed import content_hash, is_placeholder_speaker_id
from agendasync.sources.sessionize.model import Session as FeedSession
from agendasync.sources.sessionize.model import SessionizeFeed
from agendasync.sources.sessionize.model import Speaker as FeedSpeaker
from agendasync.sources.sessionize.report import (
    LONG_TEXT_LIMIT,
    Flag,
    Flagged,
    LeftOut,
    LeftOutReason,
    Overwritten,
    RecordCounts,
    shown,
)
from agendasync.sources.sessionize.values import (
    Cleaner,
    TaxonomyBook,
    is_placeholder_text,
    storable_id,
)

_EMAIL: Final = TypeAdapter(Email)


@dataclass(frozen=True)
class ImportPlan:
    """The outcome of `plan_import`: the records to write and what the report says."""

    changes: EventContent  # new taxonomy items and the sessions and speakers that change
    sessions: RecordCounts
    speakers: RecordCounts
    taxonomy: RecordCounts
    left_out: tuple[LeftOut, ...]
    warnings: tuple[str, ...]
    flagged: tuple[Flagged, ...] = ()
    overwritten: tuple[Overwritten, ...] = ()


# Record fields as the report names them.
_FIELD_NAMES: Final = {"people": "speakers", "locations": "rooms", "sessionize_id": "Sessionize id"}
_PLACEHOLDER_DETAIL: Final = "a placeholder in Sessionize: kept, never synced"


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
    elif not window[0] <= starts < window[1]:  # a session belongs to the day it starts on
        reason = LeftOutReason.OUTSIDE_DATES
        detail = (
            f"outside the event's dates: it starts {starts:%Y-%m-%d %H:%M}, not within "
            f"{event.start_date} to {event.end_date} ({event.timezone})"
        )
    else:
        return None
    return LeftOut("session", session.id, shown(session.title), reason, detail)


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
        self.clean = Cleaner(self.warnings)
        self.taxonomy = TaxonomyBook(stored.taxonomy, self.clean)
        self.category_map = default_category_map(
            feed.categories, overrides=self.event.sessionize_category_map
        )
        self.rooms = {room.id: room for room in feed.rooms}
        self.stored_sessions = {s.sessionize_id: s for s in stored.sessions if s.sessionize_id}
        self.stored_speakers = {s.sessionize_id: s for s in stored.speakers if s.sessionize_id}
        self.sessionize_speaker_ids = {s.id for s in self.stored_speakers.values()}
        self.feed_speaker_ids = {s.id for s in feed.speakers}
        self.matched: dict[str, StoredSpeaker] = {}  # feed speaker id -> its stored record
        self.planned: set[uuid.UUID] = set()  # record ids this import keeps or creates
        self.left_out: list[LeftOut] = []
        self.flagged: list[Flagged] = []
        self.overwritten: list[Overwritten] = []
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
            elif (
                left_out.reason is LeftOutReason.UNSCHEDULED and session.id in self.stored_sessions
            ):
                sessions.append(session)  # R-SZ-5: still in the feed: kept, flagged unscheduled
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
                        shown(speaker.full_name),
                        LeftOutReason.NO_IMPORTED_SESSION,
                        detail,
                    )
                )

        # R-SZ-3: every room of the feed, used by a session or not, in the feed's order.
        self.taxonomy.items(TaxonomyKind.LOCATION, [room.name for room in self.feed.rooms])
        speaker_ids = self._plan_speakers(speakers)
        for session in sessions:
            self._plan_session(session, [speaker_ids[sid] for sid in speakers_of[session.id]])
        self._withdraw()

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
            flagged=tuple(self.flagged),
            overwritten=tuple(self.overwritten),
        )

    # -- speakers

    def _plan_speakers(self, speakers: Sequence[FeedSpeaker]) -> dict[str, uuid.UUID]:
        """Plan the speakers' records; returns their record ids by Sessionize id."""
        offered = self._offered_emails(speakers)
        self._match(speakers, offered)
        record_ids = {
            speaker.id: self.matched[speaker.id].id if speaker.id in self.matched else uuid.uuid4()
            for speaker in speakers
        }
        self.sessionize_speaker_ids |= set(record_ids.values())
        emails = self._emails(speakers, record_ids, offered)
        for speaker in speakers:
            storable_id(speaker.id, "speakers")
            what = f"speaker {speaker.id}"
            values: dict[str, Any] = {
                "first_name": self.clean.required(speaker.first_name, f"{what} first name", "-"),
                "last_name": self.clean.required(speaker.last_name, f"{what} last name", "-"),
                "email": emails[speaker.id],
                "biography": self.clean.text(speaker.bio, LONG_TEXT_LIMIT, f"{what} bio"),
                "job_title": self.clean.optional(speaker.tag_line, f"{what} tagline"),
                "headshot_url": self.clean.url(speaker.profile_picture, f"{what} picture"),
                "website": self.clean.url(speaker.website, f"{what} website"),
                "twitter_url": self.clean.url(speaker.twitter, f"{what} Twitter link"),
                "linkedin_url": self.clean.url(speaker.linkedin, f"{what} LinkedIn link"),
                "facebook_url": self.clean.url(speaker.facebook, f"{what} Facebook link"),
                "tags": self.taxonomy.items(TaxonomyKind.TAG, speaker.tags),
                **self._answered(speaker, what),
                "status": SpeakerStatus.ACCEPTED,
                "sessionize_id": speaker.id,
                "withdrawn": False,
                "placeholder": False,
            }
            name = speaker.full_name
            if is_placeholder_text(name) or is_placeholder_speaker_id(speaker.id):
                # R-SZ-11: kept and shown, never synced (only accepted speakers are).
                values |= {"placeholder": True, "status": SpeakerStatus.INVITED}
                self._flag("speaker", speaker.id, name, Flag.PLACEHOLDER, _PLACEHOLDER_DETAIL)
            old = self.matched.get(speaker.id)
            self._apply(StoredSpeaker, old, values, record_ids[speaker.id], what)
        return record_ids

    def _answered(self, speaker: FeedSpeaker, what: str) -> dict[str, str | None]:
        """Fields filled by the speaker's answers to questions such as "Company name"."""
        values: dict[str, str | None] = {}
        for field_name, answer in speaker_fields(speaker.answers).items():
            label = f"{what} {field_name.replace('_', ' ')}"
            is_url = field_name.endswith("_url") or field_name == "website"
            values[field_name] = (
                self.clean.url(answer, label) if is_url else self.clean.optional(answer, label)
            )
        return values

    def _offered_emails(self, speakers: Sequence[FeedSpeaker]) -> dict[str, str]:
        """The emails view's valid emails of the imported speakers, by Sessionize id."""
        offered: dict[str, str] = {}
        for speaker in speakers:
            raw = (self.feed_emails or {}).get(speaker.id)
            email = self.clean.email(raw, f"speaker {speaker.id} email") if raw else None
            if email is not None:
                offered[speaker.id] = email
        return offered

    def _match(self, speakers: Sequence[FeedSpeaker], offered: Mapping[str, str]) -> None:
        """R-SZ-10: each feed speaker's stored record, by Sessionize id, then by email.

        A record found by email takes the feed's id: a speaker whose Sessionize id changed
        keeps their record (email, sync history), and a speaker the hub already holds with
        that email is linked. A record whose own Sessionize id is still in the feed is
        never taken by another id.
        """
        for speaker in speakers:
            old = self.stored_speakers.get(speaker.id)
            if old is not None:
                self.matched[speaker.id] = old
        taken = {record.id for record in self.matched.values()}
        by_email: dict[str, StoredSpeaker] = {}
        for record in self.stored.speakers:
            own_id_in_feed = record.sessionize_id in self.feed_speaker_ids
            if record.email and record.id not in taken and not own_id_in_feed:
                by_email.setdefault(record.email.casefold(), record)
        for speaker in speakers:
            email = offered.get(speaker.id)
            if speaker.id in self.matched or email is None:
                continue
            found = by_email.pop(email.casefold(), None)
            if found is None:
                continue
            self.matched[speaker.id] = found
            who = f"speaker {speaker.full_name} ({speaker.id})"
            self.warnings.append(
                f"{who}: matched by email to the speaker imported as {found.sessionize_id}; "
                "the record takes the new Sessionize id and keeps its email and sync history"
                if found.sessionize_id
                else f"{who}: linked by email to {_name(found)}, already in the event"
            )

    def _emails(
        self,
        speakers: Sequence[FeedSpeaker],
        record_ids: Mapping[str, uuid.UUID],
        offered_by_feed: Mapping[str, str],
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
            old = self.matched.get(speaker.id)
            email = offered_by_feed.get(speaker.id)
            same = old is not None and (old.email or "").casefold() == (email or "").casefold()
            if email is not None and not same:
                offered[speaker.id] = email
            elif old is not None:
                book.hold(old.id, old.email)  # kept: it holds its email before offers are taken
        result: dict[str, str | None] = {}
        for speaker in speakers:
            record_id = record_ids[speaker.id]
            old = self.matched.get(speaker.id)
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
        storable_id(session.id, "sessions")
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
                or (
                    person.speaker_id not in self.sessionize_speaker_ids
                    and person.speaker_id not in speaker_ids
                )
            ]
        starts, ends = session.starts_at, session.ends_at
        if starts is None or ends is None or ends <= starts:
            starts = ends = None
            self._flag(
                "session",
                session.id,
                session.title,
                Flag.UNSCHEDULED,
                "unscheduled in Sessionize: kept without times, not synced until it has them",
            )
        placeholder = is_placeholder_text(session.title)
        if placeholder:
            self._flag("session", session.id, session.title, Flag.PLACEHOLDER, _PLACEHOLDER_DETAIL)
        values: dict[str, Any] = {
            "title": self.clean.required(session.title, f"{what} title", "(untitled)"),
            "description": self.clean.text(
                session.description, LONG_TEXT_LIMIT, f"{what} description"
            ),
            "starts_at": starts,
            "ends_at": ends,
            # R-SZ-11: a placeholder is kept and shown, never synced (only accepted ones are).
            "status": SessionStatus.SUBMITTED if placeholder else SessionStatus.ACCEPTED,
            "placeholder": placeholder,
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

    def _flag(
        self,
        kind: Literal["session", "speaker"],
        sessionize_id: str,
        name: str,
        flag: Flag,
        detail: str,
    ) -> None:
        self.flagged.append(Flagged(kind, sessionize_id, shown(name), flag, detail))

    def _apply(
        self,
        model: type[StoredSession] | type[StoredSpeaker],
        old: StoredSession | StoredSpeaker | None,
        values: dict[str, Any],
        new_id: uuid.UUID,
        what: str,
    ) -> None:
        """Build the record from `old` (hub-owned values kept) and the feed's values; count."""
        self.planned.add(new_id if old is None else old.id)
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
        if old is not None:  # the report names every field the import overwrote
            fields = [
                _FIELD_NAMES.get(name, name)
                for name in values
                if name != "withdrawn" and getattr(old, name) != getattr(record, name)
            ]
            kind: Literal["session", "speaker"] = "session" if is_session else "speaker"
            name = record.title if isinstance(record, StoredSession) else _name(record)
            sessionize_id = str(values["sessionize_id"])
            self.overwritten.append(Overwritten(kind, sessionize_id, shown(name), tuple(fields)))
        changed: list[Any] = self.changed_sessions if is_session else self.changed_speakers
        changed.append(record)

    def _withdraw(self) -> None:
        """R-SZ-5: imported records this import neither keeps nor creates are withdrawn."""
        for session in self.stored_sessions.values():
            if session.id not in self.planned and not session.withdrawn:
                self.changed_sessions.append(session.model_copy(update={"withdrawn": True}))
                self.session_counts.withdrawn += 1
        for speaker in self.stored_speakers.values():
            if speaker.id not in self.planned and not speaker.withdrawn:
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


__all__ = ["ImportPlan", "import_fingerprint", "plan_import"]
