"""Import and export of the event JSON format; the CLI and the API call these."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, func, select

from agendasync.domain.event_json import (
    EventDocument,
    KnownIds,
    from_document,
    parse_document,
    to_document,
)
from agendasync.domain.exceptions import InvalidContent
from agendasync.domain.models import Event, Organisation, TaxonomyKind
from agendasync.store import tables as t
from agendasync.store.content import SaveSummary, load_event_content, save_event_content
from agendasync.store.events import find_event, get_event, save_event
from agendasync.store.exceptions import Conflict, NotFound


@dataclass
class ImportResult:
    event: Event
    event_created: bool
    summary: SaveSummary


def read_document(path: Path) -> EventDocument:
    """Read and validate a file; a problem is named by its line (bad JSON) or field."""
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except FileNotFoundError as exc:
        raise InvalidContent([(str(path), "no such file")]) from exc
    except IsADirectoryError as exc:
        raise InvalidContent([(str(path), "is a folder; name an event JSON file")]) from exc
    except OSError as exc:
        raise InvalidContent([(str(path), f"cannot be read: {exc.strerror}")]) from exc
    except RecursionError as exc:
        raise InvalidContent(
            [(str(path), "not an event file: its JSON is nested too deeply")]
        ) from exc
    except UnicodeDecodeError as exc:
        raise InvalidContent([(str(path), f"not UTF-8 text ({exc.reason})")]) from exc
    except json.JSONDecodeError as exc:
        raise InvalidContent(
            [(f"{path}:{exc.lineno}:{exc.colno}", f"not valid JSON: {exc.msg}")]
        ) from exc
    return parse_document(data)


def export_document(connection: Connection, slug: str) -> EventDocument:
    return to_document(load_event_content(connection, find_event(connection, slug).id))


def _known_ids(connection: Connection, document: EventDocument, org: Organisation) -> KnownIds:
    existing = get_event(connection, document.event.id) if document.event.id else None
    if existing is None:
        try:
            existing = find_event(connection, document.event.slug)
        except NotFound:
            return KnownIds()
    if existing.org_id != org.id:
        raise Conflict(
            f"event {document.event.slug!r} belongs to another organisation; "
            "choose another slug in the file"
        )
    return known_ids(connection, existing.id)


def known_ids(
    connection: Connection, event_id: uuid.UUID, *, referable_speakers: bool = False
) -> KnownIds:
    """The ids the event's taxonomy items and speakers have, by what names them in a document;
    with `referable_speakers`, also every speaker a session may name by id or email (the API
    sends one record at a time)."""
    taxonomy = {
        (TaxonomyKind(kind), name): item_id
        for item_id, kind, name in connection.execute(
            select(t.taxonomy_items.c.id, t.taxonomy_items.c.kind, t.taxonomy_items.c.name).where(
                t.taxonomy_items.c.event_id == event_id
            )
        )
    }
    speakers = connection.execute(
        select(t.speakers.c.id, func.lower(t.speakers.c.email)).where(
            t.speakers.c.event_id == event_id
        )
    ).all()
    by_email = {email: speaker_id for speaker_id, email in speakers if email is not None}
    referable = {str(speaker_id): speaker_id for speaker_id, _ in speakers} | by_email
    return KnownIds(
        event_id=event_id,
        taxonomy=taxonomy,
        speakers_by_email=by_email,
        referable_speakers=referable if referable_speakers else {},
    )


def import_document(
    connection: Connection, document: EventDocument, *, org: Organisation
) -> ImportResult:
    """Create or update the event the document describes, and all its records, in `org`."""
    known = _known_ids(connection, document, org)
    content = from_document(document, org_id=org.id, known=known)
    save_event(connection, content.event)
    summary = save_event_content(connection, content)
    return ImportResult(event=content.event, event_created=known.event_id is None, summary=summary)
