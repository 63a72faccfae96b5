"""The schedule feeds and the schedule import over the API, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import icalendar

from agendasync.domain.models import Event
from agendasync.sources.schedule.validation import json_problems, xml_document, xml_problems
from agendasync.store.events import find_organisation, save_event
from conftest import IN_A_MONTH, Api

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "schedule"


async def test_feeds_validate_against_the_schemas_and_the_ics_opens_in_a_calendar(
    api: Api,
) -> None:
    base = f"/api/events/{api.acme.event}"

    as_json = await api.client.get(f"{base}/schedule.json", headers=api.acme.read)
    as_xml = await api.client.get(f"{base}/schedule.xml", headers=api.acme.read)
    as_ics = await api.client.get(f"{base}/schedule.ics", headers=api.acme.read)

    assert [a.status_code for a in (as_json, as_xml, as_ics)] == [200, 200, 200]
    assert as_json.headers["content-type"] == "application/json; charset=utf-8"
    assert as_ics.headers["content-type"] == "text/calendar; charset=utf-8"
    assert json_problems(as_json.json()) == []
    assert xml_problems(xml_document(as_xml.content)) == []
    days = as_json.json()["schedule"]["conference"]["days"]
    published = [e for day in days for events in day["rooms"].values() for e in events]
    calendar = icalendar.Calendar.from_ical(as_ics.content)
    assert len(calendar.walk("VEVENT")) == len(published)
    assert published[0]["url"].startswith(f"http://testserver{base}/schedule.json#")


async def test_an_unchanged_feed_is_answered_304(api: Api) -> None:
    url = f"/api/events/{api.acme.event}/schedule.json"
    first = await api.client.get(url, headers=api.acme.read)

    by_etag = await api.client.get(
        url, headers={**api.acme.read, "If-None-Match": first.headers["etag"]}
    )
    by_date = await api.client.get(
        url, headers={**api.acme.read, "If-Modified-Since": first.headers["last-modified"]}
    )
    other = await api.client.get(url, headers={**api.acme.read, "If-None-Match": '"other"'})

    assert (by_etag.status_code, by_date.status_code, other.status_code) == (304, 304, 200)
    assert by_etag.content == b""
    assert by_etag.headers["etag"] == first.headers["etag"]


async def test_feeds_of_another_organisation_or_without_a_token_are_refused(api: Api) -> None:
    url = f"/api/events/{api.acme.event}/schedule.ics"

    theirs = await api.client.get(url, headers=api.rival.read)
    anonymous = await api.client.get(url)

    assert (theirs.status_code, anonymous.status_code) == (404, 401)


async def test_a_schedule_file_is_imported_through_the_api(api: Api) -> None:
    with api.store.transaction() as connection:
        org = find_organisation(connection, api.acme.slug)
        save_event(
            connection,
            Event(
                org_id=org.id,
                slug="pyconde",
                name="PyCon DE",
                timezone="Europe/Berlin",
                start_date=date(2026, 9, 1),
                end_date=date(2026, 9, 2),
            ),
        )
    url = "/api/events/pyconde/schedule/imports"
    body = (FIXTURES / "pretalx-schedule.json").read_bytes()

    by_reader = await api.client.post(url, content=body, headers=api.acme.read)
    imported = await api.client.post(url, content=body, headers=api.acme.write)
    feed = await api.client.get("/api/events/pyconde/schedule.json", headers=api.acme.read)

    assert by_reader.status_code == 403
    assert imported.status_code == 200
    assert imported.json()["counts"]["sessions"]["created"] == 3
    titles = {
        e["title"]
        for day in feed.json()["schedule"]["conference"]["days"]
        for events in day["rooms"].values()
        for e in events
    }
    assert titles == {"Keynote: The Zen of Data", "Lunch", "Hands-on pandas"}


async def test_a_malformed_schedule_file_is_refused_422_naming_the_place(api: Api) -> None:
    document = json.loads((FIXTURES / "pretalx-schedule.json").read_bytes())
    document["schedule"]["conference"]["days"][0]["rooms"]["Hall 1"][0]["persons"] = "Ada"
    url = f"/api/events/{api.acme.event}/schedule/imports"

    answer = await api.client.post(url, content=json.dumps(document), headers=api.acme.write)

    assert answer.status_code == 422
    assert answer.json()["error"] == "schedule.malformed"
    assert answer.json()["problems"] == [
        {
            "field": 'schedule.conference.days[0].rooms["Hall 1"][0].persons',
            "message": "'Ada' is not of type 'array'",
        }
    ]


async def test_public_feeds_are_refused_while_switched_off_and_served_once_on(api: Api) -> None:
    base = f"/public/{api.acme.event}"

    while_off = await api.client.get(f"{base}/schedule.json")
    switched = await api.client.patch(
        f"/api/events/{api.acme.event}", json={"public_feeds": True}, headers=api.acme.write
    )
    as_json = await api.client.get(f"{base}/schedule.json")
    as_xml = await api.client.get(f"{base}/schedule.xml")
    as_ics = await api.client.get(f"{base}/schedule.ics")
    unknown = await api.client.get(f"{base}/schedule.pdf")

    assert while_off.status_code == 404
    assert switched.status_code == 200
    assert switched.json()["public_feeds"] is True
    assert [a.status_code for a in (as_json, as_xml, as_ics)] == [200, 200, 200]
    assert unknown.status_code == 404
    assert as_json.headers["access-control-allow-origin"] == "*"
    assert json_problems(as_json.json()) == []
    assert xml_problems(xml_document(as_xml.content)) == []
    # A calendar reader opens the served .ics: every published session, in the event's zone.
    calendar = icalendar.Calendar.from_ical(as_ics.content)
    days = as_json.json()["schedule"]["conference"]["days"]
    published = [e for day in days for events in day["rooms"].values() for e in events]
    assert len(calendar.walk("VEVENT")) == len(published) > 0
    assert {str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")} == {"Europe/Berlin"}


async def test_public_feeds_answer_304_when_unchanged_and_200_after_an_edit(api: Api) -> None:
    await api.client.patch(
        f"/api/events/{api.acme.event}", json={"public_feeds": True}, headers=api.acme.write
    )
    url = f"/public/{api.acme.event}/schedule.ics"
    first = await api.client.get(url)
    sessions = await api.client.get(
        f"/api/events/{api.acme.event}/sessions?status=accepted", headers=api.acme.read
    )
    session = next(s for s in sessions.json()["items"] if s["starts_at"])

    unchanged = await api.client.get(url, headers={"If-None-Match": first.headers["etag"]})
    edited = await api.client.patch(
        f"/api/events/{api.acme.event}/sessions/{session['id']}",
        json={"title": "A new title"},
        headers=api.acme.write,
    )
    after_edit = await api.client.get(url, headers={"If-None-Match": first.headers["etag"]})

    assert unchanged.status_code == 304
    assert unchanged.headers["access-control-allow-origin"] == "*"
    assert edited.status_code == 200
    assert after_edit.status_code == 200
    assert "A new title" in after_edit.text


async def test_a_spreadsheet_is_imported_through_the_api_with_its_column_map(api: Api) -> None:
    url = f"/api/events/{api.acme.event}/table/imports"
    body = f"Session,Start,Minutes\nLate show,{IN_A_MONTH} 20:00,30\n".encode()
    params = [
        *(("map", "Session=title"), ("map", "Start=starts_at")),
        ("map", "Minutes=duration_minutes"),
    ]

    dry = await api.client.post(
        url, content=body, params=[*params, ("dry_run", "true")], headers=api.acme.read
    )
    bad = await api.client.post(
        url, content=body, params=[("map", "Session=headline")], headers=api.acme.write
    )

    assert dry.status_code == 200
    assert dry.json()["format"] == "csv"
    assert dry.json()["counts"]["sessions"]["created"] == 1
    assert bad.status_code == 422
    assert bad.json()["problems"][0]["field"] == "--map Session=headline"
