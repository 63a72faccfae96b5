"""How each kind of record maps onto its table and its link tables: the rows a save writes
(`Entity.row` for the record's own row, each `Link.rows` for a link table)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table

from agendasync.domain.models import (
    Exhibitor,
    Record,
    Session,
    Speaker,
    TaxonomyItem,
)
from agendasync.store import tables as t

# Columns the store keeps for itself, not part of the records.
STORE_ONLY = {"event_id", "changed_version"}
_SPEAKER_COLUMNS = [c.name for c in t.speakers.c if c.name not in STORE_ONLY]
_SPONSOR_COLUMNS = [c.name for c in t.sponsors.c if c.name not in STORE_ONLY]


@dataclass(frozen=True)
class Link:
    table: Table
    rows: Callable[[Any], list[dict[str, Any]]]


@dataclass(frozen=True)
class Entity:
    """How one record type maps onto its table and its link tables."""

    name: str
    table: Table
    row: Callable[[Any], dict[str, Any]]
    links: Sequence[Link] = ()


def _taxonomy_row(item: TaxonomyItem) -> dict[str, Any]:
    return {"id": item.id, "kind": item.kind, "name": item.name, "colour": item.colour}


def _session_row(session: Session) -> dict[str, Any]:
    return {
        "id": session.id,
        "title": session.title,
        "description": session.description,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "status": session.status,
        "language": session.language,
        "format_id": session.format.id if session.format else None,
        "client_session_id": session.client_session_id,
        "sessionize_id": session.sessionize_id,
        "is_service": session.is_service,
        "withdrawn": session.withdrawn,
        "placeholder": session.placeholder,
    }


def _session_items(session: Session) -> list[dict[str, Any]]:
    items = [*session.tags, *session.tracks, *session.locations, *session.levels]
    return [{"item_id": item.id, "position": i} for i, item in enumerate(items)]


def _session_files(session: Session) -> list[dict[str, Any]]:
    return [
        {"position": i, "url": f.url, "uploaded_at": f.uploaded_at}
        for i, f in enumerate(session.files)
    ]


def _session_people(session: Session) -> list[dict[str, Any]]:
    return [
        {"speaker_id": p.speaker_id, "role": p.role, "position": i}
        for i, p in enumerate(session.people)
    ]


def _own_columns(record: Record, columns: Iterable[str]) -> dict[str, Any]:
    return {
        name: getattr(record, name) for name in columns if name not in ("created_at", "updated_at")
    }


def _speaker_tags(speaker: Speaker) -> list[dict[str, Any]]:
    return [{"item_id": item.id, "position": i} for i, item in enumerate(speaker.tags)]


def _exhibitor_row(exhibitor: Exhibitor) -> dict[str, Any]:
    return {
        "id": exhibitor.id,
        "name": exhibitor.name,
        "description": exhibitor.description,
        "website": exhibitor.website,
    }


def _exhibitor_people(exhibitor: Exhibitor) -> list[dict[str, Any]]:
    people = [(True, exhibitor.primary_contact)] if exhibitor.primary_contact else []
    people += [(False, person) for person in exhibitor.team]
    return [
        {"position": i, "is_primary": primary, **person.model_dump()}
        for i, (primary, person) in enumerate(people)
    ]


TAXONOMY = Entity("taxonomy", t.taxonomy_items, _taxonomy_row)
SPEAKERS = Entity(
    "speakers",
    t.speakers,
    lambda s: _own_columns(s, _SPEAKER_COLUMNS),
    [Link(t.speaker_tags, _speaker_tags)],
)
SESSIONS = Entity(
    "sessions",
    t.sessions,
    _session_row,
    [
        Link(t.session_taxonomy, _session_items),
        Link(t.session_files, _session_files),
        Link(t.session_people, _session_people),
    ],
)
SPONSORS = Entity("sponsors", t.sponsors, lambda s: _own_columns(s, _SPONSOR_COLUMNS))
EXHIBITORS = Entity(
    "exhibitors", t.exhibitors, _exhibitor_row, [Link(t.exhibitor_people, _exhibitor_people)]
)
