"""The event JSON format (`docs/event-json.md`): one file holds one event and its content.

Pure conversions between an `EventDocument` (what the file says) and `EventContent` (what the
store holds). Sessions name their taxonomy by name and their people by speaker id or email, so
a file can be written by hand; records without an `id` get one derived from what identifies
them, so re-importing the same file creates nothing twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agendasync.domain.exceptions import InvalidContent
from agendasync.domain.models import (
    Colour,
    ContentFile,
    Event,
    EventContent,
    EventFields,
    Exhibitor,
    ExhibitorFields,
    NonEmpty,
    Role,
    Session,
    SessionFields,
    SessionPerson,
    Speaker,
    SpeakerFields,
    Sponsor,
    SponsorFields,
    TaxonomyItem,
    TaxonomyKind,
)

FORMAT: Final = "agendasync.event/1"


class DocumentRecord(BaseModel):
    """A record as a file holds it: the id and times may be left out."""

    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class EventHeader(DocumentRecord, EventFields):
    pass


class TaxonomyEntry(DocumentRecord):
    name: NonEmpty
    colour: Colour | None = None


class TaxonomyLists(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tags: list[TaxonomyEntry] = Field(default_factory=list)
    tracks: list[TaxonomyEntry] = Field(default_factory=list)
    locations: list[TaxonomyEntry] = Field(default_factory=list)
    levels: list[TaxonomyEntry] = Field(default_factory=list)
    formats: list[TaxonomyEntry] = Field(default_factory=list)


class PersonEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    speaker: NonEmpty = Field(description="the speaker's id, or their email")
    role: Role = Role.SPEAKER


class SessionEntry(DocumentRecord, SessionFields):
    format: NonEmpty | None = None
    tags: list[NonEmpty] = Field(default_factory=list)
    tracks: list[NonEmpty] = Field(default_factory=list)
    locations: list[NonEmpty] = Field(default_factory=list)
    levels: list[NonEmpty] = Field(default_factory=list)
    people: list[PersonEntry] = Field(default_factory=list)


class SpeakerEntry(DocumentRecord, SpeakerFields):
    tags: list[NonEmpty] = Field(default_factory=list)


class SponsorEntry(DocumentRecord, SponsorFields):
    pass


class ExhibitorEntry(DocumentRecord, ExhibitorFields):
    pass


class EventDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["agendasync.event/1"] = FORMAT
    event: EventHeader
    taxonomy: TaxonomyLists = Field(default_factory=TaxonomyLists)
    speakers: list[SpeakerEntry] = Field(default_factory=list)
    sessions: list[SessionEntry] = Field(default_factory=list)
    sponsors: list[SponsorEntry] = Field(default_factory=list)
    exhibitors: list[ExhibitorEntry] = Field(default_factory=list)


# Which list of the file holds which kind, and which session field names it.
_KIND_LISTS: dict[TaxonomyKind, str] = {
    TaxonomyKind.TAG: "tags",
    TaxonomyKind.TRACK: "tracks",
    TaxonomyKind.LOCATION: "locations",
    TaxonomyKind.LEVEL: "levels",
    TaxonomyKind.FORMAT: "formats",
}
_SESSION_KINDS: dict[str, TaxonomyKind] = {
    "tags": TaxonomyKind.TAG,
    "tracks": TaxonomyKind.TRACK,
    "locations": TaxonomyKind.LOCATION,
    "levels": TaxonomyKind.LEVEL,
}


def parse_document(data: Any) -> EventDocument:
    """Validate decoded JSON; every problem is named by its place in the file."""
    try:
        return EventDocument.model_validate(data)
    except ValidationError as exc:
        raise InvalidContent.from_validation(exc) from exc


# --- store -> file ---------------------------------------------------------------------------


def _common(record: Any) -> dict[str, Any]:
    return {"id": record.id, "created_at": record.created_at, "updated_at": record.updated_at}


def _names(items: list[TaxonomyItem]) -> list[str]:
    return [item.name for item in items]


def _local(value: datetime | None, tz: ZoneInfo) -> datetime | None:
    return value.astimezone(tz) if value else None


def taxonomy_entry(item: TaxonomyItem) -> TaxonomyEntry:
    return TaxonomyEntry.model_construct(**_common(item), name=item.name, colour=item.colour)


def speaker_entry(speaker: Speaker) -> SpeakerEntry:
    return SpeakerEntry.model_construct(
        **_common(speaker),
        **{name: getattr(speaker, name) for name in SpeakerFields.model_fields},
        tags=_names(speaker.tags),
    )


def sponsor_entry(sponsor: Sponsor) -> SponsorEntry:
    return SponsorEntry.model_construct(
        **_common(sponsor), **{name: getattr(sponsor, name) for name in SponsorFields.model_fields}
    )


def exhibitor_entry(exhibitor: Exhibitor) -> ExhibitorEntry:
    return ExhibitorEntry.model_construct(
        **_common(exhibitor),
        **{name: getattr(exhibitor, name) for name in ExhibitorFields.model_fields},
    )


def event_header(event: Event) -> EventHeader:
    return EventHeader.model_construct(
        **_common(event), **{name: getattr(event, name) for name in EventFields.model_fields}
    )


def to_document(content: EventContent) -> EventDocument:
    """The file for an event, in a stable order so that equal content gives equal files."""
    event = content.event
    tz = event.tz
    lists: dict[str, Any] = {name: [] for name in _KIND_LISTS.values()}
    for item in sorted(content.taxonomy, key=lambda i: (i.kind, i.name)):
        lists[_KIND_LISTS[item.kind]].append(taxonomy_entry(item))
    far_future = datetime.max.replace(tzinfo=UTC)
    sessions = sorted(
        content.sessions, key=lambda s: (s.starts_at or far_future, s.title, str(s.id))
    )
    return EventDocument.model_construct(
        format=FORMAT,
        event=event_header(event),
        taxonomy=TaxonomyLists.model_construct(**lists),
        speakers=[
            speaker_entry(s)
            for s in sorted(content.speakers, key=lambda s: (s.last_name, s.first_name, str(s.id)))
        ],
        sessions=[session_entry(s, tz) for s in sessions],
        sponsors=[
            sponsor_entry(s) for s in sorted(content.sponsors, key=lambda s: (s.name, str(s.id)))
        ],
        exhibitors=[
            exhibitor_entry(e)
            for e in sorted(content.exhibitors, key=lambda e: (e.name, str(e.id)))
        ],
    )


def session_entry(session: Session, tz: ZoneInfo) -> SessionEntry:
    """A session as the file (and the REST API) shows it: times in the event's zone."""
    values = {name: getattr(session, name) for name in SessionFields.model_fields}
    values |= {name: _names(getattr(session, name)) for name in _SESSION_KINDS}
    return SessionEntry.model_construct(
        **_common(session),
        **values
        | {
            "starts_at": _local(session.starts_at, tz),
            "ends_at": _local(session.ends_at, tz),
            "format": session.format.name if session.format else None,
            "people": [
                PersonEntry.model_construct(speaker=str(p.speaker_id), role=p.role)
                for p in session.people
            ],
        },
    )


# --- file -> store ---------------------------------------------------------------------------


@dataclass
class KnownIds:
    """Ids the store already gave to records a file may name without an id."""

    event_id: uuid.UUID | None = None
    taxonomy: Mapping[tuple[TaxonomyKind, str], uuid.UUID] = field(default_factory=dict)
    speakers_by_email: Mapping[str, uuid.UUID] = field(default_factory=dict)
    # Stored speakers a session may name (by id text or lowercase email) though the document
    # does not list them: the REST API sends one session at a time. A file import leaves this
    # empty, so a file stays self-contained.
    referable_speakers: Mapping[str, uuid.UUID] = field(default_factory=dict)


class _Problems:
    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, place: str, message: str) -> None:
        self.items.append((place, message))


def _aware(value: datetime | None, tz: tzinfo) -> datetime | None:
    """A time without an offset is read in `tz` (the event's zone, or UTC for stamps)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=tz)


def _stamps(entry: DocumentRecord) -> dict[str, Any]:
    return {
        "created_at": _aware(entry.created_at, UTC),
        "updated_at": _aware(entry.updated_at, UTC),
    }


def from_document(document: EventDocument, *, org_id: uuid.UUID, known: KnownIds) -> EventContent:
    """The content a file describes, for the organisation `org_id`.

    Raises `InvalidContent` naming every dangling reference and every duplicate.
    """
    problems = _Problems()
    header = document.event
    event_id = header.id or known.event_id or uuid.uuid4()
    event = Event(
        id=event_id,
        org_id=org_id,
        **_stamps(header),
        **{name: getattr(header, name) for name in EventFields.model_fields},
    )
    tz = event.tz

    def derived(kind: str, key: str) -> uuid.UUID:
        return uuid.uuid5(event_id, f"{kind}:{key}")

    taxonomy: dict[tuple[TaxonomyKind, str], TaxonomyItem] = {}
    for kind, list_name in _KIND_LISTS.items():
        for index, entry in enumerate(getattr(document.taxonomy, list_name)):
            key = (kind, entry.name)
            if key in taxonomy:
                place = f"taxonomy.{list_name}.{index}.name"
                problems.add(place, f"{entry.name!r} is listed twice")
                continue
            taxonomy[key] = TaxonomyItem(
                id=entry.id or known.taxonomy.get(key) or derived(kind, entry.name),
                kind=kind,
                name=entry.name,
                colour=entry.colour,
                **_stamps(entry),
            )

    def item(kind: TaxonomyKind, name: str) -> TaxonomyItem:
        # A name the taxonomy lists do not hold is added, so hand-written files stay short.
        key = (kind, name)
        if key not in taxonomy:
            taxonomy[key] = TaxonomyItem(
                id=known.taxonomy.get(key) or derived(kind, name), kind=kind, name=name
            )
        return taxonomy[key]

    speakers: list[Speaker] = []
    speaker_refs: dict[str, uuid.UUID] = {}
    for index, sp in enumerate(document.speakers):
        email_key = sp.email.lower() if sp.email else None
        speaker_id: uuid.UUID = (
            sp.id
            or (known.speakers_by_email.get(email_key) if email_key else None)
            or derived("speaker", email_key or f"{sp.first_name} {sp.last_name}")
        )
        if email_key and email_key in speaker_refs:
            problems.add(f"speakers.{index}.email", f"{sp.email!r} is used by another speaker")
        elif str(speaker_id) in speaker_refs:
            problems.add(f"speakers.{index}.id", f"{speaker_id} is used by another speaker")
        speaker_refs[str(speaker_id)] = speaker_id
        if email_key:
            speaker_refs[email_key] = speaker_id
        speakers.append(
            Speaker(
                id=speaker_id,
                **_stamps(sp),
                **{name: getattr(sp, name) for name in SpeakerFields.model_fields},
                tags=[item(TaxonomyKind.TAG, name) for name in sp.tags],
            )
        )

    sessions: list[Session] = []
    session_ids: set[uuid.UUID] = set()
    for index, s in enumerate(document.sessions):
        starts_at, ends_at = _aware(s.starts_at, tz), _aware(s.ends_at, tz)
        session_id: uuid.UUID = s.id or derived("session", f"{s.title}|{starts_at}")
        if session_id in session_ids:
            problems.add(f"sessions.{index}.id", f"{session_id} is used by another session")
        session_ids.add(session_id)
        people: list[SessionPerson] = []
        for p_index, person in enumerate(s.people):
            named = person.speaker.lower()
            ref = speaker_refs.get(named) or known.referable_speakers.get(named)
            place = f"sessions.{index}.people.{p_index}.speaker"
            if ref is None:
                problems.add(place, f"no speaker with id or email {person.speaker!r} in this file")
                continue
            if SessionPerson(ref, person.role) in people:
                problems.add(place, f"{person.speaker!r} is on this session twice as {person.role}")
                continue
            people.append(SessionPerson(speaker_id=ref, role=person.role))
        values = {name: getattr(s, name) for name in SessionFields.model_fields}
        values |= {
            name: [item(kind, value) for value in getattr(s, name)]
            for name, kind in _SESSION_KINDS.items()
        }
        values |= {
            "starts_at": starts_at,
            "ends_at": ends_at,
            "format": item(TaxonomyKind.FORMAT, s.format) if s.format else None,
            "files": [
                ContentFile(url=f.url, uploaded_at=_aware(f.uploaded_at, tz)) for f in s.files
            ],
            "people": people,
        }
        try:
            sessions.append(Session(id=session_id, **_stamps(s), **values))
        except ValidationError as exc:
            problems.items.extend(
                InvalidContent.from_validation(exc, prefix=f"sessions.{index}").problems
            )

    sponsors = [
        Sponsor(
            id=s.id or derived("sponsor", s.name),
            **_stamps(s),
            **{name: getattr(s, name) for name in SponsorFields.model_fields},
        )
        for s in document.sponsors
    ]
    exhibitors = [
        Exhibitor(
            id=e.id or derived("exhibitor", e.name),
            **_stamps(e),
            **{name: getattr(e, name) for name in ExhibitorFields.model_fields},
        )
        for e in document.exhibitors
    ]
    for list_name, records in (("sponsors", sponsors), ("exhibitors", exhibitors)):
        seen: set[uuid.UUID] = set()
        for index, record in enumerate(records):
            if record.id in seen:
                problems.add(f"{list_name}.{index}", f"{record.id} is listed twice")
            seen.add(record.id)

    if problems.items:
        raise InvalidContent(problems.items)
    return EventContent(
        event=event,
        taxonomy=list(taxonomy.values()),
        sessions=sessions,
        speakers=speakers,
        sponsors=sponsors,
        exhibitors=exhibitors,
    )
