"""Field maps through the API and the integration pages, against the Swoogo simulator: each
mapping starts with Swoogo's defaults, a pair to a field Swoogo has is added, one it does not
have is refused naming it, and only pairs Swoogo does not require are removed."""

from __future__ import annotations

import re
from typing import Any

from conftest import Api, problem

SESSION_DEFAULTS = [
    {"hub": "title", "partner": "name", "required": True},
    {"hub": "description", "partner": "description", "required": False},
    {"hub": "starts_at", "partner": "date", "required": True},
    {"hub": "starts_at", "partner": "start_time", "required": True},
    {"hub": "ends_at", "partner": "end_time", "required": True},
    {"hub": "locations", "partner": "location_id", "required": False},
    {"hub": "tracks", "partner": "track_id", "required": False},
]


async def _mapped(api: Api) -> tuple[str, str]:
    """The Acme mapping to Swoogo, and its field maps' path."""
    mapping = await api.map_swoogo(api.acme)
    return mapping["id"], f"/api/orgs/acme/mappings/{mapping['id']}/fields"


def _custom_field(api: Api, name: str = "Client code") -> str:
    field_id = api.swoogo.state.add_custom_field("sessions", api.partner_event, name)
    return f"c_{field_id}"


def _partners(maps: dict[str, Any], kind: str) -> list[str]:
    return [pair["partner"] for pair in maps[kind]]


async def test_each_mapping_starts_with_the_partners_default_maps_r_fld_1(api: Api) -> None:
    _, path = await _mapped(api)
    answer = await api.client.get(path, headers=api.acme.read)
    assert answer.status_code == 200, answer.text
    maps = answer.json()
    assert set(maps) == {"sessions", "speakers"}
    assert maps["sessions"] == SESSION_DEFAULTS
    assert {"hub": "email", "partner": "email", "required": True} in maps["speakers"]
    assert {"hub": "biography", "partner": "bio", "required": False} in maps["speakers"]


async def test_a_pair_to_a_custom_field_the_partner_has_is_added_r_fld_1(api: Api) -> None:
    _, path = await _mapped(api)
    custom = _custom_field(api)
    added = await api.client.post(
        path,
        json={"kind": "sessions", "hub": "client_session_id", "partner": custom},
        headers=api.acme.write,
    )
    assert added.status_code == 201, added.text
    pair = {"hub": "client_session_id", "partner": custom, "required": False}
    assert added.json()["sessions"] == [*SESSION_DEFAULTS, pair]
    again = await api.client.get(path, headers=api.acme.read)
    assert again.json() == added.json()  # saved with the mapping

    twice = await api.client.post(
        path,
        json={"kind": "sessions", "hub": "title", "partner": custom},
        headers=api.acme.write,
    )
    assert twice.status_code == 422
    assert problem(twice) == ("partner", f"partner field {custom!r} is already filled by the map")


async def test_a_pair_the_partner_does_not_require_is_removed_r_fld_1(api: Api) -> None:
    _, path = await _mapped(api)
    custom = _custom_field(api)
    await api.client.post(
        path,
        json={"kind": "sessions", "hub": "client_session_id", "partner": custom},
        headers=api.acme.write,
    )
    for kind, partner in (("sessions", custom), ("sessions", "track_id"), ("speakers", "bio")):
        removed = await api.client.delete(f"{path}/{kind}/{partner}", headers=api.acme.write)
        assert removed.status_code == 200, removed.text
        assert partner not in _partners(removed.json(), kind)
    maps = (await api.client.get(path, headers=api.acme.read)).json()
    assert "track_id" not in _partners(maps, "sessions")
    assert "bio" not in _partners(maps, "speakers")
    assert "description" in _partners(maps, "sessions")  # the others stay

    gone = await api.client.delete(f"{path}/sessions/track_id", headers=api.acme.write)
    assert gone.status_code == 422
    assert problem(gone) == ("partner_field", "the sessions field map has no pair for 'track_id'")


async def test_a_pair_the_partner_requires_is_never_removed_r_fld_1(api: Api) -> None:
    _, path = await _mapped(api)
    for kind, partner in (("sessions", "name"), ("speakers", "email")):
        refused = await api.client.delete(f"{path}/{kind}/{partner}", headers=api.acme.write)
        assert refused.status_code == 422
        assert refused.json()["error"] == "invalid"
        assert problem(refused) == (
            "partner_field",
            f"{partner!r} is required by the partner; it cannot be removed",
        )
    maps = (await api.client.get(path, headers=api.acme.read)).json()
    assert maps["sessions"] == SESSION_DEFAULTS
    assert "email" in _partners(maps, "speakers")


async def test_a_partner_field_that_does_not_exist_is_refused_naming_it_r_fld_2(
    api: Api,
) -> None:
    _, path = await _mapped(api)
    _custom_field(api)
    refused = await api.client.post(
        path,
        json={"kind": "sessions", "hub": "client_session_id", "partner": "c_999999"},
        headers=api.acme.write,
    )
    assert refused.status_code == 422
    assert problem(refused) == ("partner", "the partner has no session field 'c_999999'")
    speakers = await api.client.post(
        path,
        json={"kind": "speakers", "hub": "website", "partner": "homepage"},
        headers=api.acme.write,
    )
    assert speakers.status_code == 422
    assert problem(speakers) == ("partner", "the partner has no speaker field 'homepage'")
    maps = (await api.client.get(path, headers=api.acme.read)).json()
    assert maps["sessions"] == SESSION_DEFAULTS  # nothing was saved


async def test_pairs_name_our_fields_and_a_known_map(api: Api) -> None:
    _, path = await _mapped(api)
    custom = _custom_field(api)
    unknown_hub = await api.client.post(
        path,
        json={"kind": "sessions", "hub": "first_name", "partner": custom},
        headers=api.acme.write,
    )
    assert unknown_hub.status_code == 422
    field, message = problem(unknown_hub)
    assert field == "hub"
    assert message.startswith("sessions have no field 'first_name'; choose one of: id, title")
    unknown_kind = await api.client.post(
        path, json={"kind": "sponsors", "hub": "id", "partner": custom}, headers=api.acme.write
    )
    assert unknown_kind.status_code == 422
    assert problem(unknown_kind)[0] == "kind"
    bad_path = await api.client.delete(f"{path}/sponsors/name", headers=api.acme.write)
    assert bad_path.status_code == 422
    assert problem(bad_path)[0] == "kind"


async def test_field_maps_need_write_to_change_and_stay_in_their_organisation(api: Api) -> None:
    mapping_id, path = await _mapped(api)
    custom = _custom_field(api)
    body = {"kind": "sessions", "hub": "client_session_id", "partner": custom}
    assert (await api.client.post(path, json=body, headers=api.acme.read)).status_code == 403
    read_delete = await api.client.delete(f"{path}/sessions/track_id", headers=api.acme.read)
    assert read_delete.status_code == 403
    rival = f"/api/orgs/rival/mappings/{mapping_id}/fields"
    assert (await api.client.get(rival, headers=api.rival.read)).status_code == 404
    assert (await api.client.post(rival, json=body, headers=api.rival.write)).status_code == 404
    # Acme's path with Rival's token: the organisation itself is out of reach.
    assert (await api.client.get(path, headers=api.rival.read)).status_code == 404
    maps = (await api.client.get(path, headers=api.acme.read)).json()
    assert maps["sessions"] == SESSION_DEFAULTS


async def test_field_maps_are_documented_without_rule_ids(api: Api) -> None:
    document = (await api.client.get("/api/openapi.json")).json()
    item = document["paths"]["/orgs/{org}/mappings/{mapping_id}/fields"]
    texts = [item[m]["summary"] for m in ("get", "post")]
    removal = document["paths"]["/orgs/{org}/mappings/{mapping_id}/fields/{kind}/{partner_field}"]
    texts.append(removal["delete"]["summary"])
    texts.append(document["info"]["description"].split("**Field maps**")[1])
    for text in texts:
        assert not re.search(r"R-[A-Z]+-\d", text), text


async def test_the_field_maps_page_shows_both_maps_and_adds_a_pair_r_fld_1(api: Api) -> None:
    mapping_id, _ = await _mapped(api)
    custom = _custom_field(api)
    csrf = await api.login(api.acme.admin_email)
    page_path = f"/orgs/acme/settings/integrations/swoogo/mappings/{mapping_id}/fields"
    page = await api.client.get(page_path)
    assert page.status_code == 200, page.text
    assert "Field maps" in page.text
    assert '<h2 id="map-sessions">Sessions</h2>' in page.text
    assert '<h2 id="map-speakers">Speakers</h2>' in page.text
    assert "<code>track_id</code>" in page.text  # a session pair
    assert "<code>bio</code>" in page.text  # a speaker pair
    assert "Required by Swoogo" in page.text
    assert 'name="csrf_token"' in page.text
    # Remove buttons on the pairs Swoogo does not require only.
    assert 'aria-label="Remove track_id from the sessions map"' in page.text
    assert 'aria-label="Remove name from the sessions map"' not in page.text
    assert '<option value="client_session_id">' in page.text

    added = await api.client.post(
        page_path,
        data={
            "csrf_token": csrf,
            "kind": "sessions",
            "hub": "client_session_id",
            "partner_field": custom,
        },
    )
    assert added.status_code == 303
    assert added.headers["location"] == page_path
    shown = await api.client.get(page_path)
    assert f"Sessions: client_session_id now fills {custom}." in shown.text
    assert f"<code>{custom}</code>" in shown.text

    refused = await api.client.post(
        page_path,
        data={"csrf_token": csrf, "kind": "sessions", "hub": "title", "partner_field": "c_0"},
    )
    assert refused.status_code == 303
    shown = await api.client.get(page_path)
    assert "The pair was not added: the partner has no session field &#39;c_0&#39;." in shown.text

    removed = await api.client.post(
        f"{page_path}/remove",
        data={"csrf_token": csrf, "kind": "sessions", "partner_field": "name"},
    )
    assert removed.status_code == 303
    shown = await api.client.get(page_path)
    assert "The pair was not removed: &#39;name&#39; is required by the partner" in shown.text
    removed = await api.client.post(
        f"{page_path}/remove",
        data={"csrf_token": csrf, "kind": "sessions", "partner_field": custom},
    )
    shown = await api.client.get(page_path)
    assert f"Sessions: {custom} is no longer filled." in shown.text
    assert f"<code>{custom}</code>" not in shown.text
    maps = (
        await api.client.get(f"/api/orgs/acme/mappings/{mapping_id}/fields", headers=api.acme.read)
    ).json()
    assert maps["sessions"] == SESSION_DEFAULTS
    forged = await api.client.post(
        page_path, data={"kind": "sessions", "hub": "title", "partner_field": custom}
    )
    assert forged.status_code == 303  # refused: back to a fresh page, nothing saved
    shown = await api.client.get(page_path)
    assert f"<code>{custom}</code>" not in shown.text

    await api.login(api.rival.admin_email)
    assert (await api.client.get(page_path)).status_code == 404
    rival_path = f"/orgs/rival/settings/integrations/swoogo/mappings/{mapping_id}/fields"
    assert (await api.client.get(rival_path)).status_code == 404
