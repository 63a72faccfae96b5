"""Partners, integrations and mappings through the API, against the Swoogo simulator:
credentials checked at once and never shown again, mappings once per side, continuous sync,
and no organisation reaching another's."""

from __future__ import annotations

from sqlalchemy import select

from agendasync.store import tables as t
from conftest import Api, problem

SECRET = "api-secret-987654"


async def test_partners_are_described_by_their_declaration(api: Api) -> None:
    answer = await api.client.get("/api/partners", headers=api.acme.read)
    swoogo = next(p for p in answer.json() if p["name"] == "swoogo")
    assert swoogo["title"] == "Swoogo"
    assert [f["name"] for f in swoogo["credential_fields"]] == ["key", "secret"]
    assert swoogo["actions"] == ["content", "sponsors"]


async def test_connect_checks_the_credentials_and_shows_them_masked_only_r_int_4(api: Api) -> None:
    headers = await api.admin(api.acme)
    wrong = await api.client.post(
        "/api/orgs/acme/integrations",
        json={
            "partner": "swoogo",
            "credentials": {"key": "api-key-123456", "secret": "wrong-secret"},
            "base_url": api.swoogo_url,
        },
        headers=headers,
    )
    assert wrong.status_code == 422
    assert wrong.json()["error"] == "partner_refused"
    field, message = problem(wrong)
    assert field == "credentials"
    assert message.startswith("Swoogo refused the credentials")
    assert "wrong-secret" not in wrong.text

    await api.connect_swoogo(api.acme)
    for path in ("/api/orgs/acme/integrations", "/api/orgs/acme/integrations/swoogo"):
        answer = await api.client.get(path, headers=api.acme.read)
        assert answer.status_code == 200
        assert SECRET not in answer.text
        assert "api-key-123456" not in answer.text
        assert "Consumer secret ••••7654" in answer.text
    with api.store.transaction() as connection:
        stored = connection.execute(select(t.integrations.c.credentials)).scalar_one()
    assert SECRET not in stored  # encrypted at rest (R-INT-4)

    again = await api.client.post(
        "/api/orgs/acme/integrations",
        json={
            "partner": "swoogo",
            "credentials": {"key": "api-key-123456", "secret": SECRET},
            "base_url": api.swoogo_url,
        },
        headers=headers,
    )
    assert again.status_code == 409  # one set of credentials per partner (R-INT-1)
    assert "already connected" in problem(again)[1]


async def test_connect_refuses_unknown_partners_and_missing_fields_r_int_2(api: Api) -> None:
    headers = await api.admin(api.acme)
    unknown = await api.client.post(
        "/api/orgs/acme/integrations",
        json={"partner": "myspace", "credentials": {}},
        headers=headers,
    )
    assert unknown.status_code == 422
    assert problem(unknown)[0] == "partner"
    missing = await api.client.post(
        "/api/orgs/acme/integrations",
        json={"partner": "swoogo", "credentials": {"key": "k"}},
        headers=headers,
    )
    assert missing.status_code == 422
    assert problem(missing) == ("credentials", "Consumer secret is required to connect Swoogo")


async def test_only_admins_connect_and_disconnect(api: Api) -> None:
    body = {"partner": "swoogo", "credentials": {"key": "k", "secret": "s"}}
    for headers in (api.acme.read, api.acme.write):
        answer = await api.client.post("/api/orgs/acme/integrations", json=body, headers=headers)
        assert answer.status_code == 403
    await api.connect_swoogo(api.acme)
    refused = await api.client.delete("/api/orgs/acme/integrations/swoogo", headers=api.acme.write)
    assert refused.status_code == 403


async def test_map_list_switch_and_remove_keeping_the_integration_r_map_5(api: Api) -> None:
    mapping = await api.map_swoogo(api.acme)
    assert mapping | {"id": None, "created_at": None} == {
        "id": None,
        "created_at": None,
        "partner": "swoogo",
        "event": "acme-conf",
        "partner_event_id": str(api.partner_event),
        "partner_event_name": "Conf on Swoogo",
        "params": {},
        "continuous": False,
    }
    events = await api.client.get(
        "/api/orgs/acme/integrations/swoogo/events", headers=api.acme.read
    )
    assert [e["name"] for e in events.json()] == ["Conf on Swoogo"]

    switched = await api.client.patch(
        f"/api/orgs/acme/mappings/{mapping['id']}",
        json={"continuous": True},
        headers=api.acme.write,
    )
    assert switched.json()["continuous"] is True
    listed = await api.client.get("/api/orgs/acme/mappings", headers=api.acme.read)
    assert [m["id"] for m in listed.json()] == [mapping["id"]]
    of_event = await api.client.get("/api/events/acme-conf/mappings", headers=api.acme.read)
    assert [m["partner"] for m in of_event.json()] == ["swoogo"]

    removed = await api.client.delete(
        f"/api/orgs/acme/mappings/{mapping['id']}", headers=api.acme.write
    )
    assert removed.status_code == 204
    assert (await api.client.get("/api/orgs/acme/mappings", headers=api.acme.read)).json() == []
    still = await api.client.get("/api/orgs/acme/integrations", headers=api.acme.read)
    assert [i["partner"] for i in still.json()] == ["swoogo"]  # R-MAP-5


async def test_each_side_is_mapped_once_and_only_real_partner_events_r_map_2(api: Api) -> None:
    await api.map_swoogo(api.acme)
    body = {"partner": "swoogo", "event": "acme-conf", "partner_event_id": str(api.partner_event)}
    twice = await api.client.post("/api/orgs/acme/mappings", json=body, headers=api.acme.write)
    assert twice.status_code == 409
    assert "already mapped" in problem(twice)[1]
    made_up = await api.client.post(
        "/api/orgs/acme/mappings",
        json=body | {"partner_event_id": "999999"},
        headers=api.acme.write,
    )
    assert made_up.status_code == 422
    assert problem(made_up) == (
        "partner_event_id",
        "Swoogo has no event 999999 for these credentials",
    )


async def test_disconnect_removes_the_mappings_r_int_5(api: Api) -> None:
    await api.map_swoogo(api.acme)
    headers = await api.admin(api.acme)
    answer = await api.client.delete("/api/orgs/acme/integrations/swoogo", headers=headers)
    assert answer.json() == {"removed_mappings": 1}
    assert (await api.client.get("/api/orgs/acme/mappings", headers=api.acme.read)).json() == []
    gone = await api.client.get("/api/orgs/acme/integrations/swoogo", headers=api.acme.read)
    assert gone.status_code == 404


async def test_another_organisations_integrations_and_mappings_are_out_of_reach(api: Api) -> None:
    mapping = await api.map_swoogo(api.rival)
    for method, path, body in [
        ("GET", "/api/orgs/rival/integrations/swoogo", None),
        ("GET", "/api/orgs/rival/integrations/swoogo/events", None),
        ("DELETE", "/api/orgs/rival/integrations/swoogo", None),
        ("PATCH", f"/api/orgs/rival/mappings/{mapping['id']}", {"continuous": True}),
        ("DELETE", f"/api/orgs/rival/mappings/{mapping['id']}", None),
        # Their mapping through our organisation's path: still not ours.
        ("PATCH", f"/api/orgs/acme/mappings/{mapping['id']}", {"continuous": True}),
        ("DELETE", f"/api/orgs/acme/mappings/{mapping['id']}", None),
    ]:
        answer = await api.client.request(method, path, json=body, headers=api.acme.write)
        assert answer.status_code == 404, (method, path, answer.text)
    # Nor can our organisation map their event, even with our own integration.
    await api.connect_swoogo(api.acme)
    theirs = await api.client.post(
        "/api/orgs/acme/mappings",
        json={"partner": "swoogo", "event": api.rival.event, "partner_event_id": "1"},
        headers=api.acme.write,
    )
    assert theirs.status_code == 422
    assert problem(theirs) == ("event", "no event 'rival-conf' in this organisation")
    listed = await api.client.get("/api/orgs/rival/mappings", headers=api.rival.read)
    assert [m["continuous"] for m in listed.json()] == [False]
