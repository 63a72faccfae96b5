"""The Swoogo simulator over real HTTP on loopback, with a plain httpx client.

One server for the module; every test gets a fresh `SwoogoState` with a fake clock (so token
expiry and credit windows are exact), two events (Berlin, New York) and one credential.
"""

from __future__ import annotations

import base64
import json
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

import httpx
import pytest

from agendasync.partners.swoogo.simulator import SwoogoSimulator
from agendasync.partners.swoogo.simulator_rules import ValidationFailed
from agendasync.partners.swoogo.simulator_state import SwoogoState
from agendasync.simulators.server import serve_in_thread

KEY = "consumer key+1"  # needs URL-encoding before Base64, as the docs say
SECRET = "s3cr:et/"
START = 1_900_000_000.0
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 56  # passes the magic-byte check
MIB = 1024 * 1024


def basic(key: str, secret: str) -> str:
    raw = f"{quote_plus(key)}:{quote_plus(secret)}".encode()
    return "Basic " + base64.b64encode(raw).decode()


def stamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S")


def error(status: int, name: str, message: str) -> dict[str, Any]:
    return {"name": name, "message": message, "code": 0, "status": status}


class FakeClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class World:
    sim: SwoogoSimulator
    state: SwoogoState
    clock: FakeClock
    base: str
    berlin: int
    new_york: int


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[SwoogoSimulator, str]]:
    sim = SwoogoSimulator()
    with serve_in_thread(sim) as url:
        yield sim, url
        sim.release_hangs()


@pytest.fixture
def world(server: tuple[SwoogoSimulator, str]) -> Iterator[World]:
    sim, url = server
    clock = FakeClock()
    state = SwoogoState(clock=clock)
    state.add_credentials(KEY, SECRET)
    berlin = state.add_event("Berlin Summit", timezone="Europe/Berlin", start_date="2030-05-01")
    new_york = state.add_event("NY Summit", timezone="US/Eastern", start_date="2030-05-01")
    sim.reset(state)
    yield World(sim, state, clock, url, berlin, new_york)
    sim.faults.clear()
    sim.release_hangs()


def plain_client(base_url: str) -> httpx.Client:
    # Loopback plain HTTP: skip building an SSL context (about 50 ms per client).
    return httpx.Client(base_url=base_url, timeout=2.0, verify=False)


@pytest.fixture
def anon(world: World) -> Iterator[httpx.Client]:
    with plain_client(f"{world.base}/api/v1") as client:
        yield client


@pytest.fixture
def admin(world: World) -> Iterator[httpx.Client]:
    """The simulator's own admin API (no auth)."""
    with plain_client(f"{world.base}/_sim") as client:
        yield client


@pytest.fixture
def api(anon: httpx.Client) -> httpx.Client:
    answer = token_call(anon)
    assert answer.status_code == 200, answer.text
    anon.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
    return anon


def token_call(
    client: httpx.Client, *, authorization: str | None = None, path: str = "/oauth2/token"
) -> httpx.Response:
    return client.post(
        path,
        data={"grant_type": "client_credentials"},
        headers={"Authorization": authorization or basic(KEY, SECRET)},
    )


def create(api: httpx.Client, entity: str, **fields: Any) -> dict[str, Any]:
    answer = api.post(f"/{entity}/create", data=fields)
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def names(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [item["name"] for item in answer.json()["items"]]


# -- authentication ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/oauth2/token", "/oauth2/token.json"])
def test_token_is_issued_for_urlencoded_basic_credentials(
    world: World, anon: httpx.Client, path: str
) -> None:
    answer = token_call(anon, path=path)

    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"access_token", "type", "expires_at"}
    assert body["type"] == "bearer"
    assert body["expires_at"] == stamp(START + 30 * 60)
    bearer = {"Authorization": f"Bearer {body['access_token']}"}
    assert anon.get("/events", headers=bearer).status_code == 200


def test_token_lifetime_is_a_knob(world: World, anon: httpx.Client) -> None:
    world.sim.knobs.token_lifetime_seconds = 60

    assert token_call(anon).json()["expires_at"] == stamp(START + 60)


@pytest.mark.parametrize(
    "authorization",
    [
        basic(KEY, "wrong"),
        basic("nobody", SECRET),
        "Basic " + base64.b64encode(f"{KEY}:{SECRET}".encode()).decode(),  # not URL-encoded
        "Basic !!!not-base64",
        "Bearer something",
    ],
    ids=["wrong-secret", "unknown-key", "not-urlencoded", "garbage", "not-basic"],
)
def test_bad_client_credentials_are_401(anon: httpx.Client, authorization: str) -> None:
    answer = token_call(anon, authorization=authorization)

    assert answer.status_code == 401
    assert answer.json() == error(401, "Unauthorized", "The client credentials are invalid")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"json": {"grant_type": "client_credentials"}},
            "The grant type was not specified in the request",
        ),
        ({"data": {"grant_type": "password"}}, 'Grant type "password" not supported'),
        ({}, "The grant type was not specified in the request"),
    ],
    ids=["json-body", "other-grant", "no-body"],
)
def test_token_needs_a_form_client_credentials_grant(
    anon: httpx.Client, body: dict[str, Any], message: str
) -> None:
    answer = anon.post("/oauth2/token", headers={"Authorization": basic(KEY, SECRET)}, **body)

    assert answer.status_code == 400
    assert answer.json() == error(400, "Bad Request", message)


def test_token_expires_after_30_minutes(world: World, api: httpx.Client) -> None:
    world.clock.advance(30 * 60 - 1)
    assert api.get("/events").status_code == 200

    world.clock.advance(1)
    answer = api.get("/events")

    assert answer.status_code == 401
    assert answer.json() == error(
        401, "Unauthorized", "Your request was made with invalid credentials."
    )
    assert answer.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    # only the list call is still in the window; the refused call cost nothing
    assert answer.headers["X-Rate-Limit-Remaining"] == str(2000 - 10)


@pytest.mark.parametrize(
    "authorization", ["Bearer unknown-token", None], ids=["unknown", "missing"]
)
def test_unknown_or_missing_bearer_is_401(anon: httpx.Client, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}

    answer = anon.get("/events", headers=headers)

    assert answer.status_code == 401
    assert answer.json() == error(
        401, "Unauthorized", "Your request was made with invalid credentials."
    )
    assert answer.headers["X-Rate-Limit-Limit"] == "2000"


# -- credits ----------------------------------------------------------------------------------


def test_token_call_costs_one_credit(world: World, anon: httpx.Client) -> None:
    answer = token_call(anon)

    assert answer.headers["X-Rate-Limit-Limit"] == "2000"
    assert answer.headers["X-Rate-Limit-Remaining"] == "1999"
    assert answer.headers["X-Rate-Limit-Reset"] == "600"
    assert world.sim.stats.credits_spent[KEY] == 1


@pytest.mark.parametrize(
    ("method", "path", "cost"),
    [
        ("GET", "/events", 10),
        ("GET", "/sessions?event_id={berlin}", 10),
        ("GET", "/sponsors/fields?event_id={berlin}", 10),
        ("GET", "/events/{berlin}", 1),
        ("GET", "/events/{berlin}.json", 1),
        ("POST", "/tracks/create", 1),
        ("GET", "/sessions/99", 1),  # a 404 is still a call
        ("POST", "/speakers/create", 1),  # so is a 422
    ],
)
def test_list_calls_cost_10_and_other_calls_1(
    world: World, api: httpx.Client, method: str, path: str, cost: int
) -> None:
    data = {"event_id": world.berlin, "name": "Track"} if method == "POST" else None
    world.clock.advance(5)

    answer = api.request(method, path.format(berlin=world.berlin), data=data)

    assert answer.headers["X-Rate-Limit-Limit"] == "2000"
    assert answer.headers["X-Rate-Limit-Remaining"] == str(2000 - 1 - cost)
    assert answer.headers["X-Rate-Limit-Reset"] == "600"
    assert world.sim.stats.credits_spent[KEY] == 1 + cost


def test_429_when_the_window_is_spent(world: World, api: httpx.Client) -> None:
    world.sim.knobs.budget = 25  # the token took 1 at START
    world.clock.advance(1)
    assert api.get("/events").headers["X-Rate-Limit-Remaining"] == "14"
    world.clock.advance(1)
    assert api.get("/events").headers["X-Rate-Limit-Remaining"] == "4"
    world.clock.advance(1)

    refused = api.get("/events")

    assert refused.status_code == 429
    assert refused.json() == error(429, "Too Many Requests", "Rate limit exceeded.")
    assert refused.headers["X-Rate-Limit-Remaining"] == "4"
    # 6 more credits are needed: the token's 1 (free at START+600) is not enough, the first
    # list's 10 (free at START+601) is; it is now START+3.
    assert refused.headers["X-Rate-Limit-Reset"] == "598"
    single = api.get(f"/events/{world.berlin}")  # a 1-credit call still fits
    assert (single.status_code, single.headers["X-Rate-Limit-Remaining"]) == (200, "3")
    assert world.sim.stats.throttled[KEY] == 1
    assert world.sim.stats.credits_spent[KEY] == 1 + 10 + 10 + 1

    world.clock.advance(598)
    again = api.get("/events")

    assert again.status_code == 200
    assert again.headers["X-Rate-Limit-Remaining"] == str(25 - 10 - 1 - 10)


def test_window_scales_in_real_time(world: World) -> None:
    state = SwoogoState()  # the real clock
    state.add_credentials(KEY, SECRET)
    state.add_event("Summit")
    world.sim.reset(state)
    world.sim.knobs.update(budget=21, window_seconds=0.5)
    with plain_client(f"{world.base}/api/v1") as client:
        client.headers["Authorization"] = "Bearer " + token_call(client).json()["access_token"]
        assert [client.get("/events").status_code for _ in range(2)] == [200, 200]

        refused = client.get("/events")
        assert refused.status_code == 429
        assert refused.headers["X-Rate-Limit-Reset"] == "1"
        time.sleep(0.6)

        assert client.get("/events").status_code == 200


def test_stats_count_calls_per_endpoint(world: World, api: httpx.Client) -> None:
    api.get("/sessions", params={"event_id": world.berlin})
    api.get(f"/sessions.json?event_id={world.berlin}")
    api.get(f"/sessions/{world.berlin}")

    assert world.sim.stats.calls == {
        "POST /oauth2/token": 1,
        "GET /sessions": 2,
        "GET /sessions/{id}": 1,
    }
    assert world.sim.stats.statuses == {200: 3, 404: 1}


# -- writes: form encoding, booleans, validation ----------------------------------------------

REQUIRED = {
    "locations": {"name": "Hall A"},
    "sessions": {"name": "Talk"},
    "speakers": {"first_name": "Ada", "last_name": "Lovelace"},
}


@pytest.mark.parametrize(
    ("entity", "attribute", "label"),
    [
        ("locations", "use_event_address", "Use Event Address"),
        ("sessions", "use_event_timezone", "Use Event Timezone"),
        ("speakers", "cfs_speaker", "Cfs Speaker"),
    ],
)
@pytest.mark.parametrize(
    ("value", "stored"), [("1", True), ("0", False), ("true", None), ("false", None)]
)
def test_booleans_are_1_or_0(
    world: World,
    api: httpx.Client,
    entity: str,
    attribute: str,
    label: str,
    value: str,
    stored: bool | None,
) -> None:
    data = {"event_id": world.berlin, **REQUIRED[entity], attribute: value}
    if attribute == "use_event_timezone":
        data["timezone"] = "UTC"

    answer = api.post(f"/{entity}/create", data=data)

    if stored is None:
        assert answer.status_code == 422
        assert answer.json() == [
            {"field": attribute, "message": f'{label} must be either "1" or "0".'}
        ]
        assert world.state.table(entity) == {}
    else:
        assert answer.status_code == 201
        assert answer.json()[attribute] is stored


def test_json_write_bodies_are_refused(world: World, api: httpx.Client) -> None:
    answer = api.post("/sessions/create", json={"event_id": world.berlin, "name": "Talk"})

    assert answer.status_code == 415
    assert answer.json()["name"] == "Unsupported Media Type"
    assert world.state.sessions == {}


def test_multipart_writes_are_accepted(world: World, api: httpx.Client) -> None:
    answer = api.post(
        "/sessions/create",
        data={"event_id": str(world.berlin), "name": "Talk"},
        files={"ignored": ("a.txt", b"x", "text/plain")},
    )

    assert answer.status_code == 201
    assert answer.headers["Location"].endswith(f"/api/v1/sessions/{answer.json()['id']}")


@pytest.mark.parametrize(
    ("entity", "data", "errors"),
    [
        (
            "sessions",
            {},
            {"event_id": "Event ID cannot be blank.", "name": "Name cannot be blank."},
        ),
        ("sessions", {"event_id": "999", "name": "T"}, {"event_id": "Event ID is invalid."}),
        (
            "speakers",
            {"event_id": "{berlin}", "first_name": ""},
            {
                "first_name": "First Name cannot be blank.",
                "last_name": "Last Name cannot be blank.",
            },
        ),
        (
            "sessions",
            {"event_id": "{berlin}", "name": "T", "date": "01/05/2030", "start_time": "9:00"},
            {
                "date": "The format of Date is invalid.",
                "start_time": "The format of Start Time is invalid.",
            },
        ),
        (
            "sessions",
            {"event_id": "{berlin}", "name": "T", "start_time": "10:00:00", "end_time": "09:00:00"},
            {"end_time": 'End Time must be greater than or equal to "Start Time".'},
        ),
        (
            "sessions",
            {"event_id": "{berlin}", "name": "T", "capacity": "-1"},
            {"capacity": "Capacity must be no less than 0."},
        ),
        (
            "locations",
            {"event_id": "{berlin}", "name": "x" * 256, "color": "red"},
            {"name": "Name should contain at most 255 characters.", "color": "Color is invalid."},
        ),
        (
            "speakers",
            {"event_id": "{berlin}", "first_name": "A", "last_name": "B", "email": "nope"},
            {"email": "Email is not a valid email address."},
        ),
        (
            "speakers",
            {
                "event_id": "{berlin}",
                "first_name": "A",
                "last_name": "B",
                "mobile_phone": "030 1234",
            },
            {"mobile_phone": "Mobile Phone is invalid."},
        ),
    ],
)
def test_validation_errors_are_422_field_message_lists(
    world: World, api: httpx.Client, entity: str, data: dict[str, str], errors: dict[str, str]
) -> None:
    form = {key: value.format(berlin=world.berlin) for key, value in data.items()}

    answer = api.post(f"/{entity}/create", data=form)

    assert answer.status_code == 422
    assert answer.json() == [{"field": f, "message": m} for f, m in errors.items()]


def test_update_changes_only_the_fields_sent(world: World, api: httpx.Client) -> None:
    session = create(api, "sessions", event_id=world.berlin, name="Talk", capacity=10, notes="n")

    answer = api.put(f"/sessions/update/{session['id']}", data={"name": "Better talk", "notes": ""})

    assert answer.status_code == 200
    body = answer.json()
    assert (body["name"], body["capacity"], body["notes"]) == ("Better talk", 10, None)
    assert world.state.sessions[session["id"]]["name"] == "Better talk"


@pytest.mark.parametrize("entity", ["tracks", "locations"])
def test_tracks_and_locations_can_be_renamed(world: World, api: httpx.Client, entity: str) -> None:
    row = create(api, entity, event_id=world.berlin, name="Old", color="#00FF00")

    answer = api.put(f"/{entity}/update/{row['id']}", data={"name": "New"})

    assert answer.status_code == 200
    assert (answer.json()["name"], answer.json()["color"]) == ("New", "#00FF00")


# -- time zones -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "allowed"),
    [
        ("US/Eastern", True),
        ("US/Pacific", True),
        ("Europe/Berlin", True),
        ("UTC", True),
        ("America/Argentina/Buenos_Aires", True),
        ("America/New_York", False),
        ("America/Chicago", False),
        ("America/Los_Angeles", False),
        ("EST", False),
        ("CET", False),
        ("Etc/GMT+5", False),
        ("Mars/Olympus_Mons", False),
    ],
)
def test_session_timezone_allow_list(
    world: World, api: httpx.Client, zone: str, allowed: bool
) -> None:
    data = {"event_id": world.berlin, "name": "T", "use_event_timezone": "0", "timezone": zone}

    answer = api.post("/sessions/create", data=data)

    if allowed:
        assert answer.status_code == 201
        assert answer.json()["timezone"] == zone
    else:
        assert answer.status_code == 422
        assert answer.json() == [{"field": "timezone", "message": "Timezone is invalid."}]


def test_own_timezone_needs_a_timezone(world: World, api: httpx.Client) -> None:
    answer = api.post(
        "/sessions/create", data={"event_id": world.berlin, "name": "T", "use_event_timezone": "0"}
    )

    assert answer.status_code == 422
    assert answer.json() == [{"field": "timezone", "message": "Timezone cannot be blank."}]


def test_events_use_the_same_allow_list(world: World, api: httpx.Client) -> None:
    with pytest.raises(ValidationFailed) as refused:
        world.state.add_event("NYC", timezone="America/New_York")
    assert refused.value.errors == [{"field": "timezone", "message": "Timezone is invalid."}]

    event = api.get(f"/events/{world.new_york}").json()
    session = create(
        api,
        "sessions",
        event_id=world.new_york,
        name="Keynote",
        date="2030-05-01",
        start_time="09:00:00",
        end_time="10:30:00",
    )

    assert event["timezone"] == "US/Eastern"
    assert session["timezone"] == "US/Eastern"
    assert session["times_with_timezone"] == "9:00 AM - 10:30 AM (EDT)"


# -- tracks and locations on sessions ---------------------------------------------------------


@pytest.mark.parametrize(
    "encoded",
    [
        "track_id[]={a}",
        "track_id[0]={a}&track_id[1]={b}",
        "track_id={a}&track_id={b}",
        "track_id={a},{b}",
    ],
)
def test_a_session_takes_exactly_one_track(world: World, api: httpx.Client, encoded: str) -> None:
    a = create(api, "tracks", event_id=world.berlin, name="AI")["id"]
    b = create(api, "tracks", event_id=world.berlin, name="Data")["id"]
    body = f"event_id={world.berlin}&name=Talk&" + encoded.format(a=a, b=b)

    answer = api.post(
        "/sessions/create",
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert answer.status_code == 422
    assert answer.json() == [{"field": "track_id", "message": "Track ID must be an integer."}]


@pytest.mark.parametrize(
    ("entity", "attribute", "label"),
    [("tracks", "track_id", "Track ID"), ("locations", "location_id", "Location ID")],
)
def test_track_and_location_must_be_in_the_session_event(
    world: World, api: httpx.Client, entity: str, attribute: str, label: str
) -> None:
    mine = create(api, entity, event_id=world.berlin, name="Mine")
    theirs = create(api, entity, event_id=world.new_york, name="Theirs")

    refused = api.post(
        "/sessions/create", data={"event_id": world.berlin, "name": "T", attribute: theirs["id"]}
    )
    session = create(api, "sessions", event_id=world.berlin, name="T", **{attribute: mine["id"]})
    expand = attribute.removesuffix("_id")
    expanded = api.get(f"/sessions/{session['id']}", params={"expand": expand}).json()

    assert refused.status_code == 422
    assert refused.json() == [{"field": attribute, "message": f"{label} is invalid."}]
    assert session[attribute] == mine["id"]
    assert expanded[expand] == world.state.view(entity, mine["id"])


# -- lists: paging, fields, search, sort --------------------------------------------------------


def test_per_page_is_clamped_to_200_and_pages_past_the_end_repeat_the_last(
    world: World, api: httpx.Client
) -> None:
    for number in range(205):
        world.state.seed("tracks", event_id=world.berlin, name=f"Track {number:03}")

    def page(**params: Any) -> dict[str, Any]:
        body: dict[str, Any] = api.get(
            "/tracks", params={"event_id": world.berlin, **params}
        ).json()
        return body

    big, second, past, default = (
        page(**{"per-page": 500}),
        page(**{"per-page": 500, "page": 2}),
        page(**{"per-page": 500, "page": 9}),
        page(),
    )

    assert big["_meta"] == {"totalCount": 205, "pageCount": 2, "currentPage": 1, "perPage": 200}
    assert len(big["items"]) == 200
    assert big["_links"]["next"]["href"].endswith(f"event_id={world.berlin}&page=2&per-page=200")
    assert [i["name"] for i in second["items"]] == [f"Track {n}" for n in range(200, 205)]
    assert past["_meta"]["currentPage"] == 2
    assert past["items"] == second["items"]
    assert default["_meta"] == {"totalCount": 205, "pageCount": 11, "currentPage": 1, "perPage": 20}


def seed_one_of_each(world: World) -> dict[str, int]:
    seed = world.state.seed
    event = world.berlin
    return {
        "events": world.berlin,
        "locations": seed("locations", event_id=event, name="Hall", capacity=100),
        "tracks": seed("tracks", event_id=event, name="AI", color="#112233"),
        "sessions": seed("sessions", event_id=event, name="Talk", date="2030-05-01"),
        "speakers": seed("speakers", event_id=event, first_name="Ada", last_name="Lovelace"),
        "sponsors": seed("sponsors", event_id=event, name="Acme", website="https://acme.test"),
    }


@pytest.mark.parametrize(
    ("entity", "defaults"),
    [
        ("events", {"id", "name"}),
        ("sessions", {"id", "name"}),
        ("speakers", {"id", "first_name", "last_name"}),
        ("sponsors", {"id", "name"}),
        ("locations", {"id", "name"}),
        ("tracks", {"id", "name"}),
    ],
)
def test_lists_default_to_minimal_fields(
    world: World, api: httpx.Client, entity: str, defaults: set[str]
) -> None:
    row_id = seed_one_of_each(world)[entity]
    full = world.state.view(entity, row_id)

    def items(**params: str) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"event_id": world.berlin, "ids": str(row_id), **params}
        answer = api.get(f"/{entity}", params=query)
        assert answer.status_code == 200, answer.text
        found: list[dict[str, Any]] = answer.json()["items"]
        return found

    assert [set(item) for item in items()] == [defaults]
    assert items(fields="*") == [full]
    assert items(fields="id,created_at,nonsense") == [
        {"id": row_id, "created_at": full["created_at"]}
    ]
    assert api.get(f"/{entity}/{row_id}").json() == full  # a single GET has every field


@pytest.mark.parametrize("entity", ["sessions", "speakers", "sponsors", "locations", "tracks"])
def test_lists_need_an_event_id(world: World, api: httpx.Client, entity: str) -> None:
    missing = api.get(f"/{entity}")
    unknown = api.get(f"/{entity}", params={"event_id": 999})

    assert missing.status_code == 400
    assert missing.json() == error(400, "Bad Request", "Missing required parameters: event_id")
    assert unknown.status_code == 404


@pytest.fixture
def agenda(world: World) -> dict[str, int]:
    sessions = {}
    for name, capacity in [
        ("Opening Keynote", 100),
        ("Workshop", 10),
        ("Closing Keynote", 50),
        ("Lunch", None),
    ]:
        sessions[name] = world.state.seed(
            "sessions", event_id=world.berlin, name=name, capacity=capacity
        )
    world.state.seed("sessions", event_id=world.new_york, name="Opening Keynote", capacity=100)
    return sessions


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("name=opening keynote", ["Opening Keynote"]),
        ("name!=Workshop", ["Opening Keynote", "Closing Keynote", "Lunch"]),
        ("capacity>50", ["Opening Keynote"]),
        ("capacity>=50", ["Opening Keynote", "Closing Keynote"]),
        ("capacity<50", ["Workshop"]),
        ("capacity<=50", ["Workshop", "Closing Keynote"]),
        ("name=*contains*keyn", ["Opening Keynote", "Closing Keynote"]),
        ("name!=*contains*keyn", ["Workshop", "Lunch"]),
        ("name=*beginswith*work", ["Workshop"]),
        ("name=*endswith*NOTE", ["Opening Keynote", "Closing Keynote"]),
        ("capacity=*in*10|100", ["Opening Keynote", "Workshop"]),
        ("name=*contains*keynote&capacity<100", ["Closing Keynote"]),
    ],
)
def test_search_operators(
    world: World, api: httpx.Client, agenda: dict[str, int], search: str, expected: list[str]
) -> None:
    answer = api.get("/sessions", params={"event_id": world.berlin, "search": search})

    assert names(answer) == expected


def test_search_conditions_can_follow_unencoded_and_be_ored(
    world: World, api: httpx.Client, agenda: dict[str, int]
) -> None:
    raw = f"/sessions?event_id={world.berlin}&search=name=*contains*keynote&capacity<100"
    ored: dict[str, Any] = {"event_id": world.berlin, "search": "name=Lunch&capacity>99"}
    ored["searchCondition"] = "or"

    assert names(api.get(raw)) == ["Closing Keynote"]
    assert names(api.get("/sessions", params=ored)) == ["Opening Keynote", "Lunch"]


def test_search_on_a_custom_field_is_silently_ignored(
    world: World, api: httpx.Client, agenda: dict[str, int]
) -> None:
    field_id = world.state.add_custom_field("sessions", world.berlin, "Room code")
    column = f"c_{field_id}"
    api.put(f"/sessions/update/{agenda['Workshop']}", data={column: "W1"})

    only_custom = api.get("/sessions", params={"event_id": world.berlin, "search": f"{column}=W1"})
    mixed: dict[str, Any] = {"event_id": world.berlin, "search": f"{column}=nothing&name=Lunch"}
    workshop = api.get(f"/sessions/{agenda['Workshop']}").json()

    assert names(only_custom) == ["Opening Keynote", "Workshop", "Closing Keynote", "Lunch"]
    assert names(api.get("/sessions", params=mixed)) == ["Lunch"]
    assert workshop[column] == "W1"
    assert workshop["custom_fields"] == {column: "W1"}
    definitions = api.get("/sessions/fields", params={"event_id": world.berlin, "fields": "*"})
    assert [d["name"] for d in definitions.json()["items"] if d["attribute"] == column] == [
        "Room code"
    ]


@pytest.mark.parametrize(
    ("search", "message"),
    [
        ("nonsense=1", "Unknown search attribute: nonsense"),
        ("=5", "Invalid search condition: =5"),
    ],
)
def test_bad_search_is_400(
    world: World, api: httpx.Client, agenda: dict[str, int], search: str, message: str
) -> None:
    answer = api.get("/sessions", params={"event_id": world.berlin, "search": search})

    assert answer.status_code == 400
    assert answer.json() == error(400, "Bad Request", message)


def test_sort_and_ids(world: World, api: httpx.Client, agenda: dict[str, int]) -> None:
    params = {"event_id": world.berlin}
    wanted = f"{agenda['Workshop']},{agenda['Lunch']}"
    too_many = ",".join(str(n) for n in range(1, 102))

    assert names(api.get("/sessions", params={**params, "sort": "-capacity"})) == [
        "Opening Keynote",
        "Closing Keynote",
        "Workshop",
        "Lunch",
    ]
    assert names(api.get("/sessions", params={**params, "sort": "name"}))[0] == "Closing Keynote"
    assert names(api.get("/sessions", params={**params, "ids": wanted})) == ["Workshop", "Lunch"]
    assert api.get("/sessions", params={**params, "ids": too_many}).status_code == 400


# -- speakers and their sessions --------------------------------------------------------------


@pytest.fixture
def speaker(world: World, api: httpx.Client) -> dict[str, Any]:
    return create(api, "speakers", event_id=world.berlin, first_name="Ada", last_name="Lovelace")


def link(api: httpx.Client, speaker_id: int, session_ids: list[int]) -> httpx.Response:
    return api.post(f"/speakers/{speaker_id}/session.json", json={"session_ids": session_ids})


def test_speakers_get_a_contact_id(world: World, speaker: dict[str, Any]) -> None:
    assert speaker["contact_id"] in world.state.contacts
    assert speaker["contact_id"] != speaker["id"]
    assert speaker["profile_picture"] is None


def test_linking_sessions_adds_and_deduplicates(
    world: World, api: httpx.Client, speaker: dict[str, Any], agenda: dict[str, int]
) -> None:
    one, two, three = agenda["Opening Keynote"], agenda["Workshop"], agenda["Lunch"]

    first = link(api, speaker["id"], [one, one, two])
    second = link(api, speaker["id"], [two, three])

    assert first.status_code == 200
    assert first.json()["first_name"] == "Ada"
    assert [s["id"] for s in first.json()["sessions"]] == [one, two]
    assert [s["id"] for s in second.json()["sessions"]] == [one, two, three]
    assert second.json()["sessions"][0] == world.state.view("sessions", one)
    assert world.state.speaker_session_ids(speaker["id"]) == [one, two, three]


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("other-event", "Session {id} does not belong to the speaker's event."),
        ("unknown", "Session {id} does not exist."),
    ],
)
def test_linking_is_all_or_nothing_within_the_event(
    world: World,
    api: httpx.Client,
    speaker: dict[str, Any],
    agenda: dict[str, int],
    target: str,
    message: str,
) -> None:
    other_event = world.state.find("sessions", event_id=world.new_york)[0]["id"]
    bad = 424242 if target == "unknown" else other_event

    answer = link(api, speaker["id"], [agenda["Workshop"], bad])

    assert answer.status_code == 422
    assert answer.json() == [{"field": "session_ids", "message": message.format(id=bad)}]
    assert world.state.speaker_session_ids(speaker["id"]) == []


def test_unlinking_a_session(
    world: World, api: httpx.Client, speaker: dict[str, Any], agenda: dict[str, int]
) -> None:
    one, two = agenda["Opening Keynote"], agenda["Workshop"]
    link(api, speaker["id"], [one, two])

    removed = api.delete(f"/speakers/{speaker['id']}/sessions/{one}")
    again = api.delete(f"/speakers/{speaker['id']}/sessions/{one}")

    assert removed.status_code == 204
    assert again.status_code == 404
    assert world.state.speaker_session_ids(speaker["id"]) == [two]


def test_expand_relations_between_speakers_and_sessions(
    world: World, api: httpx.Client, speaker: dict[str, Any], agenda: dict[str, int]
) -> None:
    link(api, speaker["id"], [agenda["Workshop"]])

    speakers = api.get("/speakers", params={"event_id": world.berlin, "expand": "sessions"}).json()[
        "items"
    ]
    sessions = api.get(
        "/sessions",
        params={"event_id": world.berlin, "expand": "speakers", "fields": "id", "per-page": 2},
    ).json()["items"]

    assert [s["name"] for s in speakers[0]["sessions"]] == ["Workshop"]
    assert sessions == [
        {"id": agenda["Opening Keynote"], "speakers": []},
        {"id": agenda["Workshop"], "speakers": [world.state.view("speakers", speaker["id"])]},
    ]


def test_deleting_a_session_unlinks_it(
    world: World, api: httpx.Client, speaker: dict[str, Any], agenda: dict[str, int]
) -> None:
    link(api, speaker["id"], [agenda["Workshop"], agenda["Lunch"]])

    assert api.delete(f"/sessions/delete/{agenda['Workshop']}").status_code == 204
    assert world.state.speaker_session_ids(speaker["id"]) == [agenda["Lunch"]]


# -- sponsors and levels ----------------------------------------------------------------------


def level_field(api: httpx.Client, event_id: int) -> dict[str, Any]:
    answer = api.get("/sponsors/fields", params={"event_id": event_id, "fields": "*"})
    found: dict[str, Any] = next(f for f in answer.json()["items"] if f["attribute"] == "level")
    return found


def test_sponsor_levels_are_choices_of_the_level_field(world: World, api: httpx.Client) -> None:
    level = level_field(api, world.berlin)

    added = api.put(f"/sponsors/field/{level['id']}", json={"choices": [{"name": "Diamond"}]})

    assert level["type"] == "dropDownList"
    assert [c["name"] for c in level["choices"]] == ["Gold", "Silver", "Bronze"]
    assert added.status_code == 200
    diamond = added.json()["choices"][-1]
    assert (diamond["name"], diamond["sort"]) == ("Diamond", 3)
    assert api.get(f"/sponsors/field/{level['id']}").json()["choices"] == added.json()["choices"]

    sponsor = create(api, "sponsors", event_id=world.berlin, name="Acme", level=diamond["id"])
    assert sponsor["level"] == {"id": diamond["id"], "value": "Diamond"}
    assert sponsor["logo_id"] is None
    assert api.get(f"/sponsors/{sponsor['id']}").json()["level"] == sponsor["level"]

    removed = api.put(
        f"/sponsors/field/{level['id']}", json={"choices": [{"id": diamond["id"], "delete": True}]}
    )
    assert [c["name"] for c in removed.json()["choices"]] == ["Gold", "Silver", "Bronze"]
    assert api.get(f"/sponsors/{sponsor['id']}").json()["level"] is None


@pytest.mark.parametrize("which", ["unknown", "other-event"])
def test_sponsor_level_must_be_a_choice_of_the_event(
    world: World, api: httpx.Client, which: str
) -> None:
    other_gold = level_field(api, world.new_york)["choices"][0]["id"]
    level = 424242 if which == "unknown" else other_gold

    answer = api.post(
        "/sponsors/create", data={"event_id": world.berlin, "name": "Acme", "level": level}
    )

    assert answer.status_code == 422
    assert answer.json() == [{"field": "level", "message": "Level is invalid."}]


def test_sponsor_level_can_change(world: World, api: httpx.Client) -> None:
    gold, silver = (c["id"] for c in level_field(api, world.berlin)["choices"][:2])
    sponsor = create(api, "sponsors", event_id=world.berlin, name="Acme", level=gold)

    answer = api.put(f"/sponsors/update/{sponsor['id']}", data={"level": silver})

    assert answer.json()["level"] == {"id": silver, "value": "Silver"}


# -- images -----------------------------------------------------------------------------------


def upload(api: httpx.Client, path: str, filename: str, data: bytes) -> httpx.Response:
    return api.put(path, files={"file": (filename, data, "application/octet-stream")})


@pytest.mark.parametrize(
    ("limit", "size", "accepted", "shown"),
    [
        (None, MIB, True, "1 MiB"),
        (None, MIB + 1, False, "1 MiB"),
        (2048, 2048, True, "2 KiB"),
        (2048, 2049, False, "2 KiB"),
    ],
)
def test_headshot_size_limit(
    world: World,
    api: httpx.Client,
    speaker: dict[str, Any],
    limit: int | None,
    size: int,
    accepted: bool,
    shown: str,
) -> None:
    if limit is not None:
        world.sim.knobs.image_max_bytes = limit
    contact = speaker["contact_id"]
    path = f"/image/contact/{contact}/profile_picture"

    answer = upload(api, path, "head.png", PNG + b"\0" * (size - len(PNG)))

    stored = api.get(f"/speakers/{speaker['id']}").json()["profile_picture"]
    if accepted:
        body = answer.json()
        assert answer.status_code == 200
        assert body == {
            "message": "File Uploaded Successfully",
            "status": 200,
            "type": "contact",
            "id": str(contact),
            "field": "profile_picture",
            "url": body["url"],
        }
        assert body["url"].startswith("https://assets.swoogo.test/uploads/")
        assert stored == body["url"]
        assert api.get(path).json()["url"] == body["url"]
        assert world.state.images["contact", contact, "profile_picture"].size == size
    else:
        assert answer.status_code == 422
        message = f'The file "head.png" is too big. Its size cannot exceed {shown}.'
        assert answer.json() == [{"field": "file", "message": message}]
        assert stored is None


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        (
            "head.bmp",
            PNG,
            "Only files with these extensions are allowed: jpg, jpeg, gif, png, webp, svg.",
        ),
        ("head.jpg", PNG, 'The file "head.jpg" is not an image.'),
        ("head.png", b"not an image", 'The file "head.png" is not an image.'),
    ],
)
def test_images_must_be_images_with_allowed_extensions(
    api: httpx.Client, speaker: dict[str, Any], filename: str, data: bytes, message: str
) -> None:
    path = f"/image/contact/{speaker['contact_id']}/profile_picture"

    answer = upload(api, path, filename, data)

    assert answer.status_code == 422
    assert answer.json() == [{"field": "file", "message": message}]


def test_image_targets(world: World, api: httpx.Client, speaker: dict[str, Any]) -> None:
    sponsor = create(api, "sponsors", event_id=world.berlin, name="Acme")

    logo = upload(api, f"/image/sponsor/{sponsor['id']}/logo", "logo.png", PNG)
    by_speaker_id = upload(api, f"/image/contact/{speaker['id']}/profile_picture", "a.png", PNG)
    no_file = api.put(f"/image/contact/{speaker['contact_id']}/profile_picture", data={"x": "1"})

    assert logo.status_code == 200
    assert api.get(f"/sponsors/{sponsor['id']}").json()["logo_id"] == logo.json()["url"]
    assert by_speaker_id.status_code == 404  # a speaker id is not a contact id
    assert no_file.json() == [{"field": "file", "message": "Please upload a file."}]


# -- deletes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "entity",
    ["sessions", "speakers", "sponsors"],
)
@pytest.mark.parametrize(
    ("update", "delete"),
    [("/{entity}/update/{id}", "/{entity}/delete/{id}"), ("/{entity}/{id}", "/{entity}/{id}")],
    ids=["verb-paths", "rest-paths"],
)
def test_a_deleted_record_is_404_everywhere(
    world: World, api: httpx.Client, entity: str, update: str, delete: str
) -> None:
    row_id = seed_one_of_each(world)[entity]
    paths = {"entity": entity, "id": row_id}

    deleted = api.delete(delete.format(**paths))
    updated = api.put(update.format(**paths), data={"name": "Again"})

    assert (deleted.status_code, deleted.content) == (204, b"")
    assert updated.status_code == 404
    assert updated.json() == error(404, "Not Found", f"Object not found: {row_id}")
    assert api.delete(delete.format(**paths)).status_code == 404
    assert api.get(f"/{entity}/{row_id}").status_code == 404


@pytest.mark.parametrize("via", ["python", "http"])
def test_admin_delete_is_like_deleting_in_the_swoogo_ui(
    world: World,
    api: httpx.Client,
    admin: httpx.Client,
    speaker: dict[str, Any],
    agenda: dict[str, int],
    via: str,
) -> None:
    workshop = agenda["Workshop"]
    link(api, speaker["id"], [workshop])
    spent = world.sim.stats.credits_spent[KEY]

    if via == "python":
        world.state.admin_delete("sessions", workshop)
    else:
        assert admin.delete(f"/delete/sessions/{workshop}").status_code == 204

    assert world.sim.stats.credits_spent[KEY] == spent
    assert api.get(f"/sessions/{workshop}").status_code == 404
    assert api.put(f"/sessions/update/{workshop}", data={"name": "Back"}).status_code == 404
    assert world.state.speaker_session_ids(speaker["id"]) == []


def test_admin_delete_of_a_location_clears_it_from_sessions(
    world: World, api: httpx.Client
) -> None:
    hall = create(api, "locations", event_id=world.berlin, name="Hall")
    session = create(api, "sessions", event_id=world.berlin, name="T", location_id=hall["id"])

    world.state.admin_delete("location", hall["id"])

    assert api.get(f"/sessions/{session['id']}").json()["location_id"] is None


# -- faults -----------------------------------------------------------------------------------


@pytest.mark.parametrize("via", ["python", "http"])
def test_5xx_for_the_next_calls(
    world: World, api: httpx.Client, admin: httpx.Client, via: str
) -> None:
    if via == "python":
        world.sim.faults.fail_next(2, status=503, match="GET /events")
    else:
        rule = {"kind": "error", "count": 2, "status": 503, "match": "GET /events"}
        assert admin.post("/faults", json=rule).status_code == 201

    other = api.get(f"/events/{world.berlin}")
    answers = [api.get("/events") for _ in range(3)]

    assert other.status_code == 200
    assert [a.status_code for a in answers] == [503, 503, 200]
    assert answers[0].json() == error(
        503, "Service Unavailable", "The service is temporarily unavailable."
    )
    assert answers[0].headers["X-Rate-Limit-Remaining"] == str(2000 - 1 - 1)
    assert world.sim.stats.faults == {"error": 2}
    assert world.sim.stats.credits_spent[KEY] == 1 + 1 + 10  # injected 5xx cost nothing


def test_random_5xx_follow_the_seeded_rng(world: World, api: httpx.Client) -> None:
    world.sim.faults.clear(seed=7)
    world.sim.faults.fail_randomly(0.5, match="GET /events/*")
    rng = random.Random(7)
    expected = [503 if rng.random() < 0.5 else 200 for _ in range(20)]

    got = [api.get(f"/events/{world.berlin}").status_code for _ in range(20)]

    assert got == expected
    assert {200, 503} <= set(got)


def test_timeout_hangs_and_does_nothing(world: World, api: httpx.Client) -> None:
    world.sim.faults.hang_next(seconds=1.0, match="POST /sessions/*")
    data = {"event_id": world.berlin, "name": "Slow"}

    with pytest.raises(httpx.ReadTimeout):
        api.post("/sessions/create", data=data, timeout=0.1)

    assert world.state.sessions == {}
    assert api.post("/sessions/create", data=data).status_code == 201


def test_a_short_hang_answers_504(world: World, api: httpx.Client) -> None:
    world.sim.faults.hang_next(seconds=0.05, match="GET /events")

    answer = api.get("/events")

    assert answer.status_code == 504
    assert answer.json()["name"] == "Gateway Timeout"


@pytest.mark.parametrize(
    ("hang", "failure"),
    [(0.0, httpx.RemoteProtocolError), (1.0, httpx.ReadTimeout)],
    ids=["dropped", "hung"],
)
def test_lost_answer_the_write_lands_but_the_answer_never_comes(
    world: World, api: httpx.Client, hang: float, failure: type[httpx.TransportError]
) -> None:
    world.sim.faults.lose_next(seconds=hang, match="POST /sessions/create")

    with pytest.raises(failure):
        api.post("/sessions/create", data={"event_id": world.berlin, "name": "Lost"}, timeout=0.2)

    landed = world.state.find("sessions", name="Lost")
    assert len(landed) == 1
    assert world.sim.stats.faults == {"lost": 1}
    assert world.sim.stats.credits_spent[KEY] == 1 + 1
    assert api.get(f"/sessions/{landed[0]['id']}").json()["name"] == "Lost"


def test_latency_knob(world: World, api: httpx.Client) -> None:
    world.sim.knobs.latency_ms = 150
    started = time.perf_counter()

    api.get(f"/events/{world.berlin}")

    assert time.perf_counter() - started >= 0.15


def test_admin_api_knobs_and_state(world: World, api: httpx.Client, admin: httpx.Client) -> None:
    create(api, "tracks", event_id=world.berlin, name="AI")

    changed = admin.patch("/knobs", json={"budget": 50, "window_seconds": 10})
    unknown = admin.patch("/knobs", json={"nope": 1})
    state = admin.get("/state").json()

    assert changed.json()["budget"] == 50
    assert unknown.status_code == 400
    assert api.get(f"/events/{world.berlin}").headers["X-Rate-Limit-Limit"] == "50"
    assert [t["name"] for t in state["tracks"]] == ["AI"]
    assert state["stats"]["calls"]["POST /tracks/create"] == 1
    assert admin.get("/stats").json()["credits_spent"] == {KEY: 1 + 1 + 1}


def test_a_snapshot_restores_the_same_partner_through_json(
    world: World, api: httpx.Client, speaker: dict[str, Any]
) -> None:
    upload(api, f"/image/contact/{speaker['contact_id']}/profile_picture", "a.png", PNG)
    snapshot = json.loads(json.dumps(world.state.snapshot()))

    restored = SwoogoState.restore(snapshot)

    assert restored.snapshot() == snapshot
    assert restored.dump()["speakers"] == world.state.dump()["speakers"]
    assert restored.images == world.state.images
    assert restored.has_credentials(KEY)
    world.sim.reset(restored)  # the same token still answers, the next id follows on
    assert api.get(f"/speakers/{speaker['id']}").status_code == 200
    assert (
        create(api, "speakers", event_id=speaker["event_id"], first_name="B", last_name="C")["id"]
        == speaker["id"] + 1
    )
