"""The event JSON format's pure conversions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from agendasync.domain.event_json import KnownIds, from_document, parse_document, to_document
from agendasync.domain.exceptions import InvalidContent
from agendasync.domain.models import TaxonomyKind

ORG = uuid.UUID(int=1)


def _doc(**overrides):
    data = {
        "event": {
            "slug": "conf",
            "name": "Conf",
            "timezone": "America/New_York",
            "start_date": "2027-05-12",
            "end_date": "2027-05-13",
        },
        "speakers": [{"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}],
        "sessions": [
            {
                "title": "Opening",
                "starts_at": "2027-05-12T09:00:00",
                "ends_at": "2027-05-12T16:00:00+02:00",
                "tags": ["AI"],
                "format": "Keynote",
                "people": [{"speaker": "ADA@example.com", "role": "chairperson"}],
            }
        ],
        "taxonomy": {"tags": [{"name": "AI", "colour": "#7C3AED"}]},
    }
    data.update(overrides)
    return parse_document(data)


def test_times_without_offset_are_event_local_and_with_offset_kept_r_mod_2() -> None:
    content = from_document(_doc(), org_id=ORG, known=KnownIds())
    session = content.sessions[0]
    assert session.starts_at == datetime(2027, 5, 12, 9, tzinfo=ZoneInfo("America/New_York"))
    assert session.ends_at == datetime(2027, 5, 12, 14, tzinfo=UTC)


def test_records_without_ids_get_the_same_ids_every_time() -> None:
    first = from_document(_doc(), org_id=ORG, known=KnownIds(event_id=uuid.UUID(int=5)))
    second = from_document(_doc(), org_id=ORG, known=KnownIds(event_id=uuid.UUID(int=5)))
    assert [s.id for s in first.sessions] == [s.id for s in second.sessions]
    assert [s.id for s in first.speakers] == [s.id for s in second.speakers]
    assert {i.id for i in first.taxonomy} == {i.id for i in second.taxonomy}


def test_known_ids_are_reused_for_records_named_without_ids() -> None:
    speaker_id, tag_id = uuid.uuid4(), uuid.uuid4()
    known = KnownIds(
        event_id=uuid.uuid4(),
        taxonomy={(TaxonomyKind.TAG, "AI"): tag_id},
        speakers_by_email={"ada@example.com": speaker_id},
    )
    content = from_document(_doc(), org_id=ORG, known=known)
    assert content.speakers[0].id == speaker_id
    assert content.sessions[0].tags[0].id == tag_id
    assert content.sessions[0].people[0].speaker_id == speaker_id


def test_taxonomy_named_only_by_sessions_is_added() -> None:
    content = from_document(_doc(), org_id=ORG, known=KnownIds())
    assert sorted((i.kind.value, i.name, i.colour) for i in content.taxonomy) == [
        ("format", "Keynote", None),
        ("tag", "AI", "#7C3AED"),
    ]


@pytest.mark.parametrize(
    ("overrides", "problems"),
    [
        (
            {"taxonomy": {"tracks": [{"name": "Cloud"}, {"name": "Cloud"}]}},
            [("taxonomy.tracks.1.name", "'Cloud' is listed twice")],
        ),
        (
            {"sessions": [{"title": "T", "people": [{"speaker": "ghost@example.com"}]}]},
            [
                (
                    "sessions.0.people.0.speaker",
                    "no speaker with id or email 'ghost@example.com' in this file",
                )
            ],
        ),
        (
            {
                "sessions": [
                    {
                        "title": "T",
                        "starts_at": "2027-05-12T10:00:00",
                        "ends_at": "2027-05-12T09:00:00",
                    }
                ]
            },
            [("sessions.0", "Value error, ends_at must be after starts_at")],
        ),
    ],
)
def test_from_document_names_every_problem(overrides, problems) -> None:
    with pytest.raises(InvalidContent) as refused:
        from_document(_doc(**overrides), org_id=ORG, known=KnownIds())
    assert refused.value.problems == problems


@pytest.mark.parametrize(
    ("data", "place", "message"),
    [
        ({"event": {"slug": "x"}}, "event.name", "Field required"),
        ({"format": "other/2", "event": {}}, "format", "Input should be 'agendasync.event/1'"),
        (
            {"event": {}, "speakers": [{"first_name": " ", "last_name": "L"}]},
            "speakers.0.first_name",
            "String should have at least 1 character",
        ),
        (
            {"event": {}, "speakers": [{"first_name": "A", "last_name": "L", "email": "nope"}]},
            "speakers.0.email",
            "Value error, 'nope' is not an email address",
        ),
        (
            {"event": {}, "sponsors": [{"name": "A\x00B"}]},
            "sponsors.0.name",
            "Value error, must not contain NUL characters",
        ),
    ],
)
def test_parse_document_names_the_field_and_the_problem(data, place, message) -> None:
    with pytest.raises(InvalidContent) as refused:
        parse_document(data)
    assert (place, message) in refused.value.problems


def test_to_document_orders_records_stably() -> None:
    document = _doc(
        sessions=[
            {"title": "B", "starts_at": "2027-05-12T11:00:00", "ends_at": "2027-05-12T12:00:00"},
            {"title": "Unscheduled"},
            {"title": "A", "starts_at": "2027-05-12T09:00:00", "ends_at": "2027-05-12T10:00:00"},
        ]
    )
    content = from_document(document, org_id=ORG, known=KnownIds())
    exported = to_document(content)
    assert [s.title for s in exported.sessions] == ["A", "B", "Unscheduled"]
    assert exported.sessions[0].starts_at.isoformat() == "2027-05-12T09:00:00-04:00"
