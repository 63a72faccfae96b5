"""Editing in a real browser, on a desktop (1366x900) and on a phone (390x844): create an event
(refused once, at the field), edit it; add a track, a room and a coloured tag; add a session with
a speaker in a role (refused once), see its page, edit it, filter the agenda to it, delete it;
delete the event behind its confirmation. Every page fits the screen."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from browser import PHONE, Screenshots, Site, fits_the_screen, flash, inside_the_viewport, sign_in
from playwright.sync_api import Locator, Page, expect

DESKTOP = (1366, 900)
DAY = (date.today() + timedelta(days=30)).isoformat()  # the demo event's first day


def _fits(page: Page, size: tuple[int, int]) -> None:
    if size == PHONE:
        fits_the_screen(page)
    else:
        assert page.evaluate("document.documentElement.scrollWidth") <= size[0], page.url


def _invalid(field: Locator, error: str) -> None:
    """The field is marked invalid and described by its error, shown beside it."""
    expect(field).to_have_attribute("aria-invalid", "true")
    described = field.get_attribute("aria-describedby")
    assert described
    expect(field.page.locator(f"#{described}")).to_have_text(error)


def _confirm(page: Page, size: tuple[int, int], button: str, confirm: str, shot_name: str,
             shot: Screenshots) -> None:  # fmt: skip
    """Open a confirmation, check it shows inside the screen, then confirm."""
    page.locator("summary", has_text=button).click()
    box = page.locator("details.confirm[open] .confirm-box")
    expect(box).to_be_visible()
    box.scroll_into_view_if_needed()
    if size == PHONE:
        inside_the_viewport(page, "details.confirm[open] .confirm-box")
    else:
        shown = box.bounding_box()
        assert shown
        assert shown["x"] >= 0
        assert shown["x"] + shown["width"] <= size[0]
    shot(page, shot_name, full_page=False)
    box.get_by_role("button", name=confirm).click()


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_events_and_sessions_are_edited_in_the_pages(
    site: Site, page: Page, shot: Screenshots, size: tuple[int, int]
) -> None:
    page.set_viewport_size({"width": size[0], "height": size[1]})
    name = "desktop" if size == DESKTOP else "phone"
    sign_in(page, site)

    # New event: a last day before the first is refused at the field, what was typed stays.
    page.get_by_role("link", name="New event").click()
    page.get_by_label("Name", exact=True).fill("Summit 2027")
    page.get_by_label("Short name").fill("summit-27")
    page.get_by_label("Time zone").select_option("America/New_York")
    page.get_by_label("First day").fill("2027-05-04")
    page.get_by_label("Last day").fill("2027-05-03")
    page.get_by_role("button", name="Create event").click()
    expect(page.get_by_role("alert")).to_have_text("The event was not created: check Last day.")
    _invalid(page.get_by_label("Last day"), "Last day must not be before first day.")
    expect(page.get_by_label("Short name")).to_have_value("summit-27")
    _fits(page, size)
    shot(page, f"{name}-new-event-refused")
    page.get_by_label("Last day").fill("2027-05-06")
    page.get_by_role("button", name="Create event").click()
    flash(page, "Event Summit 2027 created.")
    expect(page.get_by_role("status").filter(has_text="sessions")).to_have_text("0 sessions.")

    # Settings: Event: a new name.
    page.get_by_role("link", name="Settings: Event").click()
    page.get_by_label("Name", exact=True).fill("Summit 27")
    page.get_by_role("button", name="Save").click()
    flash(page, "Event Summit 27 saved.")
    expect(page.get_by_role("heading", name="Summit 27", level=1)).to_be_visible()
    _fits(page, size)
    shot(page, f"{name}-event-settings")

    # The demo event: a track, a room and a coloured tag (a wrong colour first).
    page.goto(f"{site.url}/events/devconf/agenda")
    page.get_by_role("link", name="Tracks, rooms and tags").click()
    for kind, label, value in (("track", "track", "Platform"), ("location", "room", "Loft")):
        form = page.locator(f"#new-{kind}")
        form.get_by_label("Name").fill(value)
        form.get_by_role("button", name=f"Add {label}").click()
        flash(page, f"{label.capitalize()} {value} added.")
    tag = page.locator("#new-tag")
    tag.get_by_label("Name").fill("Hands-on lab")
    tag.get_by_label("Colour").fill("teal")
    tag.get_by_role("button", name="Add tag").click()
    _invalid(
        page.locator("#new-tag").get_by_label("Colour"), "Give a colour as #RRGGBB, e.g. #1E88E5."
    )
    page.locator("#new-tag").get_by_label("Colour").fill("#0F9D8A")
    page.locator("#new-tag").get_by_role("button", name="Add tag").click()
    flash(page, "Tag Hands-on lab added.")
    _fits(page, size)
    shot(page, f"{name}-taxonomy")

    # Add session: an end before the start is refused at the field; then added.
    page.goto(f"{site.url}/events/devconf/agenda")
    page.get_by_role("link", name="Add session").click()
    page.get_by_label("Title").fill("Edge caching in practice")
    page.get_by_label("Status").select_option("accepted")
    page.get_by_label("Start time").fill(f"{DAY}T16:30")
    page.get_by_label("End time").fill(f"{DAY}T16:00")
    page.get_by_label("Platform").check()
    page.get_by_label("Loft").check()
    page.get_by_label("Hands-on lab").check()
    person = page.get_by_label("Person 1", exact=True)
    person.select_option(index=1)
    speaker = person.locator("option:checked").inner_text().split(" (")[0]
    page.get_by_label("Role of person 1").select_option("moderator")
    page.get_by_role("button", name="Add session").click()
    expect(page.get_by_role("alert")).to_have_text("The session was not added: check End time.")
    _invalid(page.get_by_label("End time"), "End time must be after start time.")
    expect(page.get_by_label("Hands-on lab")).to_be_checked()
    _fits(page, size)
    shot(page, f"{name}-add-session-refused")
    page.get_by_label("End time").fill(f"{DAY}T17:15")
    page.get_by_role("button", name="Add session").click()

    # The session's page: its time in the event's zone, rooms, tracks, tags, people.
    flash(page, "Session Edge caching in practice added.")
    expect(page.get_by_role("heading", name="Edge caching in practice")).to_be_visible()
    expect(page.get_by_text(re.compile("16:30\u201317:15"))).to_be_visible()
    expect(page.locator(".chip", has_text="Hands-on lab").locator("rect")).to_have_attribute(
        "fill", "#0F9D8A"
    )
    link = page.get_by_role("link", name=speaker)
    expect(link).to_have_attribute("href", re.compile(r"^/events/devconf/speakers/[-0-9a-f]{36}$"))
    expect(page.locator(".people-list li", has_text=speaker)).to_contain_text("moderator")
    _fits(page, size)
    shot(page, f"{name}-session")

    # Edit it: a new title.
    page.get_by_role("link", name="Edit session").click()
    expect(page.get_by_label("Start time")).to_have_value(f"{DAY}T16:30")
    page.get_by_label("Title").fill("Edge caching, in practice")
    page.get_by_role("button", name="Save").click()
    flash(page, "Session Edge caching, in practice saved.")

    # The agenda filtered to the new track finds it, and says how many match.
    page.get_by_role("link", name="← Agenda").click()
    page.get_by_label("Track").select_option("Platform")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"track=Platform"))
    expect(page.get_by_role("status").filter(has_text="match")).to_have_text(
        "1 session matches the search."
    )
    expect(page.get_by_role("link", name="Edge caching, in practice")).to_be_visible()
    _fits(page, size)
    shot(page, f"{name}-agenda-filtered")

    # Delete the session, then the new event, each behind a confirmation.
    page.get_by_role("link", name="Edge caching, in practice").click()
    _confirm(
        page,
        size,
        "Delete session",
        "Yes, delete Edge caching, in practice",
        f"{name}-delete-session",
        shot,
    )
    flash(page, "Session Edge caching, in practice deleted.")
    expect(page.get_by_role("link", name="Edge caching, in practice")).to_have_count(0)
    page.goto(f"{site.url}/events/summit-27/settings/event")
    _confirm(page, size, "Delete event", "Delete Summit 27", f"{name}-delete-event", shot)
    flash(page, "Event Summit 27 and all it held deleted.")
    expect(page.get_by_role("link", name="Summit 27")).to_have_count(0)
