"""The ASP Events simulator over real HTTP on loopback, with a plain httpx client.

One server for the module; every test gets a fresh `AspState` with a fake clock (so token
expiry and the rate window are exact), a London site with one seminar holding the five seed
slugs and a "Session" type, and one credential.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from agendasync.partners.asp.simulator import AspSimulator
from agendasync.partners.asp.simulator_admin import demo_state
from agendasync.partners.asp.simulator_state import AspState
from agendasync.simulators.server import serve_in_thread

KEY, SECRET = "key-1", "s3cr:et"
START = 1_900_000_000.0


class FakeClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@dataclass
class World:
    sim: AspSimulator
    state: AspState
    clock: FakeClock
    base: str
    site: str
    seminar: str


def basic(key: str = KEY, secret: str = SECRET) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[AspSimulator, str]]:
    sim = AspSimulator()
    with serve_in_thread(sim) as url:
        yield sim, url


@pytest.fixture
def world(server: tuple[AspSimulator, str]) -> Iterator[World]:
    sim, url = server
    clock = FakeClock()
    state = AspState(clock=clock)
    state.add_credentials(KEY, SECRET)
    site = state.add_site("Expo London", "Europe/London", "2030-06-10", "2030-06-12")
    seminar = state.add_seminar(site, "Main stage")
    sim.reset(state)
    yield World(sim, state, clock, url, site, seminar)
    sim.faults.clear()


@pytest.fixture
def anon(world: World) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{world.base}/public", timeout=2.0, verify=False) as client:
        yield client


@pytest.fixture
def api(anon: httpx.Client) -> httpx.Client:
    answer = anon.post("/token", headers={"Authorization": basic()})
    assert answer.status_code == 200, answer.text
    anon.headers["Authorization"] = f"Bearer {answer.json()}"
    return anon


def session_body(**changes: Any) -> dict[str, Any]:
    return {
        "Title": "Keynote",
        "ClientSessionId": "S1",
        "Start": "2030-06-10T09:30:00+01:00",
        "End": "2030-06-10T10:15:00+01:00",
        **changes,
    }


def post(api: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = api.post(path, json=body)
    assert answer.status_code == 201, answer.text
    row: dict[str, Any] = answer.json()
    return row


def new_session(api: httpx.Client, world: World, **changes: Any) -> dict[str, Any]:
    return post(api, f"/seminars/{world.seminar}/sessions", session_body(**changes))


def new_speaker(api: httpx.Client, world: World, email: str = "ada@example.com") -> dict[str, Any]:
    body = {"SiteUuid": world.site, "FirstName": "Ada", "LastName": "L", "Email": email}
    return post(api, "/speakers", body)


# --- auth ----------------------------------------------------------------------------------


def test_token_is_a_bare_json_string_with_its_lifetime_in_authentication_info(
    anon: httpx.Client,
) -> None:
    answer = anon.post("/token", headers={"Authorization": basic()})
    assert answer.status_code == 200
    assert isinstance(answer.json(), str)
    assert answer.headers["Authentication-Info"] == "expires-in=3600"


def test_wrong_secret_is_invalid_client(anon: httpx.Client) -> None:
    answer = anon.post("/token", headers={"Authorization": basic(secret="nope")})
    assert answer.status_code == 401
    assert answer.json() == {
        "error": "invalid_client",
        "message": "Invalid API key or secret",
        "details": [],
    }


def test_calls_need_a_live_bearer_token(world: World, api: httpx.Client) -> None:
    assert api.get("/sites").status_code == 200
    world.clock.now += 3601
    answer = api.get("/sites")
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_token"
    assert answer.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert api.get("/sites", headers={"Authorization": basic()}).status_code == 401


# --- lists ---------------------------------------------------------------------------------


def test_lists_page_with_o_and_l_count_and_link_next(world: World, api: httpx.Client) -> None:
    for index in range(5):
        post(api, f"/seminars/{world.seminar}/locations", {"Name": f"Room {index}"})
    first = api.get(f"/seminars/{world.seminar}/locations", params={"L": 2, "S": "Name"})
    assert [r["Name"] for r in first.json()] == ["Room 0", "Room 1"]
    assert first.headers["X-Records-Filtered"] == "5"
    assert first.headers["X-Records-Total"] == "5"
    assert 'rel="next"' in first.headers["Link"]
    next_url = first.headers["Link"].split(">")[0].lstrip("<")
    second = api.get(next_url)
    assert [r["Name"] for r in second.json()] == ["Room 2", "Room 3"]
    last = api.get(f"/seminars/{world.seminar}/locations", params={"O": 4, "L": 2})
    assert len(last.json()) == 1
    assert "Link" not in last.headers
    searched = api.get(f"/seminars/{world.seminar}/locations", params={"Q": "room 3"})
    assert [r["Name"] for r in searched.json()] == ["Room 3"]
    assert searched.headers["X-Records-Filtered"] == "1"


def test_unknown_query_parameters_and_bad_limits_are_400(world: World, api: httpx.Client) -> None:
    path = f"/seminars/{world.seminar}/sessions"
    unknown = api.get(path, params={"page": 2})
    assert unknown.status_code == 400
    assert unknown.json()["details"] == [{"field": "page", "issue": "unknown query parameter"}]
    assert api.get(path, params={"L": 1001}).status_code == 400
    assert api.get(path, params={"L": 0}).status_code == 400
    assert api.get(f"/sessions/{'X' * 8}", params={"x": 1}).status_code == 400


# --- writes --------------------------------------------------------------------------------


def test_unknown_attributes_are_422_naming_them(world: World, api: httpx.Client) -> None:
    answer = api.post(f"/seminars/{world.seminar}/sessions", json=session_body(Room="A"))
    assert answer.status_code == 422
    assert answer.json()["details"] == [{"field": "Room", "issue": "unknown attribute"}]
    assert world.state.records["sessions"] == {}


def test_form_bodies_are_refused(world: World, api: httpx.Client) -> None:
    answer = api.post(f"/seminars/{world.seminar}/locations", data={"Name": "A"})
    assert answer.status_code == 400
    assert answer.json()["error"] == "bad_request"


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2030-06-10T08:30:00Z", "2030-06-10T09:15:00Z"),  # Z
        ("2030-06-10T09:30:00+02:00", "2030-06-10T10:15:00+02:00"),  # another offset
        ("2030-06-10T09:30:00", "2030-06-10T10:15:00"),  # no offset
        ("2030-06-10T09:30:00+01:00", "2030-06-11T10:15:00+01:00"),  # another day
        ("2030-06-10T09:30:00+01:00", "2030-06-10T09:00:00+01:00"),  # ends before it starts
    ],
)
def test_times_must_carry_the_seminar_zones_own_offset_on_one_day(
    world: World, api: httpx.Client, start: str, end: str
) -> None:
    answer = api.post(
        f"/seminars/{world.seminar}/sessions", json=session_body(Start=start, End=end)
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"] == "validation_failed"


def test_the_seminars_own_zone_decides_the_offset(world: World, api: httpx.Client) -> None:
    berlin = world.state.add_seminar(world.site, "Berlin room", timezone="Europe/Berlin")
    path = f"/seminars/{berlin}/sessions"
    assert api.post(path, json=session_body()).status_code == 422
    good = session_body(Start="2030-06-10T09:30:00+02:00", End="2030-06-10T10:00:00+02:00")
    assert api.post(path, json=good).status_code == 201
    winter = session_body(Start="2030-12-10T09:30:00+01:00", End="2030-12-10T10:00:00+01:00")
    assert api.post(path, json=winter | {"ClientSessionId": "S2"}).status_code == 201


def test_put_is_partial_and_custom_fields_merge_by_slug(world: World, api: httpx.Client) -> None:
    row = new_session(
        api,
        world,
        Description="old",
        CustomFields={"sessionboard_id": "abc", "sessionboard-content": "https://x/1.pdf"},
    )
    answer = api.put(
        f"/sessions/{row['Uuid']}",
        json={"Title": "New", "CustomFields": {"sessionboard-content": None}},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["Title"], body["Description"]) == ("New", "old")
    assert body["CustomFields"] == {"sessionboard_id": "abc"}


def test_uuids_are_compared_case_insensitively(world: World, api: httpx.Client) -> None:
    row = new_session(api, world)
    assert row["Uuid"] == row["Uuid"].upper()
    assert len(row["Uuid"].split("-")) == 4
    assert api.get(f"/sessions/{row['Uuid'].lower()}").json()["Uuid"] == row["Uuid"]


def test_sessionboard_id_is_unique_in_the_seminar_inactive_included(
    world: World, api: httpx.Client
) -> None:
    row = new_session(api, world, CustomFields={"sessionboard_id": "ours-1"})
    assert api.delete(f"/sessions/{row['Uuid']}").status_code == 204
    again = api.post(
        f"/seminars/{world.seminar}/sessions",
        json=session_body(CustomFields={"sessionboard_id": "ours-1"}),
    )
    assert again.status_code == 409
    assert again.json()["details"][0]["existingUuid"] == row["Uuid"]
    path = f"/seminars/{world.seminar}/sessions"
    hidden = api.get(path, params={"CustomField[sessionboard_id]": "ours-1"})
    assert hidden.json() == []
    found = api.get(path, params={"CustomField[sessionboard_id]": "ours-1", "IncludeInactive": 1})
    assert [(r["Uuid"], r["isActive"]) for r in found.json()] == [(row["Uuid"], False)]


def test_speaker_email_is_unique_per_site_case_insensitively(
    world: World, api: httpx.Client
) -> None:
    first = new_speaker(api, world)
    world.state.deactivate("speakers", first["Uuid"])
    body = {"SiteUuid": world.site, "FirstName": "A", "LastName": "B", "Email": "ADA@example.com"}
    answer = api.post("/speakers", json=body)
    assert answer.status_code == 409
    assert answer.json()["details"][0]["existingUuid"] == first["Uuid"]
    other_site = world.state.add_site("Expo Paris", "Europe/Paris")
    assert api.post("/speakers", json=body | {"SiteUuid": other_site}).status_code == 201
    found = api.get(
        "/speakers",
        params={"SiteUuid": world.site, "Email": "ada@EXAMPLE.com", "IncludeInactive": 1},
    )
    assert [r["Uuid"] for r in found.json()] == [first["Uuid"]]


def test_delete_is_soft_and_an_admin_removal_is_404(world: World, api: httpx.Client) -> None:
    row = post(api, f"/seminars/{world.seminar}/streams", {"Name": "AI", "Colour": "#7C3AED"})
    assert api.delete(f"/streams/{row['Uuid']}").status_code == 204
    assert api.get(f"/seminars/{world.seminar}/streams").json() == []
    assert api.get(f"/streams/{row['Uuid']}").json()["isActive"] is False
    world.state.remove("streams", row["Uuid"])
    assert api.get(f"/streams/{row['Uuid']}").status_code == 404
    assert api.put(f"/streams/{row['Uuid']}", json={"Name": "x"}).json()["error"] == "not_found"


def test_custom_fields_checked_against_the_seminars_definitions(
    world: World, api: httpx.Client
) -> None:
    speaker = new_speaker(api, world)
    good = {
        "levels-checkbox": ["beginner"],
        "panel-moderator": [speaker["Uuid"].lower()],
        "sessionboard_id": "x",
    }
    row = new_session(api, world, CustomFields=good)
    assert row["CustomFields"]["panel-moderator"] == [speaker["Uuid"]]
    path = f"/seminars/{world.seminar}/sessions"
    bad = [
        ({"levels-checkbox": ["expert"]}, "unknown option 'expert'"),
        ({"chairperson": ["NOPE"]}, "unknown speaker NOPE"),
        ({"no-such-slug": "x"}, "unknown custom field"),
    ]
    for custom, issue in bad:
        answer = api.post(path, json=session_body(ClientSessionId="S9", CustomFields=custom))
        assert answer.status_code == 422
        assert answer.json()["details"][0]["issue"] == issue
    world.state.remove_custom_field(world.seminar, "chairperson")
    answer = api.post(path, json=session_body(CustomFields={"chairperson": []}))
    assert answer.json()["details"] == [
        {"field": "CustomFields.chairperson", "issue": "unknown custom field"}
    ]


def test_references_must_be_active_records_of_the_same_seminar(
    world: World, api: httpx.Client
) -> None:
    other = world.state.add_seminar(world.site, "Side stage")
    stream = post(api, f"/seminars/{other}/streams", {"Name": "AI"})
    answer = api.post(
        f"/seminars/{world.seminar}/sessions", json=session_body(StreamUuids=[stream["Uuid"]])
    )
    assert answer.status_code == 422
    assert answer.json()["details"][0]["field"] == "StreamUuids"


def test_429_carries_retry_after(world: World, api: httpx.Client) -> None:
    world.state.knobs.rate_limit = 1
    world.state.knobs.window_s = 10
    assert api.get("/sites").status_code == 200
    answer = api.get("/sites")
    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == "10"
    assert "X-Rate-Limit-Remaining" not in answer.headers
    world.clock.now += 10
    assert api.get("/sites").status_code == 200


def test_fault_kit_fail_after_next_stores_then_answers_500(world: World, api: httpx.Client) -> None:
    world.sim.faults.fail_after_next(status=502, match="POST /seminars/{seminar}/locations")
    answer = api.post(f"/seminars/{world.seminar}/locations", json={"Name": "Hall A"})
    assert answer.status_code == 502
    assert answer.json()["error"] == "server_error"
    assert [r["Name"] for r in world.state.records["locations"].values()] == ["Hall A"]
    assert world.sim.stats.faults["error_after"] == 1


def test_custom_field_definitions_and_session_types_per_seminar(
    world: World, api: httpx.Client
) -> None:
    fields = api.get(f"/seminars/{world.seminar}/customfields").json()
    assert [f["Slug"] for f in fields] == [
        "sessionboard_id",
        "sessionboard-content",
        "levels-checkbox",
        "panel-moderator",
        "chairperson",
    ]
    types = api.get(f"/seminars/{world.seminar}/sessiontypes").json()
    assert [t["Name"] for t in types] == ["Session"]
    assert api.get(f"/sites/{world.site}/speakercustomfields").json() == []


# --- the admin's back office over HTTP -----------------------------------------------------


def test_admin_deactivates_removes_and_edits_custom_fields_over_http(
    world: World, api: httpx.Client
) -> None:
    row = new_session(api, world)
    with httpx.Client(base_url=f"{world.base}/_sim", timeout=2.0) as admin:
        assert admin.post(f"/sessions/{row['Uuid']}/deactivate").status_code == 204
        assert api.get(f"/sessions/{row['Uuid']}").json()["isActive"] is False
        assert admin.delete(f"/sessions/{row['Uuid']}").status_code == 204
        assert api.get(f"/sessions/{row['Uuid']}").status_code == 404
        path = f"/seminars/{world.seminar}/customfields"
        assert admin.delete(f"{path}/chairperson").status_code == 204
        added = admin.put(f"{path}/track-colour", json={"Name": "Colour", "Type": "text"})
        assert added.status_code == 204
        slugs = [f["Slug"] for f in api.get(path).json()]
        assert slugs[-1] == "track-colour"
        assert "chairperson" not in slugs
        assert admin.post("/faults", json={"kind": "error", "status": 503}).status_code == 201
        assert api.get("/sites").status_code == 503
        assert admin.post("/expire-tokens").status_code == 204
        assert api.get("/sites").status_code == 401
        summary = admin.get("/state").json()
        assert summary["records"]["sessions"] == {"active": 0, "inactive": 0}


def test_demo_state_has_a_seminar_lacking_some_slugs() -> None:
    state, ids = demo_state()
    full = [f["Slug"] for f in state.customfields[ids["seminar"]]]
    lacking = [f["Slug"] for f in state.customfields[ids["seminar_lacking_slugs"]]]
    assert len(full) == 5
    assert lacking == ["sessionboard_id", "sessionboard-content", "levels-checkbox"]
    assert state.credentials == {"demo-key": "demo-secret"}
