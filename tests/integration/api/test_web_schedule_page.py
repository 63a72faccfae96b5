"""*Settings: Schedule*: a pretalx schedule uploaded and imported, the public feeds switched on
and read as a calendar would, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import icalendar

from agendasync.domain.accounts import Role
from agendasync.store.content import load_event_content
from agendasync.store.events import find_event
from conftest import IN_A_MONTH, PASSWORD, Api

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "schedule"


def _pretalx_in_a_month() -> bytes:
    """The pretalx fixture moved onto the demo event's first day."""
    text = (FIXTURES / "pretalx-schedule.json").read_text()
    return text.replace("2026-09-01", str(IN_A_MONTH)).encode()


async def test_an_organiser_imports_a_pretalx_schedule_edits_and_publishes_the_feeds(
    api: Api,
) -> None:
    csrf = await api.login(api.acme.admin_email)
    page = "/events/acme-conf/settings/schedule"

    imported = await api.client.post(
        "/events/acme-conf/schedule/import",
        data={"csrf_token": csrf},
        files={"schedule": ("schedule.json", _pretalx_in_a_month(), "application/json")},
    )
    shown = await api.client.get(page)
    off = await api.client.get("/public/acme-conf/schedule.ics")
    switched = await api.client.post(
        f"{page}/feeds", data={"csrf_token": csrf, "public_feeds": "on"}
    )
    with api.store.transaction() as connection:
        event = find_event(connection, "acme-conf")
        keynote = next(
            s
            for s in load_event_content(connection, event.id).sessions
            if s.title == "Keynote: The Zen of Data"
        )
    edited = await api.client.patch(
        f"/api/events/acme-conf/sessions/{keynote.id}",
        json={"title": "Keynote: The Zen of Data, revised"},
        headers=api.acme.write,
    )
    feed = await api.client.get("/public/acme-conf/schedule.ics")

    assert imported.status_code == 303
    assert "Schedule imported: sessions 3 new" in shown.text
    assert "Switch public feeds on" in shown.text
    assert off.status_code == 404
    assert switched.status_code == 303
    assert edited.status_code == 200
    assert feed.status_code == 200
    titles = {str(e["summary"]) for e in icalendar.Calendar.from_ical(feed.content).walk("VEVENT")}
    assert {"Keynote: The Zen of Data, revised", "Hands-on pandas", "Lunch"} <= titles
    assert "/public/acme-conf/schedule.json" in (await api.client.get(page)).text


async def test_a_malformed_upload_is_refused_with_its_place_and_a_viewer_cannot_import(
    api: Api,
) -> None:
    document = json.loads(_pretalx_in_a_month())
    del document["schedule"]["conference"]["days"][0]["rooms"]["Studio B"][0]["guid"]
    csrf = await api.login(api.acme.admin_email)

    refused = await api.client.post(
        "/events/acme-conf/schedule/import",
        data={"csrf_token": csrf},
        files={"schedule": ("schedule.json", json.dumps(document).encode(), "application/json")},
    )
    page = await api.client.get("/events/acme-conf/settings/schedule")
    api.services.accounts.create_user("viewer@acme.example", PASSWORD, org="acme", role=Role.VIEWER)
    viewer_csrf = await api.login("viewer@acme.example")
    viewer_page = await api.client.get("/events/acme-conf/settings/schedule")
    by_viewer = await api.client.post(
        "/events/acme-conf/schedule/import",
        data={"csrf_token": viewer_csrf},
        files={"schedule": ("schedule.json", _pretalx_in_a_month(), "application/json")},
    )

    assert refused.status_code == 303
    assert "The schedule was not imported" in page.text
    assert "&#39;guid&#39; is a required property" in page.text
    assert "Import schedule" not in viewer_page.text
    assert by_viewer.status_code == 403
