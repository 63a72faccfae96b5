"""The in-process dispatcher of `agendasync serve` on SQLite: no other service needed.

Every tick (a minute) it claims the continuous mappings that are due and queues their syncs;
manual requests join the same queue. A request for a mapping whose sync is already queued is
merged into it (R-SYNC-6); one whose sync is running waits as a single follow-up, so changes
made during a run are sent by the next. One mapping's runs never overlap.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from agendasync.domain.integrations import SyncRun
from agendasync.store import Store
from agendasync.store.scheduling import claim_due

logger = logging.getLogger(__name__)

RunSync = Callable[[uuid.UUID, str, str], Awaitable[SyncRun]]
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
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    runs: list[SyncRun] = field(default_factory=list)  # finished runs, newest last
    _queued: dict[tuple[uuid.UUID, str], Request] = field(default_factory=dict)
    _locks: dict[uuid.UUID, asyncio.Lock] = field(default_factory=dict)
    _queue: asyncio.Queue[Request] | None = None

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

    def tick(self) -> list[uuid.UUID]:
        """Queue the syncs of the continuous mappings that are due; answers their ids."""
        with self.store.transaction() as connection:
            due = claim_due(connection, self.now())
        for mapping_id in due:
            self.request(mapping_id, trigger="schedule")
        return due

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
                    self.runs.append(
                        await self.run_sync(request.mapping_id, request.action, request.trigger)
                    )
            except Exception:
                logger.exception("sync of mapping %s failed", request.mapping_id)
            finally:
                queue.task_done()

    @contextlib.asynccontextmanager
    async def _working(self) -> AsyncIterator[None]:
        workers = [asyncio.create_task(self._work()) for _ in range(self.concurrency)]
        try:
            yield
        finally:
            for worker in workers:
                worker.cancel()
            for worker in workers:
                with contextlib.suppress(asyncio.CancelledError):
                    await worker

    async def run_queued(self) -> None:
        """Run every queued sync, then return."""
        async with self._working():
            await self._queue_of().join()

    async def run(self) -> None:
        """Tick and work until cancelled."""
        async with self._working():
            while True:
                try:
                    self.tick()
                except Exception:
                    logger.exception("the continuous-sync tick failed; trying again next tick")
                await asyncio.sleep(self.tick_s)
