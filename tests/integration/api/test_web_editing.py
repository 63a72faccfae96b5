"""Editing in the pages over HTTP: events (new, *Settings: Event*, delete), sessions (add, page,
edit, delete), tracks, rooms and tags; refusals at the field with nothing written; viewers see
no edit controls; on SQLite and PostgreSQL."""

from __future__ import annotations

import html
import re
import uuid

import httpx
from sqlalchemy import func, select

from agendasync.domain.accounts import Role
from agendasync.store import tables as t
from agendasync.store.content import load_event_content
from agendasync.store.events import find_event
from conftest import IN_A_MONTH, PASSWORD, Api

DAY = IN_A_MONTH.isoformat()


def _count(api: Api, table: t.Table) -> int:
    with api.store.transaction() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def _invalid(page: httpx.Response, field: str) -> str:
    """The error shown at `field` (the one of that name marked invalid: a page may hold several
    forms), after checking the field is described by it."""
    controls = re.findall(rf'<(?:input|select|textarea)[^>]*name="{field}"[^>]*>', page.text)
    invalid = [c for c in controls if 'aria-invalid="true"' in c]
    assert len(invalid) == 1, (field, controls)
    described = re.search(r'aria-describedby="([^"]*?[-\w]+-error)\b', invalid[0])
    assert described, invalid[0]
    error_id = described[1].split()[0]
    error = re.search(rf'<p class="field-error" id="{error_id}">([^<]*)</p>', page.text)
    assert error, page.text
    return html.unescape(error[1])


def _value(page: httpx.Response, field: str, form: str = "edit") -> str:
    """The value of `field` in the form whose id is `form`."""
    found = re.search(rf'<form[^>]*id="{form}".*?</form>', page.text, re.S)
    assert found, (form, page.text)
    control = re.search(rf'<input[^>]*name="{field}"[^>]*value="([^"]*)"', found[0])
    assert control, (field, found[0])
    return html.unescape(control[1])


async def test_an_event_is_created_edited_and_deleted_in_the_pages(api: Api) -> None:
    csrf = await api.login(api.acme.admin_email)
    assert (await api.client.get("/orgs/acme")).text.count('href="/orgs/acme/events/new"') == 1
    events = _count(api, t.events)
    new = {
        "csrf_token": csrf,
        "name": "Summit",
        "slug": "Summit 2027",
        "timezone": "America/New_York",
        "start_date": "2027-05-04",
        "end_date": "2027-05-03",
    }
    refused = await api.client.post("/orgs/acme/events", data=new)
    assert refused.status_code == 422
    assert "The event was not created: check Short name." in refused.text
    assert _invalid(refused, "slug") == (
        "Use lowercase letters, digits and hyphens, starting with a letter or digit."
    )
    assert _value(refused, "name") == "Summit"  # typed values kept
    assert _value(refused, "slug") == "Summit 2027"
    assert '<option value="America/New_York" selected>' in refused.text
    backwards = await api.client.post("/orgs/acme/events", data=new | {"slug": "summit"})
    assert "The event was not created: check Last day." in backwards.text
    assert _invalid(backwards, "end_date") == "Last day must not be before first day."
    assert _value(backwards, "end_date") == "2027-05-03"
    new["end_date"] = "2027-05-05"
    taken = await api.client.post("/orgs/acme/events", data=new | {"slug": "rival-conf"})
    assert _invalid(taken, "slug") == (
        "Event short name 'rival-conf' is already used by another event."
    )
    assert _count(api, t.events) == events  # nothing written

    made = await api.client.post("/orgs/acme/events", data=new | {"slug": "summit"})
    assert made.headers["location"] == "/events/summit/agenda"
    assert "Event Summit created." in (await api.client.get(made.headers["location"])).text

    settings = await api.client.get("/events/summit/settings/event")
    assert _value(settings, "start_date") == "2027-05-04"
    assert "It holds nothing yet." in settings.text
    saved = await api.client.post(
        "/events/summit/settings/event",
        data=new | {"name": "Summit 27", "slug": "summit-27", "end_date": "2027-05-06"},
    )
    assert saved.headers["location"] == "/events/summit-27/settings/event"
    with api.store.transaction() as connection:
        event = find_event(connection, "summit-27")
    assert (event.name, event.timezone, str(event.end_date)) == (
        "Summit 27",
        "America/New_York",
        "2027-05-06",
    )
    wrong_zone = await api.client.post(
        "/events/summit-27/settings/event", data=new | {"slug": "summit-27", "timezone": "Mars"}
    )
    assert wrong_zone.status_code == 422
    assert _invalid(wrong_zone, "timezone") == (
        "Unknown time zone 'Mars'; use an IANA name such as 'Europe/Berlin'."
    )

    deleted = await api.client.post("/events/summit-27/delete", data={"csrf_token": csrf})
    assert deleted.headers["location"] == "/orgs/acme"
    assert _count(api, t.events) == events
    assert (await api.client.get("/events/summit-27/agenda")).status_code == 404


async def test_deleting_an_event_says_what_goes_with_it(api: Api) -> None:
    await api.login(api.acme.admin_email)
    page = await api.client.get("/events/acme-conf/settings/event")
    with api.store.transaction() as connection:
        content = load_event_content(connection, find_event(connection, "acme-conf").id)
    holds = (
        f"{len(content.sessions)} sessions, {len(content.speakers)} speakers, "
        f"{len(content.sponsors)} sponsors, {len(content.exhibitors)} exhibitors"
    )
    question = f"Delete {content.event.name} with {holds}? This cannot be undone."
    assert question in html.unescape(page.text)


async def _add_taxonomy(api: Api, csrf: str) -> None:
    base = "/events/acme-conf/settings/taxonomy"
    for kind, name, colour in (("track", "Platform Ops", ""), ("tag", "Hands-on lab", "#1e88e5")):
        added = await api.client.post(
            f"{base}/{kind}", data={"csrf_token": csrf, "name": name, "colour": colour}
        )
        assert added.status_code == 303, added.text


async def test_tracks_rooms_and_tags_are_added_renamed_recoloured_and_deleted(api: Api) -> None:
    csrf = await api.login(api.acme.admin_email)
    base = "/events/acme-conf/settings/taxonomy"
    items = _count(api, t.taxonomy_items)
    bad = await api.client.post(
        f"{base}/tag", data={"csrf_token": csrf, "name": "Hands-on lab", "colour": "blue"}
    )
    assert bad.status_code == 422
    assert "The tag was not added: check Colour." in bad.text
    assert _invalid(bad, "colour") == "Give a colour as #RRGGBB, e.g. #1E88E5."
    assert _value(bad, "colour", "new-tag") == "blue"
    assert _count(api, t.taxonomy_items) == items
    await _add_taxonomy(api, csrf)
    assert _count(api, t.taxonomy_items) == items + 2
    with api.store.transaction() as connection:
        items_table = t.taxonomy_items
        tag_id = connection.execute(
            select(items_table.c.id).where(items_table.c.name == "Hands-on lab")
        ).scalar_one()
    page = await api.client.get(base)
    assert _value(page, "colour", f"item-{tag_id}") == "#1e88e5"
    path = f"{base}/items/{tag_id}"
    clash = await api.client.post(path, data={"csrf_token": csrf, "name": "Platform Ops"})
    assert clash.status_code == 303  # a tag may share a track's name
    await api.client.post(f"{base}/tag", data={"csrf_token": csrf, "name": "Beginners"})
    twice = await api.client.post(path, data={"csrf_token": csrf, "name": "Beginners"})
    assert twice.status_code == 422
    assert _invalid(twice, "name") == "This event already has a tag 'Beginners'."
    assert _value(twice, "name", f"item-{tag_id}") == "Beginners"
    renamed = await api.client.post(
        path, data={"csrf_token": csrf, "name": "Workshop", "colour": "#00AA00"}
    )
    assert renamed.status_code == 303
    page = await api.client.get(base)
    assert _value(page, "name", f"item-{tag_id}") == "Workshop"
    assert _value(page, "colour", f"item-{tag_id}") == "#00AA00"
    await api.client.post(f"{base}/items/{tag_id}/delete", data={"csrf_token": csrf})
    assert _count(api, t.taxonomy_items) == items + 2  # the track and Beginners stay


async def _speaker_ids(api: Api) -> list[str]:
    with api.store.transaction() as connection:
        content = load_event_content(connection, find_event(connection, "acme-conf").id)
    return [str(s.id) for s in sorted(content.speakers, key=lambda s: s.last_name)]


async def test_a_session_is_added_shown_edited_and_deleted(api: Api) -> None:
    csrf = await api.login(api.acme.admin_email)
    await _add_taxonomy(api, csrf)
    first, second = (await _speaker_ids(api))[:2]
    form = {
        "csrf_token": csrf,
        "title": "Serverless at scale",
        "description": "Line one\nline two",
        "status": "accepted",
        "starts_at": f"{DAY}T09:30",
        "ends_at": f"{DAY}T09:00",
        "tracks": "Platform Ops",
        "tags": "Hands-on lab",
        "people_0_speaker": first,
        "people_0_role": "moderator",
        "people_1_speaker": "",
        "people_1_role": "speaker",
    }
    sessions = _count(api, t.sessions)
    assert (await api.client.get("/events/acme-conf/sessions/new")).status_code == 200
    refused = await api.client.post("/events/acme-conf/sessions", data=form)
    assert refused.status_code == 422
    assert "The session was not added: check End time." in refused.text
    assert _invalid(refused, "ends_at") == "End time must be after start time."
    assert _value(refused, "title") == "Serverless at scale"
    assert re.search(r'value="Hands-on lab"\s+checked', refused.text)
    assert re.search(rf'<option value="{first}" selected>', refused.text)
    assert _count(api, t.sessions) == sessions

    twice = await api.client.post(
        "/events/acme-conf/sessions",
        data=form
        | {"ends_at": f"{DAY}T10:15", "people_1_speaker": first, "people_1_role": "moderator"},
    )
    assert twice.status_code == 422
    assert "is on this session twice as moderator" in _invalid(twice, "people_1_speaker")
    assert _count(api, t.sessions) == sessions

    added = await api.client.post(
        "/events/acme-conf/sessions", data=form | {"ends_at": f"{DAY}T10:15"}
    )
    assert added.status_code == 303
    path = added.headers["location"]
    page = await api.client.get(path)
    assert "Session Serverless at scale added." in page.text
    assert IN_A_MONTH.strftime("%A %d %B %Y, 09:30") + "\u201310:15" in page.text
    assert '<rect width="12" height="12" rx="2" fill="#1e88e5"/></svg>Hands-on lab' in page.text
    assert re.search(
        rf'<a href="/events/acme-conf/speakers/{first}">[^<]+</a> '
        r'<span class="muted">moderator</span>',
        page.text,
    )
    agenda = await api.client.get("/events/acme-conf/agenda")
    assert f'<a href="{path}">Serverless at scale</a>' in agenda.text

    edited = await api.client.post(
        path,
        data=form
        | {
            "title": "Serverless, at scale",
            "ends_at": f"{DAY}T10:30",
            "tags": [],
            "people_0_speaker": second,
            "people_0_role": "speaker",
        },
    )
    assert edited.headers["location"] == path
    session_id = uuid.UUID(path.rsplit("/", 1)[1])
    with api.store.transaction() as connection:
        content = load_event_content(connection, find_event(connection, "acme-conf").id)
    session = next(s for s in content.sessions if s.id == session_id)
    assert session.title == "Serverless, at scale"
    assert [i.name for i in session.tags] == []
    assert [i.name for i in session.tracks] == ["Platform Ops"]
    assert [(str(p.speaker_id), p.role.value) for p in session.people] == [(second, "speaker")]
    assert session.ends_at is not None
    assert session.ends_at.astimezone(content.event.tz).strftime("%H:%M") == "10:30"

    deleted = await api.client.post(f"{path}/delete", data={"csrf_token": csrf})
    assert deleted.headers["location"] == "/events/acme-conf/agenda"
    assert _count(api, t.sessions) == sessions
    assert (await api.client.get(path)).status_code == 404


async def test_viewers_see_no_edit_controls_and_may_not_edit(api: Api) -> None:
    api.services.accounts.create_user("viewer@acme.example", PASSWORD, org="acme", role=Role.VIEWER)
    csrf = await api.login("viewer@acme.example")
    agenda = await api.client.get("/events/acme-conf/agenda")
    path = re.search(r'href="(/events/acme-conf/sessions/[-\w]+)"', agenda.text)
    assert path
    assert "Add session" not in agenda.text
    session = await api.client.get(path[1])
    assert session.status_code == 200
    assert "/edit" not in session.text
    assert "/delete" not in session.text
    assert 'href="/orgs/acme/events/new"' not in (await api.client.get("/orgs/acme")).text
    assert "Delete event" not in (await api.client.get("/events/acme-conf/settings/event")).text
    sessions = _count(api, t.sessions)
    for url, data in (
        (f"{path[1]}/delete", {}),
        ("/events/acme-conf/sessions", {"title": "x"}),
        ("/events/acme-conf/settings/taxonomy/tag", {"name": "x"}),
        ("/events/acme-conf/delete", {}),
    ):
        answer = await api.client.post(url, data={"csrf_token": csrf} | data)
        assert answer.status_code == 403, url
    assert _count(api, t.sessions) == sessions
    assert (await api.client.get("/events/acme-conf/sessions/new")).status_code == 403
