"""A speaker's personal portal link can be revoked one by one: it stops working when the
speaker is declined, or when the event team asks for a new one."""

from __future__ import annotations

import re

from conftest import Api, problem


async def _links(api: Api) -> dict[str, str]:
    """Each speaker's portal link as the speakers page shows it, by the speaker's name."""
    await api.login(api.acme.admin_email)
    page = await api.client.get("/events/acme-conf/speakers")
    assert page.status_code == 200
    rows = re.findall(r"<tr>(.*?)</tr>", page.text, flags=re.S)
    found = {}
    for row in rows:
        link = re.search(r'href="(/portal/speakers/[^"]+)"', row)
        name = re.search(r'<a href="/events/acme-conf/speakers/[^"]+">([^<]+)</a>', row)
        if link and name:
            found[name[1].strip()] = link[1]
    assert found, page.text
    return found


async def _speaker(api: Api) -> dict[str, object]:
    answer = await api.client.get(
        "/api/events/acme-conf/speakers?status=accepted&limit=1", headers=api.acme.read
    )
    speaker: dict[str, object] = answer.json()["items"][0]
    return speaker


def _name(speaker: dict[str, object]) -> str:
    return f"{speaker['first_name']} {speaker['last_name']}"


async def test_a_declined_speakers_portal_link_stops_working(api: Api) -> None:
    speaker = await _speaker(api)
    before = (await _links(api))[_name(speaker)]
    assert (await api.client.get(before)).status_code == 200

    declined = await api.client.patch(
        f"/api/events/acme-conf/speakers/{speaker['id']}",
        json={"status": "declined"},
        headers=api.acme.write,
    )
    assert declined.status_code == 200, declined.text

    gone = await api.client.get(before)
    assert gone.status_code == 404
    assert "This link is not valid. Ask the event team for your personal link." in gone.text
    after = (await _links(api))[_name(speaker)]
    assert after != before
    assert (await api.client.get(after)).status_code == 200
    # Editing a declined speaker again does not change their link once more.
    edited = await api.client.patch(
        f"/api/events/acme-conf/speakers/{speaker['id']}",
        json={"company": "Elsewhere Ltd"},
        headers=api.acme.write,
    )
    assert edited.status_code == 200
    assert (await _links(api))[_name(speaker)] == after


async def test_a_portal_link_is_renewed_on_demand(api: Api) -> None:
    speaker = await _speaker(api)
    others = await _links(api)
    before = others.pop(_name(speaker))
    renew = f"/api/events/acme-conf/speakers/{speaker['id']}/portal-link"

    assert (await api.client.post(renew, headers=api.acme.read)).status_code == 403
    foreign = await api.client.post(
        f"/api/events/rival-conf/speakers/{speaker['id']}/portal-link", headers=api.rival.write
    )
    assert foreign.status_code == 404
    assert problem(foreign) == (None, f"no speaker with id {speaker['id']} in event 'rival-conf'")

    renewed = await api.client.post(renew, headers=api.acme.write)
    assert renewed.status_code == 200, renewed.text
    path = renewed.json()["path"]
    assert path.startswith("/portal/speakers/")
    assert path != before
    assert (await api.client.get(before)).status_code == 404
    assert (await api.client.get(path)).status_code == 200
    # Nobody else's link changed.
    still = await _links(api)
    assert {name: still[name] for name in others} == others
