"""A world for ASP Events sync tests: a store with an organisation and a demo event in London,
the ASP simulator on loopback with a London site and a seminar holding the five seed slugs,
and the hub connected and mapped (with the Seminar ID) through its services."""

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
from agendasync.partners.asp.simulator import AspSimulator
from agendasync.partners.asp.simulator_state import AspState
from agendasync.services import integrations as service
from agendasync.services.syncing import BUDGETS, SyncSettings, run_sync
from agendasync.simulators.server import serve_in_thread
from agendasync.sources.demo_data import demo_event
from agendasync.sources.eventfile import import_document
from agendasync.store import Store
from agendasync.store.content import load_event_content, save_event_content
from agendasync.store.events import create_organisation
from agendasync.store.secrets import SecretBox
from agendasync.sync.partner import Budget
from agendasync.sync.retry import RetryPolicy

FAST_RETRIES = RetryPolicy(attempts=6, first_delay_s=0.01, max_delay_s=0.05)
# ASP's declared budget is 10 calls a second; tests need not wait for it.
FAST_BUDGET = Budget(credits=10_000, window_s=1.0)
IN_A_MONTH = date.today() + timedelta(days=30)
ZONE = "Europe/London"


@pytest.fixture(scope="session")
def asp_server() -> Iterator[tuple[AspSimulator, str]]:
    simulator = AspSimulator()
    with serve_in_thread(simulator) as url:
        yield simulator, url


@dataclass
class AspWorld:
    store: Store
    sim: AspSimulator
    url: str
    site: str
    seminar: str
    secret_key: str = field(default_factory=lambda: Fernet.generate_key().decode())
    mapping: Mapping | None = None

    @property
    def state(self) -> AspState:
        return self.sim.state

    @property
    def box(self) -> SecretBox:
        return SecretBox([self.secret_key])

    def add_event(self, sessions: int = 12, seed: int = 1) -> EventDocument:
        document = demo_event(
            slug="conf",
            sessions=sessions,
            seed=seed,
            today=IN_A_MONTH,
            pictures="https://pictures.example",
            timezone=ZONE,
        )
        with self.store.transaction() as connection:
            owner = create_organisation(connection, "Acme")
            import_document(connection, document, org=owner)
        return document

    async def connect(self, **credentials: str) -> service.Connected:
        async with httpx.AsyncClient(verify=False) as http:
            return await service.connect(
                self.store,
                self.box,
                org="Acme",
                partner_name="asp",
                credentials={"key": "key", "secret": "secret", **credentials},
                base_url=self.url,
                http=http,
                allow_private=True,  # the simulator is on loopback
            )

    async def map(self, seminar: str | None = None, *, confirmed: bool = False) -> Mapping:
        async with httpx.AsyncClient(verify=False) as http:
            self.mapping = await service.add_mapping(
                self.store,
                self.box,
                event_slug="conf",
                partner_name="asp",
                partner_event_id=self.site,
                params={"seminar_id": self.seminar if seminar is None else seminar},
                confirmed=confirmed,
                http=http,
                allow_private=True,  # the simulator is on loopback
            )
        return self.mapping

    async def connected(self, sessions: int = 12) -> None:
        self.add_event(sessions=sessions)
        await self.connect()
        await self.map()

    async def sync(self, mapping: Mapping | None = None, **options: Any) -> SyncRun:
        async with httpx.AsyncClient(verify=False, timeout=2.0) as http:
            return await run_sync(
                self.store,
                self.box,
                mapping or self.mapping,  # type: ignore[arg-type]
                http=http,
                settings=SyncSettings(
                    allow_private_urls=True,
                    retry=FAST_RETRIES,
                    budget_overrides={"asp": FAST_BUDGET},
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
        """What should be on ASP: accepted, scheduled sessions with a client session ID, not
        ended, and their accepted speakers with an email."""
        content = self.content()
        sessions = [
            s
            for s in content.sessions
            if s.status == "accepted" and s.starts_at and s.client_session_id
        ]
        people = {p.speaker_id for s in sessions for p in s.people}
        speakers = [
            p for p in content.speakers if p.id in people and p.status == "accepted" and p.email
        ]
        return sessions, speakers

    def sessions(self, *, inactive: bool = False) -> list[dict[str, Any]]:
        return [
            row
            for row in self.state.records["sessions"].values()
            if row["SeminarUuid"] == self.seminar and (inactive or row["isActive"])
        ]

    def session_of(self, session: Session) -> dict[str, Any]:
        rows = [
            r
            for r in self.sessions(inactive=True)
            if r["CustomFields"]["sessionboard_id"] == str(session.id)
        ]
        assert len(rows) == 1
        return rows[0]

    def assert_all_on_asp_once(self) -> None:
        sessions, speakers = self.eligible()
        ours = sorted(r["CustomFields"]["sessionboard_id"] for r in self.sessions(inactive=True))
        assert ours == sorted(str(s.id) for s in sessions)
        emails = sorted(r["Email"] for r in self.state.records["speakers"].values())
        assert emails == sorted(str(p.email) for p in speakers)

    def writes(self) -> int:
        return self.sim.writes()


@pytest.fixture
def asp(store: Store, asp_server: tuple[AspSimulator, str]) -> AspWorld:
    simulator, url = asp_server
    state = simulator.reset()
    state.add_credentials("key", "secret")
    BUDGETS.clear()
    site = state.add_site("Expo on ASP", ZONE, str(IN_A_MONTH), str(IN_A_MONTH + timedelta(3)))
    seminar = state.add_seminar(site, "Main programme")
    return AspWorld(store, simulator, url, site, seminar)
