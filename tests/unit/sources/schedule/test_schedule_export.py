"""The writers: schedule.json and schedule.xml valid against the c3voc schemas, iCal readable,
only the published programme in them."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest
from schedule_content import build_content

from agendasync.domain.event_json import KnownIds, from_document
from agendasync.domain.models import EventContent
from agendasync.sources.demo_data import demo_event
from agendasync.sources.schedule.export import (
    is_published,
    schedule_ical,
    schedule_json,
    schedule_json_text,
    schedule_xml,
)
from agendasync.sources.schedule.validation import (
    MalformedSchedule,
    check_json,
    json_problems,
    xml_document,
    xml_problems,
)

URL = "https://hub.example/api/events/pycon-de/schedule.json"


@pytest.fixture
def content() -> EventContent:
    return build_content()


def _events(document: dict) -> list[dict]:
    return [
        event
        for day in document["schedule"]["conference"]["days"]
        for events in day["rooms"].values()
        for event in events
    ]


def _demo(sessions: int = 120) -> EventContent:
    document = demo_event(slug="devconf-2026", sessions=sessions, today=date(2026, 6, 1))
    return from_document(document, org_id=uuid.uuid4(), known=KnownIds())


# --- schedule.json ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "timezone", ["Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT-3", "UTC"]
)
def test_schedule_json_export_validates_against_the_c3voc_schema(timezone: str) -> None:
    document = json.loads(schedule_json_text(build_content(timezone), url=URL))

    assert json_problems(document) == []
    assert len(_events(document)) == 5


def test_schedule_json_export_of_a_generated_event_validates_against_the_c3voc_schema() -> None:
    content = _demo()
    document = schedule_json(content, url=URL)

    assert json_problems(document) == []
    assert len(_events(document)) == len([s for s in content.sessions if is_published(s)]) > 50


def test_the_schema_check_names_the_place_of_a_problem(content: EventContent) -> None:
    document = copy.deepcopy(schedule_json(content, url=URL))
    del document["schedule"]["conference"]["days"][0]["rooms"]["Hall 1"][0]["guid"]

    with pytest.raises(MalformedSchedule) as caught:
        check_json(document)

    assert caught.value.problems == [
        (
            'schedule.conference.days[0].rooms["Hall 1"][0]',
            "'guid' is a required property",
        )
    ]


def test_schedule_json_publishes_only_accepted_scheduled_sessions_that_are_not_withdrawn(
    content: EventContent,
) -> None:
    titles = {event["title"] for event in _events(schedule_json(content, url=URL))}

    assert titles == {
        'Keynote: Ünïcode & <XML> "quotes"',
        "Hands-on pandas",
        "Lunch",
        "Day two opening",
        "Roomless hallway track",
    }


def test_schedule_json_carries_times_rooms_tracks_formats_and_speakers(
    content: EventContent,
) -> None:
    document = schedule_json(content, url=URL)
    conference = document["schedule"]["conference"]
    by_title = {event["title"]: event for event in _events(document)}
    keynote, workshop = by_title['Keynote: Ünïcode & <XML> "quotes"'], by_title["Hands-on pandas"]

    assert conference["time_zone_name"] == "Europe/Berlin"
    assert [room["name"] for room in conference["rooms"]] == ["Hall 1", "Studio B", "Unused room"]
    assert conference["tracks"] == [
        {"name": "Data & AI", "slug": "data-ai", "color": "#aa00ff"},
        {"name": "Web", "slug": "web"},
    ]
    assert [day["date"] for day in conference["days"]] == ["2026-09-01", "2026-09-02"]
    assert keynote["date"] == "2026-09-01T10:00:00+02:00"
    assert keynote["start"] == "10:00"
    assert keynote["duration"] == "01:00"
    assert (keynote["room"], keynote["track"], keynote["type"]) == ("Hall 1", "Data & AI", "Talk")
    assert keynote["language"] == "en"
    assert keynote["abstract"] == "Opening the conference.\nTwo lines."
    # Accepted speakers once each (Grace also moderates); the invited one is not published.
    assert [p["name"] for p in keynote["persons"]] == ["Ada Lovelace", "Grace Hopper"]
    assert keynote["persons"][0]["avatar"] == "https://pictures.example/ada.png"
    assert keynote["persons"][0]["biography"] == "Wrote the first program."
    assert keynote["attachments"] == [
        {"url": "https://files.example/slides.pdf", "title": "slides.pdf"}
    ]
    assert workshop["duration"] == "03:30"
    assert [p["name"] for p in workshop["persons"]] == ["Prince"]


def test_service_sessions_appear_as_breaks_and_roomless_sessions_under_an_empty_room(
    content: EventContent,
) -> None:
    by_title = {event["title"]: event for event in _events(schedule_json(content, url=URL))}

    assert by_title["Lunch"]["type"] == "break"
    assert by_title["Roomless hallway track"]["room"] == ""


def test_schedule_json_holds_no_email_phone_or_status(content: EventContent) -> None:
    text = schedule_json_text(content, url=URL)

    assert "ada@example.org" not in text
    assert "1234567" not in text
    assert "accepted" not in text


def test_legacy_integer_ids_are_unique_and_the_same_on_every_export() -> None:
    content = _demo(400)
    first = [event["id"] for event in _events(schedule_json(content, url=URL))]
    again = [event["id"] for event in _events(schedule_json(content, url=URL))]

    assert len(set(first)) == len(first)
    assert first == again


def test_the_version_changes_when_the_programme_changes(content: EventContent) -> None:
    before = schedule_json(content, url=URL)["schedule"]["version"]
    content.sessions[0].title = "Keynote, renamed"

    assert schedule_json(content, url=URL)["schedule"]["version"] != before


# --- schedule.xml ----------------------------------------------------------------------------


@pytest.mark.parametrize("timezone", ["Europe/Berlin", "America/Argentina/Buenos_Aires"])
def test_schedule_xml_export_validates_against_the_c3voc_xsd(timezone: str) -> None:
    text = schedule_xml(build_content(timezone), url=URL)

    assert xml_problems(xml_document(text.encode("utf-8"))) == []
    assert text.count("<event ") == 5


def test_schedule_xml_export_of_a_generated_event_validates_against_the_c3voc_xsd() -> None:
    text = schedule_xml(_demo(), url=URL)

    assert xml_problems(xml_document(text.encode("utf-8"))) == []


def test_the_xsd_check_names_the_line_of_a_problem(content: EventContent) -> None:
    text = schedule_xml(content, url=URL).replace("<start>10:00</start>", "<start>ten</start>")

    problems = xml_problems(xml_document(text.encode("utf-8")))

    assert len(problems) == 1
    assert problems[0][0] == "line 21, /schedule/day[1]/room[1]/event[1]/start"
    assert "The value 'ten' is not accepted" in problems[0][1]


# --- iCal ------------------------------------------------------------------------------------


def test_ical_export_holds_every_published_session_with_its_zone(content: EventContent) -> None:
    calendar = icalendar.Calendar.from_ical(schedule_ical(content, url=URL))
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}

    assert len(events) == 5
    keynote = events['Keynote: Ünïcode & <XML> "quotes"']
    starts = keynote.decoded("dtstart")
    assert starts == datetime(2026, 9, 1, 10, tzinfo=ZoneInfo("Europe/Berlin"))
    assert keynote["dtstart"].params["TZID"] == "Europe/Berlin"
    assert str(keynote["location"]) == "Hall 1"
    assert str(keynote["uid"]) == f"{content.sessions[0].id}@agendasync"
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]


def test_ical_export_of_one_room_or_one_speaker(content: EventContent) -> None:
    prince = content.speakers[2]

    def titles(data: bytes) -> set[str]:
        return {str(e["summary"]) for e in icalendar.Calendar.from_ical(data).walk("VEVENT")}

    assert titles(schedule_ical(content, url=URL, room="Studio B")) == {"Hands-on pandas"}
    assert titles(schedule_ical(content, url=URL, speaker=prince.id)) == {"Hands-on pandas"}
