"""The `import_runs` table: every import of an event, by source (sessionize, schedule, table),
failed ones too. The importers in `sources/` decide what a report holds; this is where it is
kept and read back."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select

from agendasync.store import tables as t


def record_import_run(
    connection: Connection,
    *,
    event_id: uuid.UUID,
    source: str,
    status: str,
    content_hash: str | None,
    started_at: datetime,
    finished_at: datetime,
    report: dict[str, Any],
) -> None:
    connection.execute(
        insert(t.import_runs).values(
            id=uuid.uuid4(),
            event_id=event_id,
            source=source,
            status=status,
            content_hash=content_hash,
            started_at=started_at,
            finished_at=finished_at,
            report=report,
        )
    )


def latest_import_run(
    connection: Connection,
    event_id: uuid.UUID,
    source: str,
    *,
    statuses: Iterable[str] | None = None,
) -> RowMapping | None:
    """The newest run of this source for the event (of one of `statuses`, if given): its
    `content_hash`, `finished_at`, `status` and `report`."""
    runs = t.import_runs.c
    query = select(runs.content_hash, runs.finished_at, runs.status, runs.report).where(
        runs.event_id == event_id, runs.source == source
    )
    if statuses is not None:
        query = query.where(runs.status.in_(list(statuses)))
    row = connection.execute(query.order_by(runs.finished_at.desc()).limit(1)).first()
    return row._mapping if row else None


def import_reports(
    connection: Connection, event_id: uuid.UUID, source: str, *, limit: int
) -> list[dict[str, Any]]:
    """The stored reports of the event's runs of this source, newest first."""
    runs = t.import_runs.c
    rows = connection.execute(
        select(runs.report)
        .where(runs.event_id == event_id, runs.source == source)
        .order_by(runs.finished_at.desc())
        .limit(limit)
    )
    return [report for (report,) in rows]
