"""People and passwords in a real browser: the admin adds a person (a short password refused at
its field first), changes their role (the last admin refused at their row), issues two tokens
of one name and tells them apart by their prefix; the new person signs in and changes their
password from the Account page. Then the same pages on a phone, reached from the Menu."""

from __future__ import annotations

import re

from browser import (
    EMAIL,
    PASSWORD,
    Screenshots,
    Site,
    fits_the_screen,
    flash,
    inside_the_viewport,
    menu_to,
    sign_in,
)
from playwright.sync_api import Page, expect

DESKTOP = {"width": 1366, "height": 900}
ED, ED_PASSWORD, ED_NEW_PASSWORD = "ed@example.com", "first password", "second password"


def _error_at(page: Page, label: str, text: str) -> None:
    """The field is marked invalid and its error, next to it, says `text`."""
    field = page.get_by_label(re.compile(f"^{re.escape(label)}( \\(optional\\))?$"))
    expect(field).to_have_attribute("aria-invalid", "true")
    described = field.get_attribute("aria-describedby")
    assert described
    expect(page.locator(f"[id='{described.split()[0]}']")).to_have_text(text)


def _sign_in_as(page: Page, site: Site, email: str, password: str) -> None:
    page.goto(f"{site.url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{site.url}/orgs/acme-events")


def test_admin_adds_a_person_who_changes_their_password_and_tokens_show_prefixes(
    site: Site, page: Page, shot: Screenshots
) -> None:
    page.set_viewport_size(DESKTOP)
    sign_in(page, site)

    # Settings -> Users: the admin alone, signed in just now.
    page.locator(".sidebar").get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", name="Users", exact=True)).to_be_visible()
    expect(page.get_by_role("row")).to_have_count(2)  # the header and the admin
    expect(page.get_by_role("row").nth(1)).to_contain_text(f"{EMAIL} (you)")
    shot(page, "users")

    # Add a person: a short password is refused at its field, the email stays as typed.
    page.get_by_label("Email").fill(ED)
    page.get_by_label("Role", exact=True).select_option("editor")
    page.get_by_label("Initial password").fill("short")
    page.get_by_role("button", name="Add person").click()
    _error_at(page, "Initial password", "Must be at least 8 characters long.")
    expect(page.get_by_label("Email")).to_have_value(ED)
    expect(page.get_by_label("Role", exact=True)).to_have_value("editor")
    shot(page, "users-refused")
    page.get_by_label("Initial password").fill(ED_PASSWORD)
    page.get_by_role("button", name="Add person").click()
    flash(page, f"{ED} added as editor.")
    ed_row = page.get_by_role("row").filter(has_text=ED)
    expect(ed_row).to_contain_text("not yet")

    # Change Ed's role; the only admin cannot step down (refused at their own row).
    page.get_by_label(f"Role of {ED}").select_option("viewer")
    page.get_by_role("row").filter(has_text=ED).get_by_role("button", name="Save role").click()
    flash(page, f"{ED} is now viewer.")
    expect(page.get_by_label(f"Role of {ED}")).to_have_value("viewer")
    page.get_by_label(f"Role of {EMAIL}").select_option("editor")
    page.get_by_role("row").filter(has_text=EMAIL).get_by_role("button", name="Save role").click()
    _error_at(
        page, f"Role of {EMAIL}", f"{EMAIL} is the only admin here; make someone else admin first."
    )
    shot(page, "users-last-admin")

    # API tokens: two of one name, told apart by how they start.
    page.locator(".sidebar").get_by_role("link", name="API tokens").click()
    secrets = []
    for _ in range(2):
        page.get_by_label("Name").fill("website")
        page.get_by_role("button", name="Create token").click()
        secrets.append(page.locator(".secret-once").inner_text())
    rows = page.get_by_role("row").filter(has_text="website")
    expect(rows).to_have_count(2)
    for row, secret in zip(rows.all(), secrets, strict=True):
        expect(row.locator("td").nth(1)).to_have_text(f"{secret[:11]}…")
        expect(row).to_contain_text("never")
    assert secrets[0][:11] != secrets[1][:11]
    shot(page, "tokens-prefixes")

    # Ed signs in and changes his password from the Account page (the user menu).
    page.get_by_role("button", name="Sign out").first.click()
    _sign_in_as(page, site, ED, ED_PASSWORD)
    expect(page.locator(".sidebar").get_by_role("link", name="Users")).to_have_count(0)
    page.locator(".account").get_by_role("link", name="Account").click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    page.get_by_label("Current password").fill("not my password")
    page.get_by_label("New password", exact=True).fill(ED_NEW_PASSWORD)
    page.get_by_label("New password again").fill(ED_NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    _error_at(page, "Current password", "The current password is wrong.")
    shot(page, "account-refused")
    page.get_by_label("Current password").fill(ED_PASSWORD)
    page.get_by_label("New password", exact=True).fill(ED_NEW_PASSWORD)
    page.get_by_label("New password again").fill(ED_NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    flash(page, "Password changed.")
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()  # still signed in
    shot(page, "account-changed")
    page.get_by_role("button", name="Sign out").first.click()
    _sign_in_as(page, site, ED, ED_NEW_PASSWORD)


def test_users_tokens_and_account_on_a_phone(site: Site, phone: Page, shot: Screenshots) -> None:
    page = phone
    sign_in(page, site)
    page.goto(f"{site.url}/orgs/acme-events/settings/tokens")
    page.get_by_label("Name").fill("website build with a long name")
    page.get_by_role("button", name="Create token").click()
    fits_the_screen(page)

    menu_to(page, "Users")
    expect(page.get_by_role("heading", name="Users", exact=True)).to_be_visible()
    page.get_by_label("Email").fill(ED)
    page.get_by_label("Initial password").fill(ED_PASSWORD)
    page.get_by_role("button", name="Add person").click()
    flash(page, f"{ED} added as editor.")
    fits_the_screen(page)
    shot(page, "phone-users")
    page.get_by_role("row").filter(has_text=ED).locator("summary", has_text="Remove").click()
    inside_the_viewport(page, ".confirm-box:visible")
    shot(page, "phone-users-remove", full_page=False)
    page.get_by_role("button", name="Yes, remove").click()
    flash(page, f"{ED} removed from Acme Events.")
    expect(page.get_by_role("row").filter(has_text=ED)).to_have_count(0)

    menu_to(page, "API tokens")
    row = page.get_by_role("row").filter(has_text="website build")
    expect(row.locator("td").nth(1)).to_have_text(re.compile(r"^agst_[\w-]{6}…$"))
    fits_the_screen(page)
    shot(page, "phone-tokens")

    menu_to(page, "Account")
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_label("New password again").fill("short")
    page.get_by_role("button", name="Change password").click()
    _error_at(page, "New password", "Must be at least 8 characters long.")
    fits_the_screen(page)
    shot(page, "phone-account")
