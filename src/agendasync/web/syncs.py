"""Starting syncs from the web process, and telling people when they finished.

Pages and the API only ask for a sync to start (`SyncStarter.start`) and return at once. The
default starter, `BackgroundSyncs`, runs each sync as an asyncio task on the web process's
event loop (the sync engine is asyncio already, and one loop keeps the per-process rate budgets
and mapping locks in one place). `run_sync` keeps one mapping's runs from overlapping. The
continuous-sync dispatcher can take over by passing its own starter to `create_app`.

Whoever runs it, a sync records its run in `sync_runs`; a page finds "the run my request
became" as the first run of that mapping and action started after the request (`Pending`), so
the "finished" message works whichever process ran the sync.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection

from agendasync.domain.integrations import Mapping as EventMapping
from agendasync.domain.integrations import SyncRun
from agendasync.domain.models import Event
from agendasync.partners.base import Partner, get_partner
from agendasync.secrets import SecretBox
from agendasync.services.syncing import run_sync
from agendasync.store import Store
from agendasync.store.integrations import find_mapping
from agendasync.store.records import latest_run_since

logger = logging.getLogger(__name__)


class SyncStarter(Protocol):
    def start(self, mapping: EventMapping, *, action: str, trigger: str) -> None:
        """Have the mapping synced soon; return at once."""
        ...


@dataclass
class BackgroundSyncs:
    store: Store
    box: SecretBox
    run_options: dict[str, Any] = field(default_factory=dict)  # tests: retry policy, client
    _tasks: set[asyncio.Task[SyncRun]] = field(default_factory=set)

    def start(self, mapping: EventMapping, *, action: str, trigger: str) -> None:
        task = asyncio.get_running_loop().create_task(
            run_sync(
                self.store, self.box, mapping, action=action, trigger=trigger, **self.run_options
            ),
            name=f"sync {mapping.id} {action}",
        )
        # The loop keeps only weak references to tasks: hold each until it is done.
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[SyncRun]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # The run's own record says what went wrong for people; this is for operators.
            logger.error("sync task %s failed: %r", task.get_name(), task.exception())

    async def drain(self) -> None:
        """Wait for every sync started so far (tests, and shutting down gracefully)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


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
    actions = ["content", *partner.spec.actions]
    if action not in actions:
        raise SyncRefused(
            422, "action", f"{partner.spec.title} syncs {' or '.join(actions)}, not {action!r}"
        )
    mapping = find_mapping(connection, event.id, partner.spec.name)
    if mapping is None:
        raise SyncRefused(
            409,
            "partner",
            f"event {event.slug!r} is not mapped to {partner.spec.title}; add a mapping first",
        )
    return partner, mapping


def action_title(partner_title: str, action: str) -> str:
    """How people call a sync: "Sync to Swoogo", "Sponsor sync to Swoogo"."""
    if action == "content":
        return f"Sync to {partner_title}"
    return f"{action.removesuffix('s').capitalize()} sync to {partner_title}"
