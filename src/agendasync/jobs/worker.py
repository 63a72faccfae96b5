"""Distributed continuous sync on PostgreSQL: procrastinate jobs, any number of workers.

- A sync is a `sync_mapping` job. Jobs of one mapping share a procrastinate `lock`, so they
  run one after the other whatever worker takes them, and a `queueing_lock`, so a sync asked
  for while one is queued is merged into it (R-SYNC-6).
- Every worker also keeps the schedule: every `maintenance_s` it claims the continuous
  mappings that are due (rows another worker is claiming are skipped) and queues their syncs,
  and it puts back in the queue the jobs of workers that stopped sending heartbeats (killed,
  crashed): another worker finishes them, and the ledger makes that safe (R-SYNC-7).
- Rate budgets are shared by all workers through PostgreSQL (`SharedBudgets`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import procrastinate
from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from agendasync.domain.integrations import Mapping as EventMapping
from agendasync.jobs.embedded import RunSync
from agendasync.services.syncing import (
    RECONCILE_EVERY,
    MappingRunner,
    SyncSettings,
    scheduled_trigger,
)
from agendasync.store import Store
from agendasync.store.budgets import SharedBudgets
from agendasync.store.scheduling import claim_due
from agendasync.store.secrets import KEY_SUFFIX, load_box

logger = logging.getLogger(__name__)

SYNC_TASK = "agendasync:sync_mapping"
# A run may wait this long for the shared budget before it ends as partial (the next run goes
# on): a worker is not held up for a whole window.
MAX_BUDGET_WAIT_S = 120.0


async def sync_mapping(
    context: procrastinate.JobContext, mapping_id: str, action: str, trigger: str
) -> None:
    run: RunSync = context.additional_context["run_sync"]
    await run(uuid.UUID(mapping_id), action, trigger)


@dataclass
class QueuedSyncs:
    """The web process's way to start a sync on PostgreSQL: a job for the workers."""

    app: procrastinate.App
    _tasks: set[asyncio.Task[bool]] = field(default_factory=set)

    def start(self, mapping: EventMapping, *, action: str, trigger: str) -> None:
        task = asyncio.get_running_loop().create_task(
            defer_sync(self.app, mapping.id, action, trigger)
        )
        self._tasks.add(task)  # the loop holds tasks weakly
        task.add_done_callback(self._tasks.discard)

    async def serve(self) -> None:
        """Keep the queue's connection open while the web process runs."""
        async with self.app.open_async():
            await asyncio.Event().wait()


def conninfo(url: str) -> str:
    """The libpq form of our SQLAlchemy URL (`postgresql+psycopg://` -> `postgresql://`)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def procrastinate_app(url: str) -> procrastinate.App:
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo(url)))
    app.task(name=SYNC_TASK, pass_context=True)(sync_mapping)
    return app


def apply_schema(store: Store) -> bool:
    """procrastinate's tables, once (its schema is not re-entrant); True when applied now."""
    if inspect(store.engine).has_table("procrastinate_jobs"):
        return False
    app = procrastinate_app(store.url)
    with app.open():
        app.schema_manager.apply_schema()
    return True


async def defer_sync(
    app: procrastinate.App, mapping_id: uuid.UUID, action: str = "content", trigger: str = "manual"
) -> bool:
    """Queue a sync; False when it was merged into one already queued (R-SYNC-6)."""
    task = app.tasks[SYNC_TASK]
    try:
        await task.configure(
            lock=f"mapping:{mapping_id}", queueing_lock=f"sync:{mapping_id}:{action}"
        ).defer_async(mapping_id=str(mapping_id), action=action, trigger=trigger)
    except AlreadyEnqueued:
        return False
    return True


async def dispatch_due(
    app: procrastinate.App, store: Store, reconcile_every: timedelta = RECONCILE_EVERY
) -> list[uuid.UUID]:
    """Queue the syncs of the continuous mappings that are due and have something to do."""
    with store.transaction() as connection:
        due = claim_due(connection, datetime.now(UTC), reconcile_every=reconcile_every)
    for found in due:
        await defer_sync(app, found.mapping_id, trigger=scheduled_trigger(found.reconcile))
    return [found.mapping_id for found in due]


async def requeue_stalled(app: procrastinate.App, stalled_after_s: float) -> int:
    """Jobs of workers that stopped sending heartbeats go back in the queue."""
    requeued = 0
    for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after_s):
        # Another worker may have put it back first.
        with contextlib.suppress(Exception):
            await app.job_manager.retry_job(job)
            requeued += 1
    return requeued


async def _maintain(
    app: procrastinate.App,
    store: Store,
    every_s: float,
    stalled_after_s: float,
    reconcile_every: timedelta,
) -> None:
    while True:
        try:
            await dispatch_due(app, store, reconcile_every)
            await requeue_stalled(app, stalled_after_s)
        except Exception:
            logger.exception("worker maintenance failed; trying again")
        await asyncio.sleep(every_s)


async def run_worker(
    url: str,
    *,
    settings: SyncSettings | None = None,
    concurrency: int = 4,
    maintenance_s: float = 30.0,
    heartbeat_s: float = 10.0,
    stalled_after_s: float = 30.0,
) -> None:
    """Work until stopped (SIGINT/SIGTERM finish the jobs in hand first). `settings` carry the
    operator's start-up choices (budgets, retention, private partner addresses)."""
    store = Store(url)
    if store.engine.dialect.name != "postgresql":
        raise ValueError("workers need a PostgreSQL store; on SQLite, `agendasync serve` syncs")
    budgets = SharedBudgets(store, max_wait_s=MAX_BUDGET_WAIT_S)
    settings = replace(settings or SyncSettings(), budgets=budgets)
    # One HTTP client for every run of this worker.
    run = MappingRunner(store, load_box(store.beside(KEY_SUFFIX)), settings=settings)
    app = procrastinate_app(url)
    async with app.open_async():
        maintenance = asyncio.create_task(
            _maintain(app, store, maintenance_s, stalled_after_s, settings.reconcile_every)
        )
        try:
            await app.run_worker_async(
                concurrency=concurrency,
                additional_context={"run_sync": run},
                update_heartbeat_interval=heartbeat_s,
                stalled_worker_timeout=stalled_after_s,
                # Reports live in sync_runs; finished jobs would only slow the queue down.
                delete_jobs="successful",
            )
        finally:
            maintenance.cancel()
            await run.aclose()
            store.close()
