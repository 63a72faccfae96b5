"""What importing a parsed schedule into an event does: the records to write and the counts.
Pure.

The rules follow the Sessionize import's (SPEC §9) where they apply:

* **Keyed by guid.** A session's id is derived from the event and the file's `guid`
  (`uuid5`), so importing the same file again finds the same records and creates nothing twice,
  and the same file imported into another event makes records of that event. A `guid` that is
  already the id of one of the event's sessions (a file this hub exported) is that session.
  A person is keyed the same way by their `guid` (else `code`, else `id`, else name; in a
  spreadsheet, email else name).
* **Dates window.** Only sessions that start and end within the event's days are imported;
  the others, and sessions that do not end after they start, are left out, each with a reason.
* **Who owns which value.** The file owns a session's title, description (`abstract`, then
  `description`), times, room, track, type (as format; `break` makes a service session),
  language and speakers; a person's name, and where the format carries them biography, avatar
  (JSON) and email (spreadsheets). Everything else is the hub's and survives a re-import: tags,
  levels, client session id, people in other roles, speakers the schedule did not bring, a
  speaker's other fields, taxonomy colours the file does not give. A session's links and
  attachments are added to its files (kept by URL; never removed). Status is `accepted`.
* **Vanished records.** A session or speaker brought by an earlier schedule import that this
  one does not bring is marked withdrawn; brought again, it is restored. Records the schedule
  never brought are never touched; taxonomy items are never removed.
* **Values the hub cannot store** are cut or left out and named in the warnings.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, Final, Literal

from pydantic import ValidationError

from agendasync.domain.models import (
    ContentFile,
    Event,
    EventContent,
    Role,
    Session,
    SessionPerson,
    SessionStatus,
    Speaker,
    SpeakerStatus,
    TaxonomyItem,
    TaxonomyKind,
)
from agendasync.sources.schedule.export import full_name
from agendasync.sources.schedule.parse import Schedule, ScheduledPerson, ScheduledSession
from agendasync.sources.schedule.validation import MalformedSchedule
from agendasync.sources.sessionize.report import RecordCounts

_SHORT: Final = 500
_LONG: Final = 100_000
_UNSTORABLE: Final = re.compile("[\x00\ud800-\udfff]")


def session_id(event_id: uuid.UUID, guid: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(event_id, f"schedule-session:{guid}")


def speaker_id(event_id: uuid.UUID, key: str) -> uuid.UUID:
    return uuid.uuid5(event_id, f"schedule-speaker:{key}")


@dataclass(frozen=True)
class Brought:
    """The records a schedule import brought (what a later import withdraws if it vanished)."""

    sessions: frozenset[uuid.UUID] = frozenset()
    speakers: frozenset[uuid.UUID] = frozenset()

    def to_json(self) -> dict[str, list[str]]:
        return {
            "sessions": sorted(map(str, self.sessions)),
            "speakers": sorted(map(str, self.speakers)),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Brought:
        data = data or {}
        return cls(
            frozenset(uuid.UUID(i) for i in data.get("sessions", ())),
            frozenset(uuid.UUID(i) for i in data.get("speakers", ())),
        )


@dataclass(frozen=True, slots=True)
class LeftOut:
    kind: Literal["session"]
    guid: str
    name: str
    reason: Literal["unscheduled", "outside_dates"]
    detail: str


@dataclass(frozen=True)
class SchedulePlan:
    changes: EventContent  # new and changed taxonomy items, sessions and speakers
    sessions: RecordCounts
    speakers: RecordCounts
    taxonomy: RecordCounts
    brought: Brought
    left_out: tuple[LeftOut, ...]
    warnings: tuple[str, ...]


def _clean(value: str | None, limit: int, what: str, warnings: list[str]) -> str:
    text = _UNSTORABLE.sub("", value or "").strip()
    if len(text) > limit:
        warnings.append(f"{what}: cut to {limit} characters (it had {len(text)})")
        text = text[:limit].rstrip()
    return text


def _url(value: str | None, what: str, warnings: list[str]) -> str | None:
    text = _UNSTORABLE.sub("", value or "").strip()
    if len(text) > _SHORT:
        warnings.append(f"{what}: a URL longer than {_SHORT} characters; left out")
        return None
    return text or None


def _split_name(name: str) -> tuple[str, str]:
    first, _, last = name.rpartition(" ")
    return (first.strip(), last) if first.strip() else (name, "-")


def _window(event: Event) -> tuple[datetime, datetime]:
    zone = event.tz
    return (
        datetime.combine(event.start_date, time.min, zone),
        datetime.combine(event.end_date + timedelta(days=1), time.min, zone),
    )


@dataclass
class _Planner:
    stored: EventContent
    schedule: Schedule
    previous: Brought
    now: datetime
    warnings: list[str] = field(default_factory=list)
    taxonomy_counts: RecordCounts = field(default_factory=RecordCounts)
    session_counts: RecordCounts = field(default_factory=RecordCounts)
    speaker_counts: RecordCounts = field(default_factory=RecordCounts)
    changed_taxonomy: dict[uuid.UUID, TaxonomyItem] = field(default_factory=dict)
    changed_sessions: list[Session] = field(default_factory=list)
    changed_speakers: list[Speaker] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.event = self.stored.event
        self.items = {(i.kind, i.name.casefold()): i for i in self.stored.taxonomy}
        self.sessions = {s.id: s for s in self.stored.sessions}
        self.speakers = {s.id: s for s in self.stored.speakers}
        self.by_email = {s.email.lower(): s for s in self.stored.speakers if s.email}
        self.new_speakers: dict[str, Speaker] = {}  # by person key

    # --- taxonomy

    def item(self, kind: TaxonomyKind, name: str, colour: str | None = None) -> TaxonomyItem | None:
        """The event's item of that kind and name (found case-insensitively), made if new; a
        colour the file gives is set on it."""
        clean = _clean(name, _SHORT, f"{kind.value} {name[:40]!r}", self.warnings)
        if not clean:
            return None
        key = (kind, clean.casefold())
        found = self.items.get(key)
        if found is None:
            found = TaxonomyItem(kind=kind, name=clean, colour=colour)
            self.items[key] = found
            self.changed_taxonomy[found.id] = found
            self.taxonomy_counts.created += 1
        elif colour and (self.changed_taxonomy.get(found.id, found).colour or "").lower() != (
            colour.lower()
        ):
            # Sessions keep pointing at `found`: only the item's row changes.
            if found.id not in self.changed_taxonomy:
                self.taxonomy_counts.updated += 1
            self.changed_taxonomy[found.id] = found.model_copy(update={"colour": colour})
        return found

    # --- records

    def _counted(self, old: Any, new: Any, counts: RecordCounts, changed: list[Any]) -> None:
        if old is None:
            counts.created += 1
        elif new == old:
            counts.unchanged += 1
            return
        elif old.withdrawn:
            counts.restored += 1
        else:
            counts.updated += 1
        changed.append(new)

    def _build(
        self, model: type[Any], old: Any, values: dict[str, Any], new_id: uuid.UUID, place: str
    ) -> Any:
        try:
            return model(id=new_id, **values) if old is None else model(**(old.__dict__ | values))
        except ValidationError as exc:
            problems = [
                (place, f"{'.'.join(map(str, e['loc']))}: {e['msg']}")
                for e in exc.errors(include_url=False)
            ]
            raise MalformedSchedule(problems) from None

    def speaker(self, person: ScheduledPerson, place: str) -> Speaker:
        if person.key in self.new_speakers:
            return self.new_speakers[person.key]
        own = person.guid in self.speakers if person.guid else False
        record_id = person.guid if own and person.guid else speaker_id(self.event.id, person.key)
        old = self.speakers.get(record_id)
        if old is None and person.email and person.email.lower() in self.by_email:
            # A speaker the hub already has with this email is linked, never duplicated.
            old = self.by_email[person.email.lower()]
            record_id = old.id
        name = _clean(person.name, 2 * _SHORT, f"{place}: name", self.warnings)
        if old is not None and full_name(old) == name:
            first, last = old.first_name, old.last_name
        else:
            first, last = _split_name(name) if name else ("-", "-")
            first, last = first[:_SHORT].strip() or "-", last[:_SHORT].strip() or "-"
        values: dict[str, Any] = {
            "first_name": first,
            "last_name": last,
            "status": SpeakerStatus.ACCEPTED,
            "withdrawn": False,
        }
        if person.biography is not None:
            values["biography"] = _clean(person.biography, _LONG, f"{place}: biography", [])
        if person.avatar is not None:
            values["headshot_url"] = _url(person.avatar, f"{place}: avatar", self.warnings)
        if person.email:
            values["email"] = person.email
        speaker: Speaker = self._build(Speaker, old, values, record_id, place)
        self._counted(old, speaker, self.speaker_counts, self.changed_speakers)
        self.new_speakers[person.key] = speaker
        return speaker

    def why_left_out(
        self, session: ScheduledSession, window: tuple[datetime, datetime]
    ) -> LeftOut | None:
        starts, ends = session.starts_at, session.ends_at
        title = _clean(session.title, _SHORT, "title", [])
        if ends <= starts:
            detail = f"{session.place}: it does not end after it starts"
            return LeftOut("session", str(session.guid), title, "unscheduled", detail)
        if not (window[0] <= starts and ends <= window[1]):
            detail = (
                f"{session.place}: {starts:%Y-%m-%d %H:%M} to {ends:%Y-%m-%d %H:%M} is not within "
                f"{self.event.start_date} to {self.event.end_date} ({self.event.timezone})"
            )
            return LeftOut("session", str(session.guid), title, "outside_dates", detail)
        return None

    def session(self, scheduled: ScheduledSession, brought: set[uuid.UUID]) -> Session:
        place = scheduled.place
        own = scheduled.guid in self.sessions
        record_id = scheduled.guid if own else session_id(self.event.id, scheduled.guid)
        old = self.sessions.get(record_id)
        speakers = [self.speaker(p, f"{place}, person {p.name!r}") for p in scheduled.persons]
        kept_people = [
            p
            for p in (old.people if old else [])
            if p.role != Role.SPEAKER or p.speaker_id not in brought
        ]
        people = [SessionPerson(i) for i in dict.fromkeys(s.id for s in speakers)]
        people += [p for p in kept_people if p not in people]
        files = list(old.files) if old else []
        known = {f.url for f in files}
        for link in scheduled.links:
            url = _url(link, f"{place}: link", self.warnings)
            if url and url not in known:
                files.append(ContentFile(url=url, uploaded_at=self.now))
                known.add(url)
        parts = [scheduled.abstract.strip(), scheduled.description.strip()]
        description = "\n\n".join(dict.fromkeys(p for p in parts if p))
        track = self.item(TaxonomyKind.TRACK, scheduled.track) if scheduled.track else None
        room = self.item(TaxonomyKind.LOCATION, scheduled.room) if scheduled.room else None
        is_break = scheduled.is_break
        form = None if is_break else self.item(TaxonomyKind.FORMAT, scheduled.type)
        values: dict[str, Any] = {
            "title": _clean(scheduled.title, _SHORT, f"{place}: title", self.warnings)
            or "(untitled)",
            "description": _clean(description, _LONG, f"{place}: description", self.warnings),
            "starts_at": scheduled.starts_at,
            "ends_at": scheduled.ends_at,
            "status": SessionStatus.ACCEPTED,
            "language": scheduled.language,
            "format": form,
            "is_service": is_break,
            "withdrawn": False,
            "tracks": [track] if track else [],
            "locations": [room] if room else [],
            "people": people,
            "files": files,
        }
        session: Session = self._build(Session, old, values, record_id, place)
        self._counted(old, session, self.session_counts, self.changed_sessions)
        return session

    def plan(self) -> SchedulePlan:
        for room in self.schedule.rooms:
            self.item(TaxonomyKind.LOCATION, room)
        for track, colour in self.schedule.track_colours.items():
            self.item(TaxonomyKind.TRACK, track, colour)
        window = _window(self.event)
        left_out: list[LeftOut] = []
        imported: list[ScheduledSession] = []
        for scheduled in self.schedule.sessions:
            reason = self.why_left_out(scheduled, window)
            if reason is None:
                imported.append(scheduled)
            else:
                left_out.append(reason)
        # Speakers a schedule import brought, before and now: their session roles are the file's.
        brought_speakers = (
            set(self.previous.speakers)
            | {speaker_id(self.event.id, p.key) for s in imported for p in s.persons}
            | {p.guid for s in imported for p in s.persons if p.guid in self.speakers}
            | {
                self.by_email[p.email.lower()].id
                for s in imported
                for p in s.persons
                if p.email and p.email.lower() in self.by_email
            }
        )
        sessions = [self.session(s, brought_speakers) for s in imported]
        speakers = list(self.new_speakers.values())
        brought = Brought(frozenset(s.id for s in sessions), frozenset(s.id for s in speakers))
        self._withdraw(brought)
        return SchedulePlan(
            changes=EventContent(
                event=self.event,
                taxonomy=list(self.changed_taxonomy.values()),
                sessions=self.changed_sessions,
                speakers=self.changed_speakers,
            ),
            sessions=self.session_counts,
            speakers=self.speaker_counts,
            taxonomy=self.taxonomy_counts,
            brought=brought,
            left_out=tuple(left_out),
            warnings=(*self.schedule.warnings, *self.warnings),
        )

    def _withdraw(self, brought: Brought) -> None:
        for record_id in self.previous.sessions - brought.sessions:
            old = self.sessions.get(record_id)
            if old is not None and not old.withdrawn:
                self.changed_sessions.append(old.model_copy(update={"withdrawn": True}))
                self.session_counts.withdrawn += 1
        for record_id in self.previous.speakers - brought.speakers:
            old_speaker = self.speakers.get(record_id)
            if old_speaker is not None and not old_speaker.withdrawn:
                self.changed_speakers.append(old_speaker.model_copy(update={"withdrawn": True}))
                self.speaker_counts.withdrawn += 1


def plan_schedule_import(
    stored: EventContent, schedule: Schedule, *, previous: Brought, now: datetime
) -> SchedulePlan:
    """What importing `schedule` (parsed in the event's zone) into the event whose content is
    `stored` does; `previous` is what the last schedule import brought. Raises
    `MalformedSchedule` naming the place of a record the hub cannot store."""
    return _Planner(stored, schedule, previous, now).plan()


__all__ = [
    "Brought",
    "LeftOut",
    "SchedulePlan",
    "plan_schedule_import",
    "session_id",
    "speaker_id",
]
