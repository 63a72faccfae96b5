"""Each record's state on the partner, in a real browser: the demo event synced to the Swoogo
simulator shows on the agenda what Swoogo holds of each session, and the run's report lists
the records it created, each linked to its page; at 1366x900 and on a phone."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

from browser import PHONE, Screenshots, Site, connect_map_and_sync, fits_the_screen, sign_in
from playwright.sync_api import Page, expect

from agendasync.domain.models import Event
from agendasync.services.sync_state import PartnerState, State
from agendasync.web.render import TEMPLATES

DESKTOP = {"width": 1366, "height": 900}
RECORD_PAGE = re.compile(r"^/events/devconf/sessions/[0-9a-f-]{36}$")


def test_the_agenda_shows_each_sessions_state_and_the_report_links_what_was_created(
    site: Site, page: Page, shot: Screenshots
) -> None:
    page.set_viewport_size(DESKTOP)
    sign_in(page, site)
    connect_map_and_sync(page, site)
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


def test_a_record_pages_state_block_fits_a_phone(site: Site, page: Page, shot: Screenshots) -> None:
    """The macro record pages show (they are built elsewhere): long names and reasons wrap."""
    event = Event(
        org_id=uuid.uuid4(),
        slug="devconf",
        name="DevConf",
        timezone="Europe/Berlin",
        start_date=datetime(2026, 5, 1).date(),
        end_date=datetime(2026, 5, 2).date(),
    )
    when = datetime(2026, 4, 1, 9, 30, tzinfo=UTC)
    states = (
        PartnerState("Swoogo", "DevConf on Swoogo", State.SENT, sent_at=when),
        PartnerState(
            "ExpoPlatform",
            "DevConf 2026 main stage and exhibition hall (Europe/Berlin)",
            State.FAILING,
            sent_at=when,
            since=when,
            reason="ExpoPlatform refused it: description: " + "much too long " * 12,
            picture_problem=f"could not fetch the image {site.url}/{'x' * 80}.png",
        ),
        PartnerState("Gleanin", "DevConf", State.DELETED, since=when),
    )
    block = TEMPLATES.env.from_string(
        '{% import "_sync_state.html" as s %}{{ s.sync_states_block(states, event) }}'
    ).render(states=states, event=event)
    page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
    page.goto(f"{site.url}/login")  # the site's address, for its stylesheet
    page.set_content(
        f'<link rel="stylesheet" href="{site.url}/static/style.css"><main>{block}</main>'
    )

    expect(page.locator(".sync-states dd .badge")).to_have_text(
        ["sent", "failing", "deleted there"]
    )
    expect(page.locator(".sync-states dd").nth(2)).to_have_text(
        "deleted there Deleted on Gleanin (found 01 Apr 2026 11:30); it is not sent there again."
    )
    fits_the_screen(page)
    shot(page, "record-state-block-phone")
