"""Starting syncs from the web process, and telling people when they finished.

Pages and the API only ask for a sync to start (`SyncStarter.start`) and return at once. On
SQLite the starter is the in-process dispatcher (`jobs.embedded`), which also runs the
continuous-sync schedule: manual and scheduled syncs take one path. On PostgreSQL it queues a
job for the workers (`jobs.worker.QueuedSyncs`). `run_sync` keeps one mapping's runs from
overlapping.

Whoever runs it, a sync records its run in `sync_runs`; a page finds "the run my request
became" as the first run of that mapping and action started after the request (`Pending`), so
the "finished" message works whichever process ran the sync.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import Connection

from agendasync.domain.integrations import Mapping as EventMapping
from agendasync.domain.integrations import SyncRun
from agendasync.domain.models import Event
from agendasync.partners.registry import get_partner
from agendasync.store import Store
from agendasync.store import tables as t
from agendasync.store.integrations import find_mapping
from agendasync.store.records import latest_run_since, record_in_event
from agendasync.sync.partner import Partner, SyncAction


class SyncStarter(Protocol):
    def start(self, mapping: EventMapping, *, action: str, trigger: str) -> None:
        """Have the mapping synced soon; return at once."""
        ...


@dataclass(frozen=True)
class Pending:
    """A sync someone asked for, kept in their session until its run has finished."""

    mapping_id: uuid.UUID
    action: str
    since: datetime
    title: str  # "Sync to Swoogo"
    event: str  # the event's slug, for the link to the report

    def to_session(self) -> dict[str, str]:
        return {
            "mapping_id": str(self.mapping_id),
            "action": self.action,
            "since": self.since.isoformat(),
            "title": self.title,
            "event": self.event,
        }

    @classmethod
    def from_session(cls, data: dict[str, str]) -> Pending:
        return cls(
            mapping_id=uuid.UUID(data["mapping_id"]),
            action=data["action"],
            since=datetime.fromisoformat(data["since"]),
            title=data["title"],
            event=data["event"],
        )

    def finished_run(self, store: Store) -> SyncRun | None:
        with store.transaction() as connection:
            run = latest_run_since(connection, self.mapping_id, self.action, self.since)
        return run if run is not None and run.finished_at is not None else None


class SyncRefused(Exception):
    """A sync that cannot be asked for; `field` names what is wrong, `status` the HTTP answer."""

    def __init__(self, status: int, field: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.field = field


def sync_target(
    connection: Connection, event: Event, partner_name: str, action: str
) -> tuple[Partner, EventMapping]:
    """The partner and the event's mapping to it: a sync exists only for a mapped event
    (R-MAP-3), and only for what the partner declares (content, sponsors...)."""
    try:
        partner = get_partner(partner_name)
    except LookupError as exc:
        raise SyncRefused(422, "partner", str(exc)) from exc
    try:
        partner.spec.action(action)
    except LookupError as exc:
        raise SyncRefused(422, "action", str(exc)) from exc
    mapping = find_mapping(connection, event.id, partner.spec.name)
    if mapping is None:
        raise SyncRefused(
            409,
            "partner",
            f"event {event.slug!r} is not mapped to {partner.spec.title}; add a mapping first",
        )
    return partner, mapping


def check_scope(
    connection: Connection,
    event_id: uuid.UUID,
    *,
    session: uuid.UUID | None = None,
    speaker: uuid.UUID | None = None,
) -> None:
    """A single record asked to be synced must be one of this event's sessions or speakers."""
    for field, table, record_id in (
        ("session", t.sessions, session),
        ("speaker", t.speakers, speaker),
    ):
        if record_id is not None and not record_in_event(connection, table, event_id, record_id):
            raise SyncRefused(404, field, f"this event has no {field} with id {record_id}")


def action_title(partner_title: str, action: str) -> str:
    """How people call a sync: "Sync to Swoogo", "Sponsor sync to Swoogo"."""
    if action == SyncAction.CONTENT:
        return f"Sync to {partner_title}"
    return f"{action.removesuffix('s').capitalize()} sync to {partner_title}"
