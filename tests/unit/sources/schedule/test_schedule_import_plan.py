"""Reading schedule files and planning their import, pure: pretalx JSON and frab XML, errors that
name the place in the file, and the round trip export -> import (a property test)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schedule_content import BERLIN, build_content

from agendasync.domain.models import (
    EventContent,
    Session,
    SessionPerson,
    SessionStatus,
    Speaker,
    SpeakerStatus,
    TaxonomyItem,
    TaxonomyKind,
)
from agendasync.sources.schedule.export import (
    full_name,
    is_published,
    schedule_json_text,
    schedule_xml,
    xml_safe,
)
from agendasync.sources.schedule.parse import parse_schedule
from agendasync.sources.schedule.plan import Brought, plan_schedule_import
from agendasync.sources.schedule.validation import MalformedSchedule

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "schedule"
NOW = datetime(2026, 8, 1, tzinfo=UTC)
URL = "https://hub.example/api/events/pycon-de/schedule.json"


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _empty_like(content: EventContent) -> EventContent:
    return EventContent(event=content.event.model_copy(update={"id": uuid.uuid4()}))


def _view(content: EventContent) -> set[tuple[Any, ...]]:
    """What a round trip must keep: per published session its values and speakers' names."""
    names = {s.id: full_name(s) for s in content.speakers if s.status == "accepted"}
    return {
        (
            s.title,
            s.description,
            s.starts_at,
            s.ends_at,
            s.locations[0].name if s.locations else None,
            s.tracks[0].name if s.tracks else None,
            s.format.name if s.format and not s.is_service else None,
            s.is_service,
            s.language,
            tuple(dict.fromkeys(names[p.speaker_id] for p in s.people if p.speaker_id in names)),
            tuple(f.url for f in s.files),
        )
        for s in content.sessions
        if is_published(s)
    }


def _imported(content: EventContent, body: bytes) -> EventContent:
    fresh = _empty_like(content)
    schedule = parse_schedule(body, timezone=content.event.timezone)
    plan = plan_schedule_import(fresh, schedule, previous=Brought(), now=NOW)
    return plan.changes


# --- reading pretalx and frab files ------------------------------------------------------------


def test_a_pretalx_schedule_json_becomes_sessions_in_the_event_zone_with_speakers() -> None:
    content = build_content()
    schedule = parse_schedule(_fixture("pretalx-schedule.json"), timezone="Europe/Berlin")

    plan = plan_schedule_import(_empty_like(content), schedule, previous=Brought(), now=NOW)

    sessions = {s.title: s for s in plan.changes.sessions}
    assert sorted(sessions) == ["Hands-on pandas", "Keynote: The Zen of Data", "Lunch"]
    keynote, workshop = sessions["Keynote: The Zen of Data"], sessions["Hands-on pandas"]
    assert keynote.description == "Why data matters.\n\nA longer look at why data matters."
    assert keynote.format is not None
    assert keynote.format.name == "Keynote"
    assert keynote.status is SessionStatus.ACCEPTED
    assert [t.name for t in keynote.tracks] == ["Data Science"]
    assert keynote.tracks[0].colour == "#1F77B4"
    assert [f.url for f in keynote.files] == ["https://slides.example/zen.pdf"]
    # 12:00Z is 14:00 in Berlin; "de-DE" is stored as "de".
    assert workshop.starts_at == datetime(2026, 9, 1, 14, tzinfo=BERLIN)
    assert workshop.ends_at == datetime(2026, 9, 1, 16, tzinfo=BERLIN)
    assert workshop.language == "de"
    assert sessions["Lunch"].is_service is True
    assert sessions["Lunch"].format is None
    speakers = {full_name(s): s for s in plan.changes.speakers}
    assert sorted(speakers) == ["Ada Lovelace", "Grace Brewster Hopper"]
    assert (
        speakers["Grace Brewster Hopper"].first_name,
        speakers["Grace Brewster Hopper"].last_name,
    ) == ("Grace Brewster", "Hopper")
    assert speakers["Ada Lovelace"].headshot_url == "https://pretalx.example/media/avatars/ada.png"
    assert speakers["Ada Lovelace"].biography == "Wrote the first program."
    assert speakers["Ada Lovelace"].status is SpeakerStatus.ACCEPTED
    # Ada speaks twice and is one speaker.
    assert workshop.people[0].speaker_id == keynote.people[0].speaker_id
    locations = sorted(i.name for i in plan.changes.taxonomy if i.kind is TaxonomyKind.LOCATION)
    assert locations == ["Garden", "Hall 1", "Studio B"]
    assert plan.warnings == (
        "schedule.conference.tracks[1].color: 'not a colour' is not a #RRGGBB colour; left out",
    )


def test_sessions_outside_the_event_dates_are_left_out_with_their_place_r_sz_3() -> None:
    content = build_content()
    schedule = parse_schedule(_fixture("pretalx-schedule.json"), timezone="Europe/Berlin")

    plan = plan_schedule_import(_empty_like(content), schedule, previous=Brought(), now=NOW)

    assert [(o.name, o.reason) for o in plan.left_out] == [("After the end", "outside_dates")]
    assert plan.left_out[0].detail.startswith('schedule.conference.days[1].rooms["Hall 1"][0]: ')
    assert plan.sessions.created == 3


def test_a_frab_schedule_xml_becomes_sessions_with_speakers_keyed_by_their_id() -> None:
    content = build_content()
    schedule = parse_schedule(_fixture("frab-schedule.xml"), timezone="Europe/Berlin")

    plan = plan_schedule_import(_empty_like(content), schedule, previous=Brought(), now=NOW)

    sessions = {s.title: s for s in plan.changes.sessions}
    assert sorted(sessions) == ["Lightning talks", "Secure defaults"]
    secure = sessions["Secure defaults"]
    assert secure.starts_at == datetime(2026, 9, 1, 11, tzinfo=BERLIN)
    assert secure.description == "Defaults decide.\n\nLonger text."
    assert secure.tracks[0].colour == "#d62728"
    assert len(plan.changes.speakers) == 2
    assert sessions["Lightning talks"].people[0] == secure.people[1]


@pytest.mark.parametrize(
    ("mangle", "place", "message"),
    [
        (
            lambda d: d["schedule"]["conference"]["days"][0]["rooms"]["Hall 1"][0].pop("date"),
            'schedule.conference.days[0].rooms["Hall 1"][0]',
            "'date' is a required property",
        ),
        (
            lambda d: d["schedule"]["conference"]["days"][0]["rooms"]["Studio B"][0].update(
                guid="not-a-uuid"
            ),
            'schedule.conference.days[0].rooms["Studio B"][0].guid',
            "'not-a-uuid' is not a UUID",
        ),
        (
            lambda d: d["schedule"]["conference"]["days"][0]["rooms"]["Hall 1"][1].update(
                guid="0d1c2b3a-4f5e-5d6c-8b7a-9e8d7c6b5a01"
            ),
            'schedule.conference.days[0].rooms["Hall 1"][1]',
            "guid 0d1c2b3a-4f5e-5d6c-8b7a-9e8d7c6b5a01 is also used at "
            'schedule.conference.days[0].rooms["Hall 1"][0]',
        ),
        (
            lambda d: d["schedule"]["conference"].update(days="monday"),
            "schedule.conference.days",
            "'monday' is not of type 'array'",
        ),
    ],
)
def test_a_malformed_schedule_json_is_refused_naming_the_place(
    mangle: Any, place: str, message: str
) -> None:
    document = json.loads(_fixture("pretalx-schedule.json"))
    mangle(document)

    with pytest.raises(MalformedSchedule) as caught:
        parse_schedule(json.dumps(document).encode(), timezone="Europe/Berlin")

    assert caught.value.problems == [(place, message)]
    assert f"{place}: {message}" in str(caught.value)


def test_a_file_that_is_not_json_or_xml_is_refused_naming_the_line() -> None:
    with pytest.raises(MalformedSchedule) as caught:
        parse_schedule(b'{"schedule": {\n  "version": 1,,\n}', timezone="UTC")

    assert caught.value.problems == [
        ("line 2, column 16", "not valid JSON: Expecting property name enclosed in double quotes")
    ]


def test_xml_with_an_entity_declaration_is_refused_without_expanding_it() -> None:
    body = b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY x "boom">]><schedule>&x;</schedule>'

    with pytest.raises(MalformedSchedule) as caught:
        parse_schedule(body, timezone="UTC")

    assert caught.value.problems == [
        ("(the document)", "not accepted: the document declares a DTD of its own (entities)")
    ]


def test_an_invalid_schedule_xml_is_refused_naming_the_element() -> None:
    body = _fixture("frab-schedule.xml").replace(b"<duration>01:00</duration>", b"")

    with pytest.raises(MalformedSchedule) as caught:
        parse_schedule(body, timezone="UTC")

    assert [place for place, _ in caught.value.problems] == ["line 17, /schedule/day[1]/room/event"]
    assert "duration" in caught.value.problems[0][1]


# --- re-import (R-SZ-5) ------------------------------------------------------------------------


def _stored_after(content: EventContent, changes: EventContent) -> EventContent:
    """What the store holds after saving `changes` over `content` (records matched by id)."""
    by_id = {s.id: s for s in content.sessions} | {s.id: s for s in changes.sessions}
    speakers = {s.id: s for s in content.speakers} | {s.id: s for s in changes.speakers}
    items = {i.id: i for i in content.taxonomy} | {i.id: i for i in changes.taxonomy}
    return EventContent(
        event=content.event,
        taxonomy=list(items.values()),
        sessions=list(by_id.values()),
        speakers=list(speakers.values()),
    )


def test_importing_the_same_file_again_changes_nothing_r_sz_5() -> None:
    empty = _empty_like(build_content())
    schedule = parse_schedule(_fixture("pretalx-schedule.json"), timezone="Europe/Berlin")
    first = plan_schedule_import(empty, schedule, previous=Brought(), now=NOW)
    stored = _stored_after(empty, first.changes)

    again = plan_schedule_import(stored, schedule, previous=first.brought, now=NOW)

    assert (again.sessions.created, again.sessions.updated, again.sessions.unchanged) == (0, 0, 3)
    assert (again.speakers.created, again.speakers.unchanged) == (0, 2)
    assert (again.taxonomy.created, again.taxonomy.updated) == (0, 0)
    assert again.changes.sessions == []
    assert again.brought == first.brought


def test_a_session_gone_from_the_file_is_withdrawn_and_restored_when_back_r_sz_5() -> None:
    empty = _empty_like(build_content())
    full = parse_schedule(_fixture("pretalx-schedule.json"), timezone="Europe/Berlin")
    document = json.loads(_fixture("pretalx-schedule.json"))
    del document["schedule"]["conference"]["days"][0]["rooms"]["Studio B"]
    shorter = parse_schedule(json.dumps(document).encode(), timezone="Europe/Berlin")
    first = plan_schedule_import(empty, full, previous=Brought(), now=NOW)
    stored = _stored_after(empty, first.changes)

    second = plan_schedule_import(stored, shorter, previous=first.brought, now=NOW)
    stored = _stored_after(stored, second.changes)
    third = plan_schedule_import(stored, full, previous=second.brought, now=NOW)

    assert second.sessions.withdrawn == 1
    assert [s.title for s in second.changes.sessions if s.withdrawn] == ["Hands-on pandas"]
    assert second.speakers.withdrawn == 0  # Ada still gives the keynote
    assert third.sessions.restored == 1


def test_hub_values_survive_a_reimport() -> None:
    empty = _empty_like(build_content())
    schedule = parse_schedule(_fixture("pretalx-schedule.json"), timezone="Europe/Berlin")
    first = plan_schedule_import(empty, schedule, previous=Brought(), now=NOW)
    stored = _stored_after(empty, first.changes)
    tag = TaxonomyItem(kind=TaxonomyKind.TAG, name="Sponsored")
    stored.taxonomy.append(tag)
    keynote = next(s for s in stored.sessions if s.title.startswith("Keynote"))
    keynote.tags = [tag]
    keynote.client_session_id = "K-1"
    ada = next(s for s in stored.speakers if s.last_name == "Lovelace")
    ada.email = "ada@example.org"

    again = plan_schedule_import(stored, schedule, previous=first.brought, now=NOW)

    assert again.sessions.unchanged == 3
    assert again.speakers.unchanged == 2


# --- the round trip ------------------------------------------------------------------------------


@pytest.mark.parametrize("write", [schedule_json_text, schedule_xml])
def test_export_then_import_into_an_empty_event_gives_the_same_programme(write: Any) -> None:
    content = build_content()

    imported = _imported(content, write(content, url=URL).encode("utf-8"))

    expected = _view(content)
    if write is schedule_xml:  # the XML carries no avatars and biographies; names and times it does
        assert len(_view(imported)) == len(expected)
    assert _view(imported) == expected


_names = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")),
    min_size=1,
    max_size=12,
)


# Any storable text: control characters included, NUL and lone surrogates not.
_descriptions = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40)


@st.composite
def _events(draw: st.DrawFn) -> EventContent:
    content = build_content(draw(st.sampled_from(["Europe/Berlin", "America/New_York", "UTC"])))
    zone = content.event.tz
    rooms = [
        TaxonomyItem(kind=TaxonomyKind.LOCATION, name=n)
        for n in draw(st.lists(_names, min_size=1, max_size=3, unique_by=str.casefold))
    ]
    tracks = [
        TaxonomyItem(kind=TaxonomyKind.TRACK, name=n)
        for n in draw(st.lists(_names, max_size=2, unique_by=str.casefold))
    ]
    people = [
        Speaker(first_name=first, last_name=last, status=SpeakerStatus.ACCEPTED)
        for first, last in draw(
            st.lists(
                st.tuples(_names, _names),
                max_size=4,
                unique_by=lambda p: f"{p[0]} {p[1]}".casefold(),
            )
        )
    ]
    sessions = []
    for _ in range(draw(st.integers(0, 6))):
        start = datetime(2026, 9, 1, 8, tzinfo=zone) + timedelta(
            minutes=5 * draw(st.integers(0, 400))
        )
        sessions.append(
            Session(
                title=draw(_names),
                description=draw(_descriptions).strip(),
                starts_at=start,
                ends_at=start + timedelta(minutes=5 * draw(st.integers(1, 48))),
                status=SessionStatus.ACCEPTED,
                locations=[draw(st.sampled_from(rooms))],
                tracks=draw(st.lists(st.sampled_from(tracks), max_size=1)) if tracks else [],
                people=[
                    SessionPerson(p.id)
                    for p in draw(
                        st.lists(st.sampled_from(people), max_size=2, unique_by=lambda p: p.id)
                    )
                ]
                if people
                else [],
            )
        )
    return EventContent(
        event=content.event.model_copy(update={"end_date": date(2026, 9, 3)}),
        taxonomy=[*rooms, *tracks],
        sessions=sessions,
        speakers=people,
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=_events(), xml=st.booleans())
def test_property_round_trip_keeps_sessions_times_rooms_tracks_and_speakers(
    content: EventContent, xml: bool
) -> None:
    write = schedule_xml if xml else schedule_json_text

    imported = _imported(content, write(content, url=URL).encode("utf-8"))

    def comparable(view: set[tuple[Any, ...]], *, exported: bool) -> set[tuple[Any, ...]]:
        # XML cannot hold control characters (the export leaves them out), and the importer
        # strips text; a name split at its last space may divide first and last name otherwise.
        def text(value: str) -> str:
            return (xml_safe(value) if xml and exported else value).strip()

        return {
            (text(v[0]), text(v[1]), *v[2:9], tuple(" ".join(n.split()) for n in v[9]), v[10])
            for v in view
        }

    assert comparable(_view(imported), exported=False) == comparable(_view(content), exported=True)


@pytest.mark.parametrize("write", [schedule_json_text, schedule_xml])
def test_importing_the_events_own_export_into_it_changes_nothing_r_sz_5(write: Any) -> None:
    content = build_content()
    schedule = parse_schedule(write(content, url=URL).encode(), timezone="Europe/Berlin")

    plan = plan_schedule_import(content, schedule, previous=Brought(), now=NOW)

    assert (plan.sessions.created, plan.sessions.updated, plan.sessions.unchanged) == (0, 0, 5)
    assert (plan.speakers.created, plan.speakers.updated, plan.speakers.unchanged) == (0, 0, 3)
    assert (plan.taxonomy.created, plan.taxonomy.updated) == (0, 0)
