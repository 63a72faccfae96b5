"""Each record's state on the partner, in a real browser: the demo event synced to the Swoogo
simulator shows on the agenda what Swoogo holds of each session, and the run's report lists
the records it created, each linked to its page; at 1366x900 and on a phone."""

from __future__ import annotations

import re

from browser import PHONE, Screenshots, Site, fits_the_screen, sign_in
from playwright.sync_api import Page, expect

DESKTOP = {"width": 1366, "height": 900}
RECORD_PAGE = re.compile(r"^/events/devconf/sessions/[0-9a-f-]{36}$")


def _connect_map_and_sync(page: Page, site: Site) -> None:
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


def test_the_agenda_shows_each_sessions_state_and_the_report_links_what_was_created(
    site: Site, page: Page, shot: Screenshots
) -> None:
    page.set_viewport_size(DESKTOP)
    sign_in(page, site)
    _connect_map_and_sync(page, site)
    on_swoogo = len(site.swoogo.state.sessions)

    page.goto(f"{site.url}/events/devconf/agenda")
    states = page.locator(".sync-compact li")
    expect(states.filter(has_text=re.compile(r"^Swoogo sent \d\d \w{3} \d\d:\d\d$"))).to_have_count(
        on_swoogo
    )
    expect(states).to_have_count(14)  # one per session: one partner is mapped
    declined = page.get_by_role("row").filter(has=page.locator(".badge-declined")).first
    expect(declined.locator(".sync-compact")).to_have_text("Swoogo left out")
    shot(page, "agenda-sync-state")

    page.goto(f"{site.url}/events/devconf/runs")
    page.get_by_role("link", name="Report").first.click()
    expect(page.get_by_role("heading", name=re.compile(r"^Created \(\d+\)$"))).to_be_visible()
    links = page.locator(".sent-records a", has_text=re.compile("^session '"))
    expect(links).to_have_count(on_swoogo)
    hrefs = [link.get_attribute("href") or "" for link in links.all()]
    assert all(RECORD_PAGE.match(href) for href in hrefs), hrefs
    assert len(set(hrefs)) == on_swoogo
    shot(page, "report-created")

    # On a phone: the state stays readable in the stacked rows, nothing wider than the screen.
    report = page.url
    page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
    page.goto(f"{site.url}/events/devconf/agenda")
    expect(page.locator(".sync-compact li")).to_have_count(14)
    fits_the_screen(page)
    shot(page, "agenda-sync-state-phone")
    page.goto(report)
    expect(links).to_have_count(on_swoogo)
    fits_the_screen(page)
    shot(page, "report-created-phone")
