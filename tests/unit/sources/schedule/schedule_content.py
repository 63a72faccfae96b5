"""A small event built by hand: every case the schedule formats must carry (a module of its own:
`conftest` names clash between test folders)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

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

BERLIN = ZoneInfo("Europe/Berlin")


def at(day: int, hour: int, minute: int = 0, zone: ZoneInfo = BERLIN) -> datetime:
    return datetime(2026, 9, day, hour, minute, tzinfo=zone)


def build_content(timezone: str = "Europe/Berlin", slug: str = "pycon-de") -> EventContent:
    zone = ZoneInfo(timezone)
    event = Event(
        org_id=uuid.uuid4(),
        slug=slug,
        name="PyCon DE",
        timezone=timezone,
        start_date=date(2026, 9, 1),
        end_date=date(2026, 9, 2),
    )
    hall = TaxonomyItem(kind=TaxonomyKind.LOCATION, name="Hall 1")
    studio = TaxonomyItem(kind=TaxonomyKind.LOCATION, name="Studio B")
    empty_room = TaxonomyItem(kind=TaxonomyKind.LOCATION, name="Unused room")
    data = TaxonomyItem(kind=TaxonomyKind.TRACK, name="Data & AI", colour="#AA00FF")
    web = TaxonomyItem(kind=TaxonomyKind.TRACK, name="Web")
    talk = TaxonomyItem(kind=TaxonomyKind.FORMAT, name="Talk")
    workshop = TaxonomyItem(kind=TaxonomyKind.FORMAT, name="Workshop")
    ada = Speaker(
        first_name="Ada",
        last_name="Lovelace",
        email="ada@example.org",
        mobile_phone="+49 30 1234567",
        biography="Wrote the first program.",
        headshot_url="https://pictures.example/ada.png",
        status=SpeakerStatus.ACCEPTED,
    )
    grace = Speaker(first_name="Grace", last_name="Hopper", status=SpeakerStatus.ACCEPTED)
    mononym = Speaker(first_name="Prince", last_name="-", status=SpeakerStatus.ACCEPTED)
    invited = Speaker(first_name="Not", last_name="Confirmed", status=SpeakerStatus.INVITED)

    def session(title: str, **values: object) -> Session:
        defaults: dict[str, object] = {
            "status": SessionStatus.ACCEPTED,
            "starts_at": at(1, 10, zone=zone),
            "ends_at": at(1, 11, zone=zone),
            "locations": [hall],
        }
        return Session(title=title, **(defaults | values))

    sessions = [
        session(
            'Keynote: Ünïcode & <XML> "quotes"',
            description="Opening the conference.\nTwo lines.",
            tracks=[data],
            format=talk,
            language="en",
            people=[
                SessionPerson(ada.id),
                SessionPerson(grace.id),
                SessionPerson(invited.id),
                SessionPerson(grace.id, Role.MODERATOR),
            ],
            files=[ContentFile(url="https://files.example/slides.pdf", uploaded_at=at(1, 9))],
        ),
        session(
            "Hands-on pandas",
            starts_at=at(1, 14, zone=zone),
            ends_at=at(1, 17, 30, zone=zone),
            locations=[studio],
            tracks=[web],
            format=workshop,
            language="de",
            people=[SessionPerson(mononym.id)],
        ),
        session(
            "Lunch",
            starts_at=at(1, 12, zone=zone),
            ends_at=at(1, 13, zone=zone),
            is_service=True,
        ),
        session("Day two opening", starts_at=at(2, 9, zone=zone), ends_at=at(2, 9, 30, zone=zone)),
        session(
            "Roomless hallway track",
            starts_at=at(2, 11, zone=zone),
            ends_at=at(2, 12, zone=zone),
            locations=[],
        ),
        session("Still under review", status=SessionStatus.SUBMITTED),
        session("Called off", status=SessionStatus.CANCELLED),
        session("Gone from the source", withdrawn=True),
        session("No time yet", starts_at=None, ends_at=None),
    ]
    return EventContent(
        event=event,
        taxonomy=[hall, studio, empty_room, data, web, talk, workshop],
        sessions=sessions,
        speakers=[ada, grace, mononym, invited],
    )
