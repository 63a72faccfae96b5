"""Distributed continuous sync on PostgreSQL, with worker processes started by the tests
(R-MAP-4, R-SYNC-6, R-SYNC-7, R-SYNC-8)."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from agendasync.jobs.worker import apply_schema, defer_sync, procrastinate_app
from agendasync.store import Store
from agendasync.store import integrations as repo
from agendasync.store import tables as t

pytestmark = pytest.mark.postgres


@pytest.fixture
def store(postgres_schema_url: str) -> Iterator[Store]:
    """A schema of its own: the workers share it through PostgreSQL."""
    base, _, _ = postgres_schema_url.partition("?")
    schema = f"agendasync_jobs_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    pg = Store(f"{base}?options=-csearch_path%3D{schema}")
    apply_schema(pg)
    yield pg
    pg.close()
    with admin.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _start_worker(world, *, budget: str | None = None) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "AGENDASYNC_SECRET_KEY": world.secret_key,
        # The simulator runs on loopback: the operator's allowance, given explicitly.
        "AGENDASYNC_ALLOW_PRIVATE_PARTNER_URLS": "1",
    }
    if budget:
        env["AGENDASYNC_BUDGET_SWOOGO"] = budget
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "agendasync",
            "--db",
            world.store.url,
            "worker",
            "--concurrency",
            "2",
            "--maintenance",
            "0.3",
            "--heartbeat",
            "0.5",
            "--stalled-after",
            "2",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.fixture
def workers(world) -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in started:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def _runs(world, mapping_id) -> list:
    with world.store.transaction() as connection:
        return sorted(
            (
                r
                for r in repo.list_runs(connection, world.mapping.event_id)
                if r.mapping_id == mapping_id
            ),
            key=lambda r: r.started_at,
        )


def _jobs(world, *statuses: str) -> int:
    with world.store.transaction() as connection:
        return connection.execute(
            sa.text("SELECT count(*) FROM procrastinate_jobs WHERE status = ANY(:s)"),
            {"s": list(statuses)},
        ).scalar_one()


def _wait(condition, timeout: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


async def test_merged_requests_and_no_overlap_under_manual_and_scheduled_triggers_r_sync_6(
    world, workers
) -> None:
    await world.connected(sessions=20)
    world.sim.knobs.update(latency_ms=15)
    app = procrastinate_app(world.store.url)
    async with app.open_async():
        # Asked for five times while queued: one job.
        queued = [await defer_sync(app, world.mapping.id) for _ in range(5)]
        workers += [_start_worker(world), _start_worker(world)]
        _wait(lambda: _jobs(world, "doing") == 1, what="the first sync to start")
        # Asked for while it runs: one follow-up, the rest merged into it.
        follow_ups = [await defer_sync(app, world.mapping.id) for _ in range(3)]
        with world.store.transaction() as connection:
            repo.set_continuous(connection, world.mapping.id, True)  # due now: scheduled too
    _wait(lambda: _jobs(world, "todo", "doing") == 0, what="the queue to empty")

    assert queued == [True, False, False, False, False]
    assert follow_ups == [True, False, False]
    with world.store.transaction() as connection:
        next_run_at = connection.execute(
            sa.select(t.mappings.c.next_run_at).where(t.mappings.c.id == world.mapping.id)
        ).scalar_one()
    assert next_run_at > datetime.now(UTC)  # a worker claimed the scheduled run
    runs = _runs(world, world.mapping.id)
    assert len(runs) >= 2
    for earlier, later in itertools.pairwise(runs):
        assert earlier.finished_at <= later.started_at, "two runs of one mapping overlapped"
    world.assert_all_on_swoogo_once()


async def test_a_killed_workers_job_is_finished_by_another_r_sync_7(world, workers) -> None:
    await world.connected(sessions=30)
    world.sim.knobs.update(latency_ms=60)
    app = procrastinate_app(world.store.url)
    async with app.open_async():
        await defer_sync(app, world.mapping.id)
    first = _start_worker(world)
    workers.append(first)
    _wait(lambda: sum(world.sim.stats.calls.values()) > 40, what="the sync to be under way")

    first.send_signal(signal.SIGKILL)
    first.wait()
    calls_at_kill = sum(world.sim.stats.calls.values())
    world.sim.knobs.update(latency_ms=0)
    workers.append(_start_worker(world))
    _wait(lambda: _jobs(world, "todo", "doing") == 0, what="the job to be finished")

    runs = _runs(world, world.mapping.id)
    assert runs[-1].status.value == "succeeded"
    assert sum(world.sim.stats.calls.values()) > calls_at_kill
    world.assert_all_on_swoogo_once()


async def test_workers_share_one_credentials_budget_r_sync_8(world, workers) -> None:
    # The simulator allows 80 credits per 3 s; the workers are told the same budget.
    world.sim.knobs.update(budget=80, window_seconds=3)
    for index in range(4):
        world.add_event(f"event-{index}", sessions=6, seed=index + 1)
    await world.connect()
    mappings = [
        await world.map(
            f"event-{index}", world.sim.state.add_event(f"E{index}", timezone="Europe/Berlin")
        )
        for index in range(4)
    ]
    app = procrastinate_app(world.store.url)
    async with app.open_async():
        for mapping in mappings:
            await defer_sync(app, mapping.id)
    time.sleep(3)  # connecting and mapping spent credits outside the workers: let them expire
    workers += [_start_worker(world, budget="80/3"), _start_worker(world, budget="80/3")]
    _wait(lambda: _jobs(world, "todo", "doing") == 0, timeout=90, what="all syncs")

    assert world.sim.stats.throttled["key"] == 0
    assert world.sim.stats.credits_spent["key"] > 80  # more than one window's worth was needed
    with world.store.transaction() as connection:
        statuses = [r.status for r in connection.execute(sa.select(t.sync_runs)).all()]
    assert statuses == ["succeeded"] * 4
