"""Mapping through the API when there is something to know first: a 409 naming each field and
what to know, and `"confirm": true` to map anyway."""

from __future__ import annotations

from conftest import IN_A_MONTH, Api


async def test_differing_time_zones_answer_409_naming_the_field_until_confirmed_r_map_8(
    api: Api,
) -> None:
    await api.connect_swoogo(api.acme)
    tokyo = api.swoogo.state.add_event(
        "Tokyo on Swoogo", timezone="Asia/Tokyo", start_date=str(IN_A_MONTH)
    )
    body = {"partner": "swoogo", "event": "acme-conf", "partner_event_id": str(tokyo)}

    warned = await api.client.post("/api/orgs/acme/mappings", json=body, headers=api.acme.write)
    listed = await api.client.get("/api/orgs/acme/mappings", headers=api.acme.read)
    confirmed = await api.client.post(
        "/api/orgs/acme/mappings", json=body | {"confirm": True}, headers=api.acme.write
    )

    warning = (
        "Time zones differ: Swoogo event 'Tokyo on Swoogo' is in Asia/Tokyo, DevConf "
        f"{IN_A_MONTH.year} is in Europe/Berlin. Syncs are refused until both are the same."
    )
    assert warned.status_code == 409
    assert warned.json() == {
        "error": "confirmation_needed",
        "message": f'{warning} Send "confirm": true to map anyway.',
        "problems": [{"field": "event", "message": warning}],
    }
    assert listed.json() == []
    assert confirmed.status_code == 201
    assert confirmed.json()["partner_event_id"] == str(tokyo)
