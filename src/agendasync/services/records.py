"""Creating, changing and deleting single records of an event: what the REST API calls.

A record travels in the event JSON format's shape (`domain.event_json`: sessions name their
taxonomy by name and their people by speaker id or email), and is turned into the content model
by the same `from_document` that imports files, then written by the same `save_event_content`:
a record made through the API is exactly the record the same JSON in a file would make.

PATCH semantics: the changes are laid over the record's current entry, key by key; a key left
out stays as it is, a list given replaces the list (`[]` clears it), and the result is
validated whole, so a change that breaks a rule (an end before the start) is refused.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import Connection, Table
from sqlalchemy.exc import IntegrityError

from agendasync.domain.event_json import (
    FORMAT,
    DocumentRecord,
    EventDocument,
    ExhibitorEntry,
    SessionEntry,
    SpeakerEntry,
    SponsorEntry,
    TaxonomyLists,
    event_header,
    exhibitor_entry,
    from_document,
    session_entry,
    speaker_entry,
    sponsor_entry,
)
from agendasync.domain.exceptions import InvalidContent
from agendasync.domain.models import (
    Event,
    EventContent,
    EventFields,
    Organisation,
    Record,
    TaxonomyItem,
)
from agendasync.sources.eventfile import known_ids
from agendasync.store import records as rows
from agendasync.store import tables as t
from agendasync.store.content import (
    load_exhibitors,
    load_sessions,
    load_speakers,
    load_sponsors,
    save_event_content,
)
from agendasync.store.events import check_event_slug, delete_event, save_event
from agendasync.store.exceptions import Conflict

_STAMPS = {"id", "created_at", "updated_at"}


class FieldConflict(Conflict):
    """A write that clashes with another record, naming the field that clashes."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


M = TypeVar("M", bound=BaseModel)
E = TypeVar("E", bound=DocumentRecord)
R = TypeVar("R", bound=Record)


def _validated(model: type[M], values: Mapping[str, Any]) -> M:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise InvalidContent.from_validation(exc) from exc


def merged(current: BaseModel, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The current values (without id and times) with `changes` laid over them."""
    return current.model_dump(exclude=_STAMPS) | dict(changes)


# --- events --------------------------------------------------------------------------------


def event_fields(values: Mapping[str, Any]) -> EventFields:
    """An event's fields as someone typed them (in a form, on the command line), validated."""
    return _validated(EventFields, values)


def create_event(connection: Connection, org: Organisation, fields: EventFields) -> Event:
    event = Event(org_id=org.id, **fields.model_dump())
    _save_event(connection, event)
    return event


def update_event(connection: Connection, event: Event, changes: Mapping[str, Any]) -> Event:
    fields = _validated(EventFields, merged(event_header(event), changes))
    updated = Event(
        id=event.id, org_id=event.org_id, created_at=event.created_at, **fields.model_dump()
    )
    _save_event(connection, updated)
    return updated


def _save_event(connection: Connection, event: Event) -> None:
    try:
        check_event_slug(connection, event)
    except Conflict as exc:
        raise FieldConflict("slug", str(exc)) from exc
    save_event(connection, event)


def remove_event(connection: Connection, event: Event) -> None:
    delete_event(connection, event.id)


# --- sessions, speakers, sponsors, exhibitors ----------------------------------------------------


@dataclass(frozen=True)
class RecordKind(Generic[E, R]):
    """One kind of event record, as the API handles it."""

    name: str  # the list in the event document and the URL: "sessions"
    what: str  # one of them, for messages: "session"
    table: Table
    entry: type[E]
    load: Callable[[Connection, uuid.UUID, Sequence[uuid.UUID]], list[R]]
    to_entry: Callable[[R, Event], E]


SESSIONS: RecordKind[SessionEntry, Any] = RecordKind(
    "sessions",
    "session",
    t.sessions,
    SessionEntry,
    load_sessions,
    lambda session, event: session_entry(session, event.tz),
)
SPEAKERS: RecordKind[SpeakerEntry, Any] = RecordKind(
    "speakers",
    "speaker",
    t.speakers,
    SpeakerEntry,
    load_speakers,
    lambda speaker, _: speaker_entry(speaker),
)
SPONSORS: RecordKind[SponsorEntry, Any] = RecordKind(
    "sponsors",
    "sponsor",
    t.sponsors,
    SponsorEntry,
    load_sponsors,
    lambda sponsor, _: sponsor_entry(sponsor),
)
EXHIBITORS: RecordKind[ExhibitorEntry, Any] = RecordKind(
    "exhibitors",
    "exhibitor",
    t.exhibitors,
    ExhibitorEntry,
    load_exhibitors,
    lambda exhibitor, _: exhibitor_entry(exhibitor),
)


def entry_of(kind: RecordKind[E, R], values: Mapping[str, Any]) -> E:
    """A new record's values, validated as the API validates its body (the pages send form
    values, not JSON)."""
    return _validated(kind.entry, values)


def get_record(
    connection: Connection, event: Event, kind: RecordKind[E, R], record_id: uuid.UUID
) -> E:
    return kind.to_entry(rows.one(kind.load, connection, event.id, record_id, kind.what), event)


def create_record(connection: Connection, event: Event, kind: RecordKind[E, R], entry: E) -> E:
    if entry.id is not None and rows.record_exists(connection, kind.table, entry.id):
        raise FieldConflict("id", f"a {kind.what} with id {entry.id} exists already")
    record_id = entry.id or uuid.uuid4()
    _write(connection, event, kind, entry.model_copy(update={"id": record_id}))
    return get_record(connection, event, kind, record_id)


def update_record(
    connection: Connection,
    event: Event,
    kind: RecordKind[E, R],
    record_id: uuid.UUID,
    changes: Mapping[str, Any],
) -> E:
    current = get_record(connection, event, kind, record_id)
    entry = _validated(kind.entry, merged(current, changes) | {"id": record_id})
    _write(connection, event, kind, entry)
    return get_record(connection, event, kind, record_id)


def delete_record(
    connection: Connection, event: Event, kind: RecordKind[E, R], record_id: uuid.UUID
) -> None:
    rows.delete_record(connection, kind.table, event.id, record_id, kind.what)


def _write(connection: Connection, event: Event, kind: RecordKind[E, R], entry: E) -> None:
    """Build the record from its entry as a file import would, and save it (with the taxonomy
    items it names that the event does not hold yet)."""
    known = known_ids(connection, event.id, referable_speakers=True)
    lists: dict[str, Any] = {
        name: [] for name in ("speakers", "sessions", "sponsors", "exhibitors")
    }
    lists[kind.name] = [entry]
    document = EventDocument.model_construct(
        format=FORMAT, event=event_header(event), taxonomy=TaxonomyLists(), **lists
    )
    try:
        content = from_document(document, org_id=event.org_id, known=known)
    except InvalidContent as exc:
        # The document held this one record: name its fields as the record's own.
        record = f"{kind.name}.0"
        raise InvalidContent(
            [
                ("(document)" if place == record else place.removeprefix(f"{record}."), message)
                for place, message in exc.problems
            ]
        ) from exc
    new_items = [i for i in content.taxonomy if (i.kind, i.name) not in known.taxonomy]
    changes = content.model_copy(update={"event": event, "taxonomy": new_items})
    try:
        save_event_content(connection, changes)
    except Conflict as exc:
        # The only clash left for a record whose id is its own: a speaker's email (R-MOD-3).
        raise FieldConflict("email", str(exc)) from exc
    except IntegrityError as exc:
        raise FieldConflict(
            "sessionize_id", f"another {kind.what} of this event has this Sessionize id"
        ) from exc


# --- taxonomy ------------------------------------------------------------------------------


def create_taxonomy_item(
    connection: Connection, event: Event, values: Mapping[str, Any]
) -> TaxonomyItem:
    item = _validated(TaxonomyItem, values)
    if rows.record_exists(connection, t.taxonomy_items, item.id):
        raise FieldConflict("id", f"a taxonomy item with id {item.id} exists already")
    return _save_item(connection, event, item)


def update_taxonomy_item(
    connection: Connection, event: Event, item_id: uuid.UUID, changes: Mapping[str, Any]
) -> TaxonomyItem:
    """A rename keeps the item's id, so partners rename theirs too (R-TX-7)."""
    current = rows.taxonomy_item(connection, event.id, item_id)
    item = _validated(TaxonomyItem, merged(current, changes) | {"id": item_id})
    return _save_item(connection, event, item)


def _save_item(connection: Connection, event: Event, item: TaxonomyItem) -> TaxonomyItem:
    holder = rows.taxonomy_item_named(connection, event.id, item.kind, item.name)
    if holder is not None and holder.id != item.id:
        raise FieldConflict("name", f"this event already has a {item.kind.value} {item.name!r}")
    save_event_content(connection, EventContent(event=event, taxonomy=[item]))
    return rows.taxonomy_item(connection, event.id, item.id)


def delete_taxonomy_item(connection: Connection, event: Event, item_id: uuid.UUID) -> None:
    """Sessions and speakers lose the item; a session with it as its format keeps no format."""
    rows.delete_record(connection, t.taxonomy_items, event.id, item_id, "taxonomy item")
