"""The in-process dispatcher of `agendasync serve` on SQLite (R-MAP-4, R-SYNC-6)."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from agendasync.domain.schedule import INTERVAL, JITTER
from agendasync.jobs.embedded import EmbeddedDispatcher
from agendasync.services import syncing
from agendasync.services.syncing import MappingRunner, SyncSettings
from agendasync.store import integrations as repo
from agendasync.store import tables as t


def _dispatcher(world) -> EmbeddedDispatcher:
    async def sync(mapping_id, action, trigger):
        with world.store.transaction() as connection:
            mapping = repo.get_mapping(connection, mapping_id)
        return await world.sync(mapping, action=action, trigger=trigger)

    return EmbeddedDispatcher(world.store, sync)


@pytest.fixture
async def dispatcher(world):
    dispatcher = _dispatcher(world)
    yield dispatcher
    await dispatcher.aclose()


async def _two_mappings(world):
    world.add_event("one")
    world.add_event("two", seed=2)
    other = world.sim.state.add_event("Two on Swoogo", timezone="Europe/Berlin")
    await world.connect()
    return await world.map("one"), await world.map("two", other)


async def test_dispatcher_runs_due_mappings_and_skips_others_r_map_4(world, dispatcher) -> None:
    continuous, manual_only = await _two_mappings(world)
    with world.store.transaction() as connection:
        repo.set_continuous(connection, continuous.id, True)

    due = dispatcher.tick()
    await asyncio.wait_for(dispatcher.drain(), timeout=30)

    assert due == [continuous.id]
    assert [(r.mapping_id, r.trigger) for r in dispatcher.runs] == [(continuous.id, "schedule")]
    with world.store.transaction() as connection:
        next_run_at = connection.execute(
            sa.select(t.mappings.c.next_run_at).where(t.mappings.c.id == continuous.id)
        ).scalar_one()
    now = datetime.now(UTC)
    assert now + INTERVAL - JITTER - timedelta(seconds=5) <= next_run_at <= now + INTERVAL + JITTER
    assert dispatcher.tick() == []  # not due again until then
    assert manual_only.id not in {r.mapping_id for r in dispatcher.runs}


async def test_switching_off_stops_the_schedule_r_map_4(world, dispatcher) -> None:
    continuous, _ = await _two_mappings(world)
    with world.store.transaction() as connection:
        repo.set_continuous(connection, continuous.id, True)
        repo.set_continuous(connection, continuous.id, False)

    assert dispatcher.tick() == []


async def test_requests_merge_while_queued_and_runs_never_overlap_r_sync_6(
    world, dispatcher
) -> None:
    mapping, _ = await _two_mappings(world)

    accepted = [dispatcher.request(mapping.id) for _ in range(5)]
    await asyncio.wait_for(dispatcher.drain(), timeout=30)

    assert accepted == [True, False, False, False, False]
    assert len(dispatcher.runs) == 1
    # Two requests in flight at once still run one after the other.
    dispatcher.request(mapping.id)
    dispatcher.request(mapping.id, action="sponsors")
    await asyncio.wait_for(dispatcher.drain(), timeout=30)
    runs = sorted(dispatcher.runs, key=lambda r: r.started_at)
    assert len(runs) == 3
    for earlier, later in itertools.pairwise(runs):
        assert earlier.finished_at <= later.started_at


async def test_the_runs_of_one_dispatcher_share_one_http_client_closed_at_its_end(
    world, monkeypatch
) -> None:
    one, two = await _two_mappings(world)
    made = []

    def counted_client(**options):
        made.append(real_client(**options))
        return made[-1]

    real_client = syncing.http_client
    monkeypatch.setattr(syncing, "http_client", counted_client)
    runner = MappingRunner(world.store, world.box, settings=SyncSettings(allow_private_urls=True))
    dispatcher = EmbeddedDispatcher(world.store, runner)

    dispatcher.request(one.id)
    dispatcher.request(two.id)
    await asyncio.wait_for(dispatcher.drain(), timeout=30)
    open_while_serving = not made[0].is_closed
    await dispatcher.aclose()

    assert [run.status for run in dispatcher.runs] == ["succeeded", "succeeded"]
    assert len(made) == 1
    assert open_while_serving
    assert made[0].is_closed
