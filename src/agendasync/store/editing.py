"""What the editing pages and commands read: the choices a session form offers (the event's
speakers and taxonomy), what goes with an event that is deleted, and how many sessions use each
taxonomy item. Each is one query, whatever the event's size."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, ScalarSelect, Table, func, select

from agendasync.domain.models import TaxonomyItem, TaxonomyKind
from agendasync.store import tables as t


@dataclass(frozen=True)
class SpeakerChoice:
    id: uuid.UUID
    name: str
    email: str | None

    @property
    def label(self) -> str:
        return f"{self.name} ({self.email})" if self.email else self.name


def speaker_choices(connection: Connection, event_id: uuid.UUID) -> list[SpeakerChoice]:
    """Every speaker of the event by name, for choosing the people of a session."""
    s = t.speakers
    rows = connection.execute(
        select(s.c.id, s.c.first_name, s.c.last_name, s.c.email)
        .where(s.c.event_id == event_id)
        .order_by(s.c.last_name, s.c.first_name, s.c.id)
    )
    return [SpeakerChoice(r.id, f"{r.first_name} {r.last_name}", r.email) for r in rows]


def event_taxonomy(
    connection: Connection, event_id: uuid.UUID, kinds: Sequence[TaxonomyKind]
) -> list[TaxonomyItem]:
    """The event's items of these kinds, by kind and name."""
    items = t.taxonomy_items
    rows = connection.execute(
        select(items.c.id, items.c.kind, items.c.name, items.c.colour)
        .where(items.c.event_id == event_id, items.c.kind.in_([k.value for k in kinds]))
        .order_by(items.c.kind, items.c.name)
    )
    return [
        TaxonomyItem.model_construct(
            id=r.id, kind=TaxonomyKind(r.kind), name=r.name, colour=r.colour
        )
        for r in rows
    ]


def sessions_per_item(connection: Connection, event_id: uuid.UUID) -> dict[uuid.UUID, int]:
    """How many sessions each of the event's taxonomy items is on (items on none are left out)."""
    items, links = t.taxonomy_items, t.session_taxonomy
    rows = connection.execute(
        select(links.c.item_id, func.count())
        .join(items, items.c.id == links.c.item_id)
        .where(items.c.event_id == event_id)
        .group_by(links.c.item_id)
    )
    return {row.item_id: int(row[1]) for row in rows}


@dataclass(frozen=True)
class EventHoldings:
    """What an event holds, all of which goes when it is deleted."""

    sessions: int
    speakers: int
    sponsors: int
    exhibitors: int
    mappings: int
    runs: int

    def parts(self) -> list[str]:
        """In words, leaving out what it has none of: ["14 sessions", "1 partner mapping"]."""
        named = [
            (self.sessions, "session", "sessions"),
            (self.speakers, "speaker", "speakers"),
            (self.sponsors, "sponsor", "sponsors"),
            (self.exhibitors, "exhibitor", "exhibitors"),
            (self.mappings, "partner mapping", "partner mappings"),
            (self.runs, "sync report", "sync reports"),
        ]
        return [f"{n} {one if n == 1 else many}" for n, one, many in named if n]


def event_holdings(connection: Connection, event_id: uuid.UUID) -> EventHoldings:
    def count(table: Table) -> ScalarSelect[int]:
        return select(func.count()).where(table.c.event_id == event_id).scalar_subquery()

    tables = (t.sessions, t.speakers, t.sponsors, t.exhibitors, t.mappings, t.sync_runs)
    row = connection.execute(select(*(count(table) for table in tables))).one()
    return EventHoldings(*(int(n) for n in row))
