"""A scheduled check plans only what changed since the mapping's last complete run, and sends
what a plan of the whole event would send; a change that can touch many records at once (a
taxonomy item, a deleted record) makes it plan the whole event."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from agendasync.domain.integrations import RunStatus, SyncRun
from agendasync.domain.models import Session, SessionStatus
from agendasync.services import records, sync_loading
from agendasync.store import integrations as repo
from agendasync.store.events import find_event
from agendasync.sync.model import LedgerState

CHECK = "schedule"


@pytest.fixture
def whole_loads(monkeypatch: pytest.MonkeyPatch) -> list[uuid.UUID]:
    """The events a sync loads whole (a check of changes only loads none)."""
    loads: list[uuid.UUID] = []
    whole = sync_loading.load_event_content

    def counted(connection: Any, event_id: uuid.UUID, **options: Any) -> Any:
        loads.append(event_id)
        return whole(connection, event_id, **options)

    monkeypatch.setattr(sync_loading, "load_event_content", counted)
    return loads


def _sent(run: SyncRun) -> list[tuple[str, str]]:
    sent = run.report["created"] + run.report["updated"]
    return sorted((s["kind"], s["record_id"]) for s in sent)


async def _synced(world) -> None:
    await world.connected(sessions=12)
    run = await world.sync()
    assert run.status is RunStatus.SUCCEEDED


async def _check(world, whole_loads: list[uuid.UUID], **options: Any) -> tuple[SyncRun, SyncRun]:
    """A dry run of the whole event (what a full plan sends), then the scheduled check."""
    whole = await world.sync(dry_run=True, **options)
    whole_loads.clear()
    run = await world.sync(trigger=CHECK, **options)
    assert run.status is RunStatus.SUCCEEDED
    assert _sent(run) == _sent(whole)
    return whole, run


def _shared_speaker(world) -> tuple[uuid.UUID, list[Session]]:
    """A speaker on Swoogo with two eligible sessions or more, and those sessions."""
    sessions, speakers = world.eligible()
    for speaker in speakers:
        theirs = [s for s in sessions if speaker.id in {p.speaker_id for p in s.people}]
        if len(theirs) >= 2:
            return speaker.id, theirs
    raise AssertionError("the demo event has no speaker on two sessions")


async def test_a_check_sends_only_the_edited_session_r_sync_3(world, whole_loads) -> None:
    await _synced(world)
    content = world.content()
    session = next(s for s in content.sessions if s.id == world.eligible()[0][0].id)
    session.title = "Edited since the last run"
    world.save(content)

    _, run = await _check(world, whole_loads)

    assert whole_loads == []
    assert _sent(run) == [("sessions", str(session.id))]
    assert run.report["counts"]["sessions"]["unchanged"] == len(world.eligible()[0]) - 1


async def test_a_check_sends_only_the_edited_speaker_r_sync_3(world, whole_loads) -> None:
    await _synced(world)
    speaker_id, _ = _shared_speaker(world)
    content = world.content()
    next(p for p in content.speakers if p.id == speaker_id).job_title = "Chief Listener"
    world.save(content)

    _, run = await _check(world, whole_loads)

    assert whole_loads == []
    assert _sent(run) == [("speakers", str(speaker_id))]


async def test_a_speaker_taken_off_a_session_has_its_links_sent_again_r_sync_3(
    world, whole_loads
) -> None:
    await _synced(world)
    speaker_id, theirs = _shared_speaker(world)
    content = world.content()
    session = next(s for s in content.sessions if s.id == theirs[0].id)
    session.people = [p for p in session.people if p.speaker_id != speaker_id]
    world.save(content)

    _, run = await _check(world, whole_loads)

    assert whole_loads == []
    assert _sent(run) == [("speaker_sessions", str(speaker_id))]


async def test_a_declined_session_has_its_speakers_checked_again_r_sync_3(
    world, whole_loads
) -> None:
    await _synced(world)
    speaker_id, theirs = _shared_speaker(world)
    content = world.content()
    next(s for s in content.sessions if s.id == theirs[0].id).status = SessionStatus.DECLINED
    world.save(content)

    _, run = await _check(world, whole_loads)

    assert whole_loads == []
    assert ("speaker_sessions", str(speaker_id)) in _sent(run)
    assert {kind for kind, _ in _sent(run)} == {"speaker_sessions"}
    assert run.report["counts"]["sessions"]["skipped"] == 1


async def test_a_session_that_ended_since_the_last_check_is_checked_again_r_elig_2(
    world, whole_loads
) -> None:
    await _synced(world)
    speaker_id, theirs = _shared_speaker(world)
    ended = min(theirs, key=lambda s: s.ends_at)
    later = ended.ends_at + timedelta(minutes=1)

    _, run = await _check(world, whole_loads, now=lambda: later)

    assert whole_loads == []
    assert ("speaker_sessions", str(speaker_id)) in _sent(run)
    assert str(ended.id) in {skip["record_id"] for skip in run.report["skipped"]}


async def test_a_renamed_room_makes_the_check_plan_the_whole_event_r_sync_3(
    world, whole_loads
) -> None:
    await _synced(world)
    content = world.content()
    room = next(r for s in world.eligible()[0] for r in s.locations)
    next(i for i in content.taxonomy if i.id == room.id).name = "Renamed room"
    world.save(content)

    _, run = await _check(world, whole_loads)

    assert whole_loads == [world.mapping.event_id]
    assert _sent(run) == [("rooms", str(room.id))]


async def test_a_deleted_session_makes_the_check_plan_the_whole_event(world, whole_loads) -> None:
    await _synced(world)
    session = world.eligible()[0][0]
    with world.store.transaction() as connection:
        event = find_event(connection, "conf")
        records.delete_record(connection, event, records.SESSIONS, session.id)

    whole, run = await _check(world, whole_loads)

    assert whole_loads == [world.mapping.event_id]
    assert _sent(run) == _sent(whole)


async def test_a_record_left_to_retry_makes_the_check_plan_the_whole_event(
    world, whole_loads
) -> None:
    await _synced(world)
    session = world.eligible()[0][0]
    with world.store.transaction() as connection:
        scope = repo.ledger_scope(connection, world.mapping.id)
        entry = repo.load_ledger(connection, scope)[("sessions", session.id)]
        failed = replace(entry, state=LedgerState.FAILED, detail="Swoogo: a server error")
        repo.save_ledger_entries(connection, scope, [failed])

    _, run = await _check(world, whole_loads)

    assert whole_loads == [world.mapping.event_id]
    assert _sent(run) == [("sessions", str(session.id))]
