"""Speakers, sponsors and exhibitors edited in the pages over HTTP (the browser flow is in
tests/e2e/test_editing_people.py): refusals at the field with nothing written, the typed values
kept, team rows with stable ids, who sees the edit controls, the Speakers tab's search and the
lists' query counts."""

from __future__ import annotations

import html
import re
import uuid
from collections import Counter
from dataclasses import replace
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from agendasync.domain.accounts import Role
from agendasync.store import tables as t
from conftest import PASSWORD, Api

EVENT = "/events/acme-conf"


def _count(api: Api, table: Any) -> int:
    with api.store.transaction() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


async def _post(api: Api, path: str, data: dict[str, str]) -> httpx.Response:
    token = await api.login(api.acme.admin_email)
    return await api.client.post(path, data=data | {"csrf_token": token})


def _error_of(page: str, name: str) -> str:
    """The message shown under the field `name`, after checking it is tied to the field."""
    field = re.search(rf'<[^>]* name="{re.escape(name)}"[^>]*>', page)
    assert field, name
    assert 'aria-invalid="true"' in field[0], field[0]
    assert f'aria-describedby="field-{name}-error' in field[0], field[0]
    message = re.search(
        rf'<p class="field-error" id="field-{re.escape(name)}-error">([^<]*)</p>', page
    )
    assert message, name
    return message[1].replace("&#39;", "'")


def _speaker_id(api: Api, email: str) -> uuid.UUID:
    with api.store.transaction() as connection:
        found = connection.execute(select(t.speakers.c.id).where(t.speakers.c.email == email))
        return uuid.UUID(str(found.scalar_one()))


async def test_a_refused_speaker_writes_nothing_and_keeps_what_was_typed(api: Api) -> None:
    speakers, items = _count(api, t.speakers), _count(api, t.taxonomy_items)
    typed = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@engine",
        "headshot_url": "javascript:alert(1)",
        "company": "Analytical Engines",
        "tags": "Brand new tag",
    }
    answer = await _post(api, f"{EVENT}/speakers/new", typed)
    assert answer.status_code == 422
    assert _error_of(answer.text, "email") == (
        "'ada@engine' is not an email address: write it as name@example.com."
    )
    assert _error_of(answer.text, "headshot_url") == (
        "'javascript:alert(1)' is not a web address; it must start with http:// or https://"
    )
    assert 'name="company" value="Analytical Engines"' in answer.text
    assert 'name="tags" value="Brand new tag"' in answer.text
    assert "Nothing was saved: these need a change." in answer.text
    assert (_count(api, t.speakers), _count(api, t.taxonomy_items)) == (speakers, items)

    fixed = await _post(
        api, f"{EVENT}/speakers/new", typed | {"email": "ada@engine.example", "headshot_url": ""}
    )
    assert fixed.status_code == 303
    speaker_id = _speaker_id(api, "ada@engine.example")
    assert fixed.headers["location"] == f"{EVENT}/speakers/{speaker_id}"
    page = await api.client.get(fixed.headers["location"])
    assert "Speaker Ada Lovelace added." in page.text
    assert "Analytical Engines" in page.text
    assert (_count(api, t.speakers), _count(api, t.taxonomy_items)) == (speakers + 1, items + 1)


async def test_an_email_another_speaker_has_is_refused_with_nothing_half_written(api: Api) -> None:
    taken = (await api.client.get(f"/api{EVENT}/speakers?limit=1", headers=api.acme.read)).json()
    email = taken["items"][0]["email"]
    items = _count(api, t.taxonomy_items)
    answer = await _post(
        api,
        f"{EVENT}/speakers/new",
        {"first_name": "Grace", "last_name": "Hopper", "email": email, "tags": "Compilers"},
    )
    assert answer.status_code == 422
    assert _error_of(answer.text, "email") == (
        "Another speaker of this event already has this email."
    )
    # The new tag the speaker named was not kept either: the whole write rolled back.
    assert _count(api, t.taxonomy_items) == items


async def test_a_required_field_left_empty_is_named(api: Api) -> None:
    answer = await _post(api, f"{EVENT}/sponsors/new", {"name": "  ", "website": "not a url"})
    assert answer.status_code == 422
    assert _error_of(answer.text, "name") == "Enter the name."
    assert _error_of(answer.text, "website") == (
        "'not a url' is not a web address (it has no valid host name)"
    )


async def test_editing_a_speaker_clears_what_was_emptied_and_keeps_the_rest(api: Api) -> None:
    listed = (await api.client.get(f"/api{EVENT}/speakers?limit=1", headers=api.acme.read)).json()
    speaker = listed["items"][0]
    await api.login(api.acme.admin_email)
    form = await api.client.get(f"{EVENT}/speakers/{speaker['id']}/edit")
    assert f'name="email" value="{speaker["email"]}"' in form.text
    answer = await _post(
        api,
        f"{EVENT}/speakers/{speaker['id']}/edit",
        {
            "first_name": "Renamed",
            "last_name": speaker["last_name"],
            "email": speaker["email"],
            "status": "accepted",
            "tags": "",
        },
    )
    assert answer.status_code == 303
    after = await api.client.get(f"/api{EVENT}/speakers/{speaker['id']}", headers=api.acme.read)
    body = after.json()
    assert (body["first_name"], body["status"], body["company"], body["tags"]) == (
        "Renamed",
        "accepted",
        None,
        [],
    )
    assert body["sessionize_id"] == speaker["sessionize_id"]  # not in the form: kept


async def test_the_speaker_page_lists_their_sessions_with_roles(api: Api) -> None:
    await api.login(api.acme.admin_email)
    sessions = (await api.client.get(f"/api{EVENT}/sessions", headers=api.acme.read)).json()
    session = next(s for s in sessions["items"] if s["people"])
    person = session["people"][0]
    page = await api.client.get(f"{EVENT}/speakers/{person['speaker']}")
    assert page.status_code == 200
    row = re.search(
        rf'<a href="{EVENT}/sessions/{session["id"]}">[^<]*</a></td>\s*<td data-label="Role">(\w+)',
        page.text,
    )
    assert row
    assert row[1] == person["role"].capitalize()
    assert "Edit speaker" in page.text
    assert "Delete speaker" in page.text


async def test_deleting_a_speaker_takes_them_off_their_sessions(api: Api) -> None:
    sessions = (await api.client.get(f"/api{EVENT}/sessions", headers=api.acme.read)).json()
    speaker_id = sessions["items"][0]["people"][0]["speaker"]
    answer = await _post(api, f"{EVENT}/speakers/{speaker_id}/delete", {})
    assert answer.headers["location"] == f"{EVENT}/speakers"
    gone = await api.client.get(f"{EVENT}/speakers/{speaker_id}")
    assert gone.status_code == 404
    with api.store.transaction() as connection:
        links = connection.execute(
            select(t.session_people).where(t.session_people.c.speaker_id == uuid.UUID(speaker_id))
        ).all()
    assert links == []


async def test_viewers_see_no_edit_controls_and_cannot_post(api: Api) -> None:
    api.services.accounts.create_user("viewer@acme.example", PASSWORD, org="acme", role=Role.VIEWER)
    token = await api.login("viewer@acme.example")
    sponsors = (await api.client.get(f"/api{EVENT}/sponsors", headers=api.acme.read)).json()
    sponsor_id = sponsors["items"][0]["id"]
    for path in ("speakers", "sponsors", "exhibitors", f"sponsors/{sponsor_id}"):
        page = await api.client.get(f"{EVENT}/{path}")
        assert page.status_code == 200
        assert not re.search(r"Add (speaker|sponsor|exhibitor)|Edit sponsor|Delete", page.text)
    assert (await api.client.get(f"{EVENT}/sponsors/new")).status_code == 403
    before = _count(api, t.sponsors)
    refused = await api.client.post(
        f"{EVENT}/sponsors/{sponsor_id}/delete", data={"csrf_token": token}
    )
    assert refused.status_code == 403
    assert _count(api, t.sponsors) == before


async def test_a_sponsor_is_added_edited_and_deleted(api: Api) -> None:
    added = await _post(
        api,
        f"{EVENT}/sponsors/new",
        {"name": "Initech", "tier": "Gold", "website": "initech.example", "description": "TPS"},
    )
    path = added.headers["location"]
    page = await api.client.get(path)
    assert '<a href="https://initech.example" rel="noopener noreferrer">' in page.text
    edited = await _post(api, f"{path}/edit", {"name": "Initech", "tier": "Silver"})
    assert edited.headers["location"] == path
    sponsor_id = path.rsplit("/", 1)[1]
    body = (
        await api.client.get(f"/api{EVENT}/sponsors/{sponsor_id}", headers=api.acme.read)
    ).json()
    assert (body["tier"], body["website"], body["description"]) == ("Silver", None, "")
    await _post(api, f"{path}/delete", {})
    assert (await api.client.get(path)).status_code == 404


def _team(api: Api, exhibitor_id: str) -> list[tuple[str, str]]:
    with api.store.transaction() as connection:
        people = connection.execute(
            select(t.exhibitor_people.c.id, t.exhibitor_people.c.first_name)
            .where(
                t.exhibitor_people.c.exhibitor_id == uuid.UUID(exhibitor_id),
                t.exhibitor_people.c.is_primary.is_(False),
            )
            .order_by(t.exhibitor_people.c.position)
        )
        return [(str(person_id), name) for person_id, name in people]


async def test_exhibitor_team_rows_are_added_and_removed_keeping_ids(api: Api) -> None:
    exhibitors = _count(api, t.exhibitors)
    one_row = {"name": "Booth 9", "team.rows": "1", "team.0.first_name": "Ann"}
    more = await _post(api, f"{EVENT}/exhibitors/new", one_row | {"add_row": "team"})
    assert more.status_code == 200
    assert more.text.count('class="person-row"') == 2
    assert 'name="team.0.first_name" value="Ann"' in more.text
    assert _count(api, t.exhibitors) == exhibitors  # adding a row saves nothing

    rows = {
        "name": "Booth 9",
        "team.rows": "3",
        "team.0.first_name": "Ann",
        "team.0.last_name": "Lee",
        # an empty row between adds nobody, and the refusal below still names row 2
        "team.2.first_name": "Bo",
        "team.2.last_name": "Kim",
        "team.2.email": "bo@",
    }
    refused = await _post(api, f"{EVENT}/exhibitors/new", rows)
    assert refused.status_code == 422
    assert _error_of(refused.text, "team.2.email").startswith("'bo@' is not an email address")
    assert _count(api, t.exhibitors) == exhibitors

    added = await _post(api, f"{EVENT}/exhibitors/new", rows | {"team.2.email": "bo@kim.example"})
    exhibitor_id = added.headers["location"].rsplit("/", 1)[1]
    team = _team(api, exhibitor_id)
    assert [name for _, name in team] == ["Ann", "Bo"]

    edit = await api.client.get(f"{added.headers['location']}/edit")
    assert edit.text.count('class="person-row"') == 3  # the two, and one to add someone
    kept = {
        "name": "Booth 9",
        "team.rows": "2",
        "team.0.id": team[0][0],
        "team.0.first_name": "Ann",
        "team.0.last_name": "Lee",
        "team.0.remove": "on",
        "team.1.id": team[1][0],
        "team.1.first_name": "Bo",
        "team.1.last_name": "Kim-Lee",
        "team.1.email": "bo@kim.example",
    }
    await _post(api, f"{added.headers['location']}/edit", kept)
    assert _team(api, exhibitor_id) == [(team[1][0], "Bo")]


async def test_the_speakers_tab_searches_and_filters_and_pages_keep_them(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    await api.login(api.acme.admin_email)
    speakers = (await api.client.get(f"/api{EVENT}/speakers", headers=api.acme.read)).json()
    someone = speakers["items"][0]

    async def names(query: str) -> list[str]:
        page = await api.client.get(f"{EVENT}/speakers?{query}")
        assert page.status_code == 200
        return re.findall(rf'<a href="{EVENT}/speakers/[^"]+">([^<]+)</a>', page.text)

    everyone = {f"{s['first_name']} {s['last_name']}" for s in speakers["items"]}
    assert set(await names(f"q={someone['company']}")) == {
        f"{s['first_name']} {s['last_name']}"
        for s in speakers["items"]
        if s["company"] == someone["company"]
    }
    sessions = (await api.client.get(f"/api{EVENT}/sessions", headers=api.acme.read)).json()
    speaking = {p["speaker"] for s in sessions["items"] for p in s["people"]}
    assert speaking != {s["id"] for s in speakers["items"]}  # the demo has some without
    added = await _post(api, f"{EVENT}/speakers/new", {"first_name": "Solo", "last_name": "Zu"})
    assert added.status_code == 303
    without = sorted(
        (s["last_name"], s["first_name"]) for s in speakers["items"] if s["id"] not in speaking
    )
    shown = await names("sessions=none")
    assert shown == [f"{first} {last}" for last, first in sorted([*without, ("Zu", "Solo")])]
    page = await api.client.get(f"{EVENT}/speakers?sessions=none&q=solo")
    assert "1 speaker matches the search." in page.text
    assert set(await names("q=&status=&track=&sessions=")) == everyone | {"Solo Zu"}

    track = next(s["tracks"][0] for s in sessions["items"] if s["tracks"])
    on_track = {
        p["speaker"]
        for s in sessions["items"]
        if track in s["tracks"] and s["status"] == "accepted"
        for p in s["people"]
    }
    expected = sorted(
        (s["last_name"], s["first_name"]) for s in speakers["items"] if s["id"] in on_track
    )
    shown = await names(f"track={track}&sessions=accepted")
    assert shown == [f"{first} {last}" for last, first in expected]

    services = api.services
    monkeypatch.setattr(services, "settings", replace(services.settings, page_size=2))
    status, many = Counter(s["status"] for s in speakers["items"]).most_common(1)[0]
    many += status == "invited"  # Solo Zu, added above
    assert many > 2
    page = await api.client.get(f"{EVENT}/speakers?status={status}&q=")
    assert f"{many} speakers match the search." in page.text
    next_link = re.search(r'<a href="([^"]+)">Next</a>', page.text)
    assert next_link
    assert next_link[1] == f"{EVENT}/speakers?status={status}&amp;offset=2"


async def test_paging_keeps_a_search_with_ampersands_spaces_and_accents(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    for first in ("Ada", "Bea"):
        added = await api.client.post(
            f"/api{EVENT}/speakers",
            json={"first_name": first, "last_name": "Zé", "company": "Café & Crème GmbH"},
            headers=api.acme.write,
        )
        assert added.status_code == 201, added.text
    await api.login(api.acme.admin_email)
    monkeypatch.setattr(api.services, "settings", replace(api.services.settings, page_size=1))
    page = await api.client.get(f"{EVENT}/speakers", params={"q": "Café & Crème"})
    next_link = re.search(r'<a href="([^"]+)">Next</a>', page.text)
    assert next_link
    assert next_link[1] == f"{EVENT}/speakers?q=Caf%C3%A9+%26+Cr%C3%A8me&amp;offset=1"
    second = await api.client.get(html.unescape(next_link[1]))
    assert "2 speakers match the search." in second.text
    shown = re.findall(rf'<a href="{EVENT}/speakers/[^"]+">([^<]+)</a>', second.text)
    assert shown == ["Bea Zé"]


@pytest.mark.parametrize("kind", ["speakers", "exhibitors"])
async def test_the_lists_take_the_same_queries_for_one_record_or_many(
    api: Api, query_counter: Any, kind: str
) -> None:
    await api.login(api.acme.admin_email)
    listed = (await api.client.get(f"/api{EVENT}/{kind}", headers=api.acme.read)).json()
    first = listed["items"][0]
    one = first["email"] if kind == "speakers" else first["name"]
    filters = "&status=&track=&sessions=" if kind == "speakers" else ""

    async def count(query: str) -> tuple[int, int]:
        query_counter.count, query_counter.counting = 0, True
        page = await api.client.get(f"{EVENT}/{kind}?{query}")
        query_counter.counting = False
        assert page.status_code == 200
        rows = len(re.findall(rf'<a href="{EVENT}/{kind}/[0-9a-f-]+">', page.text))
        return rows, int(query_counter.count)

    single, many = await count(f"q={one}{filters}"), await count(f"q={filters}")
    assert single[0] == 1
    assert many[0] == listed["total"] > 1
    assert single[1] == many[1]
