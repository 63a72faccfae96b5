"""A world for ExpoPlatform tests: a store with an organisation and a demo event, the
ExpoPlatform simulator on loopback, and the hub connected and mapped through its services."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet

from agendasync.domain.event_json import EventDocument
from agendasync.domain.integrations import Mapping, SyncRun
from agendasync.domain.models import EventContent, Session, Speaker
from agendasync.partners.expoplatform.simulator import ExpoPlatformSimulator
from agendasync.partners.expoplatform.simulator_state import ExpoState
from agendasync.services import integrations as service
from agendasync.services.syncing import BUDGETS, SyncSettings, run_sync
from agendasync.simulators.server import serve_in_thread
from agendasync.sources.demo_data import demo_event
from agendasync.sources.eventfile import import_document
from agendasync.store import Store
from agendasync.store.content import load_event_content, save_event_content
from agendasync.store.events import create_organisation, find_organisation
from agendasync.store.exceptions import NotFound
from agendasync.store.secrets import SecretBox
from agendasync.sync.partner import Budget
from agendasync.sync.retry import RetryPolicy

KEY = "tf4Si1LydYpTAPyHXUgjig72jlrd5HpIJL5oigmc"
FAST_RETRIES = RetryPolicy(attempts=6, first_delay_s=0.01, max_delay_s=0.05)
IN_A_MONTH = date.today() + timedelta(days=30)
# The declared 10 calls a second would make every test wait; the simulator sets no limit.
FAST_BUDGET = {"expoplatform": Budget(credits=1000, window_s=1.0)}


@pytest.fixture(scope="session")
def expo_server() -> Iterator[tuple[ExpoPlatformSimulator, str]]:
    simulator = ExpoPlatformSimulator()
    with serve_in_thread(simulator) as url:
        yield simulator, url


@dataclass
class ExpoWorld:
    store: Store
    sim: ExpoPlatformSimulator
    url: str
    secret_key: str = field(default_factory=lambda: Fernet.generate_key().decode())
    partner_event: int = 0
    mapping: Mapping | None = None

    @property
    def state(self) -> ExpoState:
        return self.sim.state

    @property
    def box(self) -> SecretBox:
        return SecretBox([self.secret_key])

    def add_event(self, slug: str = "conf", sessions: int = 12, seed: int = 1) -> EventDocument:
        document = demo_event(
            slug=slug, sessions=sessions, seed=seed, today=IN_A_MONTH, timezone="Europe/Berlin"
        )
        with self.store.transaction() as connection:
            try:
                owner = find_organisation(connection, "Acme")
            except NotFound:
                owner = create_organisation(connection, "Acme")
            import_document(connection, document, org=owner)
        return document

    async def connect(self, key: str = KEY, base_url: str | None = None) -> service.Connected:
        async with httpx.AsyncClient(timeout=5) as http:
            return await service.connect(
                self.store,
                self.box,
                org="Acme",
                partner_name="expoplatform",
                credentials={"key": key},
                base_url=base_url or self.url,
                http=http,
                allow_private=True,  # the simulator is on loopback
            )

    async def map(self, slug: str = "conf", *, confirmed: bool = False) -> Mapping:
        async with httpx.AsyncClient(timeout=5) as http:
            self.mapping = await service.add_mapping(
                self.store,
                self.box,
                event_slug=slug,
                partner_name="expoplatform",
                partner_event_id=str(self.partner_event),
                confirmed=confirmed,
                http=http,
                allow_private=True,  # the simulator is on loopback
            )
        return self.mapping

    async def connected(self, sessions: int = 12) -> None:
        self.add_event(sessions=sessions)
        await self.connect()
        await self.map()

    async def sync(self, *, timeout: float = 2.0, **options: Any) -> SyncRun:
        assert self.mapping is not None
        async with httpx.AsyncClient(timeout=timeout) as http:
            return await run_sync(
                self.store,
                self.box,
                self.mapping,
                http=http,
                settings=SyncSettings(
                    allow_private_urls=True, retry=FAST_RETRIES, budget_overrides=FAST_BUDGET
                ),
                **options,
            )

    def content(self) -> EventContent:
        assert self.mapping is not None
        with self.store.transaction() as connection:
            return load_event_content(connection, self.mapping.event_id)

    def save(self, content: EventContent) -> None:
        with self.store.transaction() as connection:
            save_event_content(connection, content)

    def eligible(self) -> tuple[list[Session], list[Speaker]]:
        """What should be on ExpoPlatform: accepted, scheduled sessions with a format, and
        their accepted speakers with an email."""
        content = self.content()
        sessions = [
            s for s in content.sessions if s.status == "accepted" and s.starts_at and s.format
        ]
        people = {p.speaker_id for s in sessions for p in s.people}
        speakers = [
            p for p in content.speakers if p.id in people and p.status == "accepted" and p.email
        ]
        return sessions, speakers

    def rows(self, table: str) -> list[dict[str, Any]]:
        return self.state.records(self.partner_event, table)

    def writes(self) -> int:
        return self.state.stats.writes()


@pytest.fixture
def expo(store: Store, expo_server: tuple[ExpoPlatformSimulator, str]) -> ExpoWorld:
    simulator, url = expo_server
    state = simulator.reset()
    state.add_key(KEY)
    BUDGETS.clear()  # budgets live per process; each test starts with a full one
    world = ExpoWorld(store, simulator, url)
    world.partner_event = state.add_event(
        "Expo 2030", timezone="Europe/Berlin", start_date=str(IN_A_MONTH)
    )
    return world
