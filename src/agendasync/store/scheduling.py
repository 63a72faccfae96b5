"""The continuous-sync schedule in the store: claiming the mappings that are due."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update

from agendasync.domain.schedule import next_run
from agendasync.store import tables as t


def claim_due(connection: Connection, now: datetime, *, limit: int = 1000) -> list[uuid.UUID]:
    """The continuous mappings due by `now`, each moved to its next run in the same
    transaction; on PostgreSQL, rows another dispatcher is claiming are skipped."""
    query = (
        select(t.mappings.c.id)
        .where(t.mappings.c.continuous.is_(True), t.mappings.c.next_run_at <= now)
        .order_by(t.mappings.c.next_run_at)
        .limit(limit)
    )
    if connection.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    due = list(connection.execute(query).scalars())
    if due:
        moved = (
            update(t.mappings)
            .where(t.mappings.c.id == bindparam("due_id"))
            .values(next_run_at=bindparam("next_at"))
        )
        connection.execute(moved, [{"due_id": m, "next_at": next_run(now)} for m in due])
    return due


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
