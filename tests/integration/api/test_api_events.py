"""Organisations and events through the API: CRUD, pages, filters, import and export, and
nobody reaching another organisation's."""

from __future__ import annotations

from agendasync.sources.demo_data import demo_event
from conftest import IN_A_MONTH, Api, problem

NEW_EVENT = {
    "slug": "summit-27",
    "name": "Summit 2027",
    "timezone": "Europe/Berlin",
    "start_date": "2027-06-01",
    "end_date": "2027-06-02",
}


async def test_organisations_create_rename_delete(api: Api) -> None:
    headers = await api.admin(api.acme)
    created = await api.client.post("/api/orgs", json={"name": "Acme Labs"}, headers=headers)
    assert created.status_code == 201
    assert created.json() | {"id": None} == {
        "id": None,
        "name": "Acme Labs",
        "slug": "acme-labs",
        "access": "admin",
    }
    renamed = await api.client.patch(
        "/api/orgs/acme-labs", json={"name": "Acme Research"}, headers=headers
    )
    assert renamed.json()["name"] == "Acme Research"
    assert renamed.json()["slug"] == "acme-labs"  # URLs keep working
    clash = await api.client.patch("/api/orgs/acme-labs", json={"name": "rival"}, headers=headers)
    assert clash.status_code == 409
    assert (await api.client.delete("/api/orgs/acme-labs", headers=headers)).status_code == 204
    assert (await api.client.get("/api/orgs/acme-labs", headers=headers)).status_code == 404


async def test_tokens_cannot_create_organisations(api: Api) -> None:
    answer = await api.client.post("/api/orgs", json={"name": "Mine"}, headers=api.acme.write)
    assert answer.status_code == 403


async def test_another_organisation_is_not_found(api: Api) -> None:
    for method, path in [
        ("GET", "/api/orgs/rival"),
        ("PATCH", "/api/orgs/rival"),
        ("DELETE", "/api/orgs/rival"),
        ("GET", "/api/orgs/rival/events"),
        ("POST", "/api/orgs/rival/events"),
        ("GET", "/api/orgs/rival/integrations"),
        ("GET", "/api/orgs/rival/mappings"),
        ("GET", f"/api/events/{api.rival.event}"),
        ("PATCH", f"/api/events/{api.rival.event}"),
        ("DELETE", f"/api/events/{api.rival.event}"),
        ("GET", f"/api/events/{api.rival.event}/export"),
        ("GET", f"/api/events/{api.rival.event}/mappings"),
    ]:
        body = {"name": "Taken over"} if method == "PATCH" else NEW_EVENT
        answer = await api.client.request(method, path, json=body, headers=api.acme.write)
        assert answer.status_code == 404, (method, path, answer.text)
        assert answer.json()["error"] == "not_found"
    # The same answer as for what does not exist: nothing is learnt.
    missing = await api.client.get("/api/events/no-such-event", headers=api.acme.read)
    assert missing.json()["message"] == "no event 'no-such-event'"


async def test_events_list_in_pages_with_a_filter(api: Api) -> None:
    for number in range(3):
        body = NEW_EVENT | {"slug": f"meetup-{number}", "name": f"Meetup {number}"}
        created = await api.client.post("/api/orgs/acme/events", json=body, headers=api.acme.write)
        assert created.status_code == 201, created.text

    first = await api.client.get("/api/orgs/acme/events?limit=2", headers=api.acme.read)
    second = await api.client.get("/api/orgs/acme/events?limit=2&offset=2", headers=api.acme.read)
    assert first.json()["total"] == second.json()["total"] == 4
    slugs = [e["slug"] for e in first.json()["items"] + second.json()["items"]]
    assert sorted(slugs) == ["acme-conf", "meetup-0", "meetup-1", "meetup-2"]
    found = await api.client.get("/api/orgs/acme/events?q=MEETUP 1", headers=api.acme.read)
    assert [e["slug"] for e in found.json()["items"]] == ["meetup-1"]


async def test_an_event_is_created_changed_and_deleted(api: Api) -> None:
    created = await api.client.post("/api/orgs/acme/events", json=NEW_EVENT, headers=api.acme.write)
    assert created.status_code == 201
    assert created.json()["org"] == "acme"
    changed = await api.client.patch(
        "/api/events/summit-27",
        json={"name": "Summit", "end_date": "2027-06-03"},
        headers=api.acme.write,
    )
    assert changed.status_code == 200
    assert changed.json() | {"id": None, "created_at": None, "updated_at": None} == NEW_EVENT | {
        "name": "Summit",
        "end_date": "2027-06-03",
        "id": None,
        "org": "acme",
        "created_at": None,
        "updated_at": None,
        "sessionize_endpoint_id": None,
        "sessionize_category_map": {},
        "public_feeds": False,
    }
    assert (
        await api.client.delete("/api/events/summit-27", headers=api.acme.write)
    ).status_code == 204
    assert (await api.client.get("/api/events/summit-27", headers=api.acme.read)).status_code == 404


BAD_EVENTS = [
    ({"timezone": "Mars/Olympus"}, "timezone", "unknown time zone 'Mars/Olympus'"),
    ({"start_date": "2027-13-01"}, "start_date", "Input should be a valid date"),
    ({"slug": "Not A Slug"}, "slug", "String should match pattern"),
    ({"colour": "#fff"}, "colour", "Extra inputs are not permitted"),
]


async def test_a_bad_event_is_refused_naming_the_field(api: Api) -> None:
    for change, field, says in BAD_EVENTS:
        answer = await api.client.post(
            "/api/orgs/acme/events", json=NEW_EVENT | change, headers=api.acme.write
        )
        assert answer.status_code == 422, (change, answer.text)
        got_field, message = problem(answer)
        assert got_field == field, (change, got_field)
        assert says in message, (change, message)


async def test_event_changes_are_checked_whole(api: Api) -> None:
    answer = await api.client.patch(
        f"/api/events/{api.acme.event}", json={"end_date": "2000-01-01"}, headers=api.acme.write
    )
    assert answer.status_code == 422
    assert "end_date must not be before start_date" in problem(answer)[1]
    taken = await api.client.patch(
        f"/api/events/{api.acme.event}", json={"slug": api.rival.event}, headers=api.acme.write
    )
    assert taken.status_code == 409
    assert problem(taken)[0] == "slug"


async def test_import_and_export_the_event_json_format(api: Api) -> None:
    document = demo_event(slug="imported", sessions=3, seed=7, today=IN_A_MONTH)
    body = document.model_dump(mode="json")
    first = await api.client.post("/api/orgs/acme/events/import", json=body, headers=api.acme.write)
    assert first.status_code == 201
    assert first.json()["records"]["sessions"]["created"] == 3
    again = await api.client.post("/api/orgs/acme/events/import", json=body, headers=api.acme.write)
    assert again.status_code == 200
    assert again.json()["records"]["sessions"] == {"created": 0, "updated": 0, "unchanged": 3}

    exported = await api.client.get("/api/events/imported/export", headers=api.acme.read)
    assert exported.json()["format"] == "agendasync.event/1"
    assert len(exported.json()["sessions"]) == 3

    broken = await api.client.post(
        "/api/orgs/acme/events/import",
        json=body | {"sessions": [{"title": "x", "people": [{"speaker": "nobody@x.example"}]}]},
        headers=api.acme.write,
    )
    assert broken.status_code == 422
    assert problem(broken) == (
        "sessions.0.people.0.speaker",
        "no speaker with id or email 'nobody@x.example' in this file",
    )
    # Another organisation's event slug cannot be taken over by an import.
    hijack = body | {"event": body["event"] | {"slug": api.rival.event, "id": None}}
    refused = await api.client.post(
        "/api/orgs/acme/events/import", json=hijack, headers=api.acme.write
    )
    assert refused.status_code == 409
