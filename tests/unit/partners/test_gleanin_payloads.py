"""What Gleanin is sent for sessions, speakers, exhibitors and team members (R-ELIG-2,
R-ELIG-5, R-SPK-2). Pure."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from agendasync.domain.models import (
    Event,
    EventContent,
    Exhibitor,
    Person,
    Role,
    Session,
    SessionPerson,
    SessionStatus,
    Speaker,
    SpeakerStatus,
    TaxonomyItem,
    TaxonomyKind,
)
from agendasync.partners.gleanin import SPEC, Gleanin
from agendasync.partners.gleanin.payloads import (
    content_items,
    exhibitor_items,
    instant,
    person_id,
    session_item,
    speaker_item,
)
from agendasync.sync.model import Ref
from agendasync.sync.partner import Target, TransformContext
from agendasync.sync.select import Selection, select

BERLIN = ZoneInfo("Europe/Berlin")
EVENT = Event(
    id=uuid.UUID(int=100),
    org_id=uuid.UUID(int=1),
    slug="conf",
    name="Conf",
    timezone="Europe/Berlin",
    start_date=date(2027, 6, 10),
    end_date=date(2027, 6, 11),
)


def _speaker(n: int, **fields: object) -> Speaker:
    values: dict[str, object] = {
        "first_name": "Ada",
        "last_name": f"Lovelace{n}",
        "email": f"Ada{n}@Example.com",
        "status": SpeakerStatus.ACCEPTED,
    }
    return Speaker(id=uuid.UUID(int=n), **(values | fields))


def _track(name: str) -> TaxonomyItem:
    return TaxonomyItem(kind=TaxonomyKind.TRACK, name=name)


def _session(people: list[SessionPerson], **fields: object) -> Session:
    values: dict[str, object] = {
        "title": "Keynote",
        "starts_at": datetime(2027, 6, 10, 9, 30, tzinfo=BERLIN),
        "ends_at": datetime(2027, 6, 10, 10, 15, tzinfo=BERLIN),
        "status": SessionStatus.ACCEPTED,
        "tracks": [_track("Web"), _track("ai")],
        "people": people,
    }
    return Session(id=uuid.UUID(int=50), **(values | fields))


def test_times_carry_the_event_zones_offset() -> None:
    moment = datetime(2027, 6, 10, 7, 30, tzinfo=UTC)
    assert instant(moment, BERLIN) == "2027-06-10T09:30:00+02:00"
    assert instant(moment.replace(month=12), BERLIN) == "2027-12-10T08:30:00+01:00"


def test_a_session_sends_track_names_and_its_people_in_order_as_refs() -> None:
    ada, bob = _speaker(1), _speaker(2)
    people = [
        SessionPerson(speaker_id=bob.id),
        SessionPerson(speaker_id=ada.id, role=Role.MODERATOR),
        SessionPerson(speaker_id=bob.id, role=Role.CHAIRPERSON),
    ]
    item = session_item(_session(people), EventContent(event=EVENT))
    assert item.payload == {
        "title": "Keynote",
        "description": "",
        "starts_at": "2027-06-10T09:30:00+02:00",
        "ends_at": "2027-06-10T10:15:00+02:00",
        "tracks": ["ai", "Web"],
        "speakers": [
            Ref("speakers", bob.id, optional=True),
            Ref("speakers", ada.id, optional=True),
        ],
    }
    assert item.lookup == (("uuid", str(uuid.UUID(int=50))),)


def test_a_speakers_name_is_first_and_last_name_joined() -> None:
    item = speaker_item(
        _speaker(1, job_title="CTO", company="Engines", headshot_url="https://p/a.jpg")
    )
    assert item.payload == {
        "name": "Ada Lovelace1",
        "job_title": "CTO",
        "company_name": "Engines",
        "email": "Ada1@Example.com",
        "image_url": "https://p/a.jpg",
    }
    assert item.lookup == (("uuid", str(uuid.UUID(int=1))), ("email", "ada1@example.com"))


def test_ended_sessions_are_still_sent_r_elig_2() -> None:
    ada = _speaker(1)
    ended = _session([SessionPerson(speaker_id=ada.id)])
    content = EventContent(event=EVENT, sessions=[ended], speakers=[ada])
    later = datetime(2028, 1, 1, tzinfo=UTC)
    selection = select(content, SPEC.eligibility, later)
    assert [s.id for s in selection.sessions] == [ended.id]


def test_speakers_left_out_are_not_pointed_at_r_elig_5() -> None:
    ada, bob = _speaker(1), _speaker(2, status=SpeakerStatus.DECLINED)
    session = _session([SessionPerson(speaker_id=ada.id), SessionPerson(speaker_id=bob.id)])
    content = EventContent(event=EVENT, sessions=[session], speakers=[ada, bob])
    selection = select(content, SPEC.eligibility, datetime(2027, 1, 1, tzinfo=UTC))
    out = content_items(selection, content)
    assert [(i.kind, i.record_id) for i in out.items] == [
        ("speakers", ada.id),
        ("sessions", session.id),
    ]
    assert out.items[1].payload["speakers"] == [Ref("speakers", ada.id, optional=True)]
    assert [s.record_id for s in out.skipped] == [bob.id]


def test_the_declaration_mirrors_the_hub_r_elig_5() -> None:
    assert SPEC.deletes_propagate is True
    assert SPEC.recreate_deleted is True
    assert [k.name for k in SPEC.kinds("content")] == ["speakers", "sessions"]
    assert [k.name for k in SPEC.kinds("exhibitors")] == ["exhibitors", "team_members"]
    assert [(f.name, f.secret) for f in SPEC.credential_fields] == [("token", True)]


def test_team_members_have_stable_ids_and_the_primary_contact_is_one_of_them_r_spk_2() -> None:
    contact = Person(first_name="Cleo", last_name="Contact", email="cleo@example.com")
    member = Person(first_name="Max", last_name="Member")
    exhibitor = Exhibitor(
        id=uuid.UUID(int=7), name="Acme Booth", primary_contact=contact, team=[member]
    )
    content = EventContent(event=EVENT, exhibitors=[exhibitor])
    context = TransformContext(Target("8"), now=datetime(2027, 1, 1, tzinfo=UTC))
    out = Gleanin().transform("exhibitors", Selection(), content, context)
    exhibitor_item, *members = out.items
    assert exhibitor_item.payload == {
        "name": "Acme Booth",
        "description": "",
        "website": None,
        "email": "cleo@example.com",
    }
    assert [m.payload["name"] for m in members] == ["Cleo Contact", "Max Member"]
    assert [m.record_id for m in members] == [
        person_id(exhibitor, contact),
        person_id(exhibitor, member),
    ]
    again = exhibitor_items([exhibitor.model_copy()])
    assert [i.record_id for i in again.items[1:]] == [m.record_id for m in members]
    assert all(m.payload["exhibitor"] == Ref("exhibitors", exhibitor.id) for m in members)
    # Derived from the exhibitor and the email when an event file leaves the id out; kept when
    # it is given.
    other = Exhibitor(
        id=uuid.UUID(int=8), name="B", primary_contact=contact.model_copy(update={"id": None})
    )
    assert other.primary_contact is not None
    assert other.primary_contact.id != person_id(exhibitor, contact)
    given = uuid.UUID(int=99)
    kept = Exhibitor(name="C", team=[Person(id=given, first_name="A", last_name="B")])
    assert kept.team[0].id == given
