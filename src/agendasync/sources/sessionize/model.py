"""The normalised data of a Sessionize `view/All` feed, as `feed.parse_all` returns it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime


def unique(values: Iterable[str]) -> tuple[str, ...]:
    """`values` in their order, each once."""
    return tuple(dict.fromkeys(values))


@dataclass(frozen=True, slots=True)
class Room:
    id: str
    name: str
    sort: int


@dataclass(frozen=True, slots=True)
class CategoryItem:
    id: str
    name: str
    sort: int


@dataclass(frozen=True, slots=True)
class Category:
    id: str
    title: str
    type: str  # "session" or "speaker" (inferred when the feed lacks it), or what the feed says
    sort: int
    items: tuple[CategoryItem, ...]
    type_inferred: bool = False


@dataclass(frozen=True, slots=True)
class CategoryItemRef:
    """A category item resolved through `categories`: (title, type, item name) plus the ids."""

    category_id: str
    category_title: str
    category_type: str
    item_id: str
    item_name: str


@dataclass(frozen=True, slots=True)
class Link:
    title: str | None
    url: str
    link_type: str | None


def category_tag(category_title: str, item_name: str) -> str:
    """An item kept as a tag named by its category or question: "Attending dinner: Yes"."""
    title = " ".join(category_title.split()).rstrip(" :?")
    return f"{title}: {item_name}" if title else item_name


@dataclass(frozen=True, slots=True)
class Answer:
    """A speaker's answer to one of the event's questions (`questionAnswers`)."""

    question: str
    value: str


@dataclass(frozen=True, slots=True)
class Speaker:
    id: str
    first_name: str
    last_name: str
    full_name: str
    bio: str | None
    tag_line: str | None
    profile_picture: str | None
    website: str | None
    twitter: str | None
    linkedin: str | None
    facebook: str | None
    links: tuple[Link, ...]
    is_top_speaker: bool
    category_items: tuple[CategoryItemRef, ...]
    session_ids: tuple[str, ...]
    answers: tuple[Answer, ...] = ()

    @property
    def tags(self) -> tuple[str, ...]:
        """Speaker category items as speaker tags named by their question (R-SZ-2: "Attending
        dinner: Yes"), in feed order, de-duplicated."""
        return unique(
            category_tag(ref.category_title, ref.item_name)
            for ref in self.category_items
            if ref.item_name
        )


@dataclass(frozen=True, slots=True)
class Session:
    id: str
    title: str
    description: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    room_id: str | None
    speaker_ids: tuple[str, ...]
    category_items: tuple[CategoryItemRef, ...]
    is_service: bool
    is_plenum: bool
    status: str | None
    is_informed: bool | None
    is_confirmed: bool | None
    live_url: str | None
    recording_url: str | None

    @property
    def is_scheduled(self) -> bool:
        return (
            self.starts_at is not None
            and self.ends_at is not None
            and self.ends_at >= self.starts_at
        )


@dataclass(frozen=True, slots=True)
class SessionizeFeed:
    timezone: str
    content_hash: str
    rooms: tuple[Room, ...]
    speakers: tuple[Speaker, ...]
    sessions: tuple[Session, ...]
    categories: tuple[Category, ...]
    warnings: tuple[str, ...] = field(default=())

    @property
    def scheduled_sessions(self) -> tuple[Session, ...]:
        return tuple(s for s in self.sessions if s.is_scheduled)

    @property
    def unscheduled_sessions(self) -> tuple[Session, ...]:
        return tuple(s for s in self.sessions if not s.is_scheduled)

    def room(self, room_id: str | int) -> Room | None:
        key = str(room_id)
        return next((r for r in self.rooms if r.id == key), None)

    def speaker(self, speaker_id: str | int) -> Speaker | None:
        key = str(speaker_id)
        return next((s for s in self.speakers if s.id == key), None)

    def session(self, session_id: str | int) -> Session | None:
        key = str(session_id)
        return next((s for s in self.sessions if s.id == key), None)


__all__ = [
    "Answer",
    "Category",
    "CategoryItem",
    "CategoryItemRef",
    "Link",
    "Room",
    "Session",
    "SessionizeFeed",
    "Speaker",
    "category_tag",
    "unique",
]
