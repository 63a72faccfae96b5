"""Continuous sync at scale: an unchanged event costs no job and no run; reconciliation finds
what changed on the partner; runs are kept within their retention."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from agendasync.domain.integrations import RunStatus
from agendasync.services.syncing import RECONCILE_TRIGGER
from agendasync.store import integrations as repo
from agendasync.store import tables as t
from agendasync.store.scheduling import Due, claim_due


def _due_now(world) -> None:
    with world.store.transaction() as connection:
        connection.execute(
            sa.update(t.mappings).values(next_run_at=datetime.now(UTC) - timedelta(seconds=1))
        )


def _claim(world, **options) -> list[Due]:
    with world.store.transaction() as connection:
        return claim_due(connection, datetime.now(UTC), **options)


def _runs(world) -> int:
    with world.store.transaction() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(t.sync_runs)).scalar_one()


async def _continuous_and_synced(world) -> None:
    await world.connected(sessions=8)
    with world.store.transaction() as connection:
        repo.set_continuous(connection, world.mapping.id, True)
    run = await world.sync()
    assert run.status is RunStatus.SUCCEEDED


async def test_an_unchanged_event_makes_no_job_and_no_run_r_map_4(world) -> None:
    await _continuous_and_synced(world)
    runs = _runs(world)
    _due_now(world)

    due = _claim(world)

    assert due == []
    assert _runs(world) == runs
    with world.store.transaction() as connection:
        next_run_at = connection.execute(sa.select(t.mappings.c.next_run_at)).scalar_one()
    assert next_run_at > datetime.now(UTC) + timedelta(minutes=20)  # moved on all the same


async def test_a_changed_event_is_due_and_its_complete_run_catches_up_r_map_4(world) -> None:
    await _continuous_and_synced(world)
    content = world.content()
    content.sessions[0].title = "Changed since the last run"
    world.save(content)
    _due_now(world)

    due = _claim(world)
    await world.sync()
    _due_now(world)

    assert due == [Due(world.mapping.id, reconcile=False)]
    assert _claim(world) == []


async def test_a_changed_field_map_makes_the_mapping_due_r_map_4(world) -> None:
    await _continuous_and_synced(world)
    with world.store.transaction() as connection:
        repo.set_field_maps(connection, world.mapping)
    _due_now(world)

    assert _claim(world) == [Due(world.mapping.id, reconcile=False)]


async def test_reconciliation_finds_a_session_deleted_on_the_partner_r_sync_4(world) -> None:
    await _continuous_and_synced(world)
    sessions, _ = world.eligible()
    row_id = next(
        i for i, r in world.sim.state.sessions.items() if r["notes"].endswith(str(sessions[0].id))
    )
    world.sim.state.admin_delete("sessions", row_id)
    _due_now(world)

    due = _claim(world, reconcile_every=timedelta(0))
    run = await world.sync(trigger=RECONCILE_TRIGGER, reconcile=True)
    with world.store.transaction() as connection:
        ledger = repo.load_ledger(connection, repo.ledger_scope(connection, world.mapping.id))
        reconciled_at = connection.execute(sa.select(t.mappings.c.reconciled_at)).scalar_one()

    assert due == [Due(world.mapping.id, reconcile=True)]
    assert run.status is RunStatus.SUCCEEDED
    assert run.report["deleted_on_partner"] == {"sessions": 1}
    assert ledger[("sessions", sessions[0].id)].state.value == "deleted_by_partner"
    assert reconciled_at is not None
    assert len(world.sim.state.sessions) == len(sessions) - 1  # never created again there


async def test_a_scheduled_check_that_sent_nothing_keeps_a_summary(world) -> None:
    await _continuous_and_synced(world)
    content = world.content()
    declined = content.sessions[0].model_copy(
        update={"id": uuid.uuid4(), "status": "declined", "people": [], "sessionize_id": None}
    )
    world.save(content.model_copy(update={"sessions": [declined]}))

    run = await world.sync(trigger="schedule")

    assert run.report["skipped"] == []  # the list is the last run's; the counts are kept
    assert run.report["counts"]["sessions"]["skipped"] == 1


async def test_runs_are_kept_within_their_retention(world) -> None:
    await world.connected(sessions=4)
    now = datetime.now(UTC)
    with world.store.transaction() as connection:
        for days, status in [(40, "failed"), (10, "failed"), (5, "succeeded"), (1, "succeeded")]:
            connection.execute(
                sa.insert(t.sync_runs).values(
                    id=uuid.uuid4(),
                    mapping_id=world.mapping.id,
                    event_id=world.mapping.event_id,
                    partner="swoogo",
                    action="content",
                    trigger="schedule",
                    dry_run=False,
                    status=status,
                    started_at=now - timedelta(days=days),
                    finished_at=now - timedelta(days=days),
                    report={},
                )
            )
        deleted = repo.prune_runs(
            connection, world.mapping.id, keep=1, keep_failed_for=timedelta(days=30), now=now
        )
        kept = connection.execute(
            sa.select(t.sync_runs.c.status, t.sync_runs.c.started_at).order_by(
                t.sync_runs.c.started_at
            )
        ).all()

    assert deleted == 2  # the 40-day-old failure and the older success
    assert [(status, (now - started).days) for status, started in kept] == [
        ("failed", 10),
        ("succeeded", 1),
    ]


async def test_every_due_mapping_is_claimed_in_one_pass_batch_by_batch_r_map_4(world) -> None:
    for index in range(3):
        world.add_event(f"conf-{index}", sessions=2, seed=index + 1)
    await world.connect()
    for index in range(3):
        slug = f"conf-{index}"
        partner_event = world.sim.state.add_event(f"On Swoogo {index}", timezone="Europe/Berlin")
        mapping = await world.map(slug, partner_event)
        with world.store.transaction() as connection:
            repo.set_continuous(connection, mapping.id, True)
    _due_now(world)

    due = _claim(world, batch=2)

    assert len(due) == 3  # never synced: each has something to send
    with world.store.transaction() as connection:
        still_due = connection.execute(
            sa.select(sa.func.count()).where(t.mappings.c.next_run_at <= datetime.now(UTC))
        ).scalar_one()
    assert still_due == 0
