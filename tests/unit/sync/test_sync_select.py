"""Select: which sessions and speakers a sync sends, and why the others are left out (SPEC §4)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
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
    TaxonomyItem,
    TaxonomyKind,
)
from agendasync.sync.model import Skip
from agendasync.sync.select import Eligibility, focus, select

BERLIN = ZoneInfo("Europe/Berlin")
# 2027-05-12 12:00 in Berlin (CEST, UTC+2).
NOW = datetime(2027, 5, 12, 12, 0, tzinfo=BERLIN)
HOUR = timedelta(hours=1)


def _event() -> Event:
    return Event(
        org_id=uuid.UUID(int=1),
        slug="conf",
        name="Conf",
        timezone="Europe/Berlin",
        start_date=date(2027, 5, 10),
        end_date=date(2027, 5, 14),
    )


def _session(title: str = "Talk", **fields: Any) -> Session:
    values: dict[str, Any] = {
        "starts_at": NOW + 2 * HOUR,
        "ends_at": NOW + 3 * HOUR,
        "status": SessionStatus.ACCEPTED,
    }
    values.update(fields)
    return Session(title=title, **values)


def _speaker(first: str = "Ada", last: str = "Lovelace", **fields: Any) -> Speaker:
    values: dict[str, Any] = {
        "email": f"{first.lower()}@example.com",
        "status": SpeakerStatus.ACCEPTED,
    }
    values.update(fields)
    return Speaker(first_name=first, last_name=last, **values)


def _on(*speakers: Speaker, role: Role = Role.SPEAKER) -> list[SessionPerson]:
    return [SessionPerson(s.id, role) for s in speakers]


def _content(sessions: list[Session], speakers: list[Speaker] | None = None) -> EventContent:
    return EventContent(event=_event(), sessions=sessions, speakers=speakers or [])


def _skip(record: Session | Speaker, reason: str) -> Skip:
    if isinstance(record, Session):
        return Skip("sessions", record.id, f"session '{record.title}'", reason)
    return Skip("speakers", record.id, f"speaker {record.first_name} {record.last_name}", reason)


# --- R-ELIG-1 --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status",
    [
        SessionStatus.SUBMITTED,
        SessionStatus.DECLINED,
        SessionStatus.WAITLISTED,
        SessionStatus.CANCELLED,
    ],
)
def test_only_accepted_sessions_selected_r_elig_1(status: SessionStatus) -> None:
    accepted = _session("Accepted")
    other = _session("Other", status=status)

    selection = select(_content([accepted, other]), Eligibility(), NOW)

    assert selection.sessions == [accepted]
    assert selection.skipped == [
        _skip(other, f"status is '{status.value}'; only accepted sessions are synced")
    ]


@pytest.mark.parametrize("status", [SpeakerStatus.INVITED, SpeakerStatus.DECLINED])
def test_only_accepted_speakers_of_eligible_sessions_selected_r_elig_1(
    status: SpeakerStatus,
) -> None:
    ada = _speaker("Ada")
    grace = _speaker("Grace", "Hopper", status=status)
    session = _session(people=_on(ada, grace))

    selection = select(_content([session], [ada, grace]), Eligibility(), NOW)

    assert selection.speakers == [ada]
    assert selection.skipped == [
        _skip(grace, f"status is '{status.value}'; only accepted speakers are synced")
    ]


@pytest.mark.parametrize("role", [Role.SPEAKER, Role.MODERATOR, Role.CHAIRPERSON])
def test_people_in_every_role_on_an_eligible_session_selected_r_elig_1(role: Role) -> None:
    ada = _speaker("Ada")
    session = _session(people=_on(ada, role=role))

    selection = select(_content([session], [ada]), Eligibility(), NOW)

    assert selection.speakers == [ada]
    assert selection.skipped == []


def test_speakers_not_on_an_eligible_session_neither_synced_nor_reported_r_elig_1() -> None:
    on_declined = _speaker("Ada")
    on_nothing = _speaker("Grace", "Hopper", email=None)
    declined = _session("Declined", status=SessionStatus.DECLINED, people=_on(on_declined))

    selection = select(_content([declined], [on_declined, on_nothing]), Eligibility(), NOW)

    assert selection.speakers == []
    assert selection.skipped == [
        _skip(declined, "status is 'declined'; only accepted sessions are synced")
    ]


def test_speaker_on_an_eligible_and_a_skipped_session_selected_once_r_elig_1() -> None:
    ada = _speaker("Ada")
    eligible = _session("Eligible", people=_on(ada))
    declined = _session("Declined", status=SessionStatus.DECLINED, people=_on(ada))

    selection = select(_content([declined, eligible], [ada]), Eligibility(), NOW)

    assert selection.sessions == [eligible]
    assert selection.speakers == [ada]


# --- R-ELIG-2 --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("starts_at", "ends_at"),
    [(None, NOW + HOUR), (NOW + HOUR, None), (None, None)],
    ids=["no-start", "no-end", "neither"],
)
def test_sessions_without_start_or_end_skipped_r_elig_2(
    starts_at: datetime | None, ends_at: datetime | None
) -> None:
    session = _session(starts_at=starts_at, ends_at=ends_at)

    selection = select(_content([session]), Eligibility(), NOW)

    assert selection.sessions == []
    assert selection.skipped == [
        _skip(session, "no start or end time; sessions need both to be synced")
    ]


@pytest.mark.parametrize(
    ("ends_at", "shown"),
    [
        # Stored in UTC, reported in the event's zone.
        (datetime(2027, 5, 12, 8, 0, tzinfo=UTC), "2027-05-12 10:00"),
        (NOW, "2027-05-12 12:00"),
    ],
    ids=["before-now", "exactly-now"],
)
def test_ended_sessions_skipped_r_elig_2(ends_at: datetime, shown: str) -> None:
    session = _session(starts_at=ends_at - HOUR, ends_at=ends_at)

    selection = select(_content([session]), Eligibility(), NOW)

    assert selection.sessions == []
    assert selection.skipped == [_skip(session, f"already ended ({shown})")]


def test_ended_sessions_selected_where_the_partner_takes_them_r_elig_2() -> None:
    session = _session(starts_at=NOW - 3 * HOUR, ends_at=NOW - 2 * HOUR)

    selection = select(_content([session]), Eligibility(skip_ended=False), NOW)

    assert selection.sessions == [session]
    assert selection.skipped == []


def test_running_session_selected_by_default_r_elig_2() -> None:
    session = _session(starts_at=NOW - HOUR, ends_at=NOW + HOUR)

    selection = select(_content([session]), Eligibility(), NOW)

    assert selection.sessions == [session]


@pytest.mark.parametrize(
    ("starts_at", "shown"),
    [
        (datetime(2027, 5, 12, 9, 0, tzinfo=UTC), "2027-05-12 11:00"),
        (NOW, "2027-05-12 12:00"),
    ],
    ids=["before-now", "exactly-now"],
)
def test_future_start_only_skips_started_sessions_r_elig_2(starts_at: datetime, shown: str) -> None:
    session = _session(starts_at=starts_at, ends_at=NOW + HOUR)

    selection = select(_content([session]), Eligibility(future_start_only=True), NOW)

    assert selection.sessions == []
    assert selection.skipped == [_skip(session, f"already started ({shown})")]


def test_future_start_only_selects_sessions_yet_to_start_r_elig_2() -> None:
    session = _session(starts_at=NOW + timedelta(minutes=1), ends_at=NOW + HOUR)

    selection = select(_content([session]), Eligibility(future_start_only=True), NOW)

    assert selection.sessions == [session]


# --- R-ELIG-3 / R-ELIG-4 ---------------------------------------------------------------------


def test_speaker_without_email_skipped_naming_the_field_r_elig_3() -> None:
    ada = _speaker("Ada", email=None)
    session = _session(people=_on(ada))

    selection = select(_content([session], [ada]), Eligibility(), NOW)

    assert selection.sessions == [session]
    assert selection.speakers == []
    assert selection.skipped == [_skip(ada, "missing required field: email")]


def test_every_missing_required_field_named_r_elig_3() -> None:
    ada = _speaker("Ada", email=None)
    session = _session(people=_on(ada))
    rules = Eligibility(speaker_required=("first_name", "email", "company"))

    selection = select(_content([session], [ada]), rules, NOW)

    assert selection.skipped == [_skip(ada, "missing required field: email, company")]


@pytest.mark.parametrize("client_session_id", [None, ""])
def test_session_without_client_session_id_skipped_r_elig_4(
    client_session_id: str | None,
) -> None:
    session = _session(client_session_id=client_session_id)
    rules = Eligibility(session_required=("client_session_id",))

    selection = select(_content([session]), rules, NOW)

    assert selection.sessions == []
    assert selection.skipped == [_skip(session, "missing required field: client_session_id")]


def test_session_with_client_session_id_selected_r_elig_4() -> None:
    session = _session(client_session_id="S-101")
    rules = Eligibility(session_required=("client_session_id",))

    selection = select(_content([session]), rules, NOW)

    assert selection.sessions == [session]
    assert selection.skipped == []


def test_client_session_id_not_required_by_default_r_elig_4() -> None:
    session = _session(client_session_id=None)

    selection = select(_content([session]), Eligibility(), NOW)

    assert selection.sessions == [session]


# --- R-SZ-5 / R-SZ-6 -------------------------------------------------------------------------


def test_service_sessions_never_selected_r_sz_6() -> None:
    ada = _speaker("Ada")
    lunch = _session("Lunch", is_service=True, people=_on(ada))

    selection = select(_content([lunch], [ada]), Eligibility(), NOW)

    assert selection.sessions == []
    assert selection.speakers == []
    assert selection.skipped == [
        _skip(lunch, "a service session (break, meal); those are never synced")
    ]


def test_withdrawn_session_skipped_r_sz_5() -> None:
    session = _session(withdrawn=True)

    selection = select(_content([session]), Eligibility(), NOW)

    assert selection.sessions == []
    assert selection.skipped == [
        _skip(session, "withdrawn: it is no longer in the source it was imported from")
    ]


def test_withdrawn_speaker_on_an_eligible_session_skipped_r_sz_5() -> None:
    ada = _speaker("Ada", withdrawn=True)
    session = _session(people=_on(ada))

    selection = select(_content([session], [ada]), Eligibility(), NOW)

    assert selection.speakers == []
    assert selection.skipped == [
        _skip(ada, "withdrawn: it is no longer in the source it was imported from")
    ]


def test_selection_keeps_the_event_order_r_elig_1() -> None:
    ada, grace = _speaker("Ada"), _speaker("Grace", "Hopper")
    first = _session("First", people=_on(grace))
    second = _session("Second", people=_on(ada))

    selection = select(_content([first, second], [ada, grace]), Eligibility(), NOW)

    assert selection.sessions == [first, second]
    assert selection.speakers == [ada, grace]


# --- R-SYNC-2: focus -------------------------------------------------------------------------


def _tax(kind: TaxonomyKind, name: str) -> TaxonomyItem:
    return TaxonomyItem(kind=kind, name=name)


def test_focus_on_a_session_covers_its_taxonomy_and_people_r_sync_2() -> None:
    ada, grace = _speaker("Ada"), _speaker("Grace", "Hopper")
    tag = _tax(TaxonomyKind.TAG, "AI")
    track = _tax(TaxonomyKind.TRACK, "Data")
    room = _tax(TaxonomyKind.LOCATION, "Hall A")
    level = _tax(TaxonomyKind.LEVEL, "Beginner")
    session_format = _tax(TaxonomyKind.FORMAT, "Keynote")
    session = _session(
        tags=[tag],
        tracks=[track],
        locations=[room],
        levels=[level],
        format=session_format,
        people=[SessionPerson(ada.id), SessionPerson(grace.id, Role.MODERATOR)],
    )
    unrelated = _session("Other", tags=[_tax(TaxonomyKind.TAG, "Web")], people=_on(grace))
    content = _content([session, unrelated], [ada, grace])

    covered = focus(content, session.id)

    assert covered == {
        session.id,
        tag.id,
        track.id,
        room.id,
        level.id,
        session_format.id,
        ada.id,
        grace.id,
    }


def test_focus_on_a_session_without_format_or_people_r_sync_2() -> None:
    session = _session()

    assert focus(_content([session]), session.id) == {session.id}


def test_focus_on_a_speaker_covers_the_speaker_alone_r_sync_2() -> None:
    ada = _speaker("Ada")
    session = _session(people=_on(ada))

    assert focus(_content([session], [ada]), ada.id) == {ada.id}


def test_focus_on_an_unknown_id_raises_lookup_error_r_sync_2() -> None:
    unknown = uuid.UUID(int=99)

    with pytest.raises(LookupError) as raised:
        focus(_content([_session()], [_speaker()]), unknown)

    assert str(raised.value) == f"no session or speaker with id {unknown} in this event"


def test_placeholders_are_never_synced_r_sz_11() -> None:
    ada = _speaker("Ada")
    tba = _speaker("Someone", "announced", placeholder=True)
    talk = _session("Talk", people=_on(ada, tba))
    later = _session("To be announced", placeholder=True, people=_on(ada))

    selection = select(_content([talk, later], [ada, tba]), Eligibility(), NOW)

    reason = "a placeholder (to be announced); placeholders are never synced"
    assert (selection.sessions, selection.speakers) == ([talk], [ada])
    assert selection.skipped == [_skip(later, reason), _skip(tba, reason)]
