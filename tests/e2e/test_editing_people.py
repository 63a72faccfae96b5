"""Editing speakers, sponsors and exhibitors in a real browser: add a speaker (a bad email
first, then fixed), edit them, open their page, search the speakers, add a sponsor, add an
exhibitor with two team members then remove one, delete; on a desktop and on a phone, where
every page fits the screen and the delete question opens inside it."""

from __future__ import annotations

import re

from browser import Screenshots, Site, fits_the_screen, flash, inside_the_viewport, sign_in
from playwright.sync_api import Page, expect


def _add_speaker_refused_then_fixed(page: Page, shot: Screenshots, prefix: str) -> None:
    page.get_by_role("link", name="Add speaker").click()
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Lovelace")
    page.get_by_label("Email").fill("ada@engine")
    page.get_by_label("Company").fill("Analytical Engines")
    page.get_by_role("button", name="Add speaker").click()
    email = page.get_by_label("Email")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#field-email-error")).to_have_text(
        "'ada@engine' is not an email address: write it as name@example.com."
    )
    expect(page.get_by_label("Company")).to_have_value("Analytical Engines")  # kept as typed
    shot(page, f"{prefix}-speaker-refused")
    email.fill("ada@engine.example")
    page.get_by_role("button", name="Add speaker").click()
    flash(page, "Speaker Ada Lovelace added.")
    expect(page.get_by_role("heading", name="Ada Lovelace")).to_be_visible()


def test_editing_people_on_a_desktop(site: Site, page: Page, shot: Screenshots) -> None:
    sign_in(page, site, "/events/devconf/speakers")
    _add_speaker_refused_then_fixed(page, shot, "desktop")

    # Edit them: the page shows the change.
    page.get_by_role("link", name="Edit speaker").click()
    page.get_by_label("Job title").fill("Countess")
    page.get_by_role("button", name="Save changes").click()
    flash(page, "Speaker Ada Lovelace saved.")
    expect(page.get_by_text("Countess · Analytical Engines")).to_be_visible()
    expect(page.get_by_text("Not on any session yet.")).to_be_visible()
    shot(page, "desktop-speaker-page")

    # Search the speakers: by name, then by their sessions; the address keeps the search.
    page.get_by_role("link", name="All speakers").click()
    page.get_by_role("searchbox", name="Search").fill("analytical")  # their company
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("1 speaker matches the search.")).to_be_visible()
    page.get_by_role("searchbox", name="Search").fill("")
    page.get_by_label("Sessions").select_option("accepted")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"sessions=accepted"))
    expect(page.get_by_label("Sessions")).to_have_value("accepted")
    shot(page, "desktop-speakers-search")
    page.get_by_role("row").nth(1).get_by_role("link").first.click()
    sessions = page.get_by_role("table").get_by_role("link")
    expect(sessions.first).to_have_attribute("href", re.compile(r"^/events/devconf/sessions/"))

    # A sponsor.
    page.get_by_role("link", name="Sponsors", exact=True).click()
    page.get_by_role("link", name="Add sponsor").click()
    page.get_by_label("Name").fill("Initech")
    page.get_by_label("Tier").fill("Gold")
    page.get_by_label("Website").fill("initech.example")
    page.get_by_role("button", name="Add sponsor").click()
    flash(page, "Sponsor Initech added.")
    expect(page.get_by_role("link", name="https://initech.example")).to_be_visible()
    shot(page, "desktop-sponsor-page")

    # An exhibitor with two team members; then one is removed.
    page.get_by_role("link", name="Exhibitors", exact=True).click()
    shot(page, "desktop-exhibitors")
    page.get_by_role("link", name="Add exhibitor").click()
    page.get_by_label("Name", exact=True).fill("Booth 42")
    first = page.get_by_role("group", name="Team member 1")
    first.get_by_label("First name").fill("Ann")
    first.get_by_label("Last name").fill("Lee")
    page.get_by_role("button", name="Add a team member").click()
    second = page.get_by_role("group", name="Team member 2")
    expect(first.get_by_label("First name")).to_have_value("Ann")  # kept over the new row
    second.get_by_label("First name").fill("Bo")
    second.get_by_label("Last name").fill("Kim")
    shot(page, "desktop-exhibitor-form")
    page.get_by_role("button", name="Add exhibitor").click()
    flash(page, "Exhibitor Booth 42 added.")
    expect(page.get_by_role("heading", name="Team (2)")).to_be_visible()
    page.get_by_role("link", name="Edit exhibitor").click()
    page.get_by_role("group", name="Team member 1").get_by_label("Remove from the list").check()
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", name="Team (1)")).to_be_visible()
    expect(page.get_by_role("cell", name="Bo Kim")).to_be_visible()

    # Delete it: the question opens inside the window.
    page.get_by_text("Delete exhibitor").click()
    inside_the_viewport(page, "details.confirm[open] .confirm-box")
    shot(page, "desktop-delete-question", full_page=False)
    page.get_by_role("button", name="Yes, delete Booth 42").click()
    flash(page, "Exhibitor Booth 42 deleted.")
    expect(page.get_by_role("link", name="Booth 42")).to_have_count(0)


def test_editing_people_on_a_phone(site: Site, phone: Page, shot: Screenshots) -> None:
    page = phone
    sign_in(page, site, "/events/devconf/speakers")
    fits_the_screen(page)
    shot(page, "phone-speakers")
    _add_speaker_refused_then_fixed(page, shot, "phone")
    fits_the_screen(page)
    shot(page, "phone-speaker-page")
    page.get_by_role("link", name="Edit speaker").click()
    fits_the_screen(page)
    shot(page, "phone-speaker-form")
    page.get_by_role("button", name="Save changes").click()

    page.get_by_role("link", name="Sponsors", exact=True).click()
    page.get_by_role("link", name="Add sponsor").click()
    page.get_by_label("Name").fill("Initech")
    page.get_by_label("Logo address").fill("javascript:alert(1)")
    page.get_by_role("button", name="Add sponsor").click()
    expect(page.get_by_label("Logo address")).to_have_attribute("aria-invalid", "true")
    fits_the_screen(page)
    shot(page, "phone-sponsor-refused")
    page.get_by_label("Logo address").fill("")
    page.get_by_role("button", name="Add sponsor").click()
    flash(page, "Sponsor Initech added.")
    fits_the_screen(page)

    page.get_by_role("link", name="Exhibitors", exact=True).click()
    fits_the_screen(page)
    shot(page, "phone-exhibitors")
    page.get_by_role("link", name="Add exhibitor").click()
    page.get_by_label("Name", exact=True).fill("Booth 7")
    page.get_by_role("button", name="Add a team member").click()
    fits_the_screen(page)
    shot(page, "phone-exhibitor-form")
    page.get_by_role("group", name="Team member 2").get_by_label("First name").fill("Bo")
    page.get_by_role("button", name="Add exhibitor").click()
    last_name = page.get_by_role("group", name="Team member 2").get_by_label("Last name")
    expect(last_name).to_have_attribute("aria-invalid", "true")
    last_name.fill("Kim")
    page.get_by_role("button", name="Add exhibitor").click()
    flash(page, "Exhibitor Booth 7 added.")
    fits_the_screen(page)
    page.get_by_text("Delete exhibitor").click()
    inside_the_viewport(page, "details.confirm[open] .confirm-box")
    shot(page, "phone-delete-question", full_page=False)
    page.get_by_role("button", name="Yes, delete Booth 7").click()
    flash(page, "Exhibitor Booth 7 deleted.")
