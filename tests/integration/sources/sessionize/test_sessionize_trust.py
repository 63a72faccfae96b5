"""Imports organisers can trust (issue 15): no silent wipe, stable people, nothing dropped.

Each test runs a real import over HTTP against the simulator into both databases and checks
the stored records one by one.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sessionize_world import (
    ASNE,
    ENDPOINT,
    JOSE,
    JUERGEN,
    MEI,
    by_sessionize_id,
    fixture,
    fixture_json,
    load,
    run,
    run_statuses,
    state_of,
)

from agendasync.domain.models import Event, Speaker, TaxonomyKind
from agendasync.sources.sessionize.exceptions import (
    EmailsKeyRejected,
    EndpointChanged,
    SessionizeError,
)
from agendasync.sources.sessionize.report import Flag, Flagged, Overwritten, RecordCounts
from agendasync.sources.sessionize.simulator import SessionizeState
from agendasync.store import Store
from agendasync.store.content import load_event_content, save_event_content
from agendasync.store.events import get_event, save_event
from agendasync.sync.select import Eligibility, select

pytest_plugins = ["sessionize_world"]

OTHER = "othr2023"


# --- R-SZ-9: another endpoint ----------------------------------------------------------------


async def test_another_endpoint_is_refused_naming_what_it_withdraws_r_sz_9(
    store: Store, sim: SessionizeState, base_url: str, event: Event
) -> None:
    sim.load(ENDPOINT, fixture("all_2024.json"))
    sim.load(OTHER, fixture("all_2023.json"))
    await run(store, base_url)
    before = state_of(store, event)

    with pytest.raises(EndpointChanged) as refused:
        await run(store, base_url, endpoint_id=OTHER)
    assert (refused.value.sessions, refused.value.speakers) == (7, 4)
    assert str(refused.value) == (
        "This event was imported from Sessionize endpoint 'jl4ktls0'. Importing endpoint "
        "'othr2023' instead replaces it and withdraws 7 sessions and 4 speakers imported from "
        "'jl4ktls0'. Nothing was changed; ask to replace the endpoint to import it anyway."
    )
    assert state_of(store, event) == before
    with store.transaction() as connection:
        stored = get_event(connection, event.id)
    assert stored is not None
    assert stored.sessionize_endpoint_id == ENDPOINT
    assert run_statuses(store, event) == ["imported", "failed"]

    # The stored endpoint changed by hand: an import with it is refused just the same.
    with store.transaction() as connection:
        save_event(connection, stored.model_copy(update={"sessionize_endpoint_id": OTHER}))
    with pytest.raises(EndpointChanged):
        await run(store, base_url, endpoint_id=None)
    assert state_of(store, event)["sessions"] == before["sessions"]


async def test_replacing_withdraws_what_the_new_feed_lacks_and_says_so_r_sz_9(
    store: Store, sim: SessionizeState, base_url: str, event: Event
) -> None:
    sim.load(ENDPOINT, fixture("all_2024.json"))
    sim.load(OTHER, fixture("all_2023.json"))
    await run(store, base_url)

    preview = await run(store, base_url, endpoint_id=OTHER, dry_run=True)
    assert preview.replaced_endpoint == ENDPOINT
    assert (preview.sessions.withdrawn, preview.speakers.withdrawn) == (7, 4)

    report = await run(store, base_url, endpoint_id=OTHER, replace=True)
    assert report.replaced_endpoint == ENDPOINT
    assert (report.sessions.withdrawn, report.speakers.withdrawn) == (7, 4)
    assert report.to_json()["replaced_endpoint"] == ENDPOINT
    content = load(store, event)
    old_ids = {s["id"] for s in fixture_json("all_2024.json")["sessions"]}
    withdrawn = {s.sessionize_id for s in content.sessions if s.withdrawn}
    assert withdrawn == old_ids - {"880006"}  # 880006 was left out (outside the dates)
    with store.transaction() as connection:
        stored = get_event(connection, event.id)
    assert stored is not None
    assert stored.sessionize_endpoint_id == OTHER

    again = await run(store, base_url, endpoint_id=OTHER, force=True)  # now the event's own
    assert again.replaced_endpoint is None


# --- R-SZ-10: one speaker, one record ------------------------------------------------------

NEW_ASNE = "5e5e5e5e-0000-4000-8000-00000000a5e1"


def _emails(feed_speakers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    known = {row["id"]: row["email"] for row in fixture_json_list("speakers_emails.json")}
    known[NEW_ASNE] = known[ASNE]
    return [
        {
            "id": s["id"],
            "firstName": s["firstName"],
            "lastName": s["lastName"],
            "email": known[s["id"]],
        }
        for s in feed_speakers
    ]


def fixture_json_list(name: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(fixture(name))
    return rows


def _renamed_asne(feed: dict[str, Any]) -> dict[str, Any]:
    """The feed with Åsne's Sessionize profile re-created under a new id."""
    changed = copy.deepcopy(feed)
    for speaker in changed["speakers"]:
        if speaker["id"] == ASNE:
            speaker["id"] = NEW_ASNE
    for session in changed["sessions"]:
        session["speakers"] = [NEW_ASNE if s == ASNE else s for s in session["speakers"]]
    return changed


async def test_a_changed_speaker_id_keeps_the_record_its_email_and_history_r_sz_10(
    store: Store, sim: SessionizeState, base_url: str, event: Event
) -> None:
    feed = fixture_json("all_2024.json")
    sim.load(ENDPOINT, feed, emails=_emails(feed["speakers"]), emails_key="k3y")
    await run(store, base_url, emails_key="k3y")
    before = by_sessionize_id(load(store, event).speakers)[ASNE]
    assert before.email == "asne@fjordtech.no"

    changed = _renamed_asne(feed)
    sim.load(ENDPOINT, changed, emails=_emails(changed["speakers"]), emails_key="k3y")
    report = await run(store, base_url, emails_key="k3y")

    content = load(store, event)
    speakers = by_sessionize_id(content.speakers)
    assert sorted(speakers) == sorted([NEW_ASNE, JOSE, MEI, JUERGEN])
    after = speakers[NEW_ASNE]
    assert after.id == before.id  # the same record: its sync history stays with it
    assert (after.email, after.withdrawn, after.created_at) == (
        "asne@fjordtech.no",
        False,
        before.created_at,
    )
    assert len(content.speakers) == 4
    assert (report.speakers.withdrawn, report.speakers.created) == (0, 0)
    assert report.speakers.updated == 1
    talk = by_sessionize_id(content.sessions)["880001"]
    assert [p.speaker_id for p in talk.people] == [before.id]
    assert (
        f"speaker Åsne Seierstad-Lind ({NEW_ASNE}): matched by email to the speaker imported as "
        f"{ASNE}; the record takes the new Sessionize id and keeps its email and sync history"
    ) in report.warnings


async def test_a_speaker_already_in_the_hub_with_that_email_is_linked_r_sz_10(
    store: Store, sim: SessionizeState, base_url: str, event: Event
) -> None:
    hub = Speaker(first_name="Åse", last_name="Hub", email="ASNE@fjordtech.no", company="Fjord")
    with store.transaction() as connection:
        content = load_event_content(connection, event.id)
        save_event_content(connection, content.model_copy(update={"speakers": [hub]}))
    feed = fixture_json("all_2024.json")
    sim.load(ENDPOINT, feed, emails=_emails(feed["speakers"]), emails_key="k3y")
    report = await run(store, base_url, emails_key="k3y")

    content = load(store, event)
    assert len(content.speakers) == 4
    linked = by_sessionize_id(content.speakers)[ASNE]
    assert linked.id == hub.id
    assert (linked.first_name, linked.last_name, linked.email, linked.company) == (
        "Åsne",
        "Seierstad-Lind",
        "ASNE@fjordtech.no",
        "Fjord",
    )
    assert report.speakers == RecordCounts(created=3, updated=1)
    workshop = by_sessionize_id(content.sessions)["880003"]
    assert workshop.people[0].speaker_id == hub.id
    assert (
        f"speaker Åsne Seierstad-Lind ({ASNE}): linked by email to Åse Hub, already in the event"
    ) in report.warnings


# --- R-SZ-5: still in the feed, never withdrawn ----------------------------------------------


async def test_an_unscheduled_session_stays_flagged_with_its_speakers_r_sz_5(
    store: Store, sim: SessionizeState, base_url: str, event: Event
) -> None:
    feed = fixture_json("all_2024.json")
    sim.load(ENDPOINT, feed)
    await run(store, base_url)
    unscheduled = copy.deepcopy(feed)
    for session in unscheduled["sessions"]:
        if session["id"] in ("880004", "880002"):
            session["startsAt"] = session["endsAt"] = session["roomId"] = None
    sim.load(ENDPOINT, unscheduled)
    report = await run(store, base_url)

    content = load(store, event)
    sessions = by_sessionize_id(content.sessions)
    for sessionize_id in ("880004", "880002"):
        kept = sessions[sessionize_id]
        assert (kept.withdrawn, kept.starts_at, kept.ends_at) == (False, None, None)
        assert kept.locations == []
    assert not by_sessionize_id(content.speakers)[MEI].withdrawn  # 880004 is her only session
    assert (report.sessions.withdrawn, report.speakers.withdrawn) == (0, 0)
    assert report.sessions.updated == 2
    assert [(f.sessionize_id, f.flag, f.detail) for f in report.flagged] == [
        (
            sid,
            Flag.UNSCHEDULED,
            "unscheduled in Sessionize: kept without times, not synced until it has them",
        )
        for sid in ("880002", "880004")
    ]
    rules = Eligibility()
    skipped = {
        s.label: s.reason for s in select(content, rules, datetime(2027, 1, 1, tzinfo=UTC)).skipped
    }
    assert skipped["session 'Datenpipelines ohne Drama'"] == (
        "no start or end time; sessions need both to be synced"
    )

    sim.load(ENDPOINT, feed)  # scheduled again: back with its times
    await run(store, base_url)
    assert by_sessionize_id(load(store, event).sessions)["880004"].starts_at is not None


# --- R-SZ-3: every room, every category item -------------------------------------------------


async def test_every_room_of_the_feed_is_imported_used_or_not_r_sz_3(
    store: Store, sim: SessionizeState, base_url: str, event: Event
) -> None:
    feed = fixture_json("all_2024.json")
    feed["rooms"] += [
        {"id": 104, "name": "Terrasse", "sort": 4},
        {"id": 105, "name": "Foyer (200)", "sort": 5},
        {"id": 106, "name": "Studio B", "sort": 6},
    ]
    sim.load(ENDPOINT, feed)
    await run(store, base_url)
    rooms = sorted(i.name for i in load(store, event).taxonomy if i.kind is TaxonomyKind.LOCATION)
    assert rooms == [
        "Foyer (200)",
        "Raum Åland (80)",
        "Saal Europa (400)",
        "Studio B",
        "Terrasse",
        "Workshop Loft (30)",
    ]


async def test_a_second_format_or_language_becomes_a_tag_named_by_its_category_r_sz_3(
    store: Store, sim: SessionizeState, base_url: str, event: Event
) -> None:
    feed = fixture_json("all_2024.json")
    for session in feed["sessions"]:
        if session["id"] == "880001":  # English, then Deutsch: a bilingual talk
            session["categoryItems"] += [50042, 50034]
    sim.load(ENDPOINT, feed)
    report = await run(store, base_url)
    sessions = by_sessionize_id(load(store, event).sessions)
    talk = sessions["880001"]
    assert (talk.format and talk.format.name, talk.language) == ("Session (45 min)", "en")
    assert [tag.name for tag in talk.tags] == [
        "Kubernetes",
        "Language: Deutsch",
        "Please select session type: Lightning talk",
    ]
    workshop = sessions["880003"]
    assert workshop.format is not None
    assert workshop.format.name == "Workshop (3 h)"
    assert [tag.name for tag in workshop.tags] == [
        "Please select session type: Lightning talk",
        "Language: Klingon",
        "Accessibility",
    ]
    assert report.warnings[:2] == (
        "session 880001: language 'en' kept; 'Deutsch' kept as the tag 'Language: Deutsch'",
        "session 880001: format 'Session (45 min)' kept; 'Lightning talk' kept as the tag "
        "'Please select session type: Lightning talk'",
    )


# --- R-SZ-2: speaker questions ---------------------------------------------------------------


async def test_speaker_questions_fill_company_role_phone_and_links_r_sz_2(
    store: Store, sim: SessionizeState, base_url: str, event: Event
) -> None:
    feed = fixture_json("all_2024.json")
    feed["questions"] += [
        {"id": 901, "question": "Company Name", "questionType": "Short_Text", "sort": 2},
        {"id": 902, "question": "Your role", "questionType": "Short_Text", "sort": 3},
        {"id": 903, "question": "Mobile phone", "questionType": "Short_Text", "sort": 4},
        {"id": 904, "question": "LinkedIn profile", "questionType": "Short_Text", "sort": 5},
        {"id": 905, "question": "Company website", "questionType": "Short_Text", "sort": 6},
        {"id": 906, "question": "T-shirt size", "questionType": "Short_Text", "sort": 7},
    ]
    answers = {901: "Fjordtech AS", 902: "Principal engineer", 903: "+47 912 34 567"}
    answers |= {904: "https://www.linkedin.com/in/asne-sl", 905: "https://fjordtech.example"}
    answers |= {906: "M"}
    for speaker in feed["speakers"]:
        if speaker["id"] == ASNE:
            speaker["links"] = []
            speaker["questionAnswers"] = [
                {"questionId": question, "answerValue": value}
                for question, value in answers.items()
            ]
    sim.load(ENDPOINT, feed)
    await run(store, base_url)
    speakers = by_sessionize_id(load(store, event).speakers)
    asne = speakers[ASNE]
    assert (asne.company, asne.job_title, asne.mobile_phone) == (
        "Fjordtech AS",
        "Principal engineer",
        "+47 912 34 567",
    )
    assert (asne.linkedin_url, asne.website) == (
        "https://www.linkedin.com/in/asne-sl",
        "https://fjordtech.example",
    )
    assert [tag.name for tag in asne.tags] == [
        "Speaking experience: First-time speaker",
        "Region: Nordics",
    ]
    assert speakers[JOSE].company is None  # no answer: the hub's value (none) stays


# --- R-SZ-11: placeholders -------------------------------------------------------------------


async def test_placeholders_are_flagged_never_synced_and_listed_r_sz_11(
    store: Store, sim: SessionizeState, base_url: str, event: Event
) -> None:
    feed = fixture_json("all_2024.json")
    feed["speakers"].append(
        {
            "id": "9a9a9a9a-0000-4000-8000-0000000000aa",
            "firstName": "An amazing",
            "lastName": "Speaker",
            "fullName": "An amazing Speaker",
            "sessions": [880007],
            "links": [],
        }
    )
    feed["sessions"].append(
        {
            "id": "880007",
            "title": "To be announced",
            "startsAt": "2027-05-13T11:00:00",
            "endsAt": "2027-05-13T11:45:00",
            "roomId": 101,
            "speakers": ["9a9a9a9a-0000-4000-8000-0000000000aa"],
            "categoryItems": [],
        }
    )
    for session in feed["sessions"]:
        if session["id"] == "880002":
            session["title"] = "Keynote: TBA"
    sim.load(ENDPOINT, feed)
    report = await run(store, base_url)

    content = load(store, event)
    sessions = by_sessionize_id(content.sessions)
    assert [sid for sid, s in sorted(sessions.items()) if s.placeholder] == ["880002", "880007"]
    assert not sessions["880001"].placeholder
    speakers = by_sessionize_id(content.speakers)
    assert [s.first_name for s in speakers.values() if s.placeholder] == ["An amazing"]
    detail = "a placeholder in Sessionize: kept, never synced"
    assert set(report.flagged) == {
        Flagged("session", "880002", "Keynote: TBA", Flag.PLACEHOLDER, detail),
        Flagged("session", "880007", "To be announced", Flag.PLACEHOLDER, detail),
        Flagged(
            "speaker",
            "9a9a9a9a-0000-4000-8000-0000000000aa",
            "An amazing Speaker",
            Flag.PLACEHOLDER,
            detail,
        ),
    }
    selection = select(content, Eligibility(), datetime(2027, 1, 1, tzinfo=UTC))
    chosen = {s.sessionize_id for s in selection.sessions}
    assert chosen == {"880001", "880003", "880004", "880005"}
    assert "9a9a9a9a-0000-4000-8000-0000000000aa" not in {
        s.sessionize_id for s in selection.speakers
    }


# --- R-SZ-4: errors that say what happened ---------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b"null",
            "The Sessionize endpoint 'jl4ktls0' answered null instead of its feed. Nothing was "
            "changed; try again in a few minutes. If it lasts, check the endpoint on the event's "
            "API / Embed page in Sessionize.",
        ),
        (
            b"  \r\n",
            "The Sessionize endpoint 'jl4ktls0' answered an empty body instead of its feed. "
            "Nothing was changed; try again in a few minutes. If it lasts, check the endpoint on "
            "the event's API / Embed page in Sessionize.",
        ),
        (
            b"Too many requests\n",
            "The Sessionize endpoint 'jl4ktls0' answered something that is not JSON (content "
            "type 'application/json; charset=utf-8', starting 'Too many requests'). Nothing was "
            "changed; try again later.",
        ),
    ],
)
async def test_empty_null_and_unreadable_answers_have_their_own_errors_r_sz_4(
    store: Store, sim: SessionizeState, base_url: str, event: Event, body: bytes, message: str
) -> None:
    sim.load(ENDPOINT, body)
    with pytest.raises(SessionizeError) as failed:
        await run(store, base_url)
    assert str(failed.value) == message
    assert failed.value.code != "sessionize.not_json"
    assert load(store, event).sessions == []


async def test_an_emails_view_not_found_says_the_main_feed_works_r_sz_4(
    store: Store, sim: SessionizeState, base_url: str, event: Event
) -> None:
    sim.load(ENDPOINT, fixture("all_2024.json"), emails_key="k3y")
    sim.faults.fail_next(1, status=404, match="GET /view/SpeakersEmails")
    with pytest.raises(EmailsKeyRejected) as refused:
        await run(store, base_url, emails_key="k3y")
    assert str(refused.value) == (
        "Sessionize found no speaker-emails view for endpoint 'jl4ktls0' with this key (HTTP "
        "404); the endpoint's main feed works. Check the key: Sessionize support issues it per "
        "endpoint. Nothing was changed."
    )
    assert load(store, event).sessions == []


# --- hub edits of imported fields ------------------------------------------------------------


async def test_the_report_names_each_field_an_import_overwrote_r_sz_5(
    store: Store, sim: SessionizeState, base_url: str, event: Event
) -> None:
    sim.load(ENDPOINT, fixture("all_2024.json"))
    await run(store, base_url)
    with store.transaction() as connection:  # the organiser edits imported records in the hub
        content = load_event_content(connection, event.id)
        talk = by_sessionize_id(content.sessions)["880001"]
        asne = by_sessionize_id(content.speakers)[ASNE]
        edited = content.model_copy(
            update={
                "sessions": [talk.model_copy(update={"title": "Edge Kubernetes", "people": []})],
                "speakers": [asne.model_copy(update={"biography": "Mine.", "company": "Kept"})],
            }
        )
        save_event_content(connection, edited)
    report = await run(store, base_url, force=True)
    assert set(report.overwritten) == {
        Overwritten("session", "880001", "Kubernetes at the edge 🚀", ("title", "speakers")),
        Overwritten("speaker", ASNE, "Åsne Seierstad-Lind", ("biography",)),
    }
    assert report.to_json()["overwritten"][0]["fields"] in (["title", "speakers"], ["biography"])
    assert by_sessionize_id(load(store, event).speakers)[ASNE].company == "Kept"  # hub-owned
