"""What ExpoPlatform is sent for sessions, speakers and taxonomy (R-TX-1, R-TX-2, R-ELIG-2)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from agendasync.domain.integrations import FieldSpec
from agendasync.domain.models import (
    Event,
    EventContent,
    Role,
    Session,
    SessionPerson,
    SessionStatus,
    Speaker,
    SpeakerStatus,
    TaxonomyItem,
    TaxonomyKind,
)
from agendasync.partners.expoplatform import SPEC
from agendasync.partners.expoplatform.payloads import (
    SESSION_FIELDS,
    content_items,
    language_name,
    one_day_clock,
    session_item,
    speaker_item,
)
from agendasync.sync.fields import FieldMaps
from agendasync.sync.model import Ref
from agendasync.sync.select import Selection, select

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
TALK = TaxonomyItem(kind=TaxonomyKind.FORMAT, name="Talk")


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 5, day, hour, minute, tzinfo=BERLIN)


def _session(title: str = "Opening", **fields: Any) -> Session:
    values: dict[str, Any] = {
        "starts_at": _at(12, 9),
        "ends_at": _at(12, 10, 30),
        "status": SessionStatus.ACCEPTED,
        "format": TALK,
        "language": "de",
    }
    values.update(fields)
    return Session(title=title, **values)


def _speaker(first: str = "Ada", **fields: Any) -> Speaker:
    values: dict[str, Any] = {"email": f"{first.lower()}@example.com"}
    values.update(fields)
    return Speaker(first_name=first, last_name="Doe", status=SpeakerStatus.ACCEPTED, **values)


def _taxonomy(kind: TaxonomyKind, name: str) -> TaxonomyItem:
    return TaxonomyItem(kind=kind, name=name)


# --- R-TX-1: one day, local HH:MM ------------------------------------------------------------


def test_one_day_sends_local_date_and_clock_times_r_tx_1() -> None:
    assert one_day_clock(_at(12, 9), _at(12, 10, 30), BERLIN) == ("2027-05-12", "09:00", "10:30")


def test_session_across_midnight_ends_at_23_59_r_tx_1() -> None:
    assert one_day_clock(_at(12, 22), _at(13, 1), BERLIN) == ("2027-05-12", "22:00", "23:59")


def test_multi_day_session_keeps_the_end_clock_on_the_start_day_r_tx_1() -> None:
    assert one_day_clock(_at(12, 10), _at(14, 12), BERLIN) == ("2027-05-12", "10:00", "12:00")


def test_session_times_are_in_the_event_zone_and_noted_when_several_days_r_tx_1() -> None:
    session = _session(starts_at=datetime(2027, 5, 12, 7, tzinfo=UTC), ends_at=_at(13, 11))
    item = session_item(session, CONTENT, set())
    assert (item.payload["date"], item.payload["startTime"], item.payload["endTime"]) == (
        "2027-05-12",
        "09:00",
        "11:00",
    )
    assert item.notes == ("spans several days; sent as 2027-05-12 09:00-11:00",)


# --- R-TX-2: languages travel as English names ----------------------------------------------


def test_language_code_becomes_its_english_name_r_tx_2() -> None:
    assert language_name("de") == "German"
    assert language_name("FR") == "French"


def test_unknown_code_is_kept_for_the_connector_to_report_r_tx_2() -> None:
    assert language_name("xx") == "XX"


def test_session_without_language_is_sent_in_english_and_noted_r_tx_2() -> None:
    item = session_item(_session(language=None), CONTENT, set())
    assert item.payload["language"] == "English"
    assert item.notes == ("has no language; sent in English",)


# --- sessions -----------------------------------------------------------------------------------


def test_session_payload_names_only_documented_attributes() -> None:
    item = session_item(_session(), CONTENT, set())
    assert set(item.payload) == {
        "external_id",
        "name",
        "description",
        "date",
        "startTime",
        "endTime",
        "type",
        "language",
        "track",
        "hall",
        "tags",
        "speakers",
        "moderators",
    }
    assert item.payload["type"] == Ref("types", TALK.id)
    assert item.payload["external_id"] == str(item.record_id)
    assert item.lookup == (("uuid", str(item.record_id)),)


def test_session_with_several_tracks_and_rooms_sends_the_first_by_name_and_says_so() -> None:
    beta, alpha = _taxonomy(TaxonomyKind.TRACK, "beta"), _taxonomy(TaxonomyKind.TRACK, "Alpha")
    hall_b, hall_a = (_taxonomy(TaxonomyKind.LOCATION, n) for n in ("Hall B", "Hall A"))
    item = session_item(_session(tracks=[beta, alpha], locations=[hall_b, hall_a]), CONTENT, set())
    assert item.payload["track"] == Ref("tracks", alpha.id)
    assert item.payload["hall"] == Ref("halls", hall_a.id)
    assert item.notes == (
        "ExpoPlatform holds one track per session; sent 'Alpha'",
        "ExpoPlatform holds one hall per session; sent 'Hall A'",
    )


def test_session_people_are_optional_refs_by_role_and_only_those_sent() -> None:
    ada, bob, cy, dee = (_speaker(n) for n in ("Ada", "Bob", "Cy", "Dee"))
    session = _session(
        people=[
            SessionPerson(ada.id),
            SessionPerson(bob.id, Role.MODERATOR),
            SessionPerson(cy.id, Role.CHAIRPERSON),
            SessionPerson(dee.id),
        ]
    )
    item = session_item(session, CONTENT, {ada.id, bob.id, cy.id})
    assert item.payload["speakers"] == [Ref("speakers", ada.id, optional=True)]
    assert item.payload["moderators"] == [
        Ref("speakers", bob.id, optional=True),
        Ref("speakers", cy.id, optional=True),
    ]


# --- speakers -----------------------------------------------------------------------------------


def test_speaker_payload_carries_every_field_of_the_seed_list() -> None:
    speaker = _speaker(
        job_title="CTO",
        company="Acme",
        website="https://ada.example",
        mobile_phone="+49 30 1234",
        biography="Bio",
        address="Main St 1",
        postcode="10115",
        headshot_url="https://pictures.example/ada.png",
        facebook_url="https://facebook.com/ada",
        linkedin_url="https://linkedin.com/in/ada",
        twitter_url="https://x.com/ada",
    )
    item = speaker_item(speaker)
    assert item.payload == {
        "external_id": str(speaker.id),
        "email": "ada@example.com",
        "first_name": "Ada",
        "last_name": "Doe",
        "title": "CTO",
        "company": "Acme",
        "website": "https://ada.example",
        "tel": "+49 30 1234",
        "about_me": "Bio",
        "address": "Main St 1",
        "postcode": "10115",
        "photo": "https://pictures.example/ada.png",
        "facebook": "https://facebook.com/ada",
        "linkedin": "https://linkedin.com/in/ada",
        "twitter": "https://x.com/ada",
    }
    assert item.lookup == (("uuid", str(speaker.id)), ("email", "ada@example.com"))


# --- the whole content --------------------------------------------------------------------------


def test_content_items_orders_taxonomy_then_speakers_then_sessions() -> None:
    ada = _speaker()
    track = _taxonomy(TaxonomyKind.TRACK, "Cloud")
    tag = _taxonomy(TaxonomyKind.TAG, "AI")
    hall = _taxonomy(TaxonomyKind.LOCATION, "Hall A")
    session = _session(tracks=[track], tags=[tag], locations=[hall], people=[SessionPerson(ada.id)])
    out = content_items(Selection(sessions=[session], speakers=[ada]), CONTENT)
    assert [item.kind for item in out.items] == [
        "tracks",
        "types",
        "tags",
        "halls",
        "speakers",
        "sessions",
    ]
    kinds = [kind.name for kind in SPEC.kinds("content")]
    assert kinds == ["tracks", "types", "tags", "halls", "speakers", "sessions"]


def test_field_map_without_description_leaves_it_out() -> None:
    maps = FieldMaps(
        maps={"sessions": tuple(p for p in SESSION_FIELDS if p.partner != "description")}
    )
    out = content_items(Selection(sessions=[_session()]), CONTENT, maps)
    assert "description" not in out.items[-1].payload
    assert FieldSpec("title", "name", required=True) in SESSION_FIELDS


# --- R-ELIG-2 and the required format --------------------------------------------------------


def test_only_sessions_starting_in_the_future_are_eligible_r_elig_2() -> None:
    started = _session("Started", starts_at=_at(12, 9), ends_at=_at(12, 11))
    later = _session("Later", starts_at=_at(12, 11), ends_at=_at(12, 12))
    content = EventContent(event=EVENT, sessions=[started, later])
    selection = select(content, SPEC.eligibility, now=_at(12, 10))
    assert [s.title for s in selection.sessions] == ["Later"]
    assert [skip.reason for skip in selection.skipped] == ["already started (2027-05-12 09:00)"]


def test_session_without_format_is_left_out_naming_the_field_r_elig_3() -> None:
    content = EventContent(event=EVENT, sessions=[_session(format=None)])
    selection = select(content, SPEC.eligibility, now=_at(1, 0))
    assert [skip.reason for skip in selection.skipped] == ["missing required field: format"]
