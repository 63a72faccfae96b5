"""The Sessionize import end to end: the simulator over real HTTP, the store on SQLite and
PostgreSQL (SPEC §9, R-SZ-1..8)."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
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
    fixture_json,
    load,
    make_event,
    names,
    run,
    run_statuses,
    state_of,
)

from agendasync.domain.models import (
    ContentFile,
    Event,
    Role,
    SessionPerson,
    Speaker,
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
    import_sessionize_feed,
    last_import_report,
)
from agendasync.sources.sessionize.report import (
    ImportReport,
    ImportStatus,
    LeftOut,
    LeftOutReason,
    RecordCounts,
)
from agendasync.sources.sessionize.simulator import SessionizeState
from agendasync.store import Store
from agendasync.store.content import load_event_content, save_event_content
from agendasync.store.events import get_event, save_event
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


# --- R-SZ-5 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "sessions", "speakers"),
    [("all_2020.json", 3, 2), ("all_2023.json", 3, 3), ("all_2024.json", 7, 4)],
)
async def test_reimport_creates_nothing_twice_r_sz_5(
    store: Store,
    sim: SessionizeState,
    base_url: str,
    event: Event,
    name: str,
    sessions: int,
    speakers: int,
) -> None:
    sim.load(ENDPOINT, fixture(name))
    first = await run(store, base_url)
    assert (first.sessions.created, first.speakers.created) == (sessions, speakers)
    before = state_of(store, event)
    again = await run(store, base_url, force=True)
    assert again.sessions == RecordCounts(unchanged=sessions)
    assert again.speakers == RecordCounts(unchanged=speakers)
    assert again.taxonomy == RecordCounts(unchanged=first.taxonomy.created)
    assert state_of(store, event) == before
    content = load(store, event)
    assert (len(content.sessions), len(content.speakers)) == (sessions, speakers)


async def test_ids_are_kept_and_compared_as_strings_r_sz_5(
    store: Store, sim: SessionizeState, base_url: str, event: Event
) -> None:
    feed = fixture_json("all_2024.json")
    talk = next(s for s in feed["sessions"] if s["id"] == "880002")
    talk["speakers"] = []  # only José's own (numeric) session list joins him to it
    jose = next(s for s in feed["speakers"] if s["id"] == JOSE)
    assert jose["sessions"] == [880002, 880003]
    sim.load(ENDPOINT, feed)
    await run(store, base_url)
    content = load(store, event)
    sessions = by_sessionize_id(content.sessions)
    speakers = by_sessionize_id(content.speakers)
    assert sorted(sessions) == sorted(
        ["880001", "880002", "880003", "880004", "880005", LUNCH, REGISTRATION]
    )
    assert sessions["880002"].people == [SessionPerson(speakers[JOSE].id)]
    assert sessions["880003"].people == [
        SessionPerson(speakers[ASNE].id),
        SessionPerson(speakers[JOSE].id),
    ]


async def test_changes_are_updated_and_hub_owned_values_survive_r_sz_5(
    store: Store, sim: SessionizeState, base_url: str, event: Event
) -> None:
    sim.load(ENDPOINT, fixture("all_2024.json"))
    await run(store, base_url)
    content = load(store, event)
    sessions, speakers = by_sessionize_id(content.sessions), by_sessionize_id(content.speakers)
    moderator = Speaker(first_name="Mo", last_name="Derator", email="mo@example.com")
    kubernetes = next(item for item in content.taxonomy if item.name == "Kubernetes")
    uploaded = datetime(2027, 5, 1, tzinfo=UTC)
    edited = content.model_copy(
        update={
            "taxonomy": [kubernetes.model_copy(update={"colour": "#336699"})],
            "speakers": [
                moderator,
                speakers[ASNE].model_copy(update={"email": "asne@hub.example", "company": "Fjord"}),
            ],
            "sessions": [
                sessions["880001"].model_copy(
                    update={
                        "client_session_id": "ASP-17",
                        "files": [
                            ContentFile(url="https://files.example/deck.pdf", uploaded_at=uploaded)
                        ],
                        "people": [
                            *sessions["880001"].people,
                            SessionPerson(moderator.id, Role.MODERATOR),
                        ],
                    }
                )
            ],
        }
    )
    with store.transaction() as connection:
        save_event_content(connection, edited)

    feed = fixture_json("all_2024.json")
    talk = next(s for s in feed["sessions"] if s["id"] == "880001")
    talk["title"] = "Kubernetes at the edge, revisited"
    talk["startsAt"], talk["endsAt"] = "2027-05-13T10:00:00", "2027-05-13T10:45:00"
    sim.load(ENDPOINT, feed)
    report = await run(store, base_url)
    assert report.sessions == RecordCounts(updated=1, unchanged=6)
    assert report.speakers == RecordCounts(unchanged=4)

    after = load(store, event)
    session = by_sessionize_id(after.sessions)["880001"]
    asne = by_sessionize_id(after.speakers)[ASNE]
    assert session.title == "Kubernetes at the edge, revisited"
    assert session.starts_at == datetime(2027, 5, 13, 10, 0, tzinfo=BERLIN)
    assert session.client_session_id == "ASP-17"
    assert [f.url for f in session.files] == ["https://files.example/deck.pdf"]
    assert session.people == [SessionPerson(asne.id), SessionPerson(moderator.id, Role.MODERATOR)]
    assert (asne.email, asne.company) == ("asne@hub.example", "Fjord")
    assert next(i for i in after.taxonomy if i.name == "Kubernetes").colour == "#336699"
    assert session.tags[0].colour == "#336699"


async def test_vanished_records_are_withdrawn_and_restored_when_back_r_sz_5(
    store: Store, sim: SessionizeState, base_url: str, event: Event
) -> None:
    sim.load(ENDPOINT, fixture("all_2024.json"))
    await run(store, base_url)
    feed = fixture_json("all_2024.json")
    feed["sessions"] = [s for s in feed["sessions"] if s["id"] != "880004"]
    feed["speakers"] = [s for s in feed["speakers"] if s["id"] != MEI]
    sim.load(ENDPOINT, feed)

    gone = await run(store, base_url)
    assert gone.sessions == RecordCounts(unchanged=6, withdrawn=1)
    assert gone.speakers == RecordCounts(unchanged=3, withdrawn=1)
    content = load(store, event)
    assert len(content.sessions) == 7  # withdrawn, not deleted
    assert [s.sessionize_id for s in content.sessions if s.withdrawn] == ["880004"]
    assert [s.sessionize_id for s in content.speakers if s.withdrawn] == [MEI]

    still_gone = await run(store, base_url, force=True)
    assert still_gone.sessions == RecordCounts(unchanged=6)

    sim.load(ENDPOINT, fixture("all_2024.json"))
    back = await run(store, base_url)
    assert back.sessions == RecordCounts(restored=1, unchanged=6)
    assert back.speakers == RecordCounts(restored=1, unchanged=3)
    content = load(store, event)
    assert not any(s.withdrawn for s in content.sessions)
    assert not any(s.withdrawn for s in content.speakers)
    assert by_sessionize_id(content.sessions)["880004"].people == [
        SessionPerson(by_sessionize_id(content.speakers)[MEI].id)
    ]


async def test_unchanged_feed_is_skipped_by_its_hash_r_sz_5(
    store: Store, sim: SessionizeState, base_url: str, event: Event
) -> None:
    sim.load(ENDPOINT, fixture("all_2024.json"))
    first = await run(store, base_url)
    before = state_of(store, event)
    again = await run(store, base_url)
    assert again.status is ImportStatus.UNCHANGED
    assert again.content_hash == first.content_hash
    assert again.unchanged_since == first.finished_at
    assert (again.sessions, again.speakers, again.left_out) == (RecordCounts(), RecordCounts(), ())
    assert state_of(store, event) == before
    assert run_statuses(store, event) == ["imported", "unchanged"]

    # The result also depends on the event's settings: a new category map is imported.
    with store.transaction() as connection:
        save_event(
            connection, event.model_copy(update={"sessionize_category_map": {"Topics": "tracks"}})
        )
    remapped = await run(store, base_url)
    assert remapped.status is ImportStatus.IMPORTED
    assert remapped.sessions == RecordCounts(updated=3, unchanged=4)
    assert run_statuses(store, event) == ["imported", "unchanged", "imported"]


async def test_dry_run_reports_and_writes_nothing_r_sz_5(
    store: Store, sim: SessionizeState, base_url: str, event: Event
) -> None:
    sim.load(ENDPOINT, fixture("all_2024.json"))
    before = state_of(store, event)
    dry = await run(store, base_url, dry_run=True)
    assert dry.dry_run is True
    assert state_of(store, event) == before
    assert run_statuses(store, event) == []
    real = await run(store, base_url)
    assert (dry.sessions, dry.speakers, dry.taxonomy, dry.left_out) == (
        real.sessions,
        real.speakers,
        real.taxonomy,
        real.left_out,
    )


async def test_last_report_reads_back_as_it_was_recorded_r_sz_5(
    store: Store, sim: SessionizeState, base_url: str, event: Event
) -> None:
    sim.load(ENDPOINT, fixture("all_2024.json"))
    report = await run(store, base_url)
    with store.transaction() as connection:
        assert last_import_report(connection, event.id) == report


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


async def test_r_sz_5_a_utc_session_running_past_midnight_of_the_last_day_is_in_r_sz_7(
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


# --- R-SZ-4: malformed payloads, property-based ----------------------------------------------

FEED_2024 = fixture_json("all_2024.json")
EMAILS = json.loads(fixture("speakers_emails.json"))


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found.extend(_paths(child, (*prefix, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found.extend(_paths(child, (*prefix, index)))
    return found


nasty_strings = st.sampled_from(
    [
        "",
        "   ",
        "\x00",
        "a\x00b",
        "\ud800",
        "x" * 600,
        "y" * 120_000,
        "2027-05-12T10:00:00",
        "2027-05-12T10:00:00Z",
        "2027-05-14T10:00:00+02:00",
        "00000000-0000-0000-0000-000000000001",
        "880001",
        ASNE,
        "not an email",
        "asne@fjordtech.no",
        "Deutsch",
    ]
)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    nasty_strings,
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=8,
)


def _mutated(document: Any, mutations: list[tuple[tuple[Any, ...], Any]]) -> Any:
    data = copy.deepcopy(document)
    for path, value in mutations:
        target: Any = data
        try:
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation replaced part of this path
    return data


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    feed_mutations=st.lists(
        st.tuples(st.sampled_from(_paths(FEED_2024)), json_values), min_size=1, max_size=4
    ),
    email_mutations=st.none()
    | st.lists(st.tuples(st.sampled_from(_paths(EMAILS)), json_values), max_size=2),
)
def test_malformed_payloads_give_a_clear_error_or_a_clean_import_r_sz_4(
    store: Store,
    feed_mutations: list[tuple[tuple[Any, ...], Any]],
    email_mutations: list[tuple[tuple[Any, ...], Any]] | None,
) -> None:
    event = make_event(store, slug=f"h-{uuid.uuid4().hex[:12]}")
    body = json.dumps(_mutated(FEED_2024, feed_mutations)).encode("utf-8")
    emails = (
        None if email_mutations is None else json.dumps(_mutated(EMAILS, email_mutations)).encode()
    )
    before = state_of(store, event)
    try:
        outcome: ImportReport | SessionizeError = import_sessionize_feed(
            store, event.id, body, emails_body=emails
        )
    except SessionizeError as error:
        outcome = error
    if isinstance(outcome, SessionizeError):
        assert str(outcome).strip()
        assert state_of(store, event) == before  # never half-written
        assert run_statuses(store, event) == ["failed"]
        return
    assert outcome.status is ImportStatus.IMPORTED
    content = load(store, event)
    assert len(content.sessions) == outcome.sessions.created
    assert len(content.speakers) == outcome.speakers.created
    again = import_sessionize_feed(store, event.id, body, emails_body=emails, force=True)
    assert (again.sessions.written, again.speakers.written, again.taxonomy.created) == (0, 0, 0)
