"""ExpoPlatform end to end: the hub's services, the engine and the connector over real HTTP
against the simulator, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from agendasync.services.integrations import IntegrationError, disconnect
from agendasync.simulators.server import free_port, serve_in_thread
from agendasync.store import tables as t
from conftest import ExpoWorld


@pytest.fixture(scope="module")
def not_expoplatform() -> Iterator[str]:
    """A web site that is not ExpoPlatform's API: every path answers a page."""

    async def page(request: object) -> HTMLResponse:
        return HTMLResponse("<html><body>Welcome</body></html>")

    app = Starlette(routes=[Route("/{path:path}", page, methods=["GET", "POST"])])
    with serve_in_thread(app) as url:
        yield url


def _by_external_id(expo: ExpoWorld, table: str) -> dict[str, dict[str, object]]:
    return {str(row["external_id"]): row for row in expo.rows(table)}


# --- connecting (R-INT-2, R-INT-3) ------------------------------------------------------------


async def test_connect_names_a_refused_key_r_int_2(expo: ExpoWorld) -> None:
    expo.add_event()
    with pytest.raises(IntegrationError, match="ExpoPlatform refused the credentials"):
        await expo.connect(key="not-the-key")


async def test_connect_names_an_unreachable_host_r_int_2(expo: ExpoWorld) -> None:
    expo.add_event()
    with pytest.raises(IntegrationError, match=r"could not be reached at http://127\.0\.0\.1:"):
        await expo.connect(base_url=f"http://127.0.0.1:{free_port()}")


async def test_connect_says_when_the_url_is_not_an_expoplatform_api_r_int_2(
    expo: ExpoWorld, not_expoplatform: str
) -> None:
    expo.add_event()
    with pytest.raises(IntegrationError, match="is not JSON: is the base URL an ExpoPlatform API"):
        await expo.connect(base_url=not_expoplatform)


async def test_base_url_is_normalised_and_events_listed_r_int_3(expo: ExpoWorld) -> None:
    expo.add_event()
    connected = await expo.connect(base_url=f"  {expo.url}/ .")
    assert connected.integration.base_url == expo.url
    assert [(e.id, e.name, e.timezone) for e in connected.partner_events] == [
        (str(expo.partner_event), "Expo 2030", "Europe/Berlin")
    ]


# --- the first sync and resyncs -----------------------------------------------------------------


async def test_first_sync_sends_eligible_sessions_and_speakers_once(expo: ExpoWorld) -> None:
    await expo.connected()
    run = await expo.sync()
    sessions, speakers = expo.eligible()
    assert run.status == "succeeded"
    assert sorted(_by_external_id(expo, "sessions")) == sorted(str(s.id) for s in sessions)
    assert sorted(str(r["email"]) for r in expo.rows("speakers")) == sorted(
        str(p.email) for p in speakers
    )
    assert run.report["counts"]["sessions"]["created"] == len(sessions)
    assert run.report["failed"] == []


async def test_sessions_point_at_their_taxonomy_and_people(expo: ExpoWorld) -> None:
    await expo.connected()
    await expo.sync()
    sessions, _ = expo.eligible()
    types = {row["id"]: row["name"] for row in expo.state.records(expo.partner_event, "types")}
    tracks = {row["id"]: row["name"] for row in expo.state.records(expo.partner_event, "tracks")}
    accounts = {row["id"]: row["external_id"] for row in expo.rows("accounts")}
    rows = _by_external_id(expo, "sessions")
    for session in sessions:
        row = rows[str(session.id)]
        assert session.format is not None
        assert types[row["type"]] == session.format.name
        assert tracks[row["track"]] == min((t.name for t in session.tracks), key=str.lower)
        on_stage = {accounts[i] for i in [*row["speakers"], *row["moderators"]]}  # type: ignore[misc]
        assert on_stage <= {str(p.speaker_id) for p in session.people}


async def test_multi_track_session_sends_the_first_track_and_says_so(expo: ExpoWorld) -> None:
    await expo.connected()
    run = await expo.sync()
    sessions, _ = expo.eligible()
    several = [s for s in sessions if len(s.tracks) > 1]
    assert several  # the demo event has some
    noted = {n["record_id"] for n in run.report["notes"] if "one track per session" in n["reason"]}
    assert noted == {str(s.id) for s in several}


async def test_resync_without_changes_writes_nothing_r_sync_3(expo: ExpoWorld) -> None:
    await expo.connected()
    await expo.sync()
    before = dict(expo.state.stats.calls)

    run = await expo.sync()

    assert dict(expo.state.stats.calls) == before  # not a single call
    assert run.report["counts"]["sessions"]["created"] == 0
    assert run.report["counts"]["sessions"]["updated"] == 0


async def test_one_edit_makes_one_write_r_sync_3(expo: ExpoWorld) -> None:
    await expo.connected()
    await expo.sync()
    sessions, _ = expo.eligible()
    content = expo.content()
    edited = next(s for s in content.sessions if s.id == sessions[0].id)
    edited.title = "Edited in the hub"
    expo.save(content)
    writes = expo.writes()

    run = await expo.sync()

    assert expo.writes() == writes + 1
    assert run.report["counts"]["sessions"]["updated"] == 1
    assert _by_external_id(expo, "sessions")[str(edited.id)]["name"] == "Edited in the hub"


async def test_renamed_track_is_renamed_on_expoplatform_r_tx_7(expo: ExpoWorld) -> None:
    await expo.connected()
    await expo.sync()
    content = expo.content()
    track = next(t for s in content.sessions if s.id == expo.eligible()[0][0].id for t in s.tracks)
    old_name = track.name
    renamed = next(item for item in content.taxonomy if item.id == track.id)
    renamed.name = "Renamed Track"
    for session in content.sessions:
        session.tracks = [renamed if t.id == renamed.id else t for t in session.tracks]
    expo.save(content)
    count = len(expo.state.records(expo.partner_event, "tracks"))

    await expo.sync()

    names = [row["name"] for row in expo.state.records(expo.partner_event, "tracks")]
    assert len(names) == count
    assert "Renamed Track" in names
    assert old_name not in names


# --- rules of ExpoPlatform ------------------------------------------------------------------


async def test_contact_made_in_expoplatform_clashes_and_is_skipped_r_spk_1(
    expo: ExpoWorld,
) -> None:
    await expo.connected()
    _, speakers = expo.eligible()
    taken = speakers[0]
    assert taken.email
    contact = expo.state.add_contact(expo.partner_event, taken.email.upper(), "Made", "InUI")

    run = await expo.sync()

    [skip] = [s for s in run.report["skipped"] if s["record_id"] == str(taken.id)]
    assert skip["label"] == f"speaker {taken.first_name} {taken.last_name}"
    assert skip["reason"] == (
        f"the email {taken.email} belongs to an ExpoPlatform contact this hub did not create"
        " (no id of ours); delete or detach that contact in ExpoPlatform to sync this speaker"
    )
    held = [r for r in expo.rows("accounts") if str(r["email"]).lower() == taken.email.lower()]
    assert [(r["id"], r["first_name"], r["external_id"]) for r in held] == [(contact, "Made", None)]
    assert len(expo.rows("accounts")) == len(speakers)  # the others, and the UI contact
    assert run.report["counts"]["speakers"]["skipped"] >= 1
    assert run.report["counts"]["speakers"]["failed"] == 0


async def test_clash_is_tried_again_once_the_contact_is_gone_r_spk_1(expo: ExpoWorld) -> None:
    await expo.connected()
    _, speakers = expo.eligible()
    taken = speakers[0]
    assert taken.email
    contact = expo.state.add_contact(expo.partner_event, taken.email, "Made", "InUI")
    await expo.sync()
    expo.state.admin_delete("accounts", contact)

    run = await expo.sync()

    assert run.report["counts"]["speakers"]["created"] == 1
    assert str(taken.id) in _by_external_id(expo, "accounts")


async def test_missing_language_is_sent_as_english_and_noted_r_tx_2(expo: ExpoWorld) -> None:
    expo.state.set_languages(["German"])
    await expo.connected()
    sessions, _ = expo.eligible()
    content = expo.content()
    french = next(s for s in content.sessions if s.id == sessions[0].id)
    french.language = "fr"
    expo.save(content)

    run = await expo.sync()

    english = next(row["id"] for row in expo.state.languages.values() if row["name"] == "English")
    assert _by_external_id(expo, "sessions")[str(french.id)]["language"] == english
    notes = [n["reason"] for n in run.report["notes"] if n["record_id"] == str(french.id)]
    assert "language French is not on ExpoPlatform; sent in English" in notes


async def test_a_session_that_started_is_not_sent_r_elig_2(expo: ExpoWorld) -> None:
    await expo.connected()
    sessions, _ = expo.eligible()
    content = expo.content()
    started = next(s for s in content.sessions if s.id == sessions[0].id)
    now = datetime.now(UTC)
    started.starts_at, started.ends_at = now - timedelta(hours=1), now + timedelta(hours=1)
    expo.save(content)

    run = await expo.sync()

    assert str(started.id) not in _by_external_id(expo, "sessions")
    [skip] = [s for s in run.report["skipped"] if s["record_id"] == str(started.id)]
    assert skip["reason"].startswith("already started (")


@pytest.mark.parametrize("endpoint", ["POST /session/set", "POST /account/set"])
async def test_a_500_after_the_write_creates_nothing_twice_r_sync_7(
    expo: ExpoWorld, endpoint: str
) -> None:
    await expo.connected()
    expo.sim.faults.fail_after_next(2, status=500, match=endpoint)

    run = await expo.sync()

    sessions, speakers = expo.eligible()
    assert expo.state.stats.faults["error_after"] == 2
    assert sorted(_by_external_id(expo, "sessions")) == sorted(str(s.id) for s in sessions)
    assert sorted(_by_external_id(expo, "accounts")) == sorted(str(p.id) for p in speakers)
    assert run.status == "succeeded"


async def test_a_lost_answer_creates_nothing_twice_r_sync_7(expo: ExpoWorld) -> None:
    await expo.connected()
    expo.sim.faults.lose_next(match="POST /session/set")

    await expo.sync()

    sessions, _ = expo.eligible()
    assert sorted(_by_external_id(expo, "sessions")) == sorted(str(s.id) for s in sessions)


@pytest.mark.parametrize("inside_200", [False, True])
async def test_a_session_deleted_on_expoplatform_is_not_created_again_r_sync_4(
    expo: ExpoWorld, inside_200: bool
) -> None:
    await expo.connected()
    await expo.sync()
    expo.sim.knobs.update(errors_in_200=inside_200)  # the "not found" may come inside a 200
    sessions, _ = expo.eligible()
    gone = _by_external_id(expo, "sessions")[str(sessions[0].id)]
    expo.state.admin_delete("sessions", int(str(gone["id"])))
    content = expo.content()
    next(s for s in content.sessions if s.id == sessions[0].id).title = "Edited after delete"
    expo.save(content)

    run = await expo.sync()
    again = await expo.sync()

    assert str(sessions[0].id) not in _by_external_id(expo, "sessions")
    [skip] = [s for s in run.report["skipped"] if s["record_id"] == str(sessions[0].id)]
    assert skip["reason"] == "deleted on ExpoPlatform; it is not created again"
    assert again.report["counts"]["sessions"]["created"] == 0


async def test_reconnect_and_remap_updates_without_duplicates_r_int_6(expo: ExpoWorld) -> None:
    await expo.connected()
    await expo.sync()
    disconnect(expo.store, org="Acme", partner_name="expoplatform")
    await expo.connect()
    await expo.map()

    run = await expo.sync()

    sessions, speakers = expo.eligible()
    assert run.report["counts"]["sessions"]["created"] == 0
    assert not [s for s in run.report["skipped"] if "belongs to" in s["reason"]]
    assert len(expo.rows("sessions")) == len(sessions)
    assert len(expo.rows("accounts")) == len(speakers)


async def test_contacts_with_our_external_id_are_adopted_never_clashed_r_int_6(
    expo: ExpoWorld,
) -> None:
    """Even with no memory of the earlier sync at all, our contacts are known by their
    `external_id`."""
    await expo.connected()
    await expo.sync()
    with expo.store.transaction() as connection:
        connection.execute(t.sync_ledger.delete())
    edited = expo.content()
    edited.speakers[0].company = "Changed while forgotten"
    expo.save(edited)

    run = await expo.sync()

    _, speakers = expo.eligible()
    counts = run.report["counts"]
    assert (counts["sessions"]["created"], counts["speakers"]["created"]) == (0, 0)
    assert counts["speakers"]["skipped"] == len(
        [s for s in run.report["skipped"] if s["kind"] == "speakers"]
    )
    assert not [s for s in run.report["skipped"] if "belongs to" in s["reason"]]
    assert len(expo.rows("accounts")) == len(speakers)
    with expo.store.transaction() as connection:
        origins = connection.execute(
            sa.select(t.sync_ledger.c.origin).where(t.sync_ledger.c.kind == "speakers")
        ).scalars()
        assert set(origins) == {"adopted"}


async def test_a_429_is_waited_out_as_retry_after_says_r_sync_8(expo: ExpoWorld) -> None:
    await expo.connected(sessions=6)
    expo.sim.knobs.update(rate_limit=25, window_s=1.0)

    run = await expo.sync()

    sessions, speakers = expo.eligible()
    assert expo.state.stats.throttled > 0
    assert run.status == "succeeded"
    assert sorted(_by_external_id(expo, "sessions")) == sorted(str(s.id) for s in sessions)
    assert sorted(_by_external_id(expo, "accounts")) == sorted(str(p.id) for p in speakers)


async def test_a_partner_event_in_another_zone_stops_the_sync_r_map_8(expo: ExpoWorld) -> None:
    expo.partner_event = expo.state.add_event(
        "Expo New York", timezone="America/New_York", start_date="2030-05-01"
    )
    expo.add_event()
    await expo.connect()
    await expo.map(confirmed=True)  # mapped despite the warning

    run = await expo.sync()

    assert run.status == "failed"
    assert run.message == (
        "time zones differ: ExpoPlatform event 'Expo New York' is in America/New_York,"
        " event 'conf' is in Europe/Berlin; make them the same before syncing"
    )
    assert expo.rows("sessions") == []


async def test_a_type_deleted_on_expoplatform_is_made_again_and_its_session_still_sent(
    expo: ExpoWorld,
) -> None:
    await expo.connected()
    await expo.sync()
    sessions, _ = expo.eligible()
    row = _by_external_id(expo, "sessions")[str(sessions[0].id)]
    expo.state.admin_delete("types", int(str(row["type"])))
    content = expo.content()
    next(s for s in content.sessions if s.id == sessions[0].id).title = "Edited after type delete"
    expo.save(content)

    run = await expo.sync()

    assert run.report["failed"] == []
    assert not [s for s in run.report["skipped"] if "deleted" in s["reason"]]
    edited = _by_external_id(expo, "sessions")[str(sessions[0].id)]
    types = {r["id"]: r["name"] for r in expo.state.records(expo.partner_event, "types")}
    assert sessions[0].format is not None
    assert (edited["name"], types[edited["type"]]) == (
        "Edited after type delete",
        sessions[0].format.name,
    )
