"""R-SYNC-7: a sync process killed with SIGKILL at any point loses nothing and duplicates
nothing; the next run finishes the work."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from agendasync.store import Store
from agendasync.store import integrations as repo
from agendasync.sync.model import LedgerState

# Partner calls seen since the run started, after which it is killed: 11 different points,
# from the token call to deep into the speakers, links and headshots.
KILL_AFTER_CALLS = [1, 2, 3, 4, 6, 8, 10, 13, 16, 20, 25]


@pytest.fixture
def store(tmp_path) -> Iterator[Store]:
    """A file the sync processes open too."""
    sqlite = Store(f"sqlite:///{tmp_path / 'killed.db'}")
    yield sqlite
    sqlite.close()


def _start_sync(world) -> subprocess.Popen[bytes]:
    env = os.environ | {"AGENDASYNC_SECRET_KEY": world.secret_key}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "agendasync",
            "--db",
            str(world.store.url),
            "sync",
            "conf",
            "--to",
            "swoogo",
            "--json",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _calls(world) -> int:
    return sum(world.sim.stats.calls.values())


async def test_killed_at_many_points_then_resumed_holds_everything_once_r_sync_7(
    world,
) -> None:
    await world.connected(sessions=40)
    world.sim.knobs.update(latency_ms=40)
    killed = 0
    for after in KILL_AFTER_CALLS:
        start = _calls(world)
        process = _start_sync(world)
        while _calls(world) < start + after and process.poll() is None:
            time.sleep(0.002)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed += 1
        process.wait()

    world.sim.knobs.update(latency_ms=0)
    final = _start_sync(world)
    output, errors = final.communicate(timeout=120)

    assert final.returncode == 0, errors.decode()
    assert killed == len(KILL_AFTER_CALLS)
    assert json.loads(output)["status"] in ("succeeded",)
    world.assert_all_on_swoogo_once()
    with world.store.transaction() as connection:
        ledger = repo.load_ledger(connection, repo.ledger_scope(connection, world.mapping.id))
        runs = repo.list_runs(connection, world.mapping.event_id)
    assert {entry.state for entry in ledger.values()} == {LedgerState.SYNCED}
    # The killed runs are closed as interrupted; none is left "running".
    assert {run.status.value for run in runs[1:]} <= {"failed"}
    assert runs[0].status.value == "succeeded"
