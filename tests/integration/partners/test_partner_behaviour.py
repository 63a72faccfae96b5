"""One behaviour suite for every partner with a simulator (`partners/registry.py`), over real
HTTP on loopback: a partner added to the registry runs it with no new test code."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from starlette.types import ASGIApp, Receive, Scope, Send

from agendasync.domain.integrations import Mapping, RunStatus, SyncRun
from agendasync.partners.registry import SIMULATIONS, get_partner
from agendasync.services import integrations as service
from agendasync.services.syncing import BUDGETS, SyncSettings, run_sync
from agendasync.simulators import pictures as image_host
from agendasync.simulators.harness import Simulation
from agendasync.simulators.server import serve_in_thread
from agendasync.sources.demo_data import demo_event
from agendasync.sources.eventfile import import_document
from agendasync.store import Store
from agendasync.store import integrations as repo
from agendasync.store.content import load_event_content, save_event_content
from agendasync.store.events import create_organisation
from agendasync.store.secrets import SecretBox
from agendasync.sync.retry import RetryPolicy
from agendasync.sync.select import select

FAST = SyncSettings(
    allow_private_urls=True, retry=RetryPolicy(attempts=6, first_delay_s=0.01, max_delay_s=0.05)
)
START = date.today() + timedelta(days=30)


class Counting:
    """Counts the requests a simulator receives (writes: non-GET, token requests apart), each
    answered after `latency_s`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.requests: Counter[str] = Counter()
        self.latency_s = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.requests[f"{scope['method']} {scope['path']}"] += 1
            await asyncio.sleep(self.latency_s)
        await self.app(scope, receive, send)

    def total(self) -> int:
        return sum(self.requests.values())

    def writes(self) -> int:
        return sum(
            n
            for call, n in self.requests.items()
            if not call.startswith("GET") and "token" not in call
        )


@dataclass
class Served:
    simulation: Simulation
    counter: Counting
    url: str


@pytest.fixture(scope="module", params=sorted(SIMULATIONS))
def served(request: pytest.FixtureRequest) -> Iterator[Served]:
    simulation = SIMULATIONS[request.param]()
    counter = Counting(simulation.app)
    with serve_in_thread(counter) as url:
        yield Served(simulation, counter, url)


@pytest.fixture(scope="module")
def pictures() -> Iterator[str]:
    with serve_in_thread(image_host.create_app()) as url:
        yield url


@dataclass
class Hub:
    store: Store
    served: Served
    pictures: str
    key: str = field(default_factory=lambda: Fernet.generate_key().decode())
    partner_event: str = ""
    mapping: Mapping | None = None

    @property
    def box(self) -> SecretBox:
        return SecretBox([self.key])

    @property
    def partner(self) -> str:
        return self.served.simulation.partner

    @property
    def simulation(self) -> Simulation:
        return self.served.simulation

    def writes(self) -> int:
        return self.served.counter.writes()

    async def connect(self) -> None:
        async with httpx.AsyncClient() as http:
            await service.connect(
                self.store,
                self.box,
                org="Acme",
                partner_name=self.partner,
                credentials=self.simulation.credentials(),
                base_url=self.simulation.base_url(self.served.url),
                http=http,
                allow_private=True,  # the simulator is on loopback
            )

    async def map(self) -> Mapping:
        async with httpx.AsyncClient() as http:
            self.mapping = await service.add_mapping(
                self.store,
                self.box,
                event_slug="conf",
                partner_name=self.partner,
                partner_event_id=self.partner_event,
                params=self.simulation.mapping_params(self.partner_event),
                http=http,
                allow_private=True,  # the simulator is on loopback
            )
        return self.mapping

    async def sync(self, **options: Any) -> SyncRun:
        assert self.mapping is not None
        async with httpx.AsyncClient(timeout=2.0) as http:
            return await run_sync(
                self.store, self.box, self.mapping, settings=FAST, http=http, **options
            )

    def on_partner(self, kind: str = "sessions") -> list[dict[str, Any]]:
        return self.simulation.records(self.partner_event, kind)

    def eligible_sessions(self) -> int:
        with self.store.transaction() as connection:
            content = load_event_content(connection, self.mapping.event_id)  # type: ignore[union-attr]
        spec = get_partner(self.partner).spec
        return len(select(content, spec.eligibility, datetime.now(UTC)).sessions)

    def rename_session(self, session_id: uuid.UUID | None = None) -> str:
        """Rename a session (the first eligible one unless named)."""
        with self.store.transaction() as connection:
            content = load_event_content(connection, self.mapping.event_id)  # type: ignore[union-attr]
        spec = get_partner(self.partner).spec
        eligible = select(content, spec.eligibility, datetime.now(UTC)).sessions
        chosen = next(s for s in eligible if session_id in (None, s.id))
        chosen.title = f"{chosen.title} (renamed)"
        with self.store.transaction() as connection:
            save_event_content(connection, content.model_copy(update={"sessions": [chosen]}))
        return chosen.title


@pytest.fixture
async def hub(store: Store, served: Served, pictures: str) -> Hub:
    served.simulation.reset()
    served.counter.requests.clear()
    served.counter.latency_s = 0.0
    BUDGETS.clear()
    document = demo_event(slug="conf", sessions=10, seed=3, today=START, pictures=pictures)
    with store.transaction() as connection:
        import_document(connection, document, org=create_organisation(connection, "Acme"))
    hub = Hub(store, served, pictures)
    hub.partner_event = served.simulation.add_event(
        "Conf on the partner", "Europe/Berlin", START - timedelta(days=3), START + timedelta(days=3)
    )
    await hub.connect()
    await hub.map()
    return hub


def _count(run: SyncRun, what: str, kind: str = "sessions") -> int:
    return int(run.report["counts"].get(kind, {}).get(what, 0))


async def test_first_sync_creates_each_eligible_session_once_and_resync_writes_nothing_r_sync_3(
    hub: Hub,
) -> None:
    first = await hub.sync()
    writes = hub.writes()
    second = await hub.sync()

    assert first.status is RunStatus.SUCCEEDED, first.report["failed"]
    assert len(hub.on_partner()) == _count(first, "created") == hub.eligible_sessions()
    assert second.status is RunStatus.SUCCEEDED
    assert hub.writes() == writes
    assert second.report["partner_calls"] == 0


async def test_one_edited_session_is_one_write_r_sync_3(hub: Hub) -> None:
    await hub.sync()
    writes = hub.writes()
    hub.rename_session()

    run = await hub.sync()

    assert (_count(run, "updated"), _count(run, "created")) == (1, 0)
    assert hub.writes() == writes + 1


async def test_a_session_deleted_on_the_partner_follows_the_partners_rule_r_sync_4(
    hub: Hub,
) -> None:
    await hub.sync()
    before = len(hub.on_partner())
    with hub.store.transaction() as connection:
        scope = repo.ledger_scope(connection, hub.mapping.id)  # type: ignore[union-attr]
        ledger = repo.load_ledger(connection, scope)
    gone = next(e for e in ledger.values() if e.kind == "sessions")
    hub.simulation.delete(hub.partner_event, "sessions", str(gone.partner_id))
    hub.rename_session(gone.record_id)

    run = await hub.sync()
    again = await hub.sync()

    if get_partner(hub.partner).spec.recreate_deleted:  # the hub is the source of truth
        assert (len(hub.on_partner()), _count(run, "created")) == (before, 1)
    else:
        assert len(hub.on_partner()) == before - 1
        assert [
            p["reason"] for p in again.report["skipped"] if p["record_id"] == str(gone.record_id)
        ] == [f"deleted on {get_partner(hub.partner).spec.title}; it is not created again"]
    assert _count(again, "created") == 0


@pytest.mark.parametrize("fault", ["fail_after_next", "lose_next"])
async def test_writes_whose_answer_did_not_arrive_create_no_duplicate_r_sync_7(
    hub: Hub, fault: str
) -> None:
    inject = getattr(hub.simulation.faults, fault)
    if fault == "fail_after_next":
        inject(4, status=502, match="POST *")
    else:
        inject(4, match="POST *")

    first = await hub.sync()
    second = await hub.sync()

    assert len(hub.on_partner()) == hub.eligible_sessions()
    assert _count(second, "created") == 0
    assert first.status in (RunStatus.SUCCEEDED, RunStatus.PARTIAL)


async def test_dry_run_touches_nothing_r_sync_9(hub: Hub) -> None:
    run = await hub.sync(dry_run=True)

    assert hub.writes() == 0
    assert hub.on_partner() == []
    assert _count(run, "created") == hub.eligible_sessions()


async def test_one_session_synced_on_its_own_r_sync_2(hub: Hub) -> None:
    with hub.store.transaction() as connection:
        content = load_event_content(connection, hub.mapping.event_id)  # type: ignore[union-attr]
    spec = get_partner(hub.partner).spec
    chosen = select(content, spec.eligibility, datetime.now(UTC)).sessions[0]

    run = await hub.sync(scope=chosen.id)

    assert len(hub.on_partner()) == _count(run, "created") == 1


async def test_reconnect_and_remap_find_every_record_again_r_int_6(hub: Hub) -> None:
    await hub.sync()
    on_partner = len(hub.on_partner())
    service.disconnect(hub.store, org="Acme", partner_name=hub.partner)
    await hub.connect()
    await hub.map()

    run = await hub.sync()

    assert _count(run, "created") == 0
    assert len(hub.on_partner()) == on_partner


def _sync_process(hub: Hub) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        "AGENDASYNC_SECRET_KEY": hub.key,
        "AGENDASYNC_ALLOW_PRIVATE_PARTNER_URLS": "1",
    }
    command = ["--db", str(hub.store.url), "sync", "conf", "--to", hub.partner, "--json"]
    return subprocess.Popen(
        [sys.executable, "-m", "agendasync", *command],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


async def test_a_sync_killed_at_several_points_then_run_again_holds_everything_once_r_sync_7(
    hub: Hub,
) -> None:
    hub.served.counter.latency_s = 0.02
    killed = 0
    for after in (2, 5, 9, 14, 20):
        start = hub.served.counter.total()
        process = _sync_process(hub)
        while hub.served.counter.total() < start + after and process.poll() is None:
            time.sleep(0.002)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed += 1
        process.wait()
    hub.served.counter.latency_s = 0.0

    final = await hub.sync()
    again = await hub.sync()

    assert killed == 5
    assert final.status is RunStatus.SUCCEEDED, final.report["failed"]
    assert len(hub.on_partner()) == hub.eligible_sessions()
    assert _count(again, "created") == 0


async def test_two_processes_syncing_one_mapping_take_turns_r_sync_6(hub: Hub) -> None:
    if hub.store.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's advisory lock is proven in the workers' tests")
    hub.served.counter.latency_s = 0.03  # long enough runs to overlap, were they let

    both = [_sync_process(hub) for _ in range(2)]
    results = [process.communicate(timeout=300) for process in both]

    assert [process.returncode for process in both] == [0, 0], results
    assert len(hub.on_partner()) == hub.eligible_sessions()
