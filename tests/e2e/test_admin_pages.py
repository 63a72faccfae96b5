"""The admin pages in a real browser: Debian's Chromium driven by Playwright, the app and a
Swoogo simulator (and a Sessionize one) served on loopback.

The flow is the seeds' (002: Swoogo, 003: the portal, 004: Sessionize): sign in, connect
Swoogo (a wrong secret first), map an event, sync to Swoogo and see the flash messages and the
report, preview a sync, sync sponsors, open a speaker's portal, import from Sessionize, remove
the mapping, disconnect. A screenshot of every page is saved under the test's output folder
(`AGENDASYNC_SCREENSHOTS` chooses another, to look at them).

Skipped when /usr/bin/chromium is missing, except under CI (`CI` set), where that fails.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from cryptography.fernet import Fernet

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

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
if not CHROMIUM.exists():
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is required under CI (make browser installs it)")
    pytest.skip(f"{CHROMIUM} is not installed (make browser)", allow_module_level=True)

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

EMAIL, PASSWORD = "admin@example.com", "correct horse battery"
SESSIONIZE_ID = "jl4ktls0"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sessionize"


@dataclass
class Site:
    url: str
    swoogo: SwoogoSimulator
    swoogo_url: str
    partner_event: int


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
            yield Site(url, swoogo, swoogo_url, partner_event)
    store.close()


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        context = browser.new_context(viewport={"width": 1280, "height": 860})
        context.set_default_timeout(10_000)
        yield context.new_page()
        browser.close()


class Screenshots:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def __call__(self, page: Page, name: str) -> None:
        self.count += 1
        page.screenshot(path=self.folder / f"{self.count:02d}-{name}.png", full_page=True)


@pytest.fixture
def shot(tmp_path: Path) -> Screenshots:
    return Screenshots(Path(os.environ.get("AGENDASYNC_SCREENSHOTS", tmp_path / "screenshots")))


def flash(page: Page, text: str | re.Pattern[str]) -> None:
    expect(page.locator(".flashes")).to_contain_text(text)


def test_admin_pages_connect_map_sync_report_remove_disconnect(
    site: Site, page: Page, shot: Screenshots
) -> None:
    # Sign in: an unknown password is refused, the right one opens the organisation.
    page.goto(f"{site.url}/events/devconf/agenda")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong email or password.")
    shot(page, "login-refused")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{site.url}/events/devconf/agenda")  # back where we were going

    # Organisation -> Settings -> Integrations: a card per partner, Connect from its fields.
    page.get_by_role("link", name="Integrations").click()
    card = page.get_by_role("region", name="Swoogo")
    expect(card.get_by_text("Not connected")).to_be_visible()
    shot(page, "integrations")
    card.get_by_label("Consumer key").fill("demo-key")
    card.get_by_label("Consumer secret").fill("not-the-secret")
    card.get_by_label("API address").fill(f"{site.swoogo_url}/api/v1")
    card.get_by_role("button", name="Connect").click()
    card = page.get_by_role("region", name="Swoogo")
    expect(card.get_by_role("alert")).to_contain_text("Swoogo refused the credentials")
    expect(card.get_by_label("Consumer secret")).to_have_value("")  # a secret is never echoed
    shot(page, "connect-refused")
    card.get_by_label("Consumer secret").fill("demo-secret")
    card.get_by_label("API address").fill(f"{site.swoogo_url}/api/v1")
    card.get_by_role("button", name="Connect").click()

    # The mapping window opens: Swoogo's events (fetched from it), ours, Add Mapping.
    expect(page.get_by_role("heading", name="Swoogo: map events")).to_be_visible()
    flash(page, "Swoogo connected (Consumer key ••••, Consumer secret ••••cret).")
    page.get_by_label("Swoogo event").select_option(str(site.partner_event))
    page.get_by_label("Our event").select_option("devconf")
    page.get_by_role("button", name="Add Mapping").click()
    flash(page, "Mapped ")
    switch = page.get_by_role("switch", name=re.compile("Continuous sync for"))
    expect(switch).to_have_attribute("aria-checked", "false")
    switch.click()
    expect(page.get_by_role("switch", name=re.compile("Continuous sync for"))).to_have_attribute(
        "aria-checked", "true"
    )
    shot(page, "mapping-window")

    # Sessions -> Agenda -> Options -> Sync to Swoogo: started, then finished with the counts.
    page.get_by_role("row").get_by_role("link", name=re.compile("^DevConf")).click()
    expect(page.get_by_role("heading", name=re.compile("^DevConf"))).to_be_visible()
    page.get_by_text("Options").click()
    shot(page, "agenda-options")
    page.get_by_role("button", name="Sync to Swoogo").click()
    flash(page, "Sync to Swoogo started.")
    shot(page, "sync-started")
    # The page reloads itself while the sync runs; the next load says it finished.
    flash(page, re.compile(r"Sync to Swoogo finished .*\d+ of \d+ sessions and \d+ of \d+"))
    shot(page, "sync-finished")
    page.locator(".flashes").get_by_role("link", name="See the report").click()
    expect(page.get_by_role("heading", name="Sync to Swoogo")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(r"Skipped \(\d+\)"))).to_be_visible()
    expect(
        page.get_by_role("cell", name=re.compile("only accepted sessions are synced")).first
    ).to_be_visible()
    shot(page, "report")
    assert len(site.swoogo.state.sessions) > 0

    page.get_by_role("link", name="Sync history").click()
    expect(page.get_by_role("cell", name="Sessions and speakers")).to_be_visible()
    shot(page, "sync-history")

    # Preview sync: a dry run, nothing sent.
    page.get_by_role("link", name="Sessions: Agenda").click()
    page.get_by_text("Options").click()
    page.get_by_role("button", name="Preview sync").click()
    expect(page.get_by_text("A preview: nothing was sent to Swoogo")).to_be_visible()
    shot(page, "preview")

    # Sponsors have their own Sync to Swoogo.
    page.get_by_role("link", name="Sponsors").click()
    page.get_by_text("Options").click()
    page.get_by_role("button", name="Sync to Swoogo").click()
    flash(page, "Sponsor sync to Swoogo started.")
    flash(page, re.compile("Sponsor sync to Swoogo finished"))
    shot(page, "sponsors")
    assert len(site.swoogo.state.sponsors) > 0

    # A speaker's portal, by their personal link: Share Your Attendance, empty for now.
    page.get_by_role("link", name="Speakers").click()
    shot(page, "speakers")
    page.get_by_role("link", name="Personal link").first.click()
    expect(page.get_by_role("heading", name="Share Your Attendance")).to_be_visible()
    expect(page.get_by_text("appear here once the event's marketing partner")).to_be_visible()
    shot(page, "portal")
    page.go_back()

    # Sessionize: enter the API ID, then Sync Sessionize, and read the import's report.
    page.goto(f"{site.url}/events/meetup-2027/settings/sessionize")
    expect(page.get_by_role("button", name="Sync Sessionize")).to_be_disabled()
    page.get_by_label("Sessionize API ID").fill(
        f"https://sessionize.com/api/v2/{SESSIONIZE_ID}/view/All"
    )
    page.get_by_role("button", name="Save").click()
    flash(page, f"Sessionize API ID {SESSIONIZE_ID} saved.")
    page.get_by_role("button", name="Sync Sessionize").click()
    flash(page, "Sessionize imported: sessions")
    expect(page.get_by_role("heading", name="Last import")).to_be_visible()
    expect(page.get_by_role("rowheader", name="Sessions")).to_be_visible()
    shot(page, "sessionize")

    # Remove the mapping (behind a confirmation), then disconnect (behind another).
    page.goto(f"{site.url}/orgs/acme-events/settings/integrations/swoogo")
    page.get_by_text("Remove Mapping", exact=True).click()
    shot(page, "remove-mapping-confirm")
    page.get_by_role("button", name="Yes, remove mapping").click()
    flash(page, "Swoogo stays connected")
    expect(page.get_by_text("No mappings yet.")).to_be_visible()
    page.get_by_role("link", name="Close").click()
    page.get_by_label("More actions for Swoogo").click()
    page.get_by_text("Disconnect Integration", exact=True).click()
    shot(page, "disconnect-confirm")
    page.get_by_role("button", name="Yes, disconnect").click()
    flash(page, "Swoogo disconnected; 0 event mapping(s) removed.")
    expect(page.get_by_role("region", name="Swoogo").get_by_text("Not connected")).to_be_visible()
    shot(page, "disconnected")

    # API tokens (shown once) and the API's documentation, served without any CDN.
    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Name").fill("website build")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_text("it is shown only this once")).to_be_visible()
    shot(page, "api-token")
    page.get_by_role("navigation", name="Organisation").get_by_role(
        "link", name="API documentation"
    ).click()
    expect(page.get_by_role("heading", name="sessions")).to_be_visible()
    shot(page, "api-docs")

    # The agenda offers no sync once nothing is mapped (R-MAP-3).
    page.goto(f"{site.url}/events/devconf/agenda")
    page.get_by_text("Options").click()
    expect(page.get_by_role("button", name="Sync to Swoogo")).to_have_count(0)
    expect(page.get_by_text("Map this event to a partner")).to_be_visible()


def test_session_cookie_is_http_only_and_lax(site: Site, page: Page) -> None:
    page.goto(f"{site.url}/login")
    cookie = next(c for c in page.context.cookies() if c["name"] == "agendasync_session")
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert cookie["secure"] is False  # served over http here; --secure-cookies behind https
