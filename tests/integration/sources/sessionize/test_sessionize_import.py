"""The Sessionize import end to end: the simulator over real HTTP, the store on SQLite and
PostgreSQL (SPEC §9, R-SZ-1..8)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from sessionize_world import (
    ASNE,
    BERLIN,
    ENDPOINT,
    JOSE,
    JUERGEN,
    LUNCH,
    MEI,
    REGISTRATION,
    by_sessionize_id,
    fixture,
    load,
    make_event,
    names,
    run,
    run_statuses,
    state_of,
)

from agendasync.domain.models import (
    Event,
    SessionPerson,
    TaxonomyKind,
)
from agendasync.simulators.server import free_port
from agendasync.sources.sessionize.exceptions import (
    EmailsKeyRejected,
    EndpointIdMissing,
    EndpointNotFound,
    InvalidEndpointId,
    MalformedPayload,
    NotJson,
    PlaceholderData,
    ScheduleNotPublished,
    SessionizeError,
    Unreachable,
)
from agendasync.sources.sessionize.importer import (
    last_import_report,
)
from agendasync.sources.sessionize.report import (
    ImportStatus,
    LeftOut,
    LeftOutReason,
    RecordCounts,
)
from agendasync.sources.sessionize.simulator import SessionizeState
from agendasync.store import Store
from agendasync.store.content import load_event_content, save_event_content
from agendasync.store.events import get_event
from agendasync.store.exceptions import NotFound

pytest_plugins = ["sessionize_world"]


# --- R-SZ-1 ----------------------------------------------------------------------------------


async def test_pasted_url_gives_the_id_which_the_event_keeps_r_sz_1(
    store: Store, sim: SessionizeState, base_url: str, event: Event
) -> None:
    sim.load(ENDPOINT, fixture("all_2024.json"))
    url = f"https://sessionize.com/api/v2/{ENDPOINT}/view/GridSmart"
    report = await run(store, base_url, endpoint_id=url)
    assert report.endpoint_id == ENDPOINT
    with store.transaction() as connection:
        stored = get_event(connection, event.id)
    assert stored is not None
    assert stored.sessionize_endpoint_id == ENDPOINT

    again = await run(store, base_url, endpoint_id=None, force=True)  # the stored id is used
    assert again.endpoint_id == ENDPOINT
    assert sim.requests == [f"/api/v2/{ENDPOINT}/view/All"] * 2


@pytest.mark.parametrize(
    ("given_id", "error"),
    [
        ("not an id", InvalidEndpointId),
        ("https://example.com/api/v2/jl4ktls0/view/All", InvalidEndpointId),
        (None, EndpointIdMissing),
    ],
)
async def test_unusable_endpoint_id_is_refused_r_sz_1(
    store: Store,
    sim: SessionizeState,
    base_url: str,
    event: Event,
    given_id: str | None,
    error: type[SessionizeError],
) -> None:
    with pytest.raises(error) as info:
        await run(store, base_url, endpoint_id=given_id)
    if given_id is None:
        assert str(info.value) == (
            "Event 'conf27' has no Sessionize endpoint id yet. Give the 8-character id from the "
            "event's API / Embed page in Sessionize (or paste the endpoint URL); it is kept for "
            "the next imports."
        )
    assert sim.requests == []
    assert run_statuses(store, event) == ["failed"]
    with store.transaction() as connection:
        report = last_import_report(connection, event.id)
    assert report is not None
    assert (report.status, report.error_code) == (ImportStatus.FAILED, info.value.code)
    assert report.error == str(info.value)


async def test_unknown_event_is_not_found_and_nothing_is_recorded_r_sz_1(
    store: Store, sim: SessionizeState, base_url: str, event: Event
) -> None:
    with pytest.raises(NotFound, match="no event with slug 'nope'"):
        await run(store, base_url, event="nope")
    assert run_statuses(store, event) == []


# --- R-SZ-2 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "session_id", "expected"),
    [
        (
            "all_2024.json",
            "880001",
            {
                "tracks": ["Cloud & Infrastructure"],
                "levels": ["Introductory and overview"],
                "format": "Session (45 min)",
                "language": "en",
                "tags": ["Kubernetes"],
                "locations": ["Saal Europa (400)"],
            },
        ),
        (
            "all_2024.json",
            "880005",
            {
                "tracks": [],
                "levels": [],
                "format": "Keynote",
                "language": "de",
                "tags": [],
                "locations": ["Saal Europa (400)"],
            },
        ),
        (
            "all_2023.json",
            "512301",
            {
                "tracks": ["Cloud Governance"],
                "levels": [],
                "format": None,
                "language": "de",
                "tags": [],
                "locations": ["Hörsaal 1"],
            },
        ),
        (
            "all_2020.json",
            "201002",
            {
                "tracks": [],
                "levels": ["Expert"],
                "format": "Demo",
                "language": None,
                "tags": [],
                "locations": ["Room B"],
            },
        ),
    ],
)
async def test_categories_become_tracks_levels_format_language_and_tags_r_sz_2(
    store: Store,
    sim: SessionizeState,
    base_url: str,
    event: Event,
    name: str,
    session_id: str,
    expected: dict[str, Any],
) -> None:
    sim.load(ENDPOINT, fixture(name))
    await run(store, base_url)
    session = by_sessionize_id(load(store, event).sessions)[session_id]
    assert {
        "tracks": names(session.tracks),
        "levels": names(session.levels),
        "format": session.format.name if session.format else None,
        "language": session.language,
        "tags": names(session.tags),
        "locations": names(session.locations),
    } == expected


async def test_event_category_map_overrides_the_keywords_r_sz_2(
    store: Store, sim: SessionizeState, base_url: str
) -> None:
    event = make_event(store, category_map={"topics": "tracks", "LEVEL": "tags"})
    sim.load(ENDPOINT, fixture("all_2024.json"))
    await run(store, base_url)
    session = by_sessionize_id(load(store, event).sessions)["880001"]
    assert names(session.tracks) == ["Cloud & Infrastructure", "Kubernetes"]
    assert names(session.tags) == ["Introductory and overview"]
    assert session.levels == []


async def test_first_import_report_counts_and_warnings_r_sz_2(
    store: Store, sim: SessionizeState, base_url: str, event: Event
) -> None:
    sim.load(ENDPOINT, fixture("all_2024.json"))
    report = await run(store, base_url)
    assert report.status is ImportStatus.IMPORTED
    assert report.sessions == RecordCounts(created=7)
    assert report.speakers == RecordCounts(created=4)
    # 3 rooms, 3 tracks, 3 levels, 3 formats, 2 session tags, 2 category tags (R-SZ-3),
    # 6 speaker tags
    assert report.taxonomy == RecordCounts(created=22)
    assert report.warnings == (
        "session 880003: format 'Workshop (3 h)' kept; 'Lightning talk' kept as the tag "
        "'Please select session type: Lightning talk'",
        "session 880003: 'Klingon' is not a known language; 'Klingon' kept as the tag "
        "'Language: Klingon'",
    )
    content = load(store, event)
    kinds = sorted(item.kind.value for item in content.taxonomy)
    assert kinds == sorted(
        ["location"] * 3 + ["track"] * 3 + ["level"] * 3 + ["format"] * 3 + ["tag"] * 10
    )


async def test_speaker_links_picture_tagline_and_tags_r_sz_2(
    store: Store, sim: SessionizeState, base_url: str, event: Event
) -> None:
    sim.load(ENDPOINT, fixture("all_2024.json"))
    await run(store, base_url)
    speakers = by_sessionize_id(load(store, event).speakers)
    asne = speakers[ASNE]
    assert (asne.first_name, asne.last_name) == ("Åsne", "Seierstad-Lind")
    assert asne.website == "https://asne.dev/blog"
    assert asne.twitter_url == "https://twitter.com/asne_sl"
    assert asne.linkedin_url == "https://www.linkedin.com/in/asne-seierstad-lind"
    assert asne.facebook_url == "https://www.facebook.com/asne.sl"
    assert asne.headshot_url == (
        "https://sessionize.com/image/ab37-400o400o1-Tq1Wz8xYhF4mRk2sLp9v.png"
    )
    assert asne.job_title == "Principal Platform Engineer at Fjordtech"
    assert (
        asne.biography == "Platform engineer from Tromsø 🇳🇴.\nLoves boats, YAML and cinnamon buns."
    )
    assert names(asne.tags) == ["Speaking experience: First-time speaker", "Region: Nordics"]
    assert {item.kind for item in asne.tags} == {TaxonomyKind.TAG}
    assert speakers[JOSE].website == "https://pipelines.example.com"  # Company_Website listed first
    assert names(speakers[JOSE].tags) == [
        "Speaking experience: Seasoned speaker",
        "Region: Iberia",
        "Preferred language for Q&A: Español",
    ]
    mei = speakers[MEI]
    assert (mei.biography, mei.headshot_url, mei.website, mei.job_title, mei.tags) == (
        "",
        None,
        None,
        None,
        [],
    )
    assert {speaker.email for speaker in speakers.values()} == {None}


async def test_emails_view_fills_the_emails_r_sz_2(
    store: Store, sim: SessionizeState, base_url: str, event: Event
) -> None:
    sim.load(
        ENDPOINT,
        fixture("all_2024.json"),
        emails=fixture("speakers_emails.json"),
        emails_key="s3cr3t",
    )
    await run(store, base_url, emails_key="s3cr3t")
    emails = {sid: s.email for sid, s in by_sessionize_id(load(store, event).speakers).items()}
    assert emails == {
        ASNE: "asne@fjordtech.no",
        JOSE: "Jose.Nunez@pipelines.example.com",
        MEI: None,
        JUERGEN: "j.mueller@alpenwerk.example.de",
    }


async def test_wrong_emails_key_fails_and_changes_nothing_r_sz_2(
    store: Store, sim: SessionizeState, base_url: str, event: Event
) -> None:
    sim.load(ENDPOINT, fixture("all_2024.json"), emails_key="s3cr3t")
    before = state_of(store, event)
    with pytest.raises(EmailsKeyRejected) as info:
        await run(store, base_url, emails_key="wrong")
    assert "wrong" not in str(info.value)
    assert state_of(store, event) == before
    assert run_statuses(store, event) == ["failed"]


async def test_email_held_by_another_speaker_is_reported_and_left_empty_r_sz_2(
    store: Store, sim: SessionizeState, base_url: str, event: Event
) -> None:
    sim.load(ENDPOINT, fixture("all_2024.json"))
    await run(store, base_url)
    with store.transaction() as connection:  # the hub gives Åsne's address to Mei
        content = load_event_content(connection, event.id)
        mei = by_sessionize_id(content.speakers)[MEI]
        mei = mei.model_copy(update={"email": "ASNE@fjordtech.no"})
        save_event_content(connection, content.model_copy(update={"speakers": [mei]}))
    sim.load(
        ENDPOINT,
        fixture("all_2024.json"),
        emails=fixture("speakers_emails.json"),
        emails_key="s3cr3t",
    )
    report = await run(store, base_url, emails_key="s3cr3t")
    speakers = by_sessionize_id(load(store, event).speakers)
    assert speakers[ASNE].email is None
    assert speakers[MEI].email == "ASNE@fjordtech.no"
    assert speakers[JOSE].email == "Jose.Nunez@pipelines.example.com"
    assert report.warnings == (
        f"speaker Åsne Seierstad-Lind ({ASNE}): email 'asne@fjordtech.no' from Sessionize is "
        "already used by Mei Zhang 张 of this event; left empty",
        "session 880003: format 'Workshop (3 h)' kept; 'Lightning talk' kept as the tag "
        "'Please select session type: Lightning talk'",
        "session 880003: 'Klingon' is not a known language; 'Klingon' kept as the tag "
        "'Language: Klingon'",
    )


# --- R-SZ-3 ----------------------------------------------------------------------------------


async def test_sessions_outside_the_event_dates_are_left_out_r_sz_3(
    store: Store, sim: SessionizeState, base_url: str, event: Event
) -> None:
    sim.load(ENDPOINT, fixture("all_2024.json"))
    report = await run(store, base_url)
    assert report.left_out == (
        LeftOut(
            "session",
            "880006",
            "Pre-conference meetup: Speakers' dinner talk",
            LeftOutReason.OUTSIDE_DATES,
            "outside the event's dates: it starts 2027-05-11 18:00, not within 2027-05-12 to "
            "2027-05-13 (Europe/Berlin)",
        ),
    )
    assert "880006" not in by_sessionize_id(load(store, event).sessions)


async def test_unscheduled_sessions_are_left_out_with_their_reason_r_sz_3(
    store: Store, sim: SessionizeState, base_url: str, event: Event
) -> None:
    sim.load(ENDPOINT, fixture("all_2023.json"))
    report = await run(store, base_url)
    assert report.left_out == (
        LeftOut(
            "session",
            "512303",
            "Cost management for the rest of us",
            LeftOutReason.UNSCHEDULED,
            "unscheduled: it has no start and end time in Sessionize",
        ),
    )
    assert report.left_out_by_reason() == {LeftOutReason.UNSCHEDULED: 1}
    content = load(store, event)
    assert sorted(by_sessionize_id(content.sessions)) == [
        "512301",
        "512302",
        "6d1b2c3a-0e9f-4a8b-b7c6-d5e4f3a2b1c0",
    ]
    assert len(content.speakers) == 3  # Aisha's other session is imported


async def test_speakers_without_an_imported_session_are_left_out_r_sz_3(
    store: Store, sim: SessionizeState, base_url: str
) -> None:
    event = make_event(store, start=date(2027, 5, 13), end=date(2027, 5, 13))
    sim.load(ENDPOINT, fixture("all_2024.json"))
    report = await run(store, base_url)
    content = load(store, event)
    assert sorted(by_sessionize_id(content.sessions)) == ["880004"]
    assert sorted(by_sessionize_id(content.speakers)) == [MEI]
    left_speakers = [(r.sessionize_id, r.detail) for r in report.left_out if r.kind == "speaker"]
    assert left_speakers == [
        (ASNE, "none of their sessions is imported"),
        (JOSE, "none of their sessions is imported"),
        (JUERGEN, "none of their sessions is imported"),
    ]
    assert report.left_out_by_reason() == {
        LeftOutReason.OUTSIDE_DATES: 7,
        LeftOutReason.NO_IMPORTED_SESSION: 3,
    }


# --- R-SZ-4 ----------------------------------------------------------------------------------


def _serve_error(sim: SessionizeState, case: str) -> None:
    if case == "html":
        sim.set_embed(ENDPOINT)
    elif case == "javascript":
        sim.set_embed(ENDPOINT, javascript=True)
    elif case == "503":
        sim.faults.fail_next(10, status=503)
    elif case == "malformed":
        sim.load(ENDPOINT, b'{"sessions": [{"id": "1", "title": 42}]}')
    elif case == "not published":
        sim.load(ENDPOINT, fixture("accepted_unscheduled.json"))
    elif case == "empty":
        sim.load(ENDPOINT, fixture("empty_without_questions.json"))
    elif case == "placeholder":
        sim.load(ENDPOINT, fixture("placeholder_demo.json"))
    elif case == "not found":
        sim.remove(ENDPOINT)


ERROR_CASES = [
    ("not found", EndpointNotFound, "Sessionize has no endpoint 'jl4ktls0' (HTTP 404)."),
    ("html", NotJson, "answers HTML/JavaScript, not JSON (content type 'text/html"),
    ("javascript", NotJson, "(content type 'text/javascript"),
    ("503", Unreachable, "after 3 attempts: Sessionize answered HTTP 503."),
    ("closed port", Unreachable, "after 3 attempts: could not connect to http://127.0.0.1:"),
    (
        "malformed",
        MalformedPayload,
        "The Sessionize feed is malformed: sessions[0].title: expected a string (got a number).",
    ),
    ("not published", ScheduleNotPublished, "3 of 3 sessions have no start and end time."),
    ("empty", ScheduleNotPublished, "not published yet: the feed has no sessions."),
]


@pytest.mark.parametrize(("case", "error", "message"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
async def test_each_error_is_clear_and_changes_nothing_r_sz_4(
    store: Store,
    sim: SessionizeState,
    base_url: str,
    event: Event,
    case: str,
    error: type[SessionizeError],
    message: str,
) -> None:
    sim.load(ENDPOINT, fixture("all_2024.json"))
    await run(store, base_url)
    before = state_of(store, event)
    _serve_error(sim, case)
    url = f"http://127.0.0.1:{free_port()}" if case == "closed port" else base_url
    with pytest.raises(error) as info:
        await run(store, url, force=True)
    assert message in str(info.value)
    assert state_of(store, event) == before
    assert run_statuses(store, event) == ["imported", "failed"]
    with store.transaction() as connection:
        report = last_import_report(connection, event.id)
    assert report is not None
    assert (report.status, report.error_code, report.error) == (
        ImportStatus.FAILED,
        info.value.code,
        str(info.value),
    )


async def test_not_published_message_names_how_many_sessions_lack_times_r_sz_4(
    store: Store, sim: SessionizeState, base_url: str, event: Event
) -> None:
    sim.load(ENDPOINT, fixture("accepted_unscheduled.json"))
    with pytest.raises(ScheduleNotPublished) as info:
        await run(store, base_url)
    assert str(info.value) == (
        "The Sessionize schedule is not published/announced yet: 3 of 3 sessions have no start "
        "and end time. Place the sessions in Sessionize's Schedule Builder and announce the "
        "schedule, then import again."
    )
    assert load(store, event).sessions == []


# --- R-SZ-6, R-SZ-7 --------------------------------------------------------------------------


async def test_imported_records_are_accepted_and_service_sessions_kept_r_sz_6(
    store: Store, sim: SessionizeState, base_url: str, event: Event
) -> None:
    sim.load(ENDPOINT, fixture("all_2024.json"))
    await run(store, base_url)
    content = load(store, event)
    assert {s.status.value for s in content.sessions} == {"accepted"}
    assert {s.status.value for s in content.speakers} == {"accepted"}
    sessions = by_sessionize_id(content.sessions)
    assert sorted(sid for sid, s in sessions.items() if s.is_service) == sorted(
        [LUNCH, REGISTRATION]
    )
    lunch = sessions[LUNCH]  # a plenum service session keeps its one room
    assert (lunch.title, lunch.description, names(lunch.locations), lunch.people) == (
        "Lunch 🍲",
        "",
        ["Saal Europa (400)"],
        [],
    )
    keynote = sessions["880005"]  # a plenum session with a speaker
    assert keynote.is_service is False
    assert keynote.people == [SessionPerson(by_sessionize_id(content.speakers)[JUERGEN].id)]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param(
            "all_2024.json",
            {
                "880001": ("2027-05-12T10:00", "2027-05-12T10:45"),
                REGISTRATION: ("2027-05-12T08:00", "2027-05-12T09:00"),
            },
            id="local-times",
        ),
        pytest.param(
            "all_utc_times.json",
            {
                "301001": ("2027-05-12T09:00", "2027-05-12T09:45"),  # Z
                "301002": ("2027-05-12T18:30", "2027-05-12T19:15"),  # +01:00
                "301003": ("2027-05-12T23:30", "2027-05-13T00:30"),  # Z, past midnight in Berlin
            },
            id="z-and-offset-times",
        ),
    ],
)
async def test_times_are_placed_in_the_event_zone_r_sz_7(
    store: Store,
    sim: SessionizeState,
    base_url: str,
    event: Event,
    name: str,
    expected: dict[str, tuple[str, str]],
) -> None:
    sim.load(ENDPOINT, fixture(name))
    await run(store, base_url)
    sessions = by_sessionize_id(load(store, event).sessions)

    def berlin(text: str) -> datetime:
        return datetime.fromisoformat(text).replace(tzinfo=BERLIN)

    assert {sid: (sessions[sid].starts_at, sessions[sid].ends_at) for sid in expected} == {
        sid: (berlin(starts), berlin(ends)) for sid, (starts, ends) in expected.items()
    }


async def test_a_utc_session_running_past_midnight_of_the_last_day_is_in_r_sz_7_r_sz_5(
    store: Store, sim: SessionizeState, base_url: str
) -> None:
    event = make_event(store, start=date(2027, 5, 12), end=date(2027, 5, 12))
    sim.load(ENDPOINT, fixture("all_utc_times.json"))
    report = await run(store, base_url)
    assert report.left_out == ()
    late = by_sessionize_id(load(store, event).sessions)["301003"]
    assert (late.starts_at, late.ends_at) == (
        datetime(2027, 5, 12, 23, 30, tzinfo=BERLIN),
        datetime(2027, 5, 13, 0, 30, tzinfo=BERLIN),
    )
    assert not late.withdrawn


async def test_bom_crlf_and_nulls_import_cleanly_r_sz_7(
    store: Store, sim: SessionizeState, base_url: str, event: Event
) -> None:
    sim.load(ENDPOINT, fixture("bom_crlf.json"))
    report = await run(store, base_url)
    assert report.sessions == RecordCounts(created=1)
    content = load(store, event)
    session = content.sessions[0]
    assert (session.title, session.description) == (
        "Café culture & distributed teams ☕",
        "Line one.\nLine two.",
    )
    assert (content.speakers[0].first_name, content.speakers[0].last_name) == (
        "Siobhán",
        "Ní Bhriain",
    )


# --- R-SZ-8 ----------------------------------------------------------------------------------


async def test_placeholder_demo_data_is_refused_r_sz_8(
    store: Store, sim: SessionizeState, base_url: str, event: Event
) -> None:
    sim.load(ENDPOINT, fixture("placeholder_demo.json"))
    before = state_of(store, event)
    with pytest.raises(PlaceholderData) as info:
        await run(store, base_url)
    assert str(info.value).startswith(
        "The Sessionize endpoint serves Sessionize's placeholder demo data (3 demo speakers"
    )
    assert state_of(store, event) == before
    assert run_statuses(store, event) == ["failed"]
