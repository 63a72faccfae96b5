"""A world for API tests: two organisations (Acme and Rival), each with an event and read and
write tokens, an admin who signs in, the app over an in-process ASGI transport, and a Swoogo
simulator on loopback. Every test runs on SQLite and on PostgreSQL (the `store` fixture)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from cryptography.fernet import Fernet
from fastapi import FastAPI

from agendasync.domain.accounts import Role, Scope
from agendasync.jobs.embedded import EmbeddedDispatcher
from agendasync.partners.swoogo.simulator import SwoogoSimulator
from agendasync.server import create_app
from agendasync.services.accounts import Accounts
from agendasync.services.context import Services, WebSettings
from agendasync.services.syncing import BUDGETS, MappingRunner, SyncSettings
from agendasync.simulators import pictures as image_host
from agendasync.simulators.server import serve_in_thread
from agendasync.sources.demo_data import demo_event
from agendasync.sources.eventfile import import_document
from agendasync.store import Store
from agendasync.store.events import create_organisation
from agendasync.store.secrets import SecretBox

IN_A_MONTH = date.today() + timedelta(days=30)
PASSWORD = "a long enough password"
# Argon2 at its cheapest: these tests are about the API, not about the hash's cost.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@dataclass
class Org:
    slug: str
    event: str
    read: dict[str, str]  # headers with a read token
    write: dict[str, str]  # headers with a write token
    admin_email: str


@dataclass
class Api:
    client: httpx.AsyncClient
    services: Services
    acme: Org
    rival: Org
    swoogo: SwoogoSimulator
    swoogo_url: str
    partner_event: int

    @property
    def store(self) -> Store:
        return self.services.store

    async def login(self, email: str, password: str = PASSWORD) -> str:
        """Sign in through the login page (unless signed in as `email` already); answers the
        session's CSRF token."""
        current = await self.client.get("/api/session")
        if current.status_code == 200 and current.json()["email"] == email:
            token: str = current.json()["csrf_token"]
            return token
        self.client.cookies.clear()
        page = await self.client.get("/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert csrf, page.text
        answer = await self.client.post(
            "/login", data={"email": email, "password": password, "csrf_token": csrf[1]}
        )
        assert answer.status_code == 303, answer.text
        session = await self.client.get("/api/session")  # the new session's token
        fresh: str = session.json()["csrf_token"]
        return fresh

    async def connect_swoogo(self, org: Org) -> None:
        answer = await self.client.post(
            f"/api/orgs/{org.slug}/integrations",
            json={
                "partner": "swoogo",
                "credentials": {"key": "api-key-123456", "secret": "api-secret-987654"},
                "base_url": self.swoogo_url,
            },
            headers=await self.admin(org),
        )
        assert answer.status_code == 201, answer.text

    async def admin(self, org: Org) -> dict[str, str]:
        """Headers of a signed-in admin of `org` (tokens cannot administer)."""
        return {"X-CSRF-Token": await self.login(org.admin_email)}

    async def map_swoogo(self, org: Org, *, continuous: bool = False) -> dict[str, Any]:
        await self.connect_swoogo(org)
        answer = await self.client.post(
            f"/api/orgs/{org.slug}/mappings",
            json={
                "partner": "swoogo",
                "event": org.event,
                "partner_event_id": str(self.partner_event),
                "continuous": continuous,
            },
            headers=org.write,
        )
        assert answer.status_code == 201, answer.text
        mapping: dict[str, Any] = answer.json()
        return mapping


@pytest.fixture(scope="session")
def swoogo_served() -> Iterator[tuple[SwoogoSimulator, str]]:
    simulator = SwoogoSimulator()
    with serve_in_thread(simulator) as url:
        yield simulator, f"{url}/api/v1"


@pytest.fixture(scope="session")
def pictures() -> Iterator[str]:
    with serve_in_thread(image_host.create_app()) as url:
        yield url


def _org(
    store: Store,
    accounts: Accounts,
    name: str,
    event: str,
    *,
    seed: int,
    sessions: int,
    pictures: str,
) -> Org:
    with store.transaction() as connection:
        org = create_organisation(connection, name)
        document = demo_event(
            slug=event, sessions=sessions, seed=seed, today=IN_A_MONTH, pictures=pictures
        )
        import_document(connection, document, org=org)
    admin = f"admin@{org.slug}.example"
    accounts.create_user(admin, PASSWORD, org=org.slug, role=Role.ADMIN)
    read = accounts.issue_token(org.id, "read", [Scope.READ]).secret
    write = accounts.issue_token(org.id, "write", [Scope.READ, Scope.WRITE]).secret
    return Org(
        slug=org.slug,
        event=event,
        read={"Authorization": f"Bearer {read}"},
        write={"Authorization": f"Bearer {write}"},
        admin_email=admin,
    )


@pytest.fixture(scope="session")
def app() -> FastAPI:
    """One app for the whole run, each test giving it its own store (`api`): FastAPI sets up
    every route on an app's first request, a third of a second each time otherwise."""
    placeholder = Store("sqlite://", migrate=False)
    box = SecretBox([Fernet.generate_key().decode()])
    # The simulators run on loopback: the operator's allowance, given explicitly.
    return create_app(placeholder, box, settings=WebSettings(allow_private_partner_urls=True))


@pytest.fixture
async def api(
    app: FastAPI, store: Store, swoogo_served: tuple[SwoogoSimulator, str], pictures: str
) -> AsyncIterator[Api]:
    simulator, swoogo_url = swoogo_served
    state = simulator.reset()
    state.add_credentials("api-key-123456", "api-secret-987654")
    partner_event = state.add_event(
        "Conf on Swoogo", timezone="Europe/Berlin", start_date=str(IN_A_MONTH)
    )
    BUDGETS.clear()
    services: Services = app.state.services
    services.store = store
    services.accounts = Accounts(store, hasher=CHEAP_HASHER)
    loopback = SyncSettings(allow_private_urls=True)
    services.syncs = syncs = EmbeddedDispatcher(
        store, MappingRunner(store, services.box, settings=loopback)
    )
    acme = _org(
        store, services.accounts, "Acme", "acme-conf", seed=1, sessions=6, pictures=pictures
    )
    # The other organisation only needs a record of each kind to try to reach.
    rival = _org(
        store, services.accounts, "Rival", "rival-conf", seed=2, sessions=2, pictures=pictures
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield Api(client, services, acme, rival, simulator, swoogo_url, partner_event)
        await syncs.drain()
        await syncs.aclose()


def problem(answer: httpx.Response) -> tuple[str | None, str]:
    """The first (field, message) of an error answer, after checking its shape."""
    body = answer.json()
    assert set(body) == {"error", "message", "problems"}, body
    assert body["problems"], body
    first = body["problems"][0]
    return first["field"], first["message"]
