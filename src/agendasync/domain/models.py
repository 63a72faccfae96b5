"""The content model (SPEC §1): organisations, events and what an event holds.

These are plain pydantic models with no I/O. The store builds them from rows (without
re-validating what it validated on the way in); the event JSON format, the CLI and the sync
engine all speak them.
"""

from __future__ import annotations

import enum
import functools
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Literal, Self
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)


def _storable(value: str) -> str:
    # Databases refuse NUL characters and text that is not valid UTF-8 (lone surrogates).
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("must be valid Unicode text (it holds a lone surrogate)") from exc
    return value


NonEmpty = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=500),
    AfterValidator(_storable),
]
ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=500), AfterValidator(_storable)
]
LongText = Annotated[str, StringConstraints(max_length=100_000), AfterValidator(_storable)]
Colour = Annotated[str, StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$")]
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]


@functools.cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


SessionizeEndpointId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]{8}$")]
CategoryDimension = Literal["tracks", "levels", "format", "language", "tags", "ignore"]


def _known_zone(name: str) -> str:
    if name not in _zone_names():
        raise ValueError(f"unknown time zone {name!r}; use an IANA name such as 'Europe/Berlin'")
    return name


TimeZoneName = Annotated[str, AfterValidator(_known_zone)]


def _email(value: str) -> str:
    value = value.strip()
    local, at, domain = value.rpartition("@")
    if not at or not local or "." not in domain or " " in value:
        raise ValueError(f"{value!r} is not an email address")
    return value


Email = Annotated[str, AfterValidator(_email)]

WEB_SCHEMES = ("http", "https")


def _web_url(value: str) -> str:
    # Only web addresses: a `javascript:` or `data:` URL would run in the pages that link it.
    # An address typed without a scheme ("www.example.com/me") is taken as https.
    text = value.strip()
    if text and "://" not in text and not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", text):
        text = f"https://{text}"
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        host = None
    if parts.scheme.lower() not in WEB_SCHEMES:
        raise ValueError(
            f"{value[:80]!r} is not a web address; it must start with http:// or https://"
        )
    if not host or any(c.isspace() or ord(c) < 32 for c in text):
        raise ValueError(f"{value[:80]!r} is not a web address (it has no valid host name)")
    return text


# Every URL a record holds (websites, pictures, social links, files): http(s) only.
WebUrl = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=500),
    AfterValidator(_storable),
    AfterValidator(_web_url),
]


def _blank_is_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


OptionalWebUrl = Annotated[WebUrl | None, BeforeValidator(_blank_is_none)]


FIRST_YEAR, LAST_YEAR = 1900, 2999  # far enough; 9999 overflows once moved to another zone
_NUMBER = re.compile(r"^\s*[+-]?\d+(\.\d*)?\s*$")


def _not_a_number(value: object) -> object:
    # A bare number would be read as a Unix time (or days): refuse it rather than guess.
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.match(value)):
        raise ValueError("must be a date written out, such as 2027-05-04T09:30:00; not a number")
    return value


def _year_in_range(value: date) -> date:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"the year must be between {FIRST_YEAR} and {LAST_YEAR}")
    return value


# Times and days as people and files give them: written out, never a number, in a sane range.
Moment = Annotated[datetime, BeforeValidator(_not_a_number), AfterValidator(_year_in_range)]
Day = Annotated[date, BeforeValidator(_not_a_number), AfterValidator(_year_in_range)]


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError as exc:  # validated on the way in; a stale zone db lands here
        raise ValueError(f"unknown time zone {name!r}") from exc


class SessionStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class SpeakerStatus(enum.StrEnum):
    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Role(enum.StrEnum):
    SPEAKER = "speaker"
    MODERATOR = "moderator"
    CHAIRPERSON = "chairperson"


class TaxonomyKind(enum.StrEnum):
    """Named things sessions and speakers are classified by, kept per event."""

    TAG = "tag"
    TRACK = "track"
    LOCATION = "location"
    LEVEL = "level"
    FORMAT = "format"


class Record(BaseModel):
    """Every record has a stable UUID and its creation and last-change times (R-MOD-6)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    created_at: datetime | None = None
    updated_at: datetime | None = None


class Organisation(Record):
    name: NonEmpty
    slug: Slug


class EventFields(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    slug: Slug
    name: NonEmpty
    timezone: TimeZoneName
    start_date: Day
    end_date: Day
    sessionize_endpoint_id: SessionizeEndpointId | None = None
    # Sessionize category title -> what its items become (R-SZ-2); titles not named here are
    # mapped by keyword.
    sessionize_category_map: dict[NonEmpty, CategoryDimension] = Field(default_factory=dict)
    # The programme's schedule feeds (schedule.json, schedule.xml, iCal) open to anyone at
    # /public/{slug}/...; off until the organiser switches them on.
    public_feeds: bool = False

    @model_validator(mode="after")
    def _dates_in_order(self) -> Self:
        if self.end_date < self.start_date:
            raise ValueError("end_date must not be before start_date")
        return self


class Event(Record, EventFields):
    org_id: uuid.UUID

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.timezone)


class TaxonomyItem(Record):
    kind: TaxonomyKind
    name: NonEmpty
    colour: Colour | None = None


class ContentFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: WebUrl
    uploaded_at: Moment


@dataclass(frozen=True, slots=True)
class SessionPerson:
    """A speaker in a role on a session (a plain value: an event holds tens of thousands)."""

    speaker_id: uuid.UUID
    role: Role = Role.SPEAKER


class SessionFields(BaseModel):
    """A session's own values; its classification is added by `Session` and the JSON format."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    title: NonEmpty
    description: LongText = ""
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    status: SessionStatus = SessionStatus.SUBMITTED
    language: LanguageCode | None = None
    files: list[ContentFile] = Field(default_factory=list)
    client_session_id: ShortText | None = None
    sessionize_id: ShortText | None = None
    is_service: bool = False  # a break or a meal: kept in the schedule, never synced (R-SZ-6)
    withdrawn: bool = False  # gone from the source it was imported from (R-SZ-5)
    placeholder: bool = False  # "To be announced" and the like: shown, never synced (R-SZ-11)

    @model_validator(mode="after")
    def _ends_after_start(self) -> Self:
        starts, ends = self.starts_at, self.ends_at
        # A file may mix local and offset times; they are compared once placed in the event zone.
        comparable = starts and ends and (starts.tzinfo is None) == (ends.tzinfo is None)
        if comparable and ends <= starts:  # type: ignore[operator]
            raise ValueError("ends_at must be after starts_at")
        return self


class Session(Record, SessionFields):
    """A session; its taxonomy fields hold the event's shared `TaxonomyItem` objects."""

    format: TaxonomyItem | None = None
    tags: list[TaxonomyItem] = Field(default_factory=list)
    tracks: list[TaxonomyItem] = Field(default_factory=list)
    locations: list[TaxonomyItem] = Field(default_factory=list)
    levels: list[TaxonomyItem] = Field(default_factory=list)
    people: list[SessionPerson] = Field(default_factory=list)


class SpeakerFields(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    first_name: NonEmpty
    last_name: NonEmpty
    email: Email | None = None
    job_title: ShortText | None = None
    honorific: ShortText | None = None
    company: ShortText | None = None
    website: OptionalWebUrl = None
    mobile_phone: ShortText | None = None
    biography: LongText = ""
    address: ShortText | None = None
    postcode: ShortText | None = None
    headshot_url: OptionalWebUrl = None
    facebook_url: OptionalWebUrl = None
    linkedin_url: OptionalWebUrl = None
    twitter_url: OptionalWebUrl = None
    status: SpeakerStatus = SpeakerStatus.INVITED
    sessionize_id: ShortText | None = None
    withdrawn: bool = False  # gone from the source it was imported from (R-SZ-5)
    placeholder: bool = False  # "An amazing Speaker" and the like: never synced (R-SZ-11)


class Speaker(Record, SpeakerFields):
    tags: list[TaxonomyItem] = Field(default_factory=list)


def record_flags(record: Session | Speaker) -> list[str]:
    """The states a list shows beside a record's status: withdrawn (R-SZ-5), placeholder
    (R-SZ-11), and for sessions service (R-SZ-6) and unscheduled (no times)."""
    flags = ["withdrawn"] if record.withdrawn else []
    if record.placeholder:
        flags.append("placeholder")
    if isinstance(record, Session):
        if record.is_service:
            flags.append("service")
        if record.starts_at is None or record.ends_at is None:
            flags.append("unscheduled")
    return flags


class SponsorFields(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    name: NonEmpty
    description: LongText = ""
    website: OptionalWebUrl = None
    tier: ShortText | None = None
    logo_url: OptionalWebUrl = None


class Sponsor(Record, SponsorFields):
    pass


class Person(BaseModel):
    """An exhibitor's primary contact or team member. Its id is stable: partners hold it and
    share links are kept by it; one left out (an older event file) is derived from the
    exhibitor's id and the person's email, else name (see `Exhibitor`)."""

    # R-SPK-2

    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID | None = None
    first_name: NonEmpty
    last_name: NonEmpty
    email: Email | None = None


def derived_person_id(exhibitor_id: uuid.UUID, person: Person, taken: set[uuid.UUID]) -> uuid.UUID:
    """The same id for the same person of the same exhibitor, every time: from the email (or the
    name), numbered when two people of one exhibitor would share it."""
    key = (person.email or f"{person.first_name} {person.last_name}").strip().lower()
    found = uuid.uuid5(exhibitor_id, f"person:{key}")
    number = 1
    while found in taken:
        found = uuid.uuid5(exhibitor_id, f"person:{key}#{number}")
        number += 1
    return found


class ExhibitorFields(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    name: NonEmpty
    description: LongText = ""
    website: OptionalWebUrl = None
    primary_contact: Person | None = None
    team: list[Person] = Field(default_factory=list)


class Exhibitor(Record, ExhibitorFields):
    @model_validator(mode="after")
    def _people_have_ids(self) -> Self:
        people = [*([self.primary_contact] if self.primary_contact else []), *self.team]
        taken: set[uuid.UUID] = set()
        for person in people:
            if person.id is None or person.id in taken:
                person.id = derived_person_id(self.id, person, taken)
            taken.add(person.id)
        return self


class EventContent(BaseModel):
    """Everything an event holds, as loaded for a sync or an export."""

    model_config = ConfigDict(extra="forbid")

    event: Event
    taxonomy: list[TaxonomyItem] = Field(default_factory=list)
    sessions: list[Session] = Field(default_factory=list)
    speakers: list[Speaker] = Field(default_factory=list)
    sponsors: list[Sponsor] = Field(default_factory=list)
    exhibitors: list[Exhibitor] = Field(default_factory=list)
