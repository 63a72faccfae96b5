"""The Gleanin simulator keeps the contract of the README's "Gleanin decisions" over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from agendasync.partners.gleanin.simulator import API_PREFIX, MEDIA_TYPE, GleaninSimulator
from agendasync.partners.gleanin.simulator_state import GleaninState
from agendasync.simulators.server import serve_in_thread


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[GleaninSimulator, str]]:
    simulator = GleaninSimulator()
    with serve_in_thread(simulator) as url:
        yield simulator, url


@pytest.fixture
def state(served: tuple[GleaninSimulator, str]) -> GleaninState:
    state = served[0].reset()
    state.add_token("t")
    return state


@pytest.fixture
def event(state: GleaninState) -> int:
    return state.add_event("Conf", time_zone="Europe/Berlin")


@pytest.fixture
def api(served: tuple[GleaninSimulator, str], state: GleaninState) -> Iterator[httpx.Client]:
    headers = {"Authorization": "Bearer t", "Content-Type": MEDIA_TYPE}
    with httpx.Client(base_url=served[1] + API_PREFIX, headers=headers) as client:
        yield client


def doc(kind: str, **attributes: Any) -> dict[str, Any]:
    return {"data": {"type": kind, "attributes": attributes}}


def error(answer: httpx.Response) -> tuple[int, str, str]:
    first = answer.json()["errors"][0]
    return answer.status_code, first["code"], first["detail"]


def speaker(api: httpx.Client, event: int, **attributes: Any) -> dict[str, Any]:
    values = {"event_id": event, "name": "Ada Lovelace", "external_idx": "a"} | attributes
    answer = api.post("/speakers", json=doc("speakers", **values))
    assert answer.status_code == 201, answer.text
    return dict(answer.json()["data"])


def test_answers_are_json_api_and_need_a_bearer_token(api: httpx.Client, event: int) -> None:
    answer = api.get("/events")
    assert answer.headers["content-type"] == MEDIA_TYPE
    assert answer.json()["data"][0]["attributes"]["time_zone"] == "Europe/Berlin"
    refused = api.get("/events", headers={"Authorization": "Bearer wrong"})
    assert error(refused)[:2] == (401, "unauthorized")
    assert refused.headers["www-authenticate"].startswith("Bearer")


def test_events_filter_by_state_and_archived_events_take_no_writes(
    api: httpx.Client, state: GleaninState, event: int
) -> None:
    archived = state.add_event("Old", state="archived")
    active = api.get("/events", params={"filter[state]": "active"}).json()["data"]
    assert [e["id"] for e in active] == [str(event)]
    answer = api.post("/speakers", json=doc("speakers", event_id=archived, name="A"))
    assert error(answer)[:2] == (422, "event_archived")


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            {"data": {"type": "speakers", "id": "9", "attributes": {"name": "A"}}},
            (403, "forbidden"),
        ),
        (doc("sessions", name="A"), (400, "bad_request")),
        (doc("speakers", name="A", nickname="x"), (400, "param_not_allowed")),
        (doc("speakers", name="A", session_count=2), (400, "param_not_allowed")),
        (doc("speakers", name=""), (422, "blank")),
        (doc("speakers", name="A", email="not an email"), (422, "invalid")),
    ],
)
def test_creates_are_strict(
    api: httpx.Client, event: int, document: dict[str, Any], expected: tuple[int, str]
) -> None:
    document["data"]["attributes"].setdefault("event_id", event)
    assert error(api.post("/speakers", json=document))[:2] == expected


def test_updates_need_the_urls_id_and_keep_the_event(api: httpx.Client, event: int) -> None:
    made = speaker(api, event)
    path = f"/speakers/{made['id']}"
    body = doc("speakers", job_title="CTO")
    assert error(api.patch(path, json=body))[:2] == (400, "bad_request")
    body["data"]["id"] = "999"
    assert error(api.patch(path, json=body))[:2] == (409, "conflict")
    body["data"]["id"] = made["id"]
    assert api.patch(path, json=body).json()["data"]["attributes"]["job_title"] == "CTO"
    moved = doc("speakers", event_id=event)
    moved["data"]["id"] = made["id"]
    assert error(api.patch(path, json=moved))[:2] == (400, "param_not_allowed")


def test_unknown_query_parameters_and_big_pages_are_refused(api: httpx.Client, event: int) -> None:
    assert error(api.get("/speakers", params={"event_id": event}))[:2] == (400, "param_not_allowed")
    assert error(api.get("/speakers", params={"filter[colour]": "x"}))[:2] == (
        400,
        "param_not_allowed",
    )
    assert error(api.get("/speakers", params={"page[size]": 101}))[:2] == (400, "bad_request")
    assert error(api.get("/speakers", params={"include": "images"}))[:2] == (400, "bad_request")


def test_other_body_types_are_415(api: httpx.Client, event: int) -> None:
    answer = api.post(
        "/speakers",
        content=b"{}",
        headers={"Content-Type": f"{MEDIA_TYPE}; charset=utf-8"},
    )
    assert answer.status_code == 415
    plain = doc("speakers", event_id=event, name="A")
    assert (
        api.post("/speakers", json=plain, headers={"Content-Type": "application/json"}).status_code
        == 201
    )


def test_lists_page_with_links_next_and_meta_total(api: httpx.Client, event: int) -> None:
    for n in range(5):
        speaker(api, event, external_idx=f"s{n}", email=f"s{n}@example.com")
    first = api.get("/speakers", params={"filter[event_id]": event, "page[size]": 2}).json()
    assert first["meta"]["total"] == 5
    assert len(first["data"]) == 2
    third = api.get(first["links"]["next"]).json()
    assert [s["attributes"]["external_idx"] for s in third["data"]] == ["s2", "s3"]


def test_external_idx_is_unique_per_type_and_event(api: httpx.Client, event: int) -> None:
    speaker(api, event)
    again = api.post("/speakers", json=doc("speakers", event_id=event, name="B", external_idx="a"))
    assert error(again)[:2] == (409, "conflict")
    session = doc("sessions", event_id=event, title="T", external_idx="a")
    assert api.post("/sessions", json=session).status_code == 201


def test_emails_are_unique_per_event_case_insensitively(
    api: httpx.Client, state: GleaninState, event: int
) -> None:
    speaker(api, event, email="ada@example.com")
    taken = api.post(
        "/speakers",
        json=doc("speakers", event_id=event, name="B", external_idx="b", email="ADA@example.com"),
    )
    assert error(taken) == (422, "taken", "email has already been taken")
    found = api.get("/speakers", params={"filter[email]": "Ada@Example.com"}).json()["data"]
    assert len(found) == 1
    other = state.add_event("Other")
    assert speaker(api, other, email="ada@example.com")["attributes"]["event_id"] == other


def test_sessions_answer_utc_with_milliseconds_and_speakers_replace_the_set(
    api: httpx.Client, event: int
) -> None:
    ada = speaker(api, event, external_idx="a", email="a@example.com")
    bob = speaker(api, event, external_idx="b", email="b@example.com")
    session = doc(
        "sessions",
        event_id=event,
        title="Keynote",
        starts_at="2027-06-10T09:30:00+02:00",
        ends_at="2027-06-10T10:15:00+02:00",
        tracks=["AI"],
    )
    session["data"]["relationships"] = {
        "speakers": {
            "data": [{"type": "speakers", "id": ada["id"]}, {"type": "speakers", "id": bob["id"]}]
        }
    }
    made = api.post("/sessions", json=session).json()["data"]
    assert made["attributes"]["starts_at"] == "2027-06-10T07:30:00.000Z"
    change = {
        "data": {
            "type": "sessions",
            "id": made["id"],
            "relationships": {"speakers": {"data": [{"type": "speakers", "id": bob["id"]}]}},
        }
    }
    changed = api.patch(f"/sessions/{made['id']}", json=change).json()["data"]
    assert changed["relationships"]["speakers"]["data"] == [{"type": "speakers", "id": bob["id"]}]
    assert api.delete(f"/speakers/{bob['id']}").status_code == 204
    after = api.get(f"/sessions/{made['id']}").json()["data"]
    assert after["relationships"]["speakers"]["data"] == []


def test_campaign_links_come_late_when_asked_and_die_with_their_owner(
    api: httpx.Client, state: GleaninState, event: int
) -> None:
    state.knobs.link_delay_reads = 2
    made = api.post(
        "/speakers?include=campaign_links",
        json=doc("speakers", event_id=event, name="A", external_idx="a"),
    ).json()
    assert made["included"] == []
    path = f"/speakers/{made['data']['id']}"
    assert api.get(path, params={"include": "campaign_links"}).json()["included"] == []
    shown = api.get(path, params={"include": "campaign_links"}).json()
    link = shown["included"][0]["attributes"]
    assert link["audience"] == "speakers"
    assert link["owner_external_idx"] == "a"
    assert link["url"].startswith(
        f"https://app.gleanin.test/share/campaigns/{link['campaign_id']}/variants?ref="
    )
    bulk = api.get("/campaign_links", params={"filter[event_id]": event}).json()
    assert [b["attributes"]["url"] for b in bulk["data"]] == [link["url"]]
    api.delete(path)
    assert api.get("/campaign_links", params={"filter[event_id]": event}).json()["data"] == []


def test_deleting_an_exhibitor_deletes_its_team(api: httpx.Client, event: int) -> None:
    exhibitor = api.post("/exhibitors", json=doc("exhibitors", event_id=event, name="Acme")).json()
    number = int(exhibitor["data"]["id"])
    member = api.post(
        "/team_members", json=doc("team_members", exhibitor_id=number, name="Bo", email="bo@x.io")
    ).json()["data"]
    assert member["attributes"]["event_id"] == event
    assert api.delete(f"/exhibitors/{number}").status_code == 204
    assert api.get(f"/team_members/{member['id']}").status_code == 404


def test_faults_come_from_the_shared_kit_with_retry_after_on_429(
    api: httpx.Client, served: tuple[GleaninSimulator, str], event: int
) -> None:
    served[0].faults.fail_next(status=429, match="GET /events")
    throttled = api.get("/events")
    assert throttled.status_code == 429
    assert throttled.headers["retry-after"] == "1"
    served[0].faults.fail_after_next(status=502, match="POST /speakers")
    failed = api.post("/speakers", json=doc("speakers", event_id=event, name="A"))
    assert failed.status_code == 502
    assert len(served[0].state.table("speakers")) == 1  # stored all the same


def test_the_admin_api_makes_events_contacts_and_deletes_without_a_token(
    served: tuple[GleaninSimulator, str], state: GleaninState, api: httpx.Client
) -> None:
    with httpx.Client(base_url=served[1] + "/_sim") as admin:
        made = admin.post("/events", json={"title": "By hand", "time_zone": "Europe/Paris"})
        event = int(made.json()["id"])
        contact = admin.post(
            "/contacts", json={"event_id": event, "name": "Walk In", "email": "w@example.com"}
        ).json()
        assert contact["attributes"]["external_idx"] is None
        assert admin.delete(f"/speakers/{contact['id']}").status_code == 204
        assert admin.delete(f"/speakers/{contact['id']}").status_code == 404
        assert admin.patch("/knobs", json={"link_delay_reads": 3}).json()["link_delay_reads"] == 3
    assert api.get(f"/events/{event}").json()["data"]["attributes"]["time_zone"] == "Europe/Paris"
