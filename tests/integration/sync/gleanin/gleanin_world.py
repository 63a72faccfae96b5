"""The world of the Gleanin sync tests: a store with a demo event, the Gleanin simulator on
loopback, and the hub connected and mapped through its services (as `../conftest.py` does for
Swoogo); the fixtures are in `conftest.py`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from cryptography.fernet import Fernet

from agendasync.domain.integrations import Mapping, SyncRun
from agendasync.domain.models import EventContent, Exhibitor, Session, Speaker
from agendasync.partners.gleanin.simulator import GleaninSimulator
from agendasync.partners.gleanin.simulator_state import GleaninState
from agendasync.server import create_app
from agendasync.services import integrations as service
from agendasync.services.syncing import SyncSettings, run_sync
from agendasync.sources.demo_data import demo_event
from agendasync.sources.eventfile import import_document
from agendasync.store import Store
from agendasync.store import tables as t
from agendasync.store.content import load_event_content, save_event_content
from agendasync.store.events import create_organisation
from agendasync.store.secrets import SecretBox
from agendasync.sync.partner import Budget
from agendasync.sync.retry import RetryPolicy

FAST_RETRIES = RetryPolicy(attempts=6, first_delay_s=0.01, max_delay_s=0.05)
IN_A_MONTH = date.today() + timedelta(days=30)
TOKEN = "gleanin-token"
FAST = Budget(credits=10_000, window_s=1.0)


@dataclass
class World:
    store: Store
    sim: GleaninSimulator
    url: str
    partner_event: int
    secret_key: str = field(default_factory=lambda: Fernet.generate_key().decode())
    mapping: Mapping | None = None

    @property
    def state(self) -> GleaninState:
        return self.sim.state

    @property
    def box(self) -> SecretBox:
        return SecretBox([self.secret_key])

    async def connected(self, sessions: int = 8) -> None:
        document = demo_event(slug="conf", sessions=sessions, seed=3, today=IN_A_MONTH)
        with self.store.transaction() as connection:
            import_document(connection, document, org=create_organisation(connection, "Acme"))
        async with httpx.AsyncClient() as http:
            await service.connect(
                self.store,
                self.box,
                org="Acme",
                partner_name="gleanin",
                credentials={"token": TOKEN},
                base_url=self.url,
                http=http,
                allow_private=True,  # the simulator is on loopback
            )
            self.mapping = await service.add_mapping(
                self.store,
                self.box,
                event_slug="conf",
                partner_name="gleanin",
                partner_event_id=str(self.partner_event),
                http=http,
                allow_private=True,  # the simulator is on loopback
            )

    async def sync(self, action: str = "content", **options: Any) -> SyncRun:
        assert self.mapping is not None
        async with httpx.AsyncClient(timeout=options.pop("timeout", 2.0)) as http:
            return await run_sync(
                self.store,
                self.box,
                self.mapping,
                action=action,
                http=http,
                # The declared 10 calls a second would make the tests wait for nothing.
                settings=SyncSettings(
                    allow_private_urls=True, retry=FAST_RETRIES, budget_overrides={"gleanin": FAST}
                ),
                **options,
            )

    def content(self) -> EventContent:
        assert self.mapping is not None
        with self.store.transaction() as connection:
            return load_event_content(connection, self.mapping.event_id, exhibitors=True)

    def save(self, content: EventContent) -> None:
        with self.store.transaction() as connection:
            save_event_content(connection, content)

    def eligible(self) -> tuple[list[Session], list[Speaker]]:
        """What Gleanin should hold: accepted, scheduled sessions and their accepted speakers."""
        content = self.content()
        sessions = [s for s in content.sessions if s.status == "accepted" and s.starts_at]
        people = {p.speaker_id for s in sessions for p in s.people}
        speakers = [
            p for p in content.speakers if p.id in people and p.status == "accepted" and p.email
        ]
        return sessions, speakers

    def exhibitors(self) -> list[Exhibitor]:
        return self.content().exhibitors

    def held(self, kind: str) -> dict[str, dict[str, Any]]:
        """What the Gleanin event holds of `kind`, by external_idx."""
        rows = self.state.table(kind).values()
        return {str(row.get("external_idx")): row for row in rows}

    def writes(self) -> int:
        calls = self.state.stats.calls
        return sum(n for call, n in calls.items() if not call.startswith("GET"))


async def portal_page(world: World, speaker_id: Any) -> str:
    """The speaker's portal page, as the speaker opens it."""
    app = create_app(world.store, world.box)
    token = app.state.services.portal.token(speaker_id)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        answer = await client.get(f"/portal/speakers/{token}")
    assert answer.status_code == 200
    return answer.text


def stored_links(world: World) -> dict[Any, list[tuple[str, str]]]:
    """Share links the hub stored, per person."""
    with world.store.transaction() as connection:
        rows = connection.execute(
            sa.select(
                t.share_links.c.person_id, t.share_links.c.title, t.share_links.c.url
            ).order_by(t.share_links.c.person_id, t.share_links.c.position)
        )
        found: dict[Any, list[tuple[str, str]]] = {}
        for row in rows:
            found.setdefault(row.person_id, []).append((row.title, row.url))
        return found


async def exhibitor_portal_page(world: World, contact_id: Any) -> str:
    """The exhibitor's primary contact's portal page."""
    app = create_app(world.store, world.box)
    token = app.state.services.portal.token(contact_id)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        answer = await client.get(f"/portal/exhibitors/{token}")
    assert answer.status_code == 200
    return answer.text
