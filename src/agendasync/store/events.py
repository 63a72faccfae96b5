"""Organisations and events: create, find, list."""

from __future__ import annotations

import re
import uuid
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select, update

from agendasync.domain.models import Event, EventFields, Organisation
from agendasync.store import tables as t
from agendasync.store.exceptions import Conflict, NotFound


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:63].strip("-")
    return slug or "org"


def event_from_row(row: dict[str, Any]) -> Event:
    return Event.model_construct(**row)


def create_organisation(connection: Connection, name: str) -> Organisation:
    org = Organisation(name=name, slug=slugify(name))
    clash = connection.execute(
        select(t.organisations.c.name).where(
            or_(
                func.lower(t.organisations.c.name) == org.name.lower(),
                t.organisations.c.slug == org.slug,
            )
        )
    ).scalar()
    if clash is not None:
        raise Conflict(f"organisation {name!r}: the name is taken by organisation {clash!r}")
    now = datetime.now(UTC)
    org.created_at = org.updated_at = now
    connection.execute(insert(t.organisations).values(**org.model_dump()))
    return org


def find_organisation(connection: Connection, name_or_slug: str) -> Organisation:
    row = connection.execute(
        select(t.organisations).where(
            or_(t.organisations.c.slug == name_or_slug, t.organisations.c.name == name_or_slug)
        )
    ).first()
    if row is None:
        raise NotFound(f"no organisation named {name_or_slug!r}")
    return Organisation.model_construct(**row._asdict())


def get_organisation(connection: Connection, org_id: uuid.UUID) -> Organisation:
    row = connection.execute(select(t.organisations).where(t.organisations.c.id == org_id)).first()
    if row is None:
        raise NotFound(f"no organisation with id {org_id}")
    return Organisation.model_construct(**row._asdict())


def rename_organisation(connection: Connection, org: Organisation, name: str) -> Organisation:
    """A new name; the slug stays, so URLs and commands that name it keep working."""
    renamed = Organisation(id=org.id, name=name, slug=org.slug, created_at=org.created_at)
    clash = connection.execute(
        select(t.organisations.c.name).where(
            func.lower(t.organisations.c.name) == renamed.name.lower(),
            t.organisations.c.id != org.id,
        )
    ).scalar()
    if clash is not None:
        raise Conflict(f"organisation name {name!r} is taken by organisation {clash!r}")
    renamed.updated_at = datetime.now(UTC)
    connection.execute(
        update(t.organisations)
        .where(t.organisations.c.id == org.id)
        .values(name=renamed.name, updated_at=renamed.updated_at)
    )
    return renamed


def delete_organisation(connection: Connection, org_id: uuid.UUID) -> None:
    """The organisation and everything it holds (events, integrations, members' roles, tokens)."""
    connection.execute(delete(t.organisations).where(t.organisations.c.id == org_id))


def delete_event(connection: Connection, event_id: uuid.UUID) -> None:
    """The event and all its content, mappings and runs; data on partners stays there."""
    connection.execute(delete(t.events).where(t.events.c.id == event_id))


def list_organisations(connection: Connection) -> list[Organisation]:
    rows = connection.execute(select(t.organisations).order_by(t.organisations.c.name))
    return [Organisation.model_construct(**row._asdict()) for row in rows]


def check_event_slug(connection: Connection, event: Event) -> None:
    holder = connection.execute(
        select(t.events.c.id).where(t.events.c.slug == event.slug, t.events.c.id != event.id)
    ).scalar()
    if holder is not None:
        raise Conflict(f"event slug {event.slug!r} is already used by another event")


def find_event(connection: Connection, slug: str, *, org_id: uuid.UUID | None = None) -> Event:
    query = select(t.events).where(t.events.c.slug == slug)
    if org_id is not None:
        query = query.where(t.events.c.org_id == org_id)
    row = connection.execute(query).first()
    if row is None:
        raise NotFound(f"no event with slug {slug!r}")
    return event_from_row(row._asdict())


def get_event(connection: Connection, event_id: uuid.UUID) -> Event | None:
    row = connection.execute(select(t.events).where(t.events.c.id == event_id)).first()
    return event_from_row(row._asdict()) if row else None


def event_by_ref(connection: Connection, ref: str | uuid.UUID) -> Event:
    """The event by id (a UUID or its text) or by slug; `NotFound` if there is none."""
    if isinstance(ref, uuid.UUID):
        found = get_event(connection, ref)
        if found is None:
            raise NotFound(f"no event with id {ref}")
        return found
    with suppress(ValueError):
        found = get_event(connection, uuid.UUID(ref))
        if found is not None:
            return found
    return find_event(connection, ref)


def list_events(connection: Connection, *, org_id: uuid.UUID | None = None) -> list[Event]:
    query = select(t.events).order_by(t.events.c.start_date, t.events.c.slug)
    if org_id is not None:
        query = query.where(t.events.c.org_id == org_id)
    return [event_from_row(row._asdict()) for row in connection.execute(query)]


def touch_content(connection: Connection, event_id: uuid.UUID, *, structure: bool = False) -> int:
    """Move the event's content version (what partners receive may have changed) and return
    it. `structure`: the change can alter many records at once, so the next check of every
    mapping plans the whole event. The update locks the event's row until the transaction ends:
    concurrent writers of one event get versions in the order they commit."""
    version = t.events.c.content_version + 1
    values = {"content_version": version, **({"structure_version": version} if structure else {})}
    connection.execute(update(t.events).where(t.events.c.id == event_id).values(values))
    return content_version(connection, event_id)


def content_version(connection: Connection, event_id: uuid.UUID) -> int:
    version: int = connection.execute(
        select(t.events.c.content_version).where(t.events.c.id == event_id)
    ).scalar_one()
    return version


def save_event(connection: Connection, event: Event, *, now: datetime | None = None) -> None:
    """Create the event, or update its slug, name, time zone and dates."""
    check_event_slug(connection, event)
    now = now or datetime.now(UTC)
    values = event.model_dump(include=set(EventFields.model_fields))
    old = connection.execute(select(t.events).where(t.events.c.id == event.id)).first()
    if old is None:
        connection.execute(
            insert(t.events).values(
                id=event.id,
                org_id=event.org_id,
                created_at=event.created_at or now,
                updated_at=event.updated_at or event.created_at or now,
                **values,
            )
        )
    elif old.org_id != event.org_id:
        raise Conflict(f"event {event.id} belongs to another organisation")
    elif any(getattr(old, k) != v for k, v in values.items()):
        connection.execute(
            update(t.events).where(t.events.c.id == event.id).values(updated_at=now, **values)
        )
        touch_content(connection, event.id, structure=True)  # time zone, dates: every record
