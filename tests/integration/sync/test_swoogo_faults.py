"""R-SYNC-7, R-SYNC-8: partner faults lose nothing and duplicate nothing.

With 5xx, timeouts, 429 bursts and lost answers injected, after the run (and at most one more)
Swoogo holds every eligible record exactly once.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agendasync.domain.integrations import RunStatus
from agendasync.simulators.faults import FaultRule
from agendasync.store import Store


@pytest.fixture
def store(tmp_path) -> Iterator[Store]:
    """Faults are about the partner: these run on SQLite only."""
    sqlite = Store(f"sqlite:///{tmp_path / 'faults.db'}")
    yield sqlite
    sqlite.close()


async def _sync(world):
    return await world.sync(timeout=0.3)


async def _sync_until_done(world) -> list:
    """The run, and at most one more."""
    runs = [await _sync(world)]
    if runs[0].status is not RunStatus.SUCCEEDED:
        runs.append(await _sync(world))
    return runs


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(FaultRule("error", probability=0.3, status=503), id="5xx"),
        pytest.param(FaultRule("timeout", probability=0.1, hang_seconds=0.5), id="timeouts"),
        pytest.param(FaultRule("lost", probability=0.2, match="POST *"), id="lost-creates"),
        pytest.param(FaultRule("lost", probability=0.2, hang_seconds=0.5), id="lost-slow"),
    ],
)
async def test_faults_leave_every_record_exactly_once_r_sync_8(world, fault) -> None:
    # also proves r_sync_7.
    await world.connected(sessions=30)
    world.sim.faults.add(fault)

    runs = await _sync_until_done(world)

    assert runs[-1].status is RunStatus.SUCCEEDED, runs[-1].report["failed"]
    assert world.sim.stats.faults[fault.kind] > 0
    world.assert_all_on_swoogo_once()


async def test_429_bursts_are_waited_out_r_sync_8(world) -> None:
    await world.connected(sessions=12)
    # The simulator allows far fewer credits than our declared budget: it answers 429s.
    world.sim.knobs.update(budget=40, window_seconds=1)

    runs = await _sync_until_done(world)

    assert len(runs) == 1
    assert runs[0].status is RunStatus.SUCCEEDED
    assert world.sim.stats.throttled["key"] > 0
    world.assert_all_on_swoogo_once()


async def test_one_rejected_record_does_not_stop_the_others_r_sync_8(world) -> None:
    await world.connected(sessions=12)
    content = world.content()

    sessions, _ = world.eligible()
    bad = next(s for s in content.sessions if s.id == sessions[0].id)
    bad.title = "x" * 300  # Swoogo keeps names to 255 characters
    world.save(content)

    run = await _sync(world)

    assert run.status is RunStatus.PARTIAL
    assert [(p["label"][:12], p["reason"]) for p in run.report["failed"]] == [
        ("session 'xxx", "Swoogo refused it: name: Name should contain at most 255 characters.")
    ]
    assert run.report["counts"]["sessions"]["created"] == len(sessions) - 1


async def test_expired_token_is_refreshed_once(world) -> None:
    await world.connected(sessions=6)
    world.sim.state.knobs.update(token_lifetime_seconds=0.2)
    run = await world.sync()

    assert run.status is RunStatus.SUCCEEDED
    world.assert_all_on_swoogo_once()


async def test_refused_credentials_end_the_run_clearly(world) -> None:
    await world.connected(sessions=6)
    world.sim.reset()
    world.sim.state.add_credentials("key", "another secret")
    world.sim.state.add_event("Conf on Swoogo", timezone="Europe/Berlin")

    run = await _sync(world)

    assert run.status is RunStatus.FAILED
    assert run.message == (
        "Swoogo refused the credentials: Swoogo refused the consumer key and secret: "
        "The client credentials are invalid"
    )
