"""The admin pages in a real browser, following the seeds' flow (002: Swoogo, 003: the portal,
004: Sessionize): sign in, connect Swoogo (a wrong secret first), map an event, sync to Swoogo
and see the flash messages and the report, preview a sync, sync sponsors, open a speaker's
portal, import from Sessionize, remove the mapping, disconnect; then the same pages on a phone.
"""

from __future__ import annotations

import re

from browser import (
    EMAIL,
    PASSWORD,
    SESSIONIZE_ID,
    Screenshots,
    Site,
    fits_the_screen,
    flash,
    inside_the_viewport,
    menu_to,
    open_menu,
)
from playwright.sync_api import Page, expect


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
    # The progress area updates in place (no reload) until it says the sync finished.
    status = page.get_by_role("region", name="Syncs in progress")
    expect(status).to_contain_text(
        re.compile(r"Sync to Swoogo finished .*\d+ of \d+ sessions, \d+ of \d+ speakers")
    )
    shot(page, "sync-finished")
    status.get_by_role("link", name="See the report").click()
    expect(page.get_by_role("heading", name="Sync to Swoogo")).to_be_visible()
    expect(
        page.get_by_role("heading", name=re.compile(r"Left out by design \(\d+\)"))
    ).to_be_visible()
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
    page.get_by_role("link", name="Preview sync").click()
    expect(page.get_by_text("A preview: nothing was sent to Swoogo")).to_be_visible()
    shot(page, "preview")

    # Sponsors have their own Sync to Swoogo.
    page.get_by_role("link", name="Sponsors").click()
    page.get_by_text("Options").click()
    page.get_by_role("button", name="Sync to Swoogo").click()
    flash(page, "Sponsor sync to Swoogo started.")
    shot(page, "sponsors")
    # Text typed while a sync runs stays as typed: the page is never reloaded.
    page.get_by_role("link", name="Settings: Sessionize").click()
    page.get_by_label("Sessionize API ID").fill("typed while syncing")
    expect(page.locator("body")).to_contain_text("Sponsor sync to Swoogo finished")
    expect(page.get_by_label("Sessionize API ID")).to_have_value("typed while syncing")
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
    page.get_by_label("Sessionize API ID").fill(
        f"https://sessionize.com/api/v2/{SESSIONIZE_ID}/view/All"
    )
    page.get_by_role("button", name="Save").click()
    flash(page, f"Sessionize API ID {SESSIONIZE_ID} saved;")
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
    page.keyboard.press("Escape")  # closes the menu
    expect(page.get_by_text("Disconnect Integration", exact=True)).to_be_hidden()
    page.get_by_label("More actions for Swoogo").click()
    page.get_by_text("Disconnect Integration", exact=True).click()
    box = page.locator(".menu-items").bounding_box()
    assert box is not None
    assert box["x"] >= 0  # opens towards the right of its button, inside the screen
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


def test_every_section_is_reachable_on_a_phone_and_nothing_is_wider_than_it(
    site: Site, phone: Page, shot: Screenshots
) -> None:
    page = phone
    page.goto(f"{site.url}/login?next=/orgs/acme-events")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Events")).to_be_visible()
    # The sidebar is gone on a phone; the skip link and the Menu button are there.
    expect(page.get_by_role("complementary")).to_be_hidden()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    fits_the_screen(page)
    shot(page, "phone-events")

    # Menu -> Integrations: connect Swoogo, map the event.
    open_menu(page)
    shot(page, "phone-menu", full_page=False)
    page.keyboard.press("Escape")  # closes the menu
    expect(page.locator(".nav-menu-panel")).to_be_hidden()
    menu_to(page, "Integrations")
    card = page.get_by_role("region", name="Swoogo")
    card.get_by_label("Consumer key").fill("demo-key")
    card.get_by_label("Consumer secret").fill("demo-secret")
    card.get_by_label("API address").fill(f"{site.swoogo_url}/api/v1")
    card.get_by_role("button", name="Connect").click()
    expect(page.get_by_role("heading", name="Swoogo: map events")).to_be_visible()
    page.get_by_label("Swoogo event").select_option(str(site.partner_event))
    page.get_by_label("Our event").select_option("devconf")
    page.get_by_role("button", name="Add Mapping").click()
    flash(page, "Mapped ")
    fits_the_screen(page)
    shot(page, "phone-mapping-window")
    page.get_by_role("link", name="Field maps").click()
    expect(page.get_by_role("heading", name=re.compile("^Field maps"))).to_be_visible()
    fits_the_screen(page)
    shot(page, "phone-field-maps")
    page.get_by_role("link", name="Back to the Swoogo mappings").click()
    page.get_by_text("Remove Mapping", exact=True).click()
    inside_the_viewport(page, ".confirm-box")
    shot(page, "phone-remove-confirm", full_page=False)
    page.keyboard.press("Escape")
    expect(page.get_by_role("button", name="Yes, remove mapping")).to_be_hidden()

    menu_to(page, "Integrations")
    page.get_by_label("More actions for Swoogo").click()
    inside_the_viewport(page, ".menu-items")
    page.get_by_text("Disconnect Integration", exact=True).click()
    inside_the_viewport(page, ".confirm-box")
    shot(page, "phone-disconnect-confirm", full_page=False)
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    expect(page.get_by_role("button", name="Yes, disconnect")).to_be_hidden()

    # Menu -> Events -> the event: Options opens inside the screen; sync, see the report.
    menu_to(page, "Events")
    page.get_by_role("link", name=re.compile("^DevConf")).click()
    fits_the_screen(page)
    shot(page, "phone-agenda")
    page.get_by_text("Options").click()
    inside_the_viewport(page, ".menu-items")
    shot(page, "phone-agenda-options", full_page=False)
    page.get_by_role("link", name="Preview sync").click()
    expect(page.get_by_text("A preview: nothing was sent to Swoogo")).to_be_visible()
    fits_the_screen(page)
    shot(page, "phone-preview")
    page.get_by_role("link", name="Sessions: Agenda").click()
    page.get_by_text("Options").click()
    page.get_by_role("button", name="Sync to Swoogo").click()
    status = page.get_by_role("region", name="Syncs in progress")
    expect(status).to_contain_text("Sync to Swoogo finished")
    fits_the_screen(page)
    shot(page, "phone-sync-finished")
    status.get_by_role("link", name="See the report").click()
    expect(page.get_by_role("heading", name="Sync to Swoogo")).to_be_visible()
    fits_the_screen(page)
    shot(page, "phone-report")
    # Every tab of the event is on the screen (they wrap, none scrolls out of view).
    tabs = page.get_by_role("navigation", name="Event")
    for name in [
        "Sessions: Agenda",
        "Speakers",
        "Sponsors",
        "Sync history",
        "Settings: Sessionize",
    ]:
        tab = tabs.get_by_role("link", name=name)
        inside_the_viewport(page, f'nav.tabs a:text-is("{name}")')
        tab.click()
        fits_the_screen(page)
        shot(page, "phone-" + name.split(":")[0].lower().replace(" ", "-"))

    # Menu -> API tokens and API documentation.
    menu_to(page, "API tokens")
    page.get_by_label("Name").fill("website build")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_text("it is shown only this once")).to_be_visible()
    fits_the_screen(page)
    shot(page, "phone-tokens")
    menu_to(page, "API documentation")
    expect(page.get_by_role("heading", name="sessions")).to_be_visible()
    fits_the_screen(page)
    shot(page, "phone-api-docs")
    page.get_by_role("link", name="agendasync").click()  # the public docs lead home
    expect(page.get_by_role("heading", name="Events")).to_be_visible()
    fits_the_screen(page)
    open_menu(page)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    fits_the_screen(page)
    shot(page, "phone-login")


def test_a_stale_session_leads_to_sign_in_and_back_and_unknown_paths_give_a_page(
    site: Site, page: Page, shot: Screenshots
) -> None:
    page.goto(f"{site.url}/login?next=/orgs/acme-events/settings/tokens")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="API tokens")).to_be_visible()
    page.get_by_label("Name").fill("deploy")
    page.context.clear_cookies()  # the session expired while the form was open
    page.get_by_role("button", name="Create token").click()
    expect(page).to_have_url(re.compile(r"/login\?next=/orgs/acme-events/settings/tokens$"))
    flash(page, "Your session had expired: sign in, then try again.")
    shot(page, "stale-session-sign-in")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{site.url}/orgs/acme-events/settings/tokens")
    expect(page.get_by_text("No tokens yet.")).to_be_visible()  # nothing was made

    page.get_by_label("Name").fill("deploy")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_text("it is shown only this once")).to_be_visible()
    page.reload()  # post-redirect-get: a reload makes no second token, shows no secret
    expect(page.get_by_text("it is shown only this once")).to_have_count(0)
    expect(page.get_by_role("cell", name="deploy", exact=True)).to_have_count(1)

    answer = page.goto(f"{site.url}/no/such/page")
    assert answer is not None
    assert answer.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    shot(page, "not-found")
