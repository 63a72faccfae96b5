"""The ExpoPlatform simulator's documented behaviour over real HTTP, with a plain httpx client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from agendasync.partners.expoplatform.simulator import ExpoPlatformSimulator

KEY = "sim-key"


@pytest.fixture
async def api(
    expo_server: tuple[ExpoPlatformSimulator, str],
) -> AsyncIterator[tuple[httpx.AsyncClient, ExpoPlatformSimulator, int]]:
    sim, url = expo_server
    state = sim.reset()
    state.add_key(KEY)
    event = state.add_event("Expo", timezone="Europe/Berlin", start_date="2030-05-01")
    headers = {"Authorization": f"Basic {KEY}"}
    async with httpx.AsyncClient(base_url=f"{url}/api/v2", headers=headers, timeout=5) as http:
        yield http, sim, event


Api = tuple[httpx.AsyncClient, ExpoPlatformSimulator, int]


async def _type(http: httpx.AsyncClient, event: int, name: str = "Talk") -> int:
    answer = await http.post("/session/setType", data={"event_id": event, "name": name})
    return int(answer.json()["data"]["id"])


def _session(event: int, type_id: int, **extra: Any) -> dict[str, Any]:
    return {
        "event_id": event,
        "name": "Opening",
        "date": "2030-05-01",
        "startTime": "09:00",
        "endTime": "10:00",
        "type": type_id,
        "language": 1,
        **extra,
    }


def _error(answer: httpx.Response) -> tuple[int, int, str]:
    body = answer.json()
    return answer.status_code, body["code"], body["errors"][0]["message"]


async def test_wrong_key_is_401_and_basic_or_bare_key_are_accepted(api: Api) -> None:
    http, _, _ = api
    wrong = await http.get("/event/getList", headers={"Authorization": "Basic nope"})
    assert _error(wrong) == (401, 401, "Invalid or expired API key")
    bare = await http.get("/event/getList", headers={"Authorization": KEY})
    assert bare.status_code == 200


async def test_events_carry_their_time_zone(api: Api) -> None:
    http, _, event = api
    listed = (await http.get("/event/getList")).json()
    assert listed["code"] == 200
    assert listed["errors"] == []
    assert [(e["id"], e["timezone"], e["utc_offset"]) for e in listed["data"]] == [
        (event, "Europe/Berlin", "+02:00")
    ]
    one = await http.get("/event/get", params={"event_id": event})
    assert one.json()["data"]["start_date"] == "2030-05-01"
    missing = await http.get("/event/get", params={"event_id": 9999})
    assert _error(missing) == (404, 404, "Event not found: 9999")


async def test_languages_have_english_names_and_english_always(api: Api) -> None:
    http, sim, event = api
    sim.state.set_languages(["German"])
    answer = await http.get("/session/getLanguages", params={"event_id": event})
    assert [row["name"] for row in answer.json()["data"]] == ["English", "German"]


async def test_json_body_is_not_read(api: Api) -> None:
    http, _, event = api
    answer = await http.post("/account/set", json={"event_id": event, "email": "a@b.example"})
    assert _error(answer) == (400, 400, "Missing required parameter: event_id")


async def test_setter_creates_then_updates_partially(api: Api) -> None:
    http, sim, event = api
    form = {"event_id": event, "external_id": "u-1", "email": "ada@example.com"}
    created = await http.post("/account/set", data={**form, "first_name": "Ada", "last_name": "L"})
    data = created.json()["data"]
    assert (data["status"], data["errors"]) == ("CREATE", [])
    updated = await http.post(
        "/account/set", data={"event_id": event, "id": data["id"], "company": "Acme"}
    )
    assert updated.json()["data"] == {"id": data["id"], "status": "UPDATE", "errors": []}
    [row] = sim.state.records(event, "accounts")
    assert (row["first_name"], row["company"], row["external_id"]) == ("Ada", "Acme", "u-1")


async def test_unknown_parameter_is_a_non_fatal_error_inside_a_200(api: Api) -> None:
    http, sim, event = api
    answer = await http.post(
        "/account/set",
        data={
            "event_id": event,
            "email": "a@x.example",
            "first_name": "A",
            "last_name": "B",
            "shoe_size": "42",
        },
    )
    assert answer.status_code == 200
    assert answer.json()["data"]["errors"] == [
        {
            "field": "shoe_size",
            "message": "Unknown parameter: shoe_size",
            "type": "warning",
            "code": 400,
        }
    ]
    assert "shoe_size" not in sim.state.records(event, "accounts")[0]


async def test_missing_required_parameter_is_400(api: Api) -> None:
    http, _, event = api
    answer = await http.post("/account/set", data={"event_id": event, "email": "a@x.example"})
    assert _error(answer) == (400, 400, "Missing required parameter: first_name")


async def test_setter_looks_up_by_external_id_then_email_and_creates_on_a_miss(api: Api) -> None:
    http, sim, event = api
    person = {"first_name": "A", "last_name": "B"}
    first = await http.post(
        "/account/set", data={"event_id": event, "email": "Ann@x.example", **person}
    )
    by_email = await http.post(
        "/account/set", data={"event_id": event, "email": "ann@X.example", "company": "Acme"}
    )
    assert by_email.json()["data"]["id"] == first.json()["data"]["id"]
    assert by_email.json()["data"]["status"] == "UPDATE"
    other = await http.post(
        "/account/set",
        data={"event_id": event, "external_id": "u-2", "email": "bo@x.example", **person},
    )
    assert other.json()["data"]["status"] == "CREATE"
    assert len(sim.state.records(event, "accounts")) == 2


async def test_duplicate_email_is_refused_case_insensitively_r_spk_1(api: Api) -> None:
    http, sim, event = api
    sim.state.add_contact(event, "Ann@x.example", "Ann", "UI")
    answer = await http.post(
        "/account/set",
        data={
            "event_id": event,
            "external_id": "ours",
            "email": "ann@x.example",
            "first_name": "Ann",
            "last_name": "Hub",
        },
    )
    assert _error(answer) == (400, 400, "Duplicate email: ann@x.example")
    exists = await http.get("/account/exists", params={"event_id": event, "email": "ANN@x.example"})
    assert exists.json()["data"]["exists"] is True


async def test_unknown_id_on_a_setter_is_404_and_creates_nothing(api: Api) -> None:
    http, sim, event = api
    type_id = await _type(http, event)
    answer = await http.post("/session/set", data=_session(event, type_id, id=424242))
    assert _error(answer) == (404, 404, "Session not found: 424242")
    assert sim.state.records(event, "sessions") == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("track", "777", "Track not found: 777"),
        ("hall", "777", "Hall not found: 777"),
        ("language", "777", "Language not found: 777"),
        ("type", "777", "Type not found: 777"),
    ],
)
async def test_unknown_reference_is_404(api: Api, field: str, value: str, message: str) -> None:
    http, _, event = api
    type_id = await _type(http, event)
    answer = await http.post("/session/set", data={**_session(event, type_id), field: value})
    assert _error(answer) == (404, 404, message)


async def test_session_lists_use_brackets_and_a_list_replaces(api: Api) -> None:
    http, sim, event = api
    type_id = await _type(http, event)
    people = {"first_name": "A", "last_name": "B"}
    ids = [
        (await http.post("/account/set", data={"event_id": event, "email": e, **people})).json()[
            "data"
        ]["id"]
        for e in ("a@x.example", "b@x.example")
    ]
    form = {**_session(event, type_id), "speakers[]": ids}
    created = (await http.post("/session/set", data=form)).json()
    session_id = created["data"]["id"]
    bare = await http.post(
        "/session/set", data={"event_id": event, "id": session_id, "speakers": ids[0]}
    )
    assert bare.json()["data"]["errors"][0]["message"] == "Unknown parameter: speakers"
    await http.post(
        "/session/set", data={"event_id": event, "id": session_id, "speakers[]": [ids[1]]}
    )
    [row] = sim.state.records(event, "sessions")
    assert row["speakers"] == [ids[1]]
    listed = await http.get(f"/speakers/{event}/list")
    assert [r["id"] for r in listed.json()["data"]["list"]] == [ids[1]]


async def test_session_end_must_be_after_start(api: Api) -> None:
    http, _, event = api
    type_id = await _type(http, event)
    answer = await http.post("/session/set", data=_session(event, type_id, endTime="08:00"))
    assert _error(answer) == (400, 400, "endTime must be after startTime")


async def test_duplicate_taxonomy_name_is_400(api: Api) -> None:
    http, _, event = api
    await _type(http, event, "Talk")
    again = await http.post("/session/setType", data={"event_id": event, "name": "talk"})
    assert _error(again) == (400, 400, "Duplicate name: talk")


async def test_getter_with_unknown_filter_is_invalid_filter(api: Api) -> None:
    http, _, event = api
    answer = await http.get("/session/getTracks", params={"event_id": event, "name": "x"})
    assert _error(answer) == (400, 400, "Invalid Filter: name")


async def test_unknown_path_is_invalid_endpoint(api: Api) -> None:
    http, _, _ = api
    assert _error(await http.get("/session/fly")) == (404, 404, "Invalid endpoint")
    assert _error(await http.get("/session/set")) == (404, 404, "Invalid endpoint")


async def test_lists_page_at_most_100_and_filter_by_timestamp(api: Api) -> None:
    http, sim, event = api
    for n in range(5):
        sim.state.add_contact(event, f"p{n}@x.example", "P", str(n))
    page = (await http.get(f"/participants/{event}/list", params={"limit": 2, "page": 3})).json()
    assert {k: page["data"][k] for k in ("total", "page", "pages", "limit")} == {
        "total": 5,
        "page": 3,
        "pages": 3,
        "limit": 2,
    }
    assert len(page["data"]["list"]) == 1
    since = page["data"]["timestamp"]
    sim.state.add_contact(event, "late@x.example", "L", "Late")
    delta = await http.get(f"/participants/{event}/list", params={"timestamp": since})
    assert [r["email"] for r in delta.json()["data"]["list"]] == ["late@x.example"]
    too_many = await http.get(f"/participants/{event}/list", params={"limit": 101})
    assert _error(too_many)[:2] == (400, 400)


async def test_budget_exceeded_is_429_with_retry_after(api: Api) -> None:
    http, sim, _ = api
    sim.knobs.update(rate_limit=2, window_s=30)
    statuses = [(await http.get("/event/getList")).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = await http.get("/event/getList")
    assert refused.headers["Retry-After"] in {"29", "30"}


async def test_error_inside_a_200_when_the_platform_does_so(api: Api) -> None:
    http, sim, event = api
    sim.knobs.update(errors_in_200=True)
    answer = await http.post("/account/set", data={"event_id": event, "id": 1})
    assert (answer.status_code, answer.json()["code"]) == (200, 404)


async def test_a_500_after_the_write_still_stores_it(api: Api) -> None:
    http, sim, event = api
    sim.faults.fail_after_next(match="POST /account/set")
    answer = await http.post(
        "/account/set",
        data={"event_id": event, "email": "a@x.example", "first_name": "A", "last_name": "B"},
    )
    assert (answer.status_code, answer.json()["code"]) == (500, 500)
    assert len(sim.state.records(event, "accounts")) == 1


async def test_deleting_an_account_takes_it_off_sessions(api: Api) -> None:
    http, sim, event = api
    type_id = await _type(http, event)
    contact = sim.state.add_contact(event, "a@x.example", "A", "B")
    await http.post("/session/set", data={**_session(event, type_id), "moderators[]": contact})
    deleted = await http.post("/account/delete", data={"event_id": event, "id": contact})
    assert deleted.json()["data"] == {"id": contact, "status": "DELETE"}
    assert sim.state.records(event, "sessions")[0]["moderators"] == []
    again = await http.post("/account/delete", data={"event_id": event, "id": contact})
    assert _error(again)[:2] == (404, 404)
