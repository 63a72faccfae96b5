"""Sessions, speakers, sponsors, exhibitors and taxonomy through the API: CRUD in the event
JSON format's shape, PATCH list semantics, pages and filters, lists in a fixed number of
queries, errors naming the field, and nobody reaching another organisation's records."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from conftest import Api, problem

KINDS = ["sessions", "speakers", "sponsors", "exhibitors", "taxonomy"]
NEW = {
    "sessions": {"title": "A new talk"},
    "speakers": {"first_name": "Grace", "last_name": "Hopper", "email": "grace@navy.example"},
    "sponsors": {"name": "Cyberdyne", "tier": "Gold"},
    "exhibitors": {
        "name": "Tyrell",
        "primary_contact": {"first_name": "Eldon", "last_name": "Tyrell", "email": "e@t.example"},
    },
    "taxonomy": {"kind": "track", "name": "Quantum"},
}
CHANGE = {
    "sessions": {"title": "Renamed"},
    "speakers": {"company": "Navy"},
    "sponsors": {"tier": "Silver"},
    "exhibitors": {"website": "https://tyrell.example"},
    "taxonomy": {"name": "Quantum Computing"},
}


def _without_person_id(value: Any) -> Any:
    """An exhibitor's people answer with the stable id the hub gave them."""
    if isinstance(value, dict) and "first_name" in value:
        assert uuid.UUID(value["id"])
        return {key: v for key, v in value.items() if key != "id"}
    return value


async def _first(api: Api, event: str, kind: str, headers: dict[str, str]) -> dict[str, Any]:
    answer = await api.client.get(f"/api/events/{event}/{kind}?limit=1", headers=headers)
    assert answer.status_code == 200, answer.text
    item: dict[str, Any] = answer.json()["items"][0]
    return item


@pytest.mark.parametrize("kind", KINDS)
async def test_records_are_created_read_changed_and_deleted(api: Api, kind: str) -> None:
    base = f"/api/events/{api.acme.event}/{kind}"
    created = await api.client.post(base, json=NEW[kind], headers=api.acme.write)
    assert created.status_code == 201, created.text
    record = created.json()
    assert {key: _without_person_id(record[key]) for key in NEW[kind]} == NEW[kind]
    one = f"{base}/{record['id']}"

    assert (await api.client.get(one, headers=api.acme.read)).json() == record
    changed = await api.client.patch(one, json=CHANGE[kind], headers=api.acme.write)
    assert changed.status_code == 200, changed.text
    assert changed.json() | {"updated_at": None} == record | CHANGE[kind] | {"updated_at": None}

    assert (await api.client.delete(one, headers=api.acme.write)).status_code == 204
    gone = await api.client.get(one, headers=api.acme.read)
    assert gone.status_code == 404
    assert gone.json()["error"] == "not_found"
    assert (await api.client.delete(one, headers=api.acme.write)).status_code == 404


@pytest.mark.parametrize("kind", KINDS)
async def test_another_organisations_records_are_not_found(api: Api, kind: str) -> None:
    theirs = await _first(api, api.rival.event, kind, api.rival.read)
    record = theirs["id"]
    for event in (api.rival.event, api.acme.event):  # their event, or their record under ours
        base = f"/api/events/{event}/{kind}"
        for method, path, body in [
            ("GET", base, None),
            ("POST", base, NEW[kind]),
            ("GET", f"{base}/{record}", None),
            ("PATCH", f"{base}/{record}", CHANGE[kind]),
            ("DELETE", f"{base}/{record}", None),
        ]:
            if event == api.acme.event and path == base:
                continue  # our own list and create: allowed
            answer = await api.client.request(method, path, json=body, headers=api.acme.write)
            assert answer.status_code == 404, (method, path, answer.text)
    still = await api.client.get(
        f"/api/events/{api.rival.event}/{kind}/{record}", headers=api.rival.read
    )
    assert still.json() == theirs


async def test_patch_lists_left_out_stay_empty_clears_given_replaces(api: Api) -> None:
    session = await _first(api, api.acme.event, "sessions", api.acme.read)
    one = f"/api/events/{api.acme.event}/sessions/{session['id']}"
    tagged = await api.client.patch(
        one, json={"tags": ["AI", "Brand new tag"]}, headers=api.acme.write
    )
    assert tagged.json()["tags"] == ["AI", "Brand new tag"]  # an unknown name is added

    untouched = await api.client.patch(
        one, json={"title": "Only the title"}, headers=api.acme.write
    )
    assert untouched.json()["tags"] == ["AI", "Brand new tag"]
    assert untouched.json()["people"] == session["people"]

    cleared = await api.client.patch(one, json={"tags": [], "people": []}, headers=api.acme.write)
    assert cleared.json()["tags"] == []
    assert cleared.json()["people"] == []
    assert cleared.json()["tracks"] == session["tracks"]

    speaker = await _first(api, api.acme.event, "speakers", api.acme.read)
    replaced = await api.client.patch(
        one,
        json={"people": [{"speaker": speaker["email"].upper(), "role": "moderator"}]},
        headers=api.acme.write,
    )
    assert replaced.json()["people"] == [{"speaker": speaker["id"], "role": "moderator"}]

    null = await api.client.patch(one, json={"tags": None}, headers=api.acme.write)
    assert null.status_code == 422
    assert problem(null) == ("tags", "Input should be a valid list")


async def test_a_session_names_only_this_events_speakers(api: Api) -> None:
    theirs = await _first(api, api.rival.event, "speakers", api.rival.read)
    answer = await api.client.post(
        f"/api/events/{api.acme.event}/sessions",
        json={"title": "Borrowed", "people": [{"speaker": theirs["id"]}]},
        headers=api.acme.write,
    )
    assert answer.status_code == 422
    assert problem(answer) == (
        "people.0.speaker",
        f"no speaker with id or email '{theirs['id']}' in this file",
    )


BAD_RECORDS: list[tuple[str, dict[str, Any], str | None, str]] = [
    ("sessions", {}, "title", "Field required"),
    ("sessions", {"title": "x", "status": "maybe"}, "status", "Input should be"),
    (
        "sessions",
        {"title": "x", "starts_at": "2027-01-01T10:00:00", "ends_at": "2027-01-01T09:00:00"},
        None,
        "ends_at must be after starts_at",
    ),
    ("sessions", {"title": "x", "tags": [""]}, "tags.0", "at least 1 character"),
    (
        "speakers",
        {"first_name": "A", "last_name": "B", "email": "nope"},
        "email",
        "not an email",
    ),
    ("sponsors", {"name": "x", "logo": "y"}, "logo", "Extra inputs are not permitted"),
    (
        "exhibitors",
        {"name": "x", "team": [{"first_name": "A"}]},
        "team.0.last_name",
        "Field required",
    ),
    ("taxonomy", {"kind": "colour", "name": "x"}, "kind", "Input should be"),
    (
        "taxonomy",
        {"kind": "tag", "name": "x", "colour": "red"},
        "colour",
        "String should match",
    ),
]


async def test_a_bad_record_is_refused_naming_the_field(api: Api) -> None:
    for kind, body, field, says in BAD_RECORDS:
        answer = await api.client.post(
            f"/api/events/{api.acme.event}/{kind}", json=body, headers=api.acme.write
        )
        assert answer.status_code == 422, (kind, body, answer.text)
        got_field, message = problem(answer)
        assert got_field == field, (kind, body, got_field)
        assert says in message, (kind, body, message)


async def test_clashes_are_refused_naming_the_field(api: Api) -> None:
    base = f"/api/events/{api.acme.event}"
    speaker = await _first(api, api.acme.event, "speakers", api.acme.read)
    twin = await api.client.post(
        f"{base}/speakers",
        json={"first_name": "Twin", "last_name": "X", "email": speaker["email"].upper()},
        headers=api.acme.write,
    )
    assert twin.status_code == 409
    assert problem(twin)[0] == "email"

    reused = await api.client.post(
        f"{base}/sponsors", json={"name": "Dup", "id": speaker["id"]}, headers=api.acme.write
    )
    assert reused.status_code == 201  # ids are unique per kind
    again = await api.client.post(
        f"{base}/sponsors", json={"name": "Dup", "id": speaker["id"]}, headers=api.acme.write
    )
    assert again.status_code == 409
    assert problem(again)[0] == "id"

    track = await _first(api, api.acme.event, "taxonomy?kind=track&", api.acme.read)
    other = await api.client.post(
        f"{base}/taxonomy", json={"kind": "track", "name": "Unique"}, headers=api.acme.write
    )
    renamed = await api.client.patch(
        f"{base}/taxonomy/{other.json()['id']}",
        json={"name": track["name"]},
        headers=api.acme.write,
    )
    assert renamed.status_code == 409
    assert problem(renamed)[0] == "name"


async def test_session_lists_filter_and_page(api: Api) -> None:
    base = f"/api/events/{api.acme.event}/sessions"
    everything = (await api.client.get(f"{base}?limit=200", headers=api.acme.read)).json()
    sessions = everything["items"]
    assert everything["total"] == len(sessions) == 6

    pages = [
        (await api.client.get(f"{base}?limit=4&offset={o}", headers=api.acme.read)).json()
        for o in (0, 4)
    ]
    assert [s["id"] for p in pages for s in p["items"]] == [s["id"] for s in sessions]
    assert [len(p["items"]) for p in pages] == [4, 2]

    async def ids(query: str) -> list[str]:
        found = await api.client.get(f"{base}?limit=200&{query}", headers=api.acme.read)
        assert found.status_code == 200, found.text
        return [s["id"] for s in found.json()["items"]]

    accepted = [s["id"] for s in sessions if s["status"] == "accepted"]
    assert await ids("status=accepted") == accepted
    with_track = next(s for s in sessions if s["tracks"])
    track = with_track["tracks"][0]
    assert await ids(f"track={track.upper()}") == [
        s["id"] for s in sessions if track in s["tracks"]
    ]
    room = with_track["locations"][0]
    assert await ids(f"location={room}") == [s["id"] for s in sessions if room in s["locations"]]
    word = with_track["title"].split()[0]
    assert await ids(f"q={word.lower()}") == [s["id"] for s in sessions if word in s["title"]]
    person = with_track["people"][0]["speaker"]
    on_it = [s["id"] for s in sessions if person in {p["speaker"] for p in s["people"]}]
    assert await ids(f"speaker={person}") == on_it
    assert await ids("q=%25") == []  # a % is a percent sign, not a wildcard


async def test_speaker_and_sponsor_filters(api: Api) -> None:
    base = f"/api/events/{api.acme.event}"
    speakers = (await api.client.get(f"{base}/speakers?limit=200", headers=api.acme.read)).json()
    someone = speakers["items"][0]
    found = await api.client.get(
        f"{base}/speakers?email={someone['email'].upper()}", headers=api.acme.read
    )
    assert [s["id"] for s in found.json()["items"]] == [someone["id"]]
    invited = await api.client.get(f"{base}/speakers?status=invited", headers=api.acme.read)
    assert all(s["status"] == "invited" for s in invited.json()["items"])
    sponsors = (await api.client.get(f"{base}/sponsors", headers=api.acme.read)).json()["items"]
    tier = sponsors[0]["tier"]
    gold = await api.client.get(f"{base}/sponsors?tier={tier.lower()}", headers=api.acme.read)
    assert {s["tier"] for s in gold.json()["items"]} == {tier}
    tracks = await api.client.get(f"{base}/taxonomy?kind=track", headers=api.acme.read)
    assert {i["kind"] for i in tracks.json()["items"]} == {"track"}


@pytest.mark.parametrize("kind", ["sessions", "speakers", "sponsors", "exhibitors", "taxonomy"])
async def test_lists_take_the_same_queries_for_one_record_or_many(
    api: Api, query_counter: Any, kind: str
) -> None:
    path = f"/api/events/{api.acme.event}/{kind}"

    async def count(limit: int) -> int:
        query_counter.count, query_counter.counting = 0, True
        answer = await api.client.get(f"{path}?limit={limit}", headers=api.acme.read)
        query_counter.counting = False
        assert answer.status_code == 200
        assert len(answer.json()["items"]) == min(limit, answer.json()["total"])
        return int(query_counter.count)

    await count(1)  # the token's last use is written once a minute: not part of the count
    assert await count(1) == await count(200)
    assert await count(200) <= 9


async def test_deleting_a_taxonomy_item_takes_it_off_sessions_r_mod_2(api: Api) -> None:
    base = f"/api/events/{api.acme.event}"
    session = next(
        s
        for s in (await api.client.get(f"{base}/sessions", headers=api.acme.read)).json()["items"]
        if s["format"]
    )
    formats = await api.client.get(
        f"{base}/taxonomy?kind=format&q={session['format']}", headers=api.acme.read
    )
    item = formats.json()["items"][0]
    assert (
        await api.client.delete(f"{base}/taxonomy/{item['id']}", headers=api.acme.write)
    ).status_code == 204
    after = await api.client.get(f"{base}/sessions/{session['id']}", headers=api.acme.read)
    assert after.json()["format"] is None


async def test_unknown_record_ids_are_not_found(api: Api) -> None:
    path = f"/api/events/{api.acme.event}/sessions/{uuid.uuid4()}"
    answer = await api.client.patch(path, json={"title": "x"}, headers=api.acme.write)
    assert answer.status_code == 404
    malformed = await api.client.get(
        f"/api/events/{api.acme.event}/sessions/42", headers=api.acme.read
    )
    assert malformed.status_code == 422
    assert problem(malformed)[0] == "record_id"
