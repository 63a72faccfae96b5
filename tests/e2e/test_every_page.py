"""Every page of the app, found from the app's own routes (no page can be forgotten), at
1366x900 and on a phone: it answers, fits the screen, has one main heading, and is
photographed. A page added later whose address this test cannot fill fails it, named.

The demo event `devconf` is mapped to the Swoogo simulator and synced once first, so that the
mapping window, its field maps and a run's report exist.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlencode

from browser import (
    DESKTOP,
    EMAIL,
    PASSWORD,
    PHONE,
    Screenshots,
    Site,
    connect_map_and_sync,
    fits_the_screen,
    sign_in,
)
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute, iter_route_contexts
from playwright.sync_api import Page, expect
from starlette.routing import Mount

from agendasync.domain.accounts import Role
from agendasync.store.events import create_organisation

# GET routes of the pages that are not pages; each must still exist (a renamed one is noticed).
NOT_PAGES = {
    "/events/{event}": "a redirect to the event's agenda",
    "/syncs/status": "the progress area alone, swapped into pages by htmx",
    "/orgs/{org}/settings/integrations/{partner}/mappings/check": (
        "the mapping form alone with its warnings, swapped into the mapping window by htmx"
    ),
    "/public/{event}/{name}": "the public schedule feeds (JSON, XML, iCalendar)",
}
SIGNED_OUT = {"/login"}  # it leads a signed-in person on, so it is seen before signing in
NAMED = {"org": "acme-events", "event": "devconf", "partner": "swoogo"}
PARAMETER = re.compile(r"\{([a-z_]+)(?::[a-z]+)?\}")


def _get_routes(app: FastAPI, prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """Every GET route: the pages' own, and the HTML ones of apps mounted inside (the API's
    documentation page; the rest of the API answers JSON)."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, Mount) and isinstance(route.app, FastAPI):
            for path, inner in _get_routes(route.app, prefix + route.path):
                if inner.response_class is HTMLResponse:
                    yield path, inner
        elif isinstance(route, APIRoute) and "GET" in route.methods:
            yield prefix + route.path, route


@dataclass(frozen=True)
class PageRoute:
    name: str
    path: str  # with its parameters: /events/{event}/runs/{run_id}
    query: tuple[str, ...]  # the query parameters it requires


def _pages(app: FastAPI) -> dict[str, PageRoute]:
    """Each page's route, by the address it answers."""
    routes = dict(_get_routes(app))
    assert sorted(set(NOT_PAGES) - set(routes)) == [], "gone from the app: update NOT_PAGES"
    pages = {
        path: PageRoute(route.name, path, _required_query(route))
        for path, route in routes.items()
        if path not in NOT_PAGES
    }
    assert len({page.name for page in pages.values()}) == len(pages), "one name for each page"
    return pages


def _required_query(route: APIRoute) -> tuple[str, ...]:
    def required(dependant: Dependant) -> Iterator[str]:
        yield from (q.alias for q in dependant.query_params if q.field_info.is_required())
        for inner in dependant.dependencies:
            yield from required(inner)

    return tuple(required(route.dependant))


def _fill(route: PageRoute, ids: dict[str, str], tokens: dict[str, str]) -> str | None:
    """The page's address with its parameters filled: by name (also those of its query), or an
    id or a portal token of the kind the segment before it names (`/speakers/{record_id}`,
    `/runs/{run_id}`); None if one cannot be filled."""
    segments = route.path.split("/")
    for at, segment in enumerate(segments):
        found = PARAMETER.fullmatch(segment)
        if found is None:
            continue
        name, kind = found.group(1), segments[at - 1]
        if name in NAMED:
            value = NAMED[name]
        elif name == "token":
            value = tokens.get(kind)
        elif name.endswith("_id"):
            value = ids.get(kind)
        else:
            value = None
        if value is None:
            return None
        segments[at] = value
    if any(name not in NAMED for name in route.query):
        return None
    query = urlencode({name: NAMED[name] for name in route.query})
    return "/".join(segments) + (f"?{query}" if query else "")


def _site_data(page: Page, site: Site) -> tuple[dict[str, str], dict[str, str]]:
    """The first record of each kind, the mapping and the run (through the REST API, with the
    signed-in session), and a speaker's and an exhibitor contact's portal tokens."""

    def first(path: str) -> dict[str, object]:
        answer = page.request.get(f"{site.url}/api{path}")
        assert answer.status == 200, (path, answer.status)
        body = answer.json()
        items = body if isinstance(body, list) else body["items"]
        assert items, path
        return dict(items[0])

    kinds = ("sessions", "speakers", "sponsors", "exhibitors", "runs")
    records = {kind: first(f"/events/devconf/{kind}") for kind in kinds}
    ids = {kind: str(record["id"]) for kind, record in records.items()}
    ids["mappings"] = str(first("/orgs/acme-events/mappings")["id"])
    page.goto(f"{site.url}/events/devconf/speakers")
    speaker_link = page.get_by_role("link", name="Personal link").first.get_attribute("href")
    assert speaker_link is not None
    page.goto(f"{site.url}/events/devconf/exhibitors/{ids['exhibitors']}")
    contact_link = page.get_by_role("link", name="Personal link").get_attribute("href")
    assert contact_link is not None
    assert contact_link.startswith("/portal/exhibitors/")
    return ids, {
        "speakers": speaker_link.rsplit("/", 1)[1],
        "exhibitors": contact_link.rsplit("/", 1)[1],
    }


def _addresses(pages: dict[str, PageRoute], page: Page, site: Site) -> dict[str, str]:
    """Each page's route name and its address, filled from the site's data."""
    ids, tokens = _site_data(page, site)
    filled = {route.name: _fill(route, ids, tokens) for route in pages.values()}
    unfilled = sorted(route.path for route in pages.values() if filled[route.name] is None)
    assert unfilled == [], f"pages whose address this test cannot fill: {unfilled}"
    return {name: address for name, address in filled.items() if address is not None}


def _check(page: Page, site: Site, shot: Screenshots, name: str, address: str, size: str) -> None:
    answer = page.goto(f"{site.url}{address}")
    assert answer is not None
    assert (answer.status, page.url) == (200, f"{site.url}{address}"), name
    heading = page.locator("main h1")
    expect(heading).to_have_count(1)
    expect(heading).not_to_be_empty()
    assert page.locator("h1").count() == 1, name
    if size == "phone":
        fits_the_screen(page)
    else:
        assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP[0], name
    shot(page, f"{name}-{size}")


def _second_organisation(site: Site) -> None:
    """The admin is also a viewer of another organisation: the start page then lists both
    (with one, it leads straight into it)."""
    services = site.app.state.services
    with services.store.transaction() as connection:
        other = create_organisation(connection, "Beta Conferences")
    services.accounts.add_member(other.id, EMAIL, Role.VIEWER, PASSWORD)


def _phone_beside(page: Page) -> Page:
    """A phone-sized window in the desktop's browser (the `phone` fixture starts another
    Playwright, which cannot run beside the first in one test)."""
    browser = page.context.browser
    assert browser is not None
    context = browser.new_context(viewport={"width": PHONE[0], "height": PHONE[1]})
    context.set_default_timeout(10_000)
    return context.new_page()


def test_every_page_fits_the_desktop_and_the_phone(
    site: Site, page: Page, shot: Screenshots
) -> None:
    _second_organisation(site)
    phone = _phone_beside(page)
    pages = _pages(site.app)
    assert {"/orgs/{org}", "/events/{event}/agenda", "/api/docs"} <= set(pages)
    sizes = (("desktop", page), ("phone", phone))
    for size, browser_page in sizes:
        for path in sorted(SIGNED_OUT):
            _check(browser_page, site, shot, pages[path].name, path, size)
        sign_in(browser_page, site)
    connect_map_and_sync(page, site)
    addresses = _addresses(pages, page, site)
    for size, browser_page in sizes:
        for name, address in addresses.items():
            if address not in SIGNED_OUT:
                _check(browser_page, site, shot, name, address, size)
    assert shot.count == 2 * len(addresses)
