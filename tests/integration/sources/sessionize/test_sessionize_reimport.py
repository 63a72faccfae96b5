"""Re-importing a Sessionize feed (SPEC R-SZ-5): updates, restores, withdrawals, dry runs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sessionize_world import (
    ASNE,
    BERLIN,
    ENDPOINT,
    JOSE,
    LUNCH,
    MEI,
    REGISTRATION,
    by_sessionize_id,
    fixture,
    fixture_json,
    load,
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
)
from agendasync.sources.sessionize.importer import (
    last_import_report,
)
from agendasync.sources.sessionize.report import (
    ImportStatus,
    RecordCounts,
)
from agendasync.sources.sessionize.simulator import SessionizeState
from agendasync.store import Store
from agendasync.store.content import save_event_content
from agendasync.store.events import save_event

pytest_plugins = ["sessionize_world"]


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
