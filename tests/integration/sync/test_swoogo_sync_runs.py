"""Sync runs to Swoogo: eligibility, transformations, resync, deletes, reports, dry runs."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx

from agendasync.domain.integrations import RunStatus
from agendasync.domain.models import SessionStatus, SpeakerStatus
from agendasync.partners.registry import get_partner
from agendasync.services.syncing import SyncSettings, run_sync
from agendasync.store.records import PageRequest, page_runs


async def test_first_sync_sends_eligible_sessions_speakers_and_taxonomy_r_sync_1(
    world,
) -> None:
    await world.connected(sessions=30)

    run = await world.sync()

    sessions, speakers = world.eligible()
    counts = run.report["counts"]
    assert run.status is RunStatus.SUCCEEDED
    assert counts["sessions"]["created"] == len(sessions)
    assert counts["speakers"]["created"] == len(speakers)
    world.assert_all_on_swoogo_once()
    rooms = {room.name for s in sessions for room in s.locations}
    assert sorted(r["name"] for r in world.sim.state.locations.values()) == sorted(rooms)
    assert world.sim.state.sponsors == {}  # sponsors have their own action


async def test_only_accepted_sessions_and_accepted_speakers_r_elig_1(world) -> None:
    await world.connected(sessions=30)
    content = world.content()
    sessions, _ = world.eligible()
    declined = next(s for s in content.sessions if s.id == sessions[0].id)
    declined.status = SessionStatus.DECLINED
    invited = next(p for p in content.speakers if p.id == sessions[1].people[0].speaker_id)
    invited.status = SpeakerStatus.INVITED
    world.save(content)

    run = await world.sync()

    # By record id: the demo's titles repeat, so labels may name two sessions.
    reasons = {(p["kind"], p["record_id"]): p["reason"] for p in run.report["skipped"]}
    assert reasons[("sessions", str(declined.id))] == (
        "status is 'declined'; only accepted sessions are synced"
    )
    assert reasons[("speakers", str(invited.id))] == (
        "status is 'invited'; only accepted speakers are synced"
    )
    assert invited.email not in {r["email"] for r in world.sim.state.speakers.values()}
    world.assert_all_on_swoogo_once()


async def test_past_unscheduled_and_incomplete_records_skipped_r_elig_3(
    world,
) -> None:
    # also proves r_elig_2.
    await world.connected()
    content = world.content()
    now = datetime.now(content.event.tz)
    first, second, third = content.sessions[:3]
    past = first.model_copy(
        update={
            "status": SessionStatus.ACCEPTED,
            "starts_at": now - timedelta(days=2),
            "ends_at": now - timedelta(days=2) + timedelta(hours=1),
        }
    )
    unscheduled = second.model_copy(
        update={"status": SessionStatus.ACCEPTED, "starts_at": None, "ends_at": None}
    )
    with_speaker = third.model_copy(update={"status": SessionStatus.ACCEPTED})
    content.sessions[:3] = [past, unscheduled, with_speaker]
    without_email = next(p for p in content.speakers if p.id == with_speaker.people[0].speaker_id)
    without_email.email = None
    without_email.status = SpeakerStatus.ACCEPTED
    world.save(content)

    run = await world.sync()

    reasons = {p["label"]: p["reason"] for p in run.report["skipped"]}
    assert reasons[f"session '{past.title}'"].startswith("already ended (")
    assert reasons[f"session '{unscheduled.title}'"] == (
        "no start or end time; sessions need both to be synced"
    )
    label = f"speaker {without_email.first_name} {without_email.last_name}"
    assert reasons[label] == "missing required field: email"


async def test_multi_day_session_sent_as_one_day_r_tx_1(world) -> None:
    await world.connected()
    content = world.content()
    session = content.sessions[0].model_copy(
        update={
            "status": SessionStatus.ACCEPTED,
            "starts_at": datetime(2031, 3, 4, 22, 0, tzinfo=content.event.tz),
            "ends_at": datetime(2031, 3, 6, 21, 0, tzinfo=content.event.tz),
        }
    )
    content.sessions[0] = session
    world.save(content)

    run = await world.sync()

    row = next(r for r in world.sim.state.sessions.values() if r["notes"].endswith(str(session.id)))
    assert (row["date"], row["start_time"], row["end_time"]) == (
        "2031-03-04",
        "22:00:00",
        "23:59:00",
    )
    notes = [n["reason"] for n in run.report["notes"] if n["record_id"] == str(session.id)]
    assert "spans several days; sent as 2031-03-04 22:00:00-23:59:00" in notes


async def test_large_headshot_downscaled_unreadable_one_reported_r_tx_5(world) -> None:
    await world.connected()
    content = world.content()
    _, speakers = world.eligible()
    big, broken = speakers[0], speakers[1]
    for speaker in content.speakers:
        if speaker.id == big.id:
            speaker.headshot_url = f"{world.pictures}/pictures/big.png?size=900&noise=1"
        if speaker.id == broken.id:
            speaker.headshot_url = f"{world.pictures}/broken.png"
    world.save(content)

    run = await world.sync()

    uploads = {img.url: img for img in world.sim.state.images.values()}
    contact = next(r for r in world.sim.state.speakers.values() if r["email"] == big.email)[
        "contact_id"
    ]
    stored = world.sim.state.images[("contact", contact, "profile_picture")]
    assert 0 < stored.size <= 1_000_000
    failed = {p["label"]: p["reason"] for p in run.report["pictures"]}
    label = f"headshot of speaker {broken.first_name} {broken.last_name}"
    assert (
        failed[label]
        == f"could not read the image {world.pictures}/broken.png: not a supported picture"
    )
    assert any(r["email"] == broken.email for r in world.sim.state.speakers.values())
    assert uploads


async def test_renamed_room_renamed_on_partner_not_duplicated_r_tx_7(world) -> None:
    await world.connected()
    await world.sync()
    content = world.content()
    room = next(
        i
        for i in content.taxonomy
        if i.kind == "location"
        and i.name in {r["name"] for r in world.sim.state.locations.values()}
    )
    before = len(world.sim.state.locations)
    room.name = "Renamed Hall"
    world.save(content.model_copy(update={"taxonomy": [room], "sessions": [], "speakers": []}))

    await world.sync()

    names = sorted(r["name"] for r in world.sim.state.locations.values())
    assert len(names) == before
    assert "Renamed Hall" in names


async def test_existing_partner_room_matched_by_name_r_tx_7(world) -> None:
    await world.connected()
    sessions, _ = world.eligible()
    name = sessions[0].locations[0].name
    world.sim.state.seed("locations", event_id=world.partner_event, name=name)

    await world.sync()

    assert sorted(r["name"] for r in world.sim.state.locations.values()).count(name) == 1


async def test_resync_without_change_writes_nothing_and_an_edit_writes_once_r_sync_3(
    world,
) -> None:
    await world.connected()
    await world.sync()
    writes = world.writes()

    unchanged = await world.sync()
    assert world.writes() == writes
    assert unchanged.report["credits_used"] == 0

    content = world.content()
    sessions, _ = world.eligible()
    edited = next(s for s in content.sessions if s.id == sessions[0].id)
    edited.title = "A Better Title"
    world.save(content)
    run = await world.sync()

    assert world.writes() == writes + 1
    assert run.report["counts"]["sessions"]["updated"] == 1
    row = next(r for r in world.sim.state.sessions.values() if r["notes"].endswith(str(edited.id)))
    assert row["name"] == "A Better Title"


async def test_deleted_on_partner_is_never_created_again_r_sync_4(world) -> None:
    await world.connected()
    await world.sync()
    sessions, _ = world.eligible()
    target = sessions[0]
    row_id = next(
        i for i, r in world.sim.state.sessions.items() if r["notes"].endswith(str(target.id))
    )
    world.sim.state.admin_delete("sessions", row_id)
    content = world.content()
    next(s for s in content.sessions if s.id == target.id).title = "Changed after the delete"
    world.save(content)

    first = await world.sync()
    second = await world.sync()

    for run in (first, second):
        reasons = {p["label"]: p["reason"] for p in run.report["skipped"]}
        assert (
            reasons["session 'Changed after the delete'"]
            == "deleted on Swoogo; it is not created again"
        )
    assert not any(r["notes"].endswith(str(target.id)) for r in world.sim.state.sessions.values())


async def test_report_counts_every_kind_and_the_run_is_recorded_r_sync_5(world) -> None:
    await world.connected()
    calls_before = sum(world.sim.stats.calls.values())
    credits_before = world.sim.stats.credits_spent["key"]

    run = await world.sync()

    from agendasync.store import integrations as repo

    with world.store.transaction() as connection:
        recorded = repo.list_runs(connection, world.mapping.event_id)
    assert [r.id for r in recorded] == [run.id]
    assert recorded[0].report == run.report
    assert recorded[0].finished_at >= recorded[0].started_at
    for counts in run.report["counts"].values():
        assert counts["attempted"] == counts["created"] + counts["failed"]
    sessions, speakers = world.eligible()
    assert run.report["counts"]["sessions"]["attempted"] == len(sessions)
    assert run.report["counts"]["speakers"]["attempted"] == len(speakers)
    assert run.report["partner_calls"] == sum(world.sim.stats.calls.values()) - calls_before
    assert run.report["credits_used"] == world.sim.stats.credits_spent["key"] - credits_before


async def test_one_session_synced_on_its_own_r_sync_2(world) -> None:
    await world.connected()
    sessions, _ = world.eligible()
    chosen = sessions[0]

    run = await world.sync(scope=chosen.id)

    assert [r["notes"] for r in world.sim.state.sessions.values()] == [
        f"agendasync-id: {chosen.id}"
    ]
    speakers_on = {p.speaker_id for p in chosen.people}
    assert run.report["counts"]["speakers"]["attempted"] <= len(speakers_on)
    full = await world.sync()
    assert full.report["counts"]["sessions"]["unchanged"] == 1
    world.assert_all_on_swoogo_once()


async def test_dry_run_shows_what_would_happen_and_touches_nothing_r_sync_9(world) -> None:
    await world.connected()
    sessions, speakers = world.eligible()

    run = await world.sync(dry_run=True)

    assert run.dry_run is True
    assert run.report["counts"]["sessions"]["created"] == len(sessions)
    assert run.report["counts"]["speakers"]["created"] == len(speakers)
    assert world.writes() == 0
    assert world.sim.state.sessions == {}
    from agendasync.store import integrations as repo

    with world.store.transaction() as connection:
        assert repo.list_runs(connection, world.mapping.event_id) == []
        assert repo.load_ledger(connection, repo.ledger_scope(connection, world.mapping.id)) == {}


async def test_sponsors_synced_by_their_own_action_with_tiers_as_levels_r_sync_1(
    world,
) -> None:
    await world.connected()
    content = world.content()
    content.sponsors[0].tier = "Diamond"
    world.save(content)

    run = await world.sync(action="sponsors")

    assert run.status is RunStatus.SUCCEEDED
    assert world.sim.state.sessions == {}
    levels = {
        c["name"]: c["id"] for c in world.sim.state.level_field(world.partner_event)["choices"]
    }
    by_name = {r["name"]: r for r in world.sim.state.sponsors.values()}
    assert sorted(by_name) == sorted(s.name for s in content.sponsors)
    for sponsor in content.sponsors:
        assert by_name[sponsor.name]["level"] == levels[sponsor.tier]
    assert "Diamond" in levels
    again = await world.sync(action="sponsors")
    assert again.report["credits_used"] == 0


async def test_a_running_run_keeps_its_progress_per_kind_in_its_row(world) -> None:
    """Any process can show a run's progress: the row holds records done per kind while it
    runs; the finished run's report replaces it."""
    await world.connected(sessions=12)
    seen: list[dict[str, dict[str, int]]] = []

    def progress(kind: str, done: int, total: int) -> None:
        with world.store.transaction() as connection:
            (running,) = page_runs(
                connection, world.mapping.event_id, PageRequest(5, 0), status=RunStatus.RUNNING
            ).items
        seen.append(running.report["progress"])

    run = await world.sync(progress=progress)

    sessions, speakers = world.eligible()
    first = seen[0]
    assert first["sessions"] == {"done": 0, "total": len(sessions)}
    assert first["speakers"] == {"done": 0, "total": len(speakers)}
    assert set(first) <= {k.name for k in get_partner("swoogo").spec.kinds("content")}
    assert run.status is RunStatus.SUCCEEDED
    assert "progress" not in run.report
    with world.store.transaction() as connection:
        (stored,) = page_runs(connection, world.mapping.event_id, PageRequest(5, 0)).items
    assert "progress" not in stored.report
    assert stored.report["counts"]["sessions"]["created"] == len(sessions)


LOOPBACK = SyncSettings(allow_private_urls=True)


async def test_runs_through_one_http_client_share_one_token_r_sync_8(world) -> None:
    await world.connected(sessions=4)
    tokens = world.sim.stats.calls["POST /oauth2/token"]
    mapping = world.mapping
    async with httpx.AsyncClient(verify=False) as http:
        content = await run_sync(world.store, world.box, mapping, http=http, settings=LOOPBACK)
        sponsors = await run_sync(
            world.store, world.box, mapping, action="sponsors", http=http, settings=LOOPBACK
        )
        world.sim.state.expire_tokens()  # the next run gets one new token (after a 401)
        edit = world.content()
        edit.sessions[0].title = "Renamed"
        world.save(edit)
        again = await run_sync(world.store, world.box, mapping, http=http, settings=LOOPBACK)

    assert [content.status, sponsors.status, again.status] == [RunStatus.SUCCEEDED] * 3
    assert world.sim.stats.calls["POST /oauth2/token"] - tokens == 2
