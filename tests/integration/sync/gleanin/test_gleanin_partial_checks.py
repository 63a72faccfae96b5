"""Gleanin mirrors the hub: a scheduled check that plans only what changed still deletes there
what left the hub (a declined session, its speakers who spoke only there), and a deleted
record makes the check plan the whole event."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from agendasync.domain.integrations import RunStatus
from agendasync.domain.models import SessionStatus
from agendasync.services import records, sync_loading
from agendasync.store.events import find_event


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


async def _synced(world) -> None:
    await world.connected()
    run = await world.sync()
    assert run.status is RunStatus.SUCCEEDED, run.report
    assert run.report["incomplete"] == 0


def _deleted(run) -> dict[str, int]:
    return {kind: counts["deleted"] for kind, counts in run.report["counts"].items()}


async def test_a_check_deletes_a_declined_session_and_its_only_speakers_r_elig_5(
    world, whole_loads
) -> None:
    await _synced(world)
    content = world.content()
    session = next(s for s in content.sessions if s.status == "accepted" and s.starts_at)
    session.status = SessionStatus.DECLINED
    world.save(content)
    _, speakers_after = world.eligible()
    gone = {p.speaker_id for p in session.people} - {p.id for p in speakers_after}
    whole_loads.clear()

    run = await world.sync(trigger="schedule")

    assert run.status is RunStatus.SUCCEEDED, run.report
    assert whole_loads == []
    assert _deleted(run) == {"sessions": 1, "speakers": len(gone)}
    assert str(session.id) not in world.held("sessions")
    assert sorted(world.held("speakers")) == sorted(str(p.id) for p in speakers_after)


async def test_a_deleted_session_makes_the_check_plan_the_whole_event_and_delete_it_r_elig_5(
    world, whole_loads
) -> None:
    await _synced(world)
    session = world.eligible()[0][0]
    with world.store.transaction() as connection:
        event = find_event(connection, "conf")
        records.delete_record(connection, event, records.SESSIONS, session.id)
    _, speakers_after = world.eligible()
    whole_loads.clear()

    run = await world.sync(trigger="schedule")

    assert run.status is RunStatus.SUCCEEDED, run.report
    assert whole_loads == [world.mapping.event_id]
    assert _deleted(run)["sessions"] == 1
    assert str(session.id) not in world.held("sessions")
    assert sorted(world.held("speakers")) == sorted(str(p.id) for p in speakers_after)
