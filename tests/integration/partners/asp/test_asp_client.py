"""The ASP Events client and connector over real HTTP: errors translated into the sync tree,
the mapping check (seminar exists, belongs to the site, has `sessionboard_id`), adoption of a
speaker on a `409`."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import date

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route

from agendasync.partners.asp import AspEvents
from agendasync.partners.asp.client import AspClient
from agendasync.partners.asp.connector import AspConnector
from agendasync.partners.asp.payloads import SESSION_FIELDS
from agendasync.partners.asp.simulator import AspSimulation, AspSimulator
from agendasync.partners.asp.simulator_state import AspState
from agendasync.simulators.server import serve_in_thread
from agendasync.sync.errors import (
    AuthFailed,
    OutcomeUnknown,
    PartnerError,
    RateLimited,
    Rejected,
    RemoteNotFound,
    Transient,
)
from agendasync.sync.fields import FieldMapError, checked_pair
from agendasync.sync.model import Item
from agendasync.sync.partner import PartnerEvent, Target

CREDENTIALS = {"key": "key", "secret": "secret"}


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[AspSimulator, str]]:
    sim = AspSimulator()
    with serve_in_thread(sim) as url:
        yield sim, url


@pytest.fixture(scope="module")
def html_server() -> Iterator[str]:
    """Not ASP: a web page where the API should be."""

    async def page(request: object) -> HTMLResponse:
        return HTMLResponse("<html>login</html>")

    async def moved(request: object) -> JSONResponse:
        return JSONResponse({}, 302, {"Location": "/elsewhere"})

    app = Starlette(routes=[Route("/public/token", page, methods=["POST"])])
    app.add_route("/redirect/public/token", moved, methods=["POST"])
    with serve_in_thread(app) as url:
        yield url


@pytest.fixture
def state(server: tuple[AspSimulator, str]) -> Iterator[AspState]:
    sim, _ = server
    state = sim.reset()
    state.add_credentials("key", "secret")
    yield state
    sim.faults.clear()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=2.0) as client:
        yield client


def client(http: httpx.AsyncClient, url: str, secret: str = "secret") -> AspClient:
    return AspClient(http, key="key", secret=secret, base_url=url)


# --- errors -----------------------------------------------------------------------------------


async def test_wrong_secret_is_auth_failed(server, state, http) -> None:
    with pytest.raises(AuthFailed, match="refused the API key and secret: Invalid API key"):
        await client(http, server[1], secret="no").authenticate()


async def test_non_json_answers_are_a_clear_partner_error(html_server, http) -> None:
    with pytest.raises(PartnerError) as caught:
        await client(http, html_server).authenticate()
    assert str(caught.value) == (
        "ASP Events' answer to POST /public/token is not JSON: is the base URL ASP Events' API?"
    )
    assert "login" not in str(caught.value)
    with pytest.raises(PartnerError, match="answered 302 \\(a redirect\\)"):
        await client(http, f"{html_server}/redirect").authenticate()


async def test_unreachable_host_is_transient(http) -> None:
    with pytest.raises(Transient, match="ASP Events is unreachable"):
        await client(http, "http://127.0.0.1:9").authenticate()


async def test_5xx_on_a_write_is_outcome_unknown_on_a_read_transient_r_sync_7(
    server, state, http
) -> None:
    sim, url = server
    site = state.add_site("S", "Europe/London")
    seminar = state.add_seminar(site, "M")
    api = client(http, url)
    sim.faults.fail_next(status=503, match="POST /seminars/*")
    with pytest.raises(OutcomeUnknown, match="ASP Events answered 503: Service unavailable"):
        await api.call("POST", f"/seminars/{seminar}/locations", json={"Name": "A"})
    sim.faults.fail_next(status=500, match="GET /seminars/*")
    with pytest.raises(Transient) as read:
        await api.call("GET", f"/seminars/{seminar}/locations")
    assert not isinstance(read.value, OutcomeUnknown)


async def test_429_is_rate_limited_with_retry_after_r_sync_8(server, state, http) -> None:
    state.knobs.rate_limit = 2  # the token exchange counts too
    state.knobs.window_s = 30
    api = client(http, server[1])
    await api.call("GET", "/sites")
    with pytest.raises(RateLimited) as caught:
        await api.call("GET", "/sites")
    assert caught.value.retry_after == 30.0


async def test_refused_data_names_the_fields(server, state, http) -> None:
    site = state.add_site("S", "Europe/London")
    seminar = state.add_seminar(site, "M")
    with pytest.raises(Rejected) as caught:
        await client(http, server[1]).call(
            "POST", f"/seminars/{seminar}/locations", json={"Name": "A", "Floor": 2}
        )
    assert caught.value.problems == [("Floor", "unknown attribute")]


async def test_token_refreshed_once_on_401(server, state, http) -> None:
    api = client(http, server[1])
    await api.call("GET", "/sites")
    state.expire_tokens()
    assert await api.call("GET", "/sites") == []
    assert api.calls == 5  # token, call, the 401, a new token, the call again


# --- the mapping check ---------------------------------------------------------------------


def _target(site: str, seminar: str) -> Target:
    return Target(site, {"seminar_id": seminar})


async def _check(http, base_url: str, target: Target) -> PartnerEvent:
    """What saving a mapping (and every sync that sends something) asks of the target."""
    return await AspEvents().connector(http, CREDENTIALS, base_url, target, budget=None).event()


async def test_check_target_accepts_a_seminar_of_the_site_r_map_7(server, state, http) -> None:
    site = state.add_site("Expo", "Europe/London")
    seminar = state.add_seminar(site, "Main")
    target = _target(site.lower(), seminar.lower())  # ids compared case-insensitively
    assert (await _check(http, server[1], target)).timezone == "Europe/London"


async def test_check_target_refuses_an_unknown_seminar_r_map_7(server, state, http) -> None:
    site = state.add_site("Expo", "Europe/London")
    with pytest.raises(Rejected) as caught:
        await _check(http, server[1], _target(site, "NOPE"))
    assert str(caught.value) == (
        "ASP Events has no seminar with the ID NOPE: create the seminar in ASP (or copy its ID"
        " from there) and enter that Seminar ID"
    )


async def test_check_target_refuses_a_seminar_of_another_site_r_map_7(server, state, http) -> None:
    site = state.add_site("Expo", "Europe/London")
    other = state.add_seminar(state.add_site("Other", "Europe/London"), "Their stage")
    with pytest.raises(Rejected) as caught:
        await _check(http, server[1], _target(site, other))
    assert str(caught.value) == (
        f"seminar 'Their stage' ({other}) belongs to another ASP site; enter the ID of a seminar"
        " of the mapped site"
    )


async def test_check_target_says_to_create_sessionboard_id_r_map_7(server, state, http) -> None:
    site = state.add_site("Expo", "Europe/London")
    seminar = state.add_seminar(site, "Main", slugs=("levels-checkbox",))
    with pytest.raises(Rejected) as caught:
        await _check(http, server[1], _target(site, seminar))
    assert str(caught.value) == (
        "seminar 'Main' has no custom field 'sessionboard_id': create a text custom field with"
        " the slug sessionboard_id on this seminar in ASP, then map again"
    )


# --- the connector -------------------------------------------------------------------------


async def test_a_speakers_email_conflict_adopts_and_updates_the_existing_one(
    server, state, http
) -> None:
    site = state.add_site("Expo", "Europe/London")
    seminar = state.add_seminar(site, "Main")
    existing = state.seed(site, "speakers", FirstName="Old", LastName="Name", Email="a@x.io")
    connector = AspConnector(client(http, server[1]), site, seminar)
    payload = {"FirstName": "Ada", "LastName": "Lovelace", "Email": "A@X.IO", "Title": None}
    item = Item("speakers", uuid.uuid4(), "speaker Ada Lovelace", payload)

    resolved = await connector.create(item)

    assert resolved.partner_id == existing
    assert resolved.notes == ("already on ASP Events with this email; updated it",)
    assert state.records["speakers"][existing]["FirstName"] == "Ada"
    assert len(state.records["speakers"]) == 1


async def test_an_inactive_speaker_is_not_updated_r_sync_4(server, state, http) -> None:
    site = state.add_site("Expo", "Europe/London")
    seminar = state.add_seminar(site, "Main")
    existing = state.seed(site, "speakers", FirstName="Old", LastName="N", Email="a@x.io")
    state.deactivate("speakers", existing)
    connector = AspConnector(client(http, server[1]), site, seminar)
    payload = {"FirstName": "New", "LastName": "N", "Email": "a@x.io"}
    item = Item("speakers", uuid.uuid4(), "speaker A", payload)
    with pytest.raises(RemoteNotFound, match="made inactive on ASP Events"):
        await connector.create(item)
    assert state.records["speakers"][existing]["FirstName"] == "Old"


# --- the harness view ----------------------------------------------------------------------


def test_simulation_events_come_with_a_seminar_for_the_mapping() -> None:
    simulation = AspSimulation()
    assert simulation.credentials() == {"key": "demo-key", "secret": "demo-secret"}
    site = simulation.add_event("Expo", "Europe/London", date(2030, 6, 10), date(2030, 6, 12))
    seminar = simulation.mapping_params(site)["seminar_id"]
    assert simulation.state.seminars[seminar]["SiteUuid"] == site
    slugs = [f["Slug"] for f in simulation.state.customfields[seminar]]
    assert "sessionboard_id" in slugs
    assert [r["Name"] for r in simulation.state.records["sessiontypes"].values()] == ["Session"]
    session = simulation.state.seed(seminar, "sessions", Title="T")
    assert [r["id"] for r in simulation.records(site, "sessions")] == [session]
    simulation.delete(site, "sessions", session)
    assert simulation.records(site, "sessions") == []
    assert simulation.state.records["sessions"][session]["isActive"] is False


async def test_a_pair_to_a_slug_the_seminar_lacks_is_refused_r_fld_2(server, state, http) -> None:
    site = state.add_site("Expo", "Europe/London")
    seminar = state.add_seminar(site, "Main")
    state.add_custom_field(seminar, "room-notes", "Room notes")
    state.add_speaker_custom_field(site, "pronouns", "Pronouns")
    connector = AspConnector(client(http, server[1]), site, seminar)
    sessions = await connector.fields("sessions")
    assert {"Title", "sessionboard_id", "chairperson", "room-notes"} <= sessions
    assert checked_pair("sessions", "description", "room-notes", SESSION_FIELDS, sessions)
    with pytest.raises(FieldMapError, match="the partner has no session field 'no-such-slug'"):
        checked_pair("sessions", "description", "no-such-slug", SESSION_FIELDS, sessions)
    speakers = await connector.fields("speakers")
    assert {"FirstName", "PhotoUrl", "pronouns"} <= speakers
    assert "room-notes" not in speakers
