"""An event's content: load it whole, or save (upsert) records into it.

Loading takes the same eleven queries for an event of one session or of ten thousand; saving
takes a fixed number of queries per entity type plus batched writes. Both work on a connection
inside the caller's transaction, so a failed import writes nothing.
"""

from __future__ import annotations

import gc
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Connection, Row, Table, bindparam, delete, func, insert, select, update

from agendasync.domain.models import (
    ContentFile,
    EventContent,
    Exhibitor,
    Person,
    Record,
    Role,
    Session,
    SessionPerson,
    SessionStatus,
    Speaker,
    SpeakerStatus,
    Sponsor,
    TaxonomyItem,
    TaxonomyKind,
)
from agendasync.store import tables as t
from agendasync.store.content_rows import (
    EXHIBITORS,
    SESSIONS,
    SPEAKERS,
    SPONSORS,
    STORE_ONLY,
    TAXONOMY,
    Entity,
)
from agendasync.store.events import event_from_row, touch_content
from agendasync.store.exceptions import Conflict, NotFound
from agendasync.store.portal import bump_portal_links

_BATCH = 500  # ids per IN (...) clause, well under every database's parameter limit

_TAXONOMY_FIELDS = {
    TaxonomyKind.TAG: "tags",
    TaxonomyKind.TRACK: "tracks",
    TaxonomyKind.LOCATION: "locations",
    TaxonomyKind.LEVEL: "levels",
}
# Enum members by stored value, looked up without Enum.__call__ (tens of thousands a load).
_SESSION_STATUS = {status.value: status for status in SessionStatus}
_SPEAKER_STATUS = {status.value: status for status in SpeakerStatus}
_ROLE = {role.value: role for role in Role}
# Columns the store keeps for itself, not part of the records.


# --- loading -------------------------------------------------------------------------------


M = TypeVar("M", bound=BaseModel)
Ids = Sequence[uuid.UUID] | None


def _trusted(model: type[M], values: dict[str, Any]) -> M:
    """A model from values the store validated on the way in: every field given, none checked.

    Pydantic's `model_construct` also fills defaults field by field, which made it most of the
    time of loading a large event; this sets the same four attributes directly.
    """
    assert values.keys() == model.__pydantic_fields__.keys(), (model, values.keys())
    instance = model.__new__(model)
    object.__setattr__(instance, "__dict__", values)
    object.__setattr__(instance, "__pydantic_fields_set__", set(values))
    object.__setattr__(instance, "__pydantic_extra__", None)
    object.__setattr__(instance, "__pydantic_private__", None)
    return instance


def _owner_column(owner: Table) -> str:
    """The column by which a link row names its record (`sessions` -> `session_id`)."""
    return f"{owner.name.removesuffix('s')}_id"


def _rows(
    connection: Connection, table: Table, event_id: uuid.UUID, ids: Ids = None
) -> list[dict[str, Any]]:
    """The event's rows of `table` (only those of `ids` if given), without the store's own
    columns."""
    columns = [column for column in table.c if column.name not in STORE_ONLY]
    query = select(*columns).where(table.c.event_id == event_id)
    if ids is not None:
        query = query.where(table.c.id.in_(ids))
    result = connection.execute(query)
    keys = list(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result.all()]


def _links(
    connection: Connection, link: Table, owner: Table, event_id: uuid.UUID, ids: Ids = None
) -> dict[uuid.UUID, list[Row[Any]]]:
    """The link rows of every record of the event (or of `ids`), grouped by owner, in position
    order.

    The owner id is the first value of each row; the others but `position` (which the order
    carries) follow in the table's order.
    """
    owner_column = link.c[_owner_column(owner)]
    others = [column for column in link.c if column not in (owner_column, link.c.position)]
    query = (
        select(owner_column, *others)
        .join(owner, owner.c.id == owner_column)
        .where(owner.c.event_id == event_id)
        .order_by(owner_column, link.c.position)
    )
    if ids is not None:
        query = query.where(owner_column.in_(ids))
    result = connection.execute(query)
    grouped: dict[uuid.UUID, list[Row[Any]]] = defaultdict(list)
    for row in result.all():
        grouped[row[0]].append(row)
    return grouped


@contextmanager
def paused_garbage_collector() -> Iterator[None]:
    """Building a large event allocates hundreds of thousands of objects and no cycles; the
    cyclic collector would rescan the growing heap again and again (40% of the load time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_event_content(
    connection: Connection,
    event_id: uuid.UUID,
    *,
    sponsors: bool = True,
    exhibitors: bool = True,
) -> EventContent:
    """The event and everything it holds, in a fixed number of queries (fewer when the
    sponsors or exhibitors are not needed, as for a content sync)."""
    with paused_garbage_collector():
        return _load_event_content(connection, event_id, sponsors, exhibitors)


def _load_event_content(
    connection: Connection, event_id: uuid.UUID, with_sponsors: bool, with_exhibitors: bool
) -> EventContent:
    event_row = connection.execute(select(t.events).where(t.events.c.id == event_id)).first()
    if event_row is None:
        raise NotFound(f"no event with id {event_id}")
    event = event_from_row(event_row._asdict())
    taxonomy = _taxonomy(connection, event_id)
    return EventContent.model_construct(
        event=event,
        taxonomy=sorted(taxonomy.values(), key=lambda item: (item.kind, item.name)),
        sessions=_sessions(connection, event_id, taxonomy),
        speakers=_speakers(connection, event_id, taxonomy),
        sponsors=_sponsors(connection, event_id) if with_sponsors else [],
        exhibitors=_exhibitors(connection, event_id) if with_exhibitors else [],
    )


@dataclass(frozen=True)
class ChangedContent:
    """The sessions and speakers written since a content version, and what their payloads and
    eligibility depend on. `targets` are the records to plan again: the changed ones, the
    speakers of changed sessions and the sessions of changed speakers. The others loaded are
    there only for what the targets depend on (every session of a target speaker, every speaker
    of a target session)."""

    content: EventContent
    targets: frozenset[uuid.UUID]
    context: frozenset[uuid.UUID]


def load_changed_content(
    connection: Connection, event_id: uuid.UUID, *, since: int, window: tuple[datetime, datetime]
) -> ChangedContent | None:
    """The records written after content version `since`, and the sessions that started or
    ended within `window` (their eligibility may have changed with time), with what they
    depend on; None when so many are involved that loading the whole event costs less."""
    event_row = connection.execute(select(t.events).where(t.events.c.id == event_id)).first()
    if event_row is None:
        raise NotFound(f"no event with id {event_id}")
    s, p, links = t.sessions.c, t.speakers.c, t.session_people.c
    after, until = window
    sessions = set(
        connection.execute(
            select(s.id).where(
                s.event_id == event_id,
                (s.changed_version > since)
                | ((s.starts_at > after) & (s.starts_at <= until))
                | ((s.ends_at > after) & (s.ends_at <= until)),
            )
        ).scalars()
    )
    speakers = set(
        connection.execute(
            select(p.id).where(p.event_id == event_id, p.changed_version > since)
        ).scalars()
    )
    pairs = connection.execute(
        select(links.session_id, links.speaker_id)
        .join(t.sessions, s.id == links.session_id)
        .where(s.event_id == event_id)
    ).all()
    speakers_of, sessions_of = defaultdict(set), defaultdict(set)
    for session_id, speaker_id in pairs:
        speakers_of[session_id].add(speaker_id)
        sessions_of[speaker_id].add(session_id)

    def linked(ids: set[uuid.UUID], to: dict[uuid.UUID, set[uuid.UUID]]) -> set[uuid.UUID]:
        return {other for one in ids for other in to.get(one, ())}

    target_sessions = sessions | linked(speakers, sessions_of)
    target_speakers = speakers | linked(sessions, speakers_of)
    needed_sessions = target_sessions | linked(target_speakers, sessions_of)
    needed_speakers = target_speakers | linked(target_sessions, speakers_of)
    if max(len(needed_sessions), len(needed_speakers)) > _BATCH:
        return None
    with paused_garbage_collector():
        taxonomy = _taxonomy(connection, event_id)
        content = EventContent.model_construct(
            event=event_from_row(event_row._asdict()),
            taxonomy=sorted(taxonomy.values(), key=lambda item: (item.kind, item.name)),
            sessions=_sessions(connection, event_id, taxonomy, sorted(needed_sessions)),
            speakers=_speakers(connection, event_id, taxonomy, sorted(needed_speakers)),
            sponsors=[],
            exhibitors=[],
        )
    targets = frozenset(target_sessions | target_speakers)
    return ChangedContent(content, targets, frozenset(needed_sessions | needed_speakers) - targets)


def _taxonomy(connection: Connection, event_id: uuid.UUID) -> dict[uuid.UUID, TaxonomyItem]:
    return {
        row["id"]: _trusted(TaxonomyItem, row | {"kind": TaxonomyKind(row["kind"])})
        for row in _rows(connection, t.taxonomy_items, event_id)
    }


def _sessions(
    connection: Connection,
    event_id: uuid.UUID,
    taxonomy: dict[uuid.UUID, TaxonomyItem],
    ids: Ids = None,
) -> list[Session]:
    session_items = _links(connection, t.session_taxonomy, t.sessions, event_id, ids)
    session_files = _links(connection, t.session_files, t.sessions, event_id, ids)
    session_people = _links(connection, t.session_people, t.sessions, event_id, ids)
    sessions = []
    for row in _rows(connection, t.sessions, event_id, ids):
        session_id = row["id"]
        classified: dict[str, Any] = {name: [] for name in _TAXONOMY_FIELDS.values()}
        for link in session_items.get(session_id, ()):
            item = taxonomy[link.item_id]
            classified[_TAXONOMY_FIELDS[item.kind]].append(item)
        format_id = row.pop("format_id")
        row |= classified | {
            "status": _SESSION_STATUS[row["status"]],
            "format": taxonomy[format_id] if format_id else None,
            "files": [
                _trusted(ContentFile, {"url": f.url, "uploaded_at": f.uploaded_at})
                for f in session_files.get(session_id, ())
            ],
            "people": [
                SessionPerson(speaker_id=p.speaker_id, role=_ROLE[p.role])
                for p in session_people.get(session_id, ())
            ],
        }
        sessions.append(_trusted(Session, row))
    return sessions


def _speakers(
    connection: Connection,
    event_id: uuid.UUID,
    taxonomy: dict[uuid.UUID, TaxonomyItem],
    ids: Ids = None,
) -> list[Speaker]:
    speaker_tags = _links(connection, t.speaker_tags, t.speakers, event_id, ids)
    return [
        _trusted(
            Speaker,
            row
            | {
                "status": _SPEAKER_STATUS[row["status"]],
                "tags": [taxonomy[link.item_id] for link in speaker_tags.get(row["id"], ())],
            },
        )
        for row in _rows(connection, t.speakers, event_id, ids)
    ]


def _sponsors(connection: Connection, event_id: uuid.UUID, ids: Ids = None) -> list[Sponsor]:
    return [_trusted(Sponsor, row) for row in _rows(connection, t.sponsors, event_id, ids)]


def _exhibitors(connection: Connection, event_id: uuid.UUID, ids: Ids = None) -> list[Exhibitor]:
    exhibitor_people = _links(connection, t.exhibitor_people, t.exhibitors, event_id, ids)
    exhibitors = []
    for row in _rows(connection, t.exhibitors, event_id, ids):
        people = exhibitor_people.get(row["id"], [])
        primary = [_person(p) for p in people if p.is_primary]
        row |= {
            "primary_contact": primary[0] if primary else None,
            "team": [_person(p) for p in people if not p.is_primary],
        }
        exhibitors.append(_trusted(Exhibitor, row))
    return exhibitors


R = TypeVar("R", bound=Record)


def _in_order(records: list[R], ids: Sequence[uuid.UUID]) -> list[R]:
    by_id = {record.id: record for record in records}
    return [by_id[record_id] for record_id in ids if record_id in by_id]


# Some records of an event (a page of a list, or one record), in the order of `ids`, each in a
# fixed number of queries whatever the number of ids (the REST API and the pages list with
# these; keep `ids` to a page, well under a database's parameter limit).


def load_sessions(
    connection: Connection, event_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> list[Session]:
    taxonomy = _taxonomy(connection, event_id)
    return _in_order(_sessions(connection, event_id, taxonomy, ids), ids)


def load_speakers(
    connection: Connection, event_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> list[Speaker]:
    taxonomy = _taxonomy(connection, event_id)
    return _in_order(_speakers(connection, event_id, taxonomy, ids), ids)


def load_sponsors(
    connection: Connection, event_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> list[Sponsor]:
    return _in_order(_sponsors(connection, event_id, ids), ids)


def load_exhibitors(
    connection: Connection, event_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> list[Exhibitor]:
    return _in_order(_exhibitors(connection, event_id, ids), ids)


def _person(row: Row[Any]) -> Person:
    names = {"first_name": row.first_name, "last_name": row.last_name}
    return _trusted(Person, {"id": row.id, **names, "email": row.email})


# --- saving --------------------------------------------------------------------------------


@dataclass
class SaveCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class SaveSummary:
    """What a save did, per entity type (`taxonomy`, `sessions`, ...)."""

    counts: dict[str, SaveCounts] = field(default_factory=dict)

    def total(self, attribute: str) -> int:
        return sum(getattr(c, attribute) for c in self.counts.values())


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), _BATCH):
        yield values[start : start + _BATCH]


def _link_values(
    link: Table, owner_column: str, rows: list[dict[str, Any]]
) -> list[tuple[Any, ...]]:
    """New link rows in the shape `_links` reads them back: values in column order."""
    names = [column.name for column in link.c if column.name not in (owner_column, "position")]
    return [tuple(row[name] for name in names) for row in rows]


def _upsert(
    connection: Connection,
    entity: Entity,
    event_id: uuid.UUID,
    records: Sequence[Record],
    now: datetime,
    stamps: dict[Table, set[uuid.UUID]],
) -> SaveCounts:
    """Insert or update `records`; the ids of the rows to stamp with the new content version
    are added to `stamps` (the record's own, and speakers taken off a session)."""
    table = entity.table
    owner_column = _owner_column(table)
    # Only the rows (and links) of the records given: saving a few changes to a large event
    # reads no more than those.
    existing: dict[uuid.UUID, dict[str, Any]] = {}
    existing_links: list[dict[uuid.UUID, list[Row[Any]]]] = [{} for _ in entity.links]
    for chunk in _chunks([record.id for record in records]):
        existing |= {row["id"]: row for row in _rows(connection, table, event_id, chunk)}
        for found, link in zip(existing_links, entity.links, strict=True):
            found |= _links(connection, link.table, table, event_id, chunk)
    counts = SaveCounts()
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    relinked: list[Record] = []
    declined: list[uuid.UUID] = []

    for record in records:
        row = entity.row(record)
        old = existing.get(record.id)
        if old is None:
            inserts.append(
                {
                    **row,
                    "event_id": event_id,
                    "created_at": record.created_at or now,
                    "updated_at": record.updated_at or record.created_at or now,
                }
            )
            relinked.append(record)
            counts.created += 1
            continue
        links_changed = any(
            _link_values(link.table, owner_column, link.rows(record))
            != [tuple(row[1:]) for row in old_links.get(record.id, ())]
            for link, old_links in zip(entity.links, existing_links, strict=True)
        )
        if links_changed or any(old[k] != v for k, v in row.items()):
            values = {k: v for k, v in row.items() if k != "id"}
            updates.append({**values, "_id": record.id, "updated_at": now})
            if entity.table is t.speakers and _newly_declined(old, row):
                declined.append(record.id)
            if links_changed:
                relinked.append(record)
                if entity.table is t.sessions:
                    assert isinstance(record, Session)
                    stamps[t.speakers] |= _unlinked_speakers(existing_links, record)
            counts.updated += 1
        else:
            counts.unchanged += 1

    if table in stamps:
        stamps[table] |= {row["id"] for row in inserts} | {row["_id"] for row in updates}
    _refuse_foreign_ids(connection, entity, [row["id"] for row in inserts])
    if inserts:
        connection.execute(insert(table), inserts)
    if updates:
        # Never `SET id` (hence `_id`): rewriting a key other tables point at makes SQLite scan
        # each referencing table for every row written (quadratic when many rows change).
        columns: dict[str, Any] = {k: bindparam(k) for k in updates[0] if k != "_id"}
        statement = update(table).where(table.c.id == bindparam("_id")).values(columns)
        connection.execute(statement, updates)
    _replace_links(connection, entity, owner_column, relinked)
    for chunk in _chunks(declined):
        # A declined speaker's portal links stop working; a new one is made if need be.
        bump_portal_links(connection, chunk)
    return counts


def _unlinked_speakers(
    existing_links: list[dict[uuid.UUID, list[Row[Any]]]], session: Session
) -> set[uuid.UUID]:
    """The speakers a session's update takes off it: their session links change too."""
    position = [link.table for link in SESSIONS.links].index(t.session_people)
    before = {row.speaker_id for row in existing_links[position].get(session.id, ())}
    return before - {person.speaker_id for person in session.people}


def _stamp(connection: Connection, stamps: dict[Table, set[uuid.UUID]], version: int) -> None:
    for table, ids in stamps.items():
        for chunk in _chunks(sorted(ids)):
            connection.execute(
                update(table).where(table.c.id.in_(chunk)).values(changed_version=version)
            )


def _newly_declined(old: Any, row: dict[str, Any]) -> bool:
    declined = SpeakerStatus.DECLINED.value
    return bool(row.get("status") == declined and old["status"] != declined)


def _refuse_foreign_ids(connection: Connection, entity: Entity, ids: list[uuid.UUID]) -> None:
    """A new record's id already used by another event's record is refused, not overwritten."""
    for chunk in _chunks(ids):
        taken = connection.execute(
            select(entity.table.c.id).where(entity.table.c.id.in_(chunk)).limit(1)
        ).scalar()
        if taken is not None:
            raise Conflict(f"{entity.name}: id {taken} already belongs to another event")


def _replace_links(
    connection: Connection, entity: Entity, owner_column: str, records: list[Record]
) -> None:
    for link in entity.links:
        owners = [record.id for record in records]
        for chunk in _chunks(owners):
            connection.execute(delete(link.table).where(link.table.c[owner_column].in_(chunk)))
        rows = [{owner_column: record.id, **row} for record in records for row in link.rows(record)]
        if rows:
            connection.execute(insert(link.table), rows)


def _check_speaker_emails(
    connection: Connection, event_id: uuid.UUID, speakers: Sequence[Speaker]
) -> None:
    """R-MOD-3: one speaker per email in an event, whatever the letter case."""
    owner: dict[str, uuid.UUID] = {
        email: speaker_id
        for speaker_id, email in connection.execute(
            select(t.speakers.c.id, func.lower(t.speakers.c.email)).where(
                t.speakers.c.event_id == event_id, t.speakers.c.email.is_not(None)
            )
        )
    }
    incoming = {speaker.id for speaker in speakers}
    owner = {email: speaker_id for email, speaker_id in owner.items() if speaker_id not in incoming}
    for speaker in speakers:
        if speaker.email is None:
            continue
        key = speaker.email.lower()
        holder = owner.setdefault(key, speaker.id)
        if holder != speaker.id:
            raise Conflict(
                f"speaker {speaker.first_name} {speaker.last_name}: email {speaker.email!r} "
                f"is already used by speaker {holder} of this event"
            )


def save_event_content(
    connection: Connection, content: EventContent, *, now: datetime | None = None
) -> SaveSummary:
    """Create or update every record of `content` in its (existing) event.

    Records are matched by id; records of the event that `content` does not name are left as
    they are. A record is `updated` only when one of its values or links changed.
    """
    now = now or datetime.now(UTC)
    event_id = content.event.id
    _check_speaker_emails(connection, event_id, content.speakers)
    summary = SaveSummary()
    stamps: dict[Table, set[uuid.UUID]] = {t.sessions: set(), t.speakers: set()}
    # Taxonomy and speakers first: sessions point at both.
    for entity, records in (
        (TAXONOMY, content.taxonomy),
        (SPEAKERS, content.speakers),
        (SESSIONS, content.sessions),
        (SPONSORS, content.sponsors),
        (EXHIBITORS, content.exhibitors),
    ):
        summary.counts[entity.name] = _upsert(connection, entity, event_id, records, now, stamps)
    if summary.total("created") or summary.total("updated"):
        taxonomy = summary.counts[TAXONOMY.name]
        # A taxonomy item is part of every record that uses it: the next check plans them all.
        structure = bool(taxonomy.created or taxonomy.updated)
        _stamp(connection, stamps, touch_content(connection, event_id, structure=structure))
    return summary
