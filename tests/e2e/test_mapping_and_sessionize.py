"""The mapping window and the Sessionize settings in a real browser, on a desktop (1366x900)
and a phone (390x844): what to know about a pair of events shows beside the fields as they are
chosen, before Add Mapping; Sync Sessionize imports the ID as typed, and a refused ID stays in
the field with the reason beside it."""

from __future__ import annotations

import re

import pytest
from browser import PHONE, SESSIONIZE_ID, Screenshots, Site, fits_the_screen, flash, sign_in
from playwright.sync_api import Page, expect

SIZES = [pytest.param((1366, 900), id="desktop"), pytest.param(PHONE, id="phone")]


def _sized(page: Page, size: tuple[int, int]) -> str:
    page.set_viewport_size({"width": size[0], "height": size[1]})
    return "phone" if size == PHONE else "desktop"


def _fits(page: Page, size: tuple[int, int]) -> None:
    if size == PHONE:
        fits_the_screen(page)


def _connect_swoogo(page: Page, site: Site) -> None:
    page.goto(f"{site.url}/orgs/acme-events/settings/integrations")
    card = page.get_by_role("region", name="Swoogo")
    card.get_by_label("Consumer key").fill("demo-key")
    card.get_by_label("Consumer secret").fill("demo-secret")
    card.get_by_label("API address").fill(f"{site.swoogo_url}/api/v1")
    card.get_by_role("button", name="Connect").click()
    expect(page.get_by_role("heading", name="Swoogo: map events")).to_be_visible()


@pytest.mark.parametrize("size", SIZES)
def test_differing_time_zones_show_in_the_mapping_window_before_add_mapping_r_map_8(
    site: Site, page: Page, shot: Screenshots, size: tuple[int, int]
) -> None:
    name = _sized(page, size)
    tokyo = site.swoogo.state.add_event("Tokyo on Swoogo", timezone="Asia/Tokyo")
    sign_in(page, site)
    _connect_swoogo(page, site)
    our_event = page.get_by_label("Our event")
    warning = page.locator("#field-mapping-event-error")

    # Each partner event says its time zone in the list.
    expect(page.get_by_label("Swoogo event").locator("option")).to_have_text(
        [
            f"DevConf on Swoogo (#{site.partner_event}, Europe/Berlin)",
            f"Tokyo on Swoogo (#{tokyo}, Asia/Tokyo)",
        ]
    )
    our_event.select_option("devconf")
    page.get_by_label("Swoogo event").select_option(str(tokyo))
    expect(warning).to_have_text(
        re.compile(
            r"^Time zones differ: Swoogo event 'Tokyo on Swoogo' is in Asia/Tokyo, DevConf \d{4}"
            r" is in Europe/Berlin\. Syncs are refused until both are the same\.$"
        )
    )
    expect(our_event).to_have_attribute("aria-invalid", "true")
    expect(our_event).to_have_attribute(
        "aria-describedby", re.compile(r"(^| )field-mapping-event-error( |$)")
    )
    expect(our_event).to_have_value("devconf")  # the choice made stays chosen
    expect(page.get_by_role("button", name="Add Mapping")).to_have_count(0)
    _fits(page, size)
    shot(page, f"{name}-mapping-time-zones-differ")

    # Back to an event in our zone: nothing to know, Add Mapping again.
    page.get_by_label("Swoogo event").select_option(str(site.partner_event))
    expect(warning).to_have_count(0)
    expect(our_event).not_to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("button", name="Add Mapping")).to_be_visible()

    page.get_by_label("Swoogo event").select_option(str(tokyo))
    page.get_by_role("button", name="Map anyway").click()
    flash(page, re.compile(r"Mapped DevConf \d{4} to Swoogo event Tokyo on Swoogo\."))
    expect(page.get_by_role("cell", name=re.compile("Tokyo on Swoogo"))).to_be_visible()
    _fits(page, size)
    shot(page, f"{name}-mapped-anyway")


@pytest.mark.parametrize("size", SIZES)
def test_sync_sessionize_uses_the_typed_id_and_a_refused_one_stays_typed_r_sz_4(
    site: Site, page: Page, shot: Screenshots, size: tuple[int, int]
) -> None:
    name = _sized(page, size)
    sign_in(page, site, "/events/meetup-2027/settings/sessionize")
    field = page.get_by_label("Sessionize API ID")

    field.fill("sessionize meetup")
    page.get_by_role("button", name="Sync Sessionize").click()
    field = page.get_by_label("Sessionize API ID")
    expect(field).to_have_value("sessionize meetup")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#field-sessionize-endpoint_id-error")).to_contain_text(
        "'sessionize meetup' is not a Sessionize endpoint id"
    )
    _fits(page, size)
    shot(page, f"{name}-sessionize-refused-id")

    # Typed, not saved: Sync imports it (and keeps it for the next imports).
    field.fill(f"https://sessionize.com/api/v2/{SESSIONIZE_ID}/view/All")
    page.get_by_role("button", name="Sync Sessionize").click()
    flash(page, "Sessionize imported: sessions")
    expect(page.get_by_label("Sessionize API ID")).to_have_value(SESSIONIZE_ID)
    expect(page.get_by_label("Sessionize API ID")).not_to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("rowheader", name="Sessions")).to_be_visible()
    _fits(page, size)
    shot(page, f"{name}-sessionize-synced")
