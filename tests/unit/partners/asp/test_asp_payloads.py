"""What ASP Events is sent for sessions, speakers, streams and locations (pure)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from agendasync.domain.integrations import FieldSpec
from agendasync.domain.models import (
    ContentFile,
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
from agendasync.partners.asp import SPEC
from agendasync.partners.asp.payloads import (
    SESSION_FIELDS,
    content_items,
    one_day_times,
    session_item,
    speaker_item,
    stream_item,
)
from agendasync.sync.fields import FieldMaps
from agendasync.sync.model import Ref
from agendasync.sync.select import Selection, select

LONDON = ZoneInfo("Europe/London")
EVENT = Event(
    id=uuid.UUID(int=100),
    org_id=uuid.UUID(int=1),
    slug="conf",
    name="Conf",
    timezone="Europe/London",
    start_date=date(2027, 6, 10),
    end_date=date(2027, 6, 12),
)


def _at(day: int, hour: int, minute: int = 0, tz: Any = LONDON) -> datetime:
    return datetime(2027, 6, day, hour, minute, tzinfo=tz)


def _item(kind: TaxonomyKind, name: str, colour: str | None = None) -> TaxonomyItem:
    return TaxonomyItem(kind=kind, name=name, colour=colour)


def _session(**fields: Any) -> Session:
    values: dict[str, Any] = {
        "title": "Opening",
        "starts_at": _at(10, 9, 30),
        "ends_at": _at(10, 10, 15),
        "status": SessionStatus.ACCEPTED,
        "client_session_id": "S1",
    }
    values.update(fields)
    return Session(**values)


def _speaker(first: str = "Ada", **fields: Any) -> Speaker:
    values: dict[str, Any] = {"email": f"{first.lower()}@example.com"}
    values.update(fields)
    return Speaker(first_name=first, last_name="L", status=SpeakerStatus.ACCEPTED, **values)


# --- R-TX-1 ------------------------------------------------------------------------------------


def test_times_carry_the_zones_own_offset_r_tx_1() -> None:
    start, end, note = one_day_times(_at(10, 9, 30), _at(10, 10, 15), LONDON)
    assert (start, end, note) == ("2027-06-10T09:30:00+01:00", "2027-06-10T10:15:00+01:00", None)
    winter = one_day_times(
        datetime(2027, 12, 1, 9, tzinfo=UTC), datetime(2027, 12, 1, 10, tzinfo=UTC), LONDON
    )
    assert winter[:2] == ("2027-12-01T09:00:00+00:00", "2027-12-01T10:00:00+00:00")


def test_instants_in_another_zone_are_sent_as_local_time_r_tx_1() -> None:
    start, end, _ = one_day_times(
        datetime(2027, 6, 10, 8, 30, tzinfo=UTC), datetime(2027, 6, 10, 9, tzinfo=UTC), LONDON
    )
    assert (start, end) == ("2027-06-10T09:30:00+01:00", "2027-06-10T10:00:00+01:00")


def test_several_days_keep_the_ends_clock_on_the_start_day_r_tx_1() -> None:
    start, end, note = one_day_times(_at(10, 9), _at(12, 17), LONDON)
    assert (start, end) == ("2027-06-10T09:00:00+01:00", "2027-06-10T17:00:00+01:00")
    assert note == "spans several days; sent as 2027-06-10 09:00-17:00"


def test_an_end_not_after_the_start_becomes_23_59_r_tx_1() -> None:
    _, end, note = one_day_times(_at(10, 22), _at(11, 1), LONDON)
    assert end == "2027-06-10T23:59:00+01:00"
    assert note == "spans several days; sent as 2027-06-10 22:00-23:59"


# --- sessions ----------------------------------------------------------------------------------


def test_session_payload_holds_the_default_slugs_r_tx_6() -> None:
    mod, chair, talker = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    session = _session(
        levels=[_item(TaxonomyKind.LEVEL, "Beginner")],
        files=[
            ContentFile(url="https://f/new.pdf", uploaded_at=_at(1, 12)),
            ContentFile(url="https://f/old.pdf", uploaded_at=_at(1, 9)),
        ],
        people=[
            SessionPerson(talker),
            SessionPerson(mod, Role.MODERATOR),
            SessionPerson(chair, Role.CHAIRPERSON),
        ],
    )
    payload = session_item(session, LONDON, {mod, chair, talker}).payload
    assert payload["sessionboard_id"] == str(session.id)
    assert payload["sessionboard-content"] == "https://f/new.pdf"
    assert payload["levels-checkbox"] == ["Beginner"]
    assert payload["panel-moderator"] == [Ref("speakers", mod, optional=True)]
    assert payload["chairperson"] == [Ref("speakers", chair, optional=True)]
    assert payload["Speakers"] == [Ref("speakers", talker, optional=True)]
    assert payload["ClientSessionId"] == "S1"


def test_the_format_name_is_sent_as_the_session_type_else_session_r_tx_3() -> None:
    keynote = _session(format=_item(TaxonomyKind.FORMAT, "Keynote"))
    assert session_item(keynote, LONDON, set()).payload["SessionTypeUuid"] == "Keynote"
    assert session_item(_session(), LONDON, set()).payload["SessionTypeUuid"] == "Session"


def test_first_room_by_name_order_with_a_note() -> None:
    rooms = [_item(TaxonomyKind.LOCATION, "Hall B"), _item(TaxonomyKind.LOCATION, "Hall A")]
    item = session_item(_session(locations=rooms), LONDON, set())
    assert item.payload["LocationUuid"] == Ref("locations", rooms[1].id)
    assert item.notes == ("ASP Events holds one location per session; sent 'Hall A'",)


def test_only_eligible_speakers_are_referenced_in_order() -> None:
    first, second, gone = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    people = [SessionPerson(second), SessionPerson(gone), SessionPerson(first)]
    item = session_item(_session(people=people), LONDON, {first, second})
    assert item.payload["Speakers"] == [
        Ref("speakers", second, optional=True),
        Ref("speakers", first, optional=True),
    ]


def test_streams_carry_their_colours_r_tx_4() -> None:
    item = stream_item(_item(TaxonomyKind.TAG, "AI", "#7c3aed"))
    assert item.payload == {"Name": "AI", "Colour": "#7C3AED"}
    assert item.lookup == (("name", "ai"),)
    assert stream_item(_item(TaxonomyKind.TAG, "Plain")).payload == {"Name": "Plain"}


def test_speaker_payload_uses_asp_attribute_names() -> None:
    speaker = _speaker(honorific="Dr", headshot_url="https://p/1.png", mobile_phone="+4470")
    item = speaker_item(speaker)
    assert item.payload["Title"] == "Dr"
    assert item.payload["PhotoUrl"] == "https://p/1.png"
    assert item.payload["MobilePhone"] == "+4470"
    assert item.lookup == (("email", "ada@example.com"),)


# --- eligibility and the whole transform -------------------------------------------------------


def test_a_session_without_client_session_id_is_skipped_r_elig_4() -> None:
    session = _session(client_session_id=None)
    content = EventContent(event=EVENT, sessions=[session])
    selection = select(content, SPEC.eligibility, now=_at(1, 0))
    assert selection.sessions == []
    assert [s.reason for s in selection.skipped] == ["missing required field: client_session_id"]


def test_content_items_in_kind_order_with_streams_and_first_rooms() -> None:
    tag = _item(TaxonomyKind.TAG, "AI", "#112233")
    rooms = [_item(TaxonomyKind.LOCATION, "B"), _item(TaxonomyKind.LOCATION, "A")]
    speaker = _speaker()
    session = _session(tags=[tag], locations=rooms, people=[SessionPerson(speaker.id)])
    content = EventContent(event=EVENT, sessions=[session], speakers=[speaker])
    out = content_items(Selection(sessions=[session], speakers=[speaker]), content)
    assert [(i.kind, i.label) for i in out.items] == [
        ("streams", "stream 'AI'"),
        ("locations", "location 'A'"),
        ("speakers", "speaker Ada L"),
        ("sessions", "session 'Opening'"),
    ]


def test_added_people_pairs_become_speaker_refs_and_removed_pairs_go_r_fld_1() -> None:
    moderator = _speaker("Mo")
    session = _session(people=[SessionPerson(moderator.id, Role.MODERATOR)])
    content = EventContent(event=EVENT, sessions=[session], speakers=[moderator])
    sessions_map = tuple(p for p in SESSION_FIELDS if p.partner != "chairperson")
    maps = FieldMaps(
        maps={"sessions": (*sessions_map, FieldSpec("moderators", "hosts"))},
        available={"sessions": frozenset({"hosts"})},
    )
    out = content_items(Selection(sessions=[session], speakers=[moderator]), content, maps)
    payload = out.items[-1].payload
    assert payload["hosts"] == [Ref("speakers", moderator.id, optional=True)]
    assert "chairperson" not in payload
