"""What Swoogo is sent for sessions, speakers and sponsors (R-TX-1, R-SYNC-7)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from agendasync.domain.models import (
    Event,
    EventContent,
    Role,
    Session,
    SessionPerson,
    SessionStatus,
    Speaker,
    SpeakerStatus,
    Sponsor,
    TaxonomyItem,
    TaxonomyKind,
)
from agendasync.partners.swoogo import SPEC
from agendasync.partners.swoogo.payloads import (
    content_items,
    id_in_notes,
    notes_for,
    one_day_clock,
    session_item,
    speaker_item,
    sponsor_items,
    tier_id,
)
from agendasync.sync.model import Item, Ref, Skip
from agendasync.sync.select import Selection

BERLIN = ZoneInfo("Europe/Berlin")
EVENT = Event(
    id=uuid.UUID(int=100),
    org_id=uuid.UUID(int=1),
    slug="conf",
    name="Conf",
    timezone="Europe/Berlin",
    start_date=date(2027, 5, 12),
    end_date=date(2027, 5, 14),
)
CONTENT = EventContent(event=EVENT)


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 5, day, hour, minute, tzinfo=BERLIN)


def _session(title: str = "Opening", **fields: Any) -> Session:
    values: dict[str, Any] = {
        "starts_at": _at(12, 9),
        "ends_at": _at(12, 10, 30),
        "status": SessionStatus.ACCEPTED,
    }
    values.update(fields)
    return Session(title=title, **values)


def _speaker(first: str = "Ada", last: str = "Lovelace", **fields: Any) -> Speaker:
    values: dict[str, Any] = {"email": f"{first.lower()}@example.com"}
    values.update(fields)
    return Speaker(first_name=first, last_name=last, status=SpeakerStatus.ACCEPTED, **values)


def _room(name: str) -> TaxonomyItem:
    return TaxonomyItem(kind=TaxonomyKind.LOCATION, name=name)


def _track(name: str, colour: str | None = None) -> TaxonomyItem:
    return TaxonomyItem(kind=TaxonomyKind.TRACK, name=name, colour=colour)


# --- R-TX-1: one_day -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "expected"),
    [
        (_at(12, 9), _at(12, 10, 30), ("2027-05-12", "09:00:00", "10:30:00")),
        # Several days, the end's clock later than the start's: that clock on the start date.
        (_at(12, 9), _at(14, 17), ("2027-05-12", "09:00:00", "17:00:00")),
        # Several days, the end's clock not after the start's: 23:59 of the start date.
        (_at(12, 14), _at(13, 10), ("2027-05-12", "14:00:00", "23:59:00")),
        (_at(12, 9), _at(13, 9), ("2027-05-12", "09:00:00", "23:59:00")),
        # Across midnight.
        (_at(12, 23), _at(13, 1), ("2027-05-12", "23:00:00", "23:59:00")),
        (_at(12, 22), _at(13, 0), ("2027-05-12", "22:00:00", "23:59:00")),
    ],
    ids=[
        "same-day",
        "days-later-clock",
        "days-earlier-clock",
        "days-same-clock",
        "midnight",
        "to-midnight",
    ],
)
def test_session_sent_as_one_day_r_tx_1(
    starts_at: datetime, ends_at: datetime, expected: tuple[str, str, str]
) -> None:
    assert one_day_clock(starts_at, ends_at, BERLIN) == expected


# --- session_item ----------------------------------------------------------------------------


def test_session_item_payload_in_the_event_zone_r_tx_1() -> None:
    room, track = _room("Hall A"), _track("Data")
    session = _session(
        description="Welcome.",
        # Stored in UTC; Swoogo is sent the event's local clock (CEST, UTC+2).
        starts_at=datetime(2027, 5, 12, 7, 0, tzinfo=UTC),
        ends_at=datetime(2027, 5, 12, 8, 15, tzinfo=UTC),
        locations=[room],
        tracks=[track],
    )

    item = session_item(session, CONTENT)

    assert item == Item(
        "sessions",
        session.id,
        "session 'Opening'",
        {
            "name": "Opening",
            "description": "Welcome.",
            "date": "2027-05-12",
            "start_time": "09:00:00",
            "end_time": "10:15:00",
            "use_event_timezone": 1,
            "notes": f"agendasync-id: {session.id}",
            "location_id": Ref("rooms", room.id),
            "track_id": Ref("tracks", track.id),
        },
        lookup=(("uuid", str(session.id)), ("name", "opening")),
        notes=(),
    )


def test_session_item_without_room_or_track_sends_empty_ids() -> None:
    item = session_item(_session(), CONTENT)

    assert item.payload["location_id"] == ""
    assert item.payload["track_id"] == ""
    assert item.refs() == []
    assert item.notes == ()


def test_session_item_sends_the_first_room_and_track_by_name_and_notes_it() -> None:
    zeta, alpha = _track("Zeta"), _track("alpha")
    hall_b, hall_a = _room("Hall B"), _room("hall A")
    session = _session(tracks=[zeta, alpha], locations=[hall_b, hall_a])

    item = session_item(session, CONTENT)

    assert item.payload["track_id"] == Ref("tracks", alpha.id)
    assert item.payload["location_id"] == Ref("rooms", hall_a.id)
    assert item.notes == (
        "Swoogo holds one track per session; sent 'alpha'",
        "Swoogo holds one room per session; sent 'hall A'",
    )


def test_multi_day_session_item_sent_as_one_day_with_a_note_r_tx_1() -> None:
    session = _session(starts_at=_at(12, 14), ends_at=_at(13, 10))

    item = session_item(session, CONTENT)

    assert (item.payload["date"], item.payload["start_time"], item.payload["end_time"]) == (
        "2027-05-12",
        "14:00:00",
        "23:59:00",
    )
    assert item.notes == ("spans several days; sent as 2027-05-12 14:00:00-23:59:00",)


def test_session_crossing_midnight_only_in_utc_is_one_local_day_r_tx_1() -> None:
    # 23:30-00:30 UTC is 01:30-02:30 on 13 May in Berlin: one local day, no note.
    session = _session(
        starts_at=datetime(2027, 5, 12, 23, 30, tzinfo=UTC),
        ends_at=datetime(2027, 5, 13, 0, 30, tzinfo=UTC),
    )

    item = session_item(session, CONTENT)

    assert (item.payload["date"], item.payload["start_time"], item.payload["end_time"]) == (
        "2027-05-13",
        "01:30:00",
        "02:30:00",
    )
    assert item.notes == ()


# --- speaker_item ----------------------------------------------------------------------------


def test_speaker_item_payload() -> None:
    ada = _speaker(
        email="Ada@Example.com",
        honorific="Dr",
        job_title="Analyst",
        company="Engines Ltd",
        biography="Wrote the first program.",
        mobile_phone="+44 20 7946 0958",
        twitter_url="https://twitter.com/ada_l/",
    )

    item = speaker_item(ada)

    assert item == Item(
        "speakers",
        ada.id,
        "speaker Ada Lovelace",
        {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "Ada@Example.com",
            "prefix": "Dr",
            "job_title": "Analyst",
            "company": "Engines Ltd",
            "bio": "Wrote the first program.",
            "mobile_phone": "+442079460958",
            "twitter_handle": "@ada_l",
        },
        lookup=(("email", "ada@example.com"),),
        notes=(),
    )


def test_speaker_item_with_only_required_fields_sends_empty_strings() -> None:
    item = speaker_item(_speaker())

    assert item.payload == {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "prefix": "",
        "job_title": "",
        "company": "",
        "bio": "",
        "mobile_phone": "",
        "twitter_handle": "",
    }
    assert item.notes == ()


@pytest.mark.parametrize(
    ("phone", "sent"),
    [("+4915112345678", "+4915112345678"), ("+1-212-555-0100", "+12125550100")],
)
def test_speaker_item_keeps_an_e164_phone(phone: str, sent: str) -> None:
    item = speaker_item(_speaker(mobile_phone=phone))

    assert item.payload["mobile_phone"] == sent
    assert item.notes == ()


@pytest.mark.parametrize("phone", ["0151 12345678", "+0151234567", "+49 (151) 1234567", "+4912"])
def test_speaker_item_drops_a_phone_that_is_not_e164_with_a_note(phone: str) -> None:
    item = speaker_item(_speaker(mobile_phone=phone))

    assert item.payload["mobile_phone"] == ""
    assert item.notes == (f"mobile phone {phone!r} is not E.164; not sent",)


@pytest.mark.parametrize(
    ("url", "handle"),
    [
        ("https://twitter.com/ada", "@ada"),
        ("https://x.com/ada/", "@ada"),
        ("https://twitter.com/@ada", "@ada"),
        ("ada", "@ada"),
    ],
)
def test_speaker_item_twitter_handle_from_url(url: str, handle: str) -> None:
    assert speaker_item(_speaker(twitter_url=url)).payload["twitter_handle"] == handle


# --- content_items ---------------------------------------------------------------------------


def test_content_items_kinds_in_sending_order_with_links_and_headshots() -> None:
    hall = _room("Hall A")
    data, web = _track("Data", "#112233"), _track("Web")
    ada = _speaker("Ada", headshot_url="https://img.example/ada.png")
    grace = _speaker("Grace", "Hopper")
    first = _session(
        "First",
        locations=[hall],
        tracks=[data],
        people=[SessionPerson(ada.id), SessionPerson(ada.id, Role.MODERATOR)],
    )
    second = _session(
        "Second",
        locations=[hall],
        tracks=[web],
        people=[SessionPerson(grace.id, Role.CHAIRPERSON), SessionPerson(ada.id)],
    )
    skipped = Skip("sessions", uuid.UUID(int=7), "session 'Old'", "already ended")
    selection = Selection(sessions=[first, second], speakers=[ada, grace], skipped=[skipped])

    out = content_items(selection, CONTENT)

    assert [(item.kind, item.record_id) for item in out.items] == [
        ("rooms", hall.id),
        ("tracks", data.id),
        ("tracks", web.id),
        ("sessions", first.id),
        ("sessions", second.id),
        ("speakers", ada.id),
        ("speaker_sessions", ada.id),
        ("headshots", ada.id),
        ("speakers", grace.id),
        ("speaker_sessions", grace.id),
    ]
    assert out.skipped == [skipped]
    room, data_track = out.items[0], out.items[1]
    assert (room.label, room.payload, room.lookup) == (
        "room 'Hall A'",
        {"name": "Hall A"},
        (("name", "hall a"),),
    )
    assert (data_track.label, data_track.payload) == (
        "track 'Data'",
        {"name": "Data", "color": "#112233"},
    )
    assert out.items[6] == Item(
        "speaker_sessions",
        ada.id,
        "speaker Ada Lovelace",
        {
            "speaker": Ref("speakers", ada.id),
            # In id order, whatever order the sessions were loaded in.
            "sessions": [
                Ref("sessions", session_id, optional=True)
                for session_id in sorted([first.id, second.id])
            ],
        },
    )
    assert out.items[7] == Item(
        "headshots",
        ada.id,
        "headshot of speaker Ada Lovelace",
        {"speaker": Ref("speakers", ada.id), "url": "https://img.example/ada.png"},
    )
    assert out.items[9].payload["sessions"] == [Ref("sessions", second.id, optional=True)]


def test_content_items_kinds_follow_the_partner_declaration() -> None:
    ada = _speaker("Ada", headshot_url="https://img.example/ada.png")
    session = _session(
        locations=[_room("Hall")], tracks=[_track("T")], people=[SessionPerson(ada.id)]
    )
    selection = Selection(sessions=[session], speakers=[ada])

    out = content_items(selection, CONTENT)

    assert [item.kind for item in out.items] == [kind.name for kind in SPEC.kinds("content")]


def test_content_items_empty_selection_gives_nothing() -> None:
    out = content_items(Selection(), CONTENT)

    assert out.items == []
    assert out.skipped == []


# --- sponsor_items ---------------------------------------------------------------------------


def test_sponsor_tier_id_stable_per_event_and_case_insensitive() -> None:
    other_event = uuid.UUID(int=200)

    assert tier_id(EVENT.id, "Gold") == tier_id(EVENT.id, "gold")
    assert tier_id(EVENT.id, "Gold") == uuid.uuid5(EVENT.id, "sponsor-tier:gold")
    assert tier_id(EVENT.id, "Gold") != tier_id(EVENT.id, "Silver")
    assert tier_id(EVENT.id, "Gold") != tier_id(other_event, "Gold")


def test_sponsor_items_levels_first_then_sponsors_and_logos() -> None:
    acme = Sponsor(
        name="Acme",
        description="Anvils.",
        website="https://acme.example",
        tier="Gold",
        logo_url="https://img.example/acme.png",
    )
    globex = Sponsor(name="Globex", tier="Silver")
    initech = Sponsor(name="Initech", tier="GOLD")
    hooli = Sponsor(name="Hooli")
    gold, silver = tier_id(EVENT.id, "gold"), tier_id(EVENT.id, "silver")

    out = sponsor_items([acme, globex, initech, hooli], CONTENT)

    assert [(item.kind, item.record_id) for item in out.items] == [
        ("sponsor_levels", gold),
        ("sponsor_levels", silver),
        ("sponsors", acme.id),
        ("logos", acme.id),
        ("sponsors", globex.id),
        ("sponsors", initech.id),
        ("sponsors", hooli.id),
    ]
    assert out.items[0] == Item(
        "sponsor_levels", gold, "sponsor tier 'Gold'", {"name": "Gold"}, lookup=(("name", "gold"),)
    )
    assert out.items[2] == Item(
        "sponsors",
        acme.id,
        "sponsor 'Acme'",
        {
            "name": "Acme",
            "description": "Anvils.",
            "website": "https://acme.example",
            "level": Ref("sponsor_levels", gold),
            "notes": f"agendasync-id: {acme.id}",
        },
        lookup=(("uuid", str(acme.id)), ("name", "acme")),
    )
    assert out.items[3] == Item(
        "logos",
        acme.id,
        "logo of sponsor 'Acme'",
        {"sponsor": Ref("sponsors", acme.id), "url": "https://img.example/acme.png"},
    )
    assert out.items[5].payload["level"] == Ref("sponsor_levels", gold)
    assert out.items[6].payload["level"] == ""
    assert out.items[6].payload["website"] == ""


def test_sponsor_items_without_sponsors_gives_nothing() -> None:
    assert sponsor_items([], CONTENT).items == []


# --- R-SYNC-7: our id in the notes -----------------------------------------------------------

RECORD_ID = uuid.UUID("6f1c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f")


@pytest.mark.parametrize(
    ("notes", "found"),
    [
        (f"agendasync-id: {RECORD_ID}", str(RECORD_ID)),
        (f"Call Ada first.\nagendasync-id: {RECORD_ID}\nThanks", str(RECORD_ID)),
        (f"agendasync-id: {RECORD_ID} (do not edit)", str(RECORD_ID)),
        (None, None),
        ("", None),
        ("Call Ada first.", None),
    ],
)
def test_id_in_notes_r_sync_7(notes: str | None, found: str | None) -> None:
    assert id_in_notes(notes) == found


def test_notes_for_round_trips_r_sync_7() -> None:
    assert notes_for(RECORD_ID) == f"agendasync-id: {RECORD_ID}"
    assert id_in_notes(notes_for(RECORD_ID)) == str(RECORD_ID)


@pytest.mark.parametrize("notes", ["agendasync-id: ", "Speaker notes\nagendasync-id:  \n"])
def test_id_in_notes_with_the_prefix_but_no_id_r_sync_7(notes: str) -> None:
    assert id_in_notes(notes) is None
