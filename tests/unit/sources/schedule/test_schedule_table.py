"""A programme in a CSV file: columns mapped to fields, one row per speaker in a session, errors
naming the row and the column."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
from schedule_content import BERLIN, build_content

from agendasync.domain.models import EventContent
from agendasync.sources.schedule.plan import Brought, plan_schedule_import
from agendasync.sources.schedule.table import parse_table
from agendasync.sources.schedule.validation import MalformedSchedule

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "schedule"
MAPPING = {
    "Session": "title",
    "Starts": "starts_at",
    "Ends": "ends_at",
    "Type": "format",
    "Lang": "language",
    "Abstract": "description",
}


def _programme() -> bytes:
    return (FIXTURES / "programme.csv").read_bytes()


def test_rows_of_the_same_session_are_one_session_with_all_its_speakers() -> None:
    schedule = parse_table(_programme(), mapping=MAPPING, timezone="Europe/Berlin")
    empty = EventContent(event=build_content().event)

    plan = plan_schedule_import(empty, schedule, previous=Brought(), now=datetime.now(UTC))

    sessions = {s.title: s for s in plan.changes.sessions}
    assert sorted(sessions) == ["Hands-on pandas", "Keynote: Data", "Lunch"]
    keynote, workshop = sessions["Keynote: Data"], sessions["Hands-on pandas"]
    assert len(keynote.people) == 2
    assert workshop.people[0] == keynote.people[0]  # Ada, known by her email
    assert workshop.starts_at == datetime(2026, 9, 1, 14, tzinfo=BERLIN)
    assert [i.name for i in keynote.locations] == ["Hall 1"]
    assert keynote.format is not None
    assert keynote.format.name == "Keynote"
    assert keynote.description == "Why data matters."
    assert sessions["Lunch"].is_service is True
    emails = sorted(s.email or "" for s in plan.changes.speakers)
    assert emails == ["ada@example.org", "grace@example.org"]


def test_a_column_named_like_a_field_maps_itself() -> None:
    body = b"Title,Starts At,duration-minutes\nHello,2026-09-01 09:00,30\n"

    schedule = parse_table(body, mapping={}, timezone="Europe/Berlin")

    assert [(s.title, s.ends_at) for s in schedule.sessions] == [
        ("Hello", datetime(2026, 9, 1, 9, 30, tzinfo=BERLIN))
    ]


@pytest.mark.parametrize(
    ("body", "mapping", "problems"),
    [
        (
            b"Session,Starts,Ends\nTalk,1 Sept,2026-09-01 10:00\n",
            {"Session": "title", "Starts": "starts_at", "Ends": "ends_at"},
            [
                (
                    "row 2, column 'Starts'",
                    "'1 Sept' is not a date and time such as 2026-09-01 10:00",
                )
            ],
        ),
        (
            b"Session,Starts,Ends\n,2026-09-01 09:00,2026-09-01 10:00\n",
            {"Session": "title", "Starts": "starts_at", "Ends": "ends_at"},
            [("row 2, column 'Session'", "the title is empty")],
        ),
        (
            b"Session,Starts\nTalk,2026-09-01 09:00\n",
            {"Session": "title", "Starts": "starts_at", "End": "ends_at"},
            [("--map End=ends_at", "the file has no column 'End'")],
        ),
        (
            b"Session,Starts\nTalk,2026-09-01 09:00\n",
            {"Session": "headline"},
            [
                (
                    "--map Session=headline",
                    "no field 'headline'; fields: id, title, description, "
                    "starts_at, ends_at, duration_minutes, room, track, format, language, speaker, "
                    "speaker_first_name, speaker_last_name, speaker_email, speaker_biography",
                )
            ],
        ),
    ],
)
def test_errors_name_the_row_and_the_column(
    body: bytes, mapping: dict[str, str], problems: list[tuple[str, str]]
) -> None:
    with pytest.raises(MalformedSchedule) as caught:
        parse_table(body, mapping=mapping, timezone="Europe/Berlin")

    assert caught.value.problems == problems


def test_a_bad_speaker_email_is_refused_naming_the_row() -> None:
    body = (
        b"title,starts_at,ends_at,speaker,speaker_email\n"
        b"T,2026-09-01 09:00,2026-09-01 10:00,Ann,nope\n"
    )
    schedule = parse_table(body, mapping={}, timezone="Europe/Berlin")

    with pytest.raises(MalformedSchedule) as caught:
        plan_schedule_import(
            EventContent(event=build_content().event),
            schedule,
            previous=Brought(),
            now=datetime.now(UTC),
        )

    assert caught.value.problems[0][0] == "row 2, person 'Ann'"
    assert "email" in caught.value.problems[0][1]


def test_an_xlsx_workbook_is_read_like_a_csv_with_its_date_cells() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Session", "Starts", "Ends", "Speaker"])
    sheet.append(["Keynote", datetime(2026, 9, 1, 10), datetime(2026, 9, 1, 10, 45), "Ada"])
    sheet.append(["Keynote", datetime(2026, 9, 1, 10), datetime(2026, 9, 1, 10, 45), "Grace"])
    data = io.BytesIO()
    book.save(data)

    schedule = parse_table(data.getvalue(), mapping=MAPPING_XLSX, timezone="Europe/Berlin")

    assert [(s.title, s.starts_at, len(s.persons)) for s in schedule.sessions] == [
        ("Keynote", datetime(2026, 9, 1, 10, tzinfo=BERLIN), 2)
    ]


MAPPING_XLSX = {"Session": "title", "Starts": "starts_at", "Ends": "ends_at"}


def test_a_speaker_the_hub_has_with_that_email_is_linked_not_duplicated() -> None:
    content = build_content()
    ada = content.speakers[0]
    assert ada.email == "ada@example.org"
    schedule = parse_table(_programme(), mapping=MAPPING, timezone="Europe/Berlin")

    plan = plan_schedule_import(content, schedule, previous=Brought(), now=datetime.now(UTC))

    assert (plan.speakers.created, plan.speakers.unchanged) == (1, 1)  # Grace new; Ada linked
    keynote = next(s for s in plan.changes.sessions if s.title == "Keynote: Data")
    assert keynote.people[0].speaker_id == ada.id
