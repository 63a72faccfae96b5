"""A world for sync tests: a store with an organisation and a demo event, a Swoogo simulator
and a picture host on loopback, and the hub connected and mapped through its services."""

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
from agendasync.partners.swoogo.simulator import SwoogoSimulator
from agendasync.services import integrations as service
from agendasync.services.syncing import BUDGETS, SyncSettings, run_sync
from agendasync.simulators import pictures as image_host
from agendasync.simulators.server import serve_in_thread
from agendasync.sources.demo_data import demo_event
from agendasync.sources.eventfile import import_document
from agendasync.store import Store
from agendasync.store.content import load_event_content, save_event_content
from agendasync.store.events import create_organisation, find_organisation
from agendasync.store.exceptions import NotFound
from agendasync.store.secrets import SecretBox
from agendasync.sync.retry import RetryPolicy

# Fast retries: the simulator's faults are immediate.
FAST_RETRIES = RetryPolicy(attempts=6, first_delay_s=0.01, max_delay_s=0.05)
IN_A_MONTH = date.today() + timedelta(days=30)


@pytest.fixture(scope="session")
def swoogo_server() -> Iterator[tuple[SwoogoSimulator, str]]:
    simulator = SwoogoSimulator()
    with serve_in_thread(simulator) as url:
        yield simulator, f"{url}/api/v1"


@pytest.fixture(scope="session")
def pictures() -> Iterator[str]:
    with serve_in_thread(image_host.create_app()) as url:
        yield url


@dataclass
class World:
    store: Store
    sim: SwoogoSimulator
    swoogo_url: str
    pictures: str
    secret_key: str = field(default_factory=lambda: Fernet.generate_key().decode())
    partner_event: int = 0
    document: EventDocument | None = None
    mapping: Mapping | None = None

    @property
    def box(self) -> SecretBox:
        return SecretBox([self.secret_key])

    def add_event(
        self,
        slug: str = "conf",
        sessions: int = 12,
        seed: int = 1,
        org: str = "Acme",
        timezone: str = "Europe/Berlin",
        name: str | None = None,
    ) -> EventDocument:
        document = demo_event(
            slug=slug,
            name=name,
            sessions=sessions,
            seed=seed,
            today=IN_A_MONTH,
            pictures=self.pictures,
            timezone=timezone,
        )
        with self.store.transaction() as connection:
            try:
                owner = find_organisation(connection, org)
            except NotFound:
                owner = create_organisation(connection, org)
            import_document(connection, document, org=owner)
        self.document = self.document or document
        return document

    async def connect(self, org: str = "Acme", **overrides: Any) -> service.Connected:
        credentials = {"key": "key", "secret": "secret"} | overrides.pop("credentials", {})
        async with httpx.AsyncClient(verify=False) as http:
            return await service.connect(
                self.store,
                self.box,
                org=org,
                partner_name="swoogo",
                credentials=credentials,
                base_url=overrides.pop("base_url", self.swoogo_url),
                http=http,
                allow_private=True,  # the simulator is on loopback
            )

    async def map(
        self, slug: str = "conf", partner_event: int | None = None, *, confirmed: bool = False
    ) -> Mapping:
        async with httpx.AsyncClient(verify=False) as http:
            mapping = await service.add_mapping(
                self.store,
                self.box,
                event_slug=slug,
                partner_name="swoogo",
                partner_event_id=str(partner_event or self.partner_event),
                confirmed=confirmed,
                http=http,
                allow_private=True,
            )
        self.mapping = self.mapping or mapping
        return mapping

    async def sync(
        self, mapping: Mapping | None = None, *, timeout: float = 2.0, **options: Any
    ) -> SyncRun:
        async with httpx.AsyncClient(verify=False, timeout=timeout) as http:
            return await run_sync(
                self.store,
                self.box,
                mapping or self.mapping,
                http=http,
                settings=SyncSettings(retry=FAST_RETRIES, allow_private_urls=True),
                **options,
            )

    def content(self, mapping: Mapping | None = None) -> EventContent:
        with self.store.transaction() as connection:
            return load_event_content(connection, (mapping or self.mapping).event_id)

    def save(self, content: EventContent) -> None:
        with self.store.transaction() as connection:
            save_event_content(connection, content)

    async def connected(self, sessions: int = 12) -> None:
        """An event, Swoogo connected, the event mapped: ready to sync."""
        self.add_event(sessions=sessions)
        await self.connect()
        await self.map()

    def eligible(self) -> tuple[list[Session], list[Speaker]]:
        """What should be on Swoogo: accepted, scheduled sessions and their accepted speakers."""
        content = self.content()
        sessions = [s for s in content.sessions if s.status == "accepted" and s.starts_at]
        people = {p.speaker_id for s in sessions for p in s.people}
        speakers = [
            p for p in content.speakers if p.id in people and p.status == "accepted" and p.email
        ]
        return sessions, speakers

    def assert_all_on_swoogo_once(self) -> None:
        sessions, speakers = self.eligible()
        on_swoogo = sorted(row["notes"] for row in self.sim.state.sessions.values())
        assert on_swoogo == sorted(f"agendasync-id: {s.id}" for s in sessions)
        emails = sorted(row["email"] for row in self.sim.state.speakers.values())
        assert emails == sorted(p.email for p in speakers)

    def writes(self) -> int:
        return sum(
            n
            for call, n in self.sim.stats.calls.items()
            if not call.startswith(("GET", "POST /oauth2"))
        )


@pytest.fixture
def world(store: Store, swoogo_server: tuple[SwoogoSimulator, str], pictures: str) -> World:
    simulator, url = swoogo_server
    state = simulator.reset()
    state.add_credentials("key", "secret")
    BUDGETS.clear()  # budgets live per process; each test starts with a full one
    world = World(store, simulator, url, pictures)
    world.partner_event = state.add_event(
        "Conf on Swoogo", timezone="Europe/Berlin", start_date=str(IN_A_MONTH)
    )
    return world
