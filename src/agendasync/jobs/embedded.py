"""The in-process dispatcher of `agendasync serve` on SQLite: no other service needed.

Every tick (a minute) it claims the continuous mappings that are due and queues their syncs;
syncs asked for on the pages or through the API (`start`) join the same queue. A request for
a mapping whose sync is already queued is merged into it (R-SYNC-6); one whose sync is running
waits as a single follow-up, so changes made during a run are sent by the next. One mapping's
runs never overlap.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from agendasync.domain.integrations import Mapping as EventMapping
from agendasync.domain.integrations import SyncRun
from agendasync.services.syncing import RECONCILE_EVERY, MappingRunner, scheduled_trigger
from agendasync.store import Store
from agendasync.store.scheduling import claim_due

logger = logging.getLogger(__name__)

RunSync = Callable[[uuid.UUID, str, str], Awaitable[SyncRun | None]]
TICK_S = 60.0


@dataclass(frozen=True)
class Request:
    mapping_id: uuid.UUID
    action: str = "content"
    trigger: str = "manual"


@dataclass
class EmbeddedDispatcher:
    store: Store
    run_sync: RunSync  # (mapping id, action, trigger) -> the finished run
    concurrency: int = 4
    tick_s: float = TICK_S
    reconcile_every: timedelta = RECONCILE_EVERY
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    runs: deque[SyncRun] = field(default_factory=lambda: deque(maxlen=100))  # the latest
    _queued: dict[tuple[uuid.UUID, str], Request] = field(default_factory=dict)
    _locks: dict[uuid.UUID, asyncio.Lock] = field(default_factory=dict)
    _queue: asyncio.Queue[Request] | None = None
    _workers: list[asyncio.Task[None]] = field(default_factory=list)

    def request(
        self, mapping_id: uuid.UUID, action: str = "content", trigger: str = "manual"
    ) -> bool:
        """Queue a sync; False when it was merged into one already queued."""
        key = (mapping_id, action)
        if key in self._queued:
            return False
        request = Request(mapping_id, action, trigger)
        self._queued[key] = request
        self._queue_of().put_nowait(request)
        return True

    def start(self, mapping: EventMapping, *, action: str, trigger: str) -> None:
        """Have the mapping synced soon (the pages' and the API's way in); returns at once."""
        self.request(mapping.id, action, trigger)
        self._ensure_workers()

    def tick(self) -> list[uuid.UUID]:
        """Queue the syncs of the continuous mappings that are due; answers their ids."""
        with self.store.transaction() as connection:
            due = claim_due(connection, self.now(), reconcile_every=self.reconcile_every)
        for found in due:
            self.request(found.mapping_id, trigger=scheduled_trigger(found.reconcile))
        return [found.mapping_id for found in due]

    def _queue_of(self) -> asyncio.Queue[Request]:
        if self._queue is None:
            self._queue = asyncio.Queue()
        return self._queue

    async def _work(self) -> None:
        queue = self._queue_of()
        while True:
            request = await queue.get()
            try:
                lock = self._locks.setdefault(request.mapping_id, asyncio.Lock())
                async with lock:
                    # Leaving the queue when it starts: a request from now on is a follow-up.
                    self._queued.pop((request.mapping_id, request.action), None)
                    run = await self.run_sync(request.mapping_id, request.action, request.trigger)
                    if run is not None:
                        self.runs.append(run)
            except Exception:
                logger.exception("sync of mapping %s failed", request.mapping_id)
            finally:
                queue.task_done()

    def _ensure_workers(self) -> None:
        if not self._workers:
            self._workers = [asyncio.create_task(self._work()) for _ in range(self.concurrency)]

    async def drain(self) -> None:
        """Run every queued sync; return when none is left."""
        self._ensure_workers()
        await self._queue_of().join()

    async def aclose(self) -> None:
        for worker in self._workers:
            worker.cancel()
        for worker in self._workers:
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        self._workers = []
        if isinstance(self.run_sync, MappingRunner):  # its HTTP client ends with the process
            await self.run_sync.aclose()

    async def run(self) -> None:
        """Tick until cancelled (the syncs run on the dispatcher's workers)."""
        self._ensure_workers()
        try:
            while True:
                try:
                    self.tick()
                except Exception:
                    logger.exception("the continuous-sync tick failed; trying again next tick")
                await asyncio.sleep(self.tick_s)
        finally:
            await self.aclose()
