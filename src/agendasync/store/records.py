"""Lists of an event's records one page at a time, with filters; one record; deleting one.

Each list takes a fixed number of queries whatever the page size: one counts the matches, one
picks the page's ids in order, and `content.load_*` loads those records with their links.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    Table,
    and_,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
)

from agendasync.domain.integrations import RunStatus, SyncRun
from agendasync.domain.models import (
    Event,
    Exhibitor,
    Record,
    Session,
    Speaker,
    Sponsor,
    TaxonomyItem,
    TaxonomyKind,
)
from agendasync.store import tables as t
from agendasync.store.content import load_exhibitors, load_sessions, load_speakers, load_sponsors
from agendasync.store.events import event_from_row, touch_content
from agendasync.store.exceptions import NotFound

T = TypeVar("T")


@dataclass(frozen=True)
class PageRequest:
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    request: PageRequest


def _contains(column: Any, text: str) -> ColumnElement[bool]:
    """Case-insensitive substring match, with `%` and `_` in the text taken literally."""
    return func.lower(column).contains(text.lower(), autoescape=True)


def _same_text(column: Any, text: str) -> ColumnElement[bool]:
    return func.lower(column) == text.strip().lower()


def _page_ids(
    connection: Connection, query: Select[Any], order: Sequence[Any], page: PageRequest
) -> tuple[int, list[uuid.UUID]]:
    total = connection.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    ids = connection.execute(query.order_by(*order).limit(page.limit).offset(page.offset))
    return total, list(ids.scalars())


def _paged(
    connection: Connection,
    query: Select[Any],
    order: Sequence[Any],
    page: PageRequest,
    load: Callable[[list[uuid.UUID]], list[T]],
) -> Page[T]:
    total, ids = _page_ids(connection, query, order, page)
    return Page(load(ids) if ids else [], total, page)


# --- events --------------------------------------------------------------------------------


def page_events(
    connection: Connection, org_id: uuid.UUID, page: PageRequest, *, q: str | None = None
) -> Page[Event]:
    query = select(t.events).where(t.events.c.org_id == org_id)
    if q:
        query = query.where(or_(_contains(t.events.c.name, q), _contains(t.events.c.slug, q)))
    total = connection.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = connection.execute(
        query.order_by(t.events.c.start_date, t.events.c.slug).limit(page.limit).offset(page.offset)
    )
    return Page([event_from_row(row._asdict()) for row in rows], total, page)


# --- sessions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionFilter:
    status: str | None = None
    q: str | None = None  # in the title
    track: str | None = None
    location: str | None = None
    tag: str | None = None
    level: str | None = None
    format: str | None = None
    speaker: uuid.UUID | None = None  # sessions this speaker is on, in any role
    starts_from: datetime | None = None  # sessions starting at or after this moment
    starts_before: datetime | None = None
    unscheduled: bool = False  # only sessions without a start or an end

    def on_day(self, day: date | None, zone: tzinfo) -> SessionFilter:
        """This filter narrowed to the sessions starting on `day` in the time zone `zone`: from
        its midnight to the next (no day: this filter as it is)."""
        if day is None:
            return self
        return replace(
            self,
            starts_from=datetime.combine(day, time(), zone),
            starts_before=datetime.combine(day + timedelta(days=1), time(), zone),
        )


def _classified_as(kind: TaxonomyKind, name: str) -> ColumnElement[bool]:
    items, links = t.taxonomy_items, t.session_taxonomy
    return exists(
        select(links.c.session_id)
        .join(items, items.c.id == links.c.item_id)
        .where(
            links.c.session_id == t.sessions.c.id,
            items.c.kind == kind.value,
            _same_text(items.c.name, name),
        )
    )


def page_sessions(
    connection: Connection, event_id: uuid.UUID, page: PageRequest, where: SessionFilter
) -> Page[Session]:
    sessions = t.sessions
    query = select(sessions.c.id).where(sessions.c.event_id == event_id)
    if where.status:
        query = query.where(sessions.c.status == where.status)
    if where.q:
        query = query.where(_contains(sessions.c.title, where.q))
    for kind, name in (
        (TaxonomyKind.TRACK, where.track),
        (TaxonomyKind.LOCATION, where.location),
        (TaxonomyKind.TAG, where.tag),
        (TaxonomyKind.LEVEL, where.level),
    ):
        if name:
            query = query.where(_classified_as(kind, name))
    if where.format:
        items = t.taxonomy_items
        query = query.where(
            exists(
                select(items.c.id).where(
                    items.c.id == sessions.c.format_id, _same_text(items.c.name, where.format)
                )
            )
        )
    if where.speaker:
        people = t.session_people
        query = query.where(
            exists(
                select(people.c.session_id).where(
                    people.c.session_id == sessions.c.id, people.c.speaker_id == where.speaker
                )
            )
        )
    if where.starts_from:
        query = query.where(sessions.c.starts_at >= where.starts_from)
    if where.starts_before:
        query = query.where(sessions.c.starts_at < where.starts_before)
    if where.unscheduled:
        query = query.where(or_(sessions.c.starts_at.is_(None), sessions.c.ends_at.is_(None)))
    # Scheduled sessions in time order, then the unscheduled ones (portable NULLS LAST).
    order = [sessions.c.starts_at.is_(None), sessions.c.starts_at, sessions.c.title, sessions.c.id]
    return _paged(
        connection, query, order, page, lambda ids: load_sessions(connection, event_id, ids)
    )


# --- speakers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpeakerFilter:
    status: str | None = None
    q: str | None = None  # in the first name, last name, email or company
    email: str | None = None
    tag: str | None = None
    # By their sessions: on a session of this track and/or status, or (`without_sessions`) on
    # none such (on no session at all when neither is given).
    track: str | None = None
    session_status: str | None = None
    without_sessions: bool = False


def _on_sessions(where: SpeakerFilter) -> ColumnElement[bool] | None:
    """Whether a speaker is on a session that matches the filter's session conditions."""
    if not (where.track or where.session_status or where.without_sessions):
        return None
    people, sessions = t.session_people, t.sessions
    query = select(people.c.session_id).where(people.c.speaker_id == t.speakers.c.id)
    if where.session_status or where.track:
        query = query.join(sessions, sessions.c.id == people.c.session_id)
    if where.session_status:
        query = query.where(sessions.c.status == where.session_status)
    if where.track:
        query = query.where(_classified_as(TaxonomyKind.TRACK, where.track))
    found = exists(query)
    return ~found if where.without_sessions else found


def page_speakers(
    connection: Connection, event_id: uuid.UUID, page: PageRequest, where: SpeakerFilter
) -> Page[Speaker]:
    speakers = t.speakers
    query = select(speakers.c.id).where(speakers.c.event_id == event_id)
    if where.status:
        query = query.where(speakers.c.status == where.status)
    if where.q:
        query = query.where(
            or_(
                _contains(speakers.c.first_name, where.q),
                _contains(speakers.c.last_name, where.q),
                _contains(speakers.c.email, where.q),
                _contains(speakers.c.company, where.q),
            )
        )
    if where.email:
        query = query.where(_same_text(speakers.c.email, where.email))
    if where.tag:
        items, links = t.taxonomy_items, t.speaker_tags
        query = query.where(
            exists(
                select(links.c.speaker_id)
                .join(items, items.c.id == links.c.item_id)
                .where(links.c.speaker_id == speakers.c.id, _same_text(items.c.name, where.tag))
            )
        )
    on_sessions = _on_sessions(where)
    if on_sessions is not None:
        query = query.where(on_sessions)
    order = [speakers.c.last_name, speakers.c.first_name, speakers.c.id]
    return _paged(
        connection, query, order, page, lambda ids: load_speakers(connection, event_id, ids)
    )


# --- sponsors and exhibitors -----------------------------------------------------------------


@dataclass(frozen=True)
class SponsorFilter:
    q: str | None = None  # in the name
    tier: str | None = None


def page_sponsors(
    connection: Connection, event_id: uuid.UUID, page: PageRequest, where: SponsorFilter
) -> Page[Sponsor]:
    sponsors = t.sponsors
    query = select(sponsors.c.id).where(sponsors.c.event_id == event_id)
    if where.q:
        query = query.where(_contains(sponsors.c.name, where.q))
    if where.tier:
        query = query.where(_same_text(sponsors.c.tier, where.tier))
    order = [sponsors.c.name, sponsors.c.id]
    return _paged(
        connection, query, order, page, lambda ids: load_sponsors(connection, event_id, ids)
    )


@dataclass(frozen=True)
class ExhibitorFilter:
    q: str | None = None  # in the name


def page_exhibitors(
    connection: Connection, event_id: uuid.UUID, page: PageRequest, where: ExhibitorFilter
) -> Page[Exhibitor]:
    exhibitors = t.exhibitors
    query = select(exhibitors.c.id).where(exhibitors.c.event_id == event_id)
    if where.q:
        query = query.where(_contains(exhibitors.c.name, where.q))
    order = [exhibitors.c.name, exhibitors.c.id]
    return _paged(
        connection, query, order, page, lambda ids: load_exhibitors(connection, event_id, ids)
    )


# --- taxonomy ------------------------------------------------------------------------------


def _taxonomy_item(row: Any) -> TaxonomyItem:
    values = row._asdict()
    values.pop("event_id")
    return TaxonomyItem.model_construct(**(values | {"kind": TaxonomyKind(values["kind"])}))


def page_taxonomy(
    connection: Connection,
    event_id: uuid.UUID,
    page: PageRequest,
    *,
    kind: TaxonomyKind | None = None,
    q: str | None = None,
) -> Page[TaxonomyItem]:
    items = t.taxonomy_items
    query = select(items).where(items.c.event_id == event_id)
    if kind:
        query = query.where(items.c.kind == kind.value)
    if q:
        query = query.where(_contains(items.c.name, q))
    total = connection.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = connection.execute(
        query.order_by(items.c.kind, items.c.name).limit(page.limit).offset(page.offset)
    )
    return Page([_taxonomy_item(row) for row in rows], total, page)


def taxonomy_item(connection: Connection, event_id: uuid.UUID, item_id: uuid.UUID) -> TaxonomyItem:
    items = t.taxonomy_items
    row = connection.execute(
        select(items).where(items.c.event_id == event_id, items.c.id == item_id)
    ).first()
    if row is None:
        raise NotFound(f"no taxonomy item with id {item_id} in this event")
    return _taxonomy_item(row)


def taxonomy_item_named(
    connection: Connection, event_id: uuid.UUID, kind: TaxonomyKind, name: str
) -> TaxonomyItem | None:
    items = t.taxonomy_items
    row = connection.execute(
        select(items).where(
            items.c.event_id == event_id, items.c.kind == kind.value, items.c.name == name
        )
    ).first()
    return _taxonomy_item(row) if row else None


# --- one record, deleting ------------------------------------------------------------------

R = TypeVar("R", bound=Record)


def one(
    loader: Callable[[Connection, uuid.UUID, Sequence[uuid.UUID]], list[R]],
    connection: Connection,
    event_id: uuid.UUID,
    record_id: uuid.UUID,
    what: str,
) -> R:
    """One record of the event (`loader` is one of `content.load_*`); NotFound otherwise."""
    found = loader(connection, event_id, [record_id])
    if not found:
        raise NotFound(f"no {what} with id {record_id} in this event")
    return found[0]


def record_exists(connection: Connection, table: Table, record_id: uuid.UUID) -> bool:
    """Whether any event holds a record with this id (ids are unique across events)."""
    return connection.execute(select(table.c.id).where(table.c.id == record_id)).first() is not None


def record_in_event(
    connection: Connection, table: Table, event_id: uuid.UUID, record_id: uuid.UUID
) -> bool:
    found = connection.execute(
        select(table.c.id).where(table.c.id == record_id, table.c.event_id == event_id)
    ).first()
    return found is not None


def delete_record(
    connection: Connection, table: Table, event_id: uuid.UUID, record_id: uuid.UUID, what: str
) -> None:
    """Delete one record of the event; its links go with it (the foreign keys cascade)."""
    deleted = connection.execute(
        delete(table).where(table.c.event_id == event_id, table.c.id == record_id)
    )
    if deleted.rowcount == 0:
        raise NotFound(f"no {what} with id {record_id} in this event")
    # Where deletes propagate, the whole event is planned to find what is gone.
    touch_content(connection, event_id, structure=True)


# --- sync runs and share links ---------------------------------------------------------------


def page_runs(
    connection: Connection,
    event_id: uuid.UUID,
    page: PageRequest,
    *,
    partner: str | None = None,
    status: RunStatus | None = None,
) -> Page[SyncRun]:
    runs = t.sync_runs
    query = select(runs).where(runs.c.event_id == event_id)
    if partner:
        query = query.where(runs.c.partner == partner)
    if status:
        query = query.where(runs.c.status == status.value)
    total = connection.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = connection.execute(
        query.order_by(runs.c.started_at.desc(), runs.c.id).limit(page.limit).offset(page.offset)
    )
    return Page([_run(row) for row in rows], total, page)


def _run(row: Any) -> SyncRun:
    return SyncRun.model_construct(**(row._asdict() | {"status": RunStatus(row.status)}))


def get_run(connection: Connection, event_id: uuid.UUID, run_id: uuid.UUID) -> SyncRun:
    runs = t.sync_runs
    row = connection.execute(
        select(runs).where(runs.c.event_id == event_id, runs.c.id == run_id)
    ).first()
    if row is None:
        raise NotFound(f"no sync run with id {run_id} for this event")
    return _run(row)


def find_run(connection: Connection, run_id: uuid.UUID) -> SyncRun:
    """A run by its id alone (the command line's `runs show`)."""
    row = connection.execute(select(t.sync_runs).where(t.sync_runs.c.id == run_id)).first()
    if row is None:
        raise NotFound(f"no sync run with id {run_id}")
    return _run(row)


def latest_run_since(
    connection: Connection, mapping_id: uuid.UUID, action: str, since: Any
) -> SyncRun | None:
    """The first run of the mapping's action started at or after `since` (the run a request
    made then became, whichever process ran it)."""
    runs = t.sync_runs
    row = connection.execute(
        select(runs)
        .where(
            and_(runs.c.mapping_id == mapping_id, runs.c.action == action),
            runs.c.started_at >= since,
            runs.c.dry_run.is_(False),
        )
        .order_by(runs.c.started_at)
        .limit(1)
    ).first()
    return _run(row) if row else None


@dataclass(frozen=True)
class PersonShareLink:
    partner: str  # its title, for people: "Gleanin"
    title: str
    url: str


def share_links_of(connection: Connection, person_id: uuid.UUID) -> list[PersonShareLink]:
    """R-SPK-2: a speaker's or team member's personal share links, per mapped partner."""
    return share_links_of_event(connection, person_ids=[person_id]).get(person_id, [])


def share_links_of_event(
    connection: Connection,
    *,
    event_id: uuid.UUID | None = None,
    person_ids: Sequence[uuid.UUID] = (),
) -> dict[uuid.UUID, list[PersonShareLink]]:
    """The share links of an event's people (or of the people named), by person: one query."""
    links, mappings, integrations = t.share_links, t.mappings, t.integrations
    query = (
        select(links.c.person_id, integrations.c.partner, links.c.title, links.c.url)
        .join(mappings, mappings.c.id == links.c.mapping_id)
        .join(integrations, integrations.c.id == mappings.c.integration_id)
        .order_by(integrations.c.partner, links.c.position)
    )
    if event_id is not None:
        query = query.where(mappings.c.event_id == event_id)
    if person_ids:
        query = query.where(links.c.person_id.in_(list(person_ids)))
    found: dict[uuid.UUID, list[PersonShareLink]] = {}
    for row in connection.execute(query):
        found.setdefault(row.person_id, []).append(PersonShareLink(row.partner, row.title, row.url))
    return found


def save_share_links(
    connection: Connection,
    mapping_id: uuid.UUID,
    person_id: uuid.UUID,
    links: Sequence[tuple[str, str]],
) -> None:
    """Replace the (title, url) share links a mapping's partner made for one person."""
    table = t.share_links
    connection.execute(
        delete(table).where(table.c.mapping_id == mapping_id, table.c.person_id == person_id)
    )
    if links:
        now = datetime.now(UTC)
        connection.execute(
            insert(table),
            [
                {
                    "mapping_id": mapping_id,
                    "person_id": person_id,
                    "position": position,
                    "title": title,
                    "url": url,
                    "updated_at": now,
                }
                for position, (title, url) in enumerate(links)
            ],
        )


def event_of_speaker(connection: Connection, speaker_id: uuid.UUID) -> uuid.UUID | None:
    found: uuid.UUID | None = connection.execute(
        select(t.speakers.c.event_id).where(t.speakers.c.id == speaker_id)
    ).scalar()
    return found


def exhibitor_of_contact(
    connection: Connection, person_id: uuid.UUID
) -> tuple[uuid.UUID, uuid.UUID] | None:
    """(event id, exhibitor id) of the exhibitor whose primary contact is `person_id`."""
    people, exhibitors = t.exhibitor_people, t.exhibitors
    row = connection.execute(
        select(exhibitors.c.event_id, exhibitors.c.id)
        .join(people, people.c.exhibitor_id == exhibitors.c.id)
        .where(people.c.id == person_id, people.c.is_primary.is_(True))
        .limit(1)
    ).first()
    return (row.event_id, row.id) if row else None
