"""The continuous-sync schedule in the store: claiming the mappings that are due."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, select, update

from agendasync.domain.schedule import next_run
from agendasync.store import tables as t
from agendasync.sync.partner import SyncAction


@dataclass(frozen=True)
class Due:
    mapping_id: uuid.UUID
    reconcile: bool  # list the partner too: its last reconciliation is older than asked


def claim_due(
    connection: Connection,
    now: datetime,
    *,
    reconcile_every: timedelta = timedelta(days=1),
    batch: int = 1000,
) -> list[Due]:
    """The continuous mappings due by `now` that have something to do; every due mapping is
    moved to its next check in the same transaction, those that have nothing to do included: a
    mapping whose event has not moved since its last complete run, and that needs no
    reconciliation yet, costs no job and no run. Claimed in batches until none is due. On
    PostgreSQL, rows another dispatcher is claiming are skipped."""
    due: list[Due] = []
    while True:
        claimed, found = _claim_batch(connection, now, reconcile_every, batch)
        due += found
        if claimed < batch:
            return due


def _claim_batch(
    connection: Connection, now: datetime, reconcile_every: timedelta, batch: int
) -> tuple[int, list[Due]]:
    m, e, v = t.mappings, t.events, t.mapping_versions
    query = (
        select(
            m.c.id,
            # A new mapping was in step with the partner when it was made.
            func.coalesce(m.c.reconciled_at, m.c.created_at).label("reconciled_at"),
            e.c.content_version,
            v.c.content_version.label("sent"),
        )
        .join(e, e.c.id == m.c.event_id)
        .outerjoin(v, and_(v.c.mapping_id == m.c.id, v.c.action == SyncAction.CONTENT.value))
        .where(m.c.continuous.is_(True), m.c.next_run_at <= now)
        .order_by(m.c.next_run_at)
        .limit(batch)
    )
    if connection.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=m)
    rows = connection.execute(query).all()
    if not rows:
        return 0, []
    moved = update(m).where(m.c.id == bindparam("due_id")).values(next_run_at=bindparam("next_at"))
    connection.execute(moved, [{"due_id": row.id, "next_at": next_run(now)} for row in rows])
    due = []
    for row in rows:
        reconcile = row.reconciled_at <= now - reconcile_every
        if reconcile or row.sent != row.content_version:
            due.append(Due(row.id, reconcile))
    return len(rows), due


def schedule_overview(
    connection: Connection, org_id: uuid.UUID | None = None
) -> list[dict[str, Any]]:
    """Each mapping with its schedule and its last run, in two queries."""
    query = (
        select(
            t.mappings.c.id,
            t.mappings.c.continuous,
            t.mappings.c.next_run_at,
            t.mappings.c.partner_event_id,
            t.integrations.c.partner,
            t.events.c.slug,
        )
        .join(t.integrations, t.integrations.c.id == t.mappings.c.integration_id)
        .join(t.events, t.events.c.id == t.mappings.c.event_id)
        .order_by(t.events.c.slug, t.integrations.c.partner)
    )
    if org_id is not None:
        query = query.where(t.integrations.c.org_id == org_id)
    mappings = [row._asdict() for row in connection.execute(query)]
    latest = (
        select(t.sync_runs.c.mapping_id, func.max(t.sync_runs.c.started_at).label("started_at"))
        .where(t.sync_runs.c.dry_run.is_(False))
        .group_by(t.sync_runs.c.mapping_id)
        .subquery()
    )
    last_runs = {
        row.mapping_id: row
        for row in connection.execute(
            select(t.sync_runs).join(
                latest,
                (latest.c.mapping_id == t.sync_runs.c.mapping_id)
                & (latest.c.started_at == t.sync_runs.c.started_at),
            )
        )
    }
    for mapping in mappings:
        run = last_runs.get(mapping["id"])
        mapping["last_run"] = (
            {
                "status": run.status,
                "started_at": run.started_at,
                "finished_at": run.finished_at,
                "trigger": run.trigger,
            }
            if run
            else None
        )
    return mappings
