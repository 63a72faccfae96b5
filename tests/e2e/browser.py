"""What the browser tests share beyond fixtures: the site they drive, signing in, and the
checks every page must pass on a phone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from playwright.sync_api import Page, expect

from agendasync.partners.swoogo.simulator import SwoogoSimulator

CHROMIUM = Path("/usr/bin/chromium")
EMAIL, PASSWORD = "admin@example.com", "correct horse battery"
SESSIONIZE_ID = "jl4ktls0"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sessionize"
DESKTOP = (1366, 900)
PHONE = (390, 844)


@dataclass
class Site:
    url: str
    swoogo: SwoogoSimulator
    swoogo_url: str
    partner_event: int
    app: FastAPI  # the app served at `url`: its routes, and its services for signed links


class Screenshots:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def __call__(self, page: Page, name: str, *, full_page: bool = True) -> None:
        """`full_page=False` for what floats on the screen (menus, questions)."""
        self.count += 1
        page.screenshot(path=self.folder / f"{self.count:02d}-{name}.png", full_page=full_page)


def sign_in(page: Page, site: Site, path: str = "/orgs/acme-events") -> None:
    page.goto(f"{site.url}/login?next={path}")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{site.url}{path}")


def connect_map_and_sync(page: Page, site: Site) -> None:
    """Integrations -> connect Swoogo -> map devconf to the simulator's event -> sync it, waiting
    until the sync finished (signed in, on an organisation page)."""
    page.get_by_role("link", name="Integrations").click()
    card = page.get_by_role("region", name="Swoogo")
    card.get_by_label("Consumer key").fill("demo-key")
    card.get_by_label("Consumer secret").fill("demo-secret")
    card.get_by_label("API address").fill(f"{site.swoogo_url}/api/v1")
    card.get_by_role("button", name="Connect").click()
    page.get_by_label("Swoogo event").select_option(str(site.partner_event))
    page.get_by_label("Our event").select_option("devconf")
    page.get_by_role("button", name="Add Mapping").click()
    page.goto(f"{site.url}/events/devconf/agenda")
    page.get_by_text("Options").click()
    page.get_by_role("button", name="Sync to Swoogo").click()
    expect(page.get_by_role("region", name="Syncs in progress")).to_contain_text(
        "Sync to Swoogo finished"
    )


def flash(page: Page, text: str | re.Pattern[str]) -> None:
    expect(page.locator(".flashes")).to_contain_text(text)


def fits_the_screen(page: Page) -> None:
    """Nothing wider than the phone's screen: the page, and each table, menu or question."""
    width = PHONE[0]
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > "
        f"{width} + 0.5).map(e => e.tagName + '.' + e.className + ' ' + e.textContent.slice(0, 40))"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= width, (page.url, wide)
    for table in page.locator("table").all():
        box = table.bounding_box()
        assert box is not None
        assert box["x"] >= 0, page.url
        assert box["x"] + box["width"] <= width, page.url


def inside_the_viewport(page: Page, selector: str) -> None:
    """Each element matching `selector` lies wholly inside the window (menus, questions)."""
    size = page.viewport_size
    assert size is not None
    boxes = [box for box in (e.bounding_box() for e in page.locator(selector).all()) if box]
    assert boxes, selector
    for box in boxes:
        assert box["x"] >= 0, (selector, box)
        assert box["x"] + box["width"] <= size["width"], (selector, box)
        assert box["y"] >= 0, (selector, box)
        assert box["y"] + box["height"] <= size["height"], (selector, box)


def open_menu(page: Page) -> None:
    page.locator("summary", has_text="Menu").click()


def menu_to(page: Page, section: str) -> None:
    """The Menu button, then a section: the only way to the sections on a phone."""
    open_menu(page)
    inside_the_viewport(page, ".nav-menu-panel")
    page.locator(".nav-menu-panel").get_by_role("link", name=section, exact=True).click()
