"""The browser tests' fixtures: Debian's Chromium driven by Playwright, the app with the demo
event and a Swoogo simulator (and a Sessionize one) served on loopback. A screenshot of every
page is saved under the test's output folder (`AGENDASYNC_SCREENSHOTS` chooses another, to look
at them).

Skipped when /usr/bin/chromium is missing, except under CI (`CI` set), where that fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from browser import (
    CHROMIUM,
    DESKTOP,
    EMAIL,
    FIXTURES,
    PASSWORD,
    PHONE,
    SESSIONIZE_ID,
    Screenshots,
    Site,
)
from cryptography.fernet import Fernet
from playwright.sync_api import Page, sync_playwright

from agendasync.domain.accounts import Role
from agendasync.domain.models import Event
from agendasync.partners.swoogo.simulator import SwoogoSimulator
from agendasync.server import create_app
from agendasync.services.accounts import Accounts
from agendasync.services.context import WebSettings
from agendasync.simulators import pictures as image_host
from agendasync.simulators.server import serve_in_thread
from agendasync.sources.demo_data import demo_event
from agendasync.sources.eventfile import import_document
from agendasync.sources.sessionize.simulator import SessionizeState
from agendasync.sources.sessionize.simulator import create_app as sessionize_app
from agendasync.store import Store
from agendasync.store.events import create_organisation, save_event
from agendasync.store.secrets import SecretBox

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(autouse=True)
def _chromium() -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is required under CI (make browser installs it)")
        pytest.skip(f"{CHROMIUM} is not installed (make browser)")


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    store = Store(f"sqlite:///{tmp_path / 'pages.db'}")
    box = SecretBox([Fernet.generate_key().decode()])
    swoogo = SwoogoSimulator()
    swoogo.state.add_credentials("demo-key", "demo-secret")
    in_a_month = date.today() + timedelta(days=30)
    partner_event = swoogo.state.add_event(
        "DevConf on Swoogo", timezone="Europe/Berlin", start_date=str(in_a_month)
    )
    sessionize = SessionizeState()
    sessionize.load(SESSIONIZE_ID, (FIXTURES / "all_2024.json").read_bytes())
    # A cheap hash: the test is about the pages, not about argon2's cost.
    accounts = Accounts(store, hasher=PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    with (
        serve_in_thread(image_host.create_app()) as pictures,
        serve_in_thread(swoogo) as swoogo_url,
        serve_in_thread(sessionize_app(sessionize)) as sessionize_url,
    ):
        with store.transaction() as connection:
            org = create_organisation(connection, "Acme Events")
            document = demo_event(slug="devconf", sessions=14, today=in_a_month, pictures=pictures)
            import_document(connection, document, org=org)
            # Sessionize's sample schedule is in May 2027: a meetup on those days imports it.
            save_event(
                connection,
                Event(
                    org_id=org.id,
                    slug="meetup-2027",
                    name="Meetup May 2027",
                    timezone="Europe/Berlin",
                    start_date=date(2027, 5, 11),
                    end_date=date(2027, 5, 13),
                ),
            )
        accounts.create_user(EMAIL, PASSWORD, org="acme-events", role=Role.ADMIN)
        # The simulators run on loopback: the operator's allowance, given explicitly.
        settings = WebSettings(sessionize_base_url=sessionize_url, allow_private_partner_urls=True)
        app = create_app(store, box, settings=settings, accounts=accounts)
        with serve_in_thread(app) as url:
            yield Site(url, swoogo, swoogo_url, partner_event, app)
    store.close()


def _browser_page(width: int, height: int) -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        context = browser.new_context(viewport={"width": width, "height": height})
        context.set_default_timeout(10_000)
        yield context.new_page()
        browser.close()


@pytest.fixture
def page() -> Iterator[Page]:
    yield from _browser_page(*DESKTOP)


@pytest.fixture
def phone() -> Iterator[Page]:
    yield from _browser_page(*PHONE)


@pytest.fixture
def shot(tmp_path: Path) -> Screenshots:
    return Screenshots(Path(os.environ.get("AGENDASYNC_SCREENSHOTS", tmp_path / "screenshots")))
