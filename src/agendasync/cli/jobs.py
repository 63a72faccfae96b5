"""Commands for continuous sync: switching it per mapping, the workers, and what is queued."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import typer
from sqlalchemy import text

from agendasync.cli.base import (
    JsonFlag,
    console,
    fail,
    print_json,
    private_urls_allowed,
    store,
    sync_settings,
    table,
    transaction,
)
from agendasync.services import mappings
from agendasync.store import integrations as repo
from agendasync.store.events import find_event
from agendasync.store.scheduling import schedule_overview


def mappings_continuous(
    slug: str,
    to: Annotated[str, typer.Option("--to", help="The partner, e.g. swoogo.")],
    switch: Annotated[str, typer.Argument(help="on or off")],
) -> None:
    """Switch continuous sync (about every 30 minutes) on or off for a mapping."""
    # R-MAP-4
    if switch not in ("on", "off"):
        fail(f"say 'on' or 'off', not {switch!r}")
    with transaction() as connection:
        event = find_event(connection, slug)
        mapping = repo.find_mapping(connection, event.id, to)
    if mapping is None:
        fail(f"event {slug!r} is not mapped to {to}")
        return
    mappings.set_continuous(store(), mapping, switch == "on")
    console.print(f"continuous sync of {slug} to {to}: {switch}")


def worker(
    concurrency: Annotated[int, typer.Option(min=1, max=64, help="Syncs at once.")] = 4,
    maintenance: Annotated[
        float, typer.Option(help="Seconds between schedule checks and stalled-job checks.")
    ] = 30.0,
    heartbeat: Annotated[float, typer.Option(help="Seconds between heartbeats.")] = 10.0,
    stalled_after: Annotated[
        float,
        typer.Option(help="Seconds without heartbeat after which a worker's jobs are re-run."),
    ] = 30.0,
) -> None:
    """Run a sync worker (PostgreSQL store); start as many as you like, on any machines."""
    from agendasync.jobs.worker import run_worker

    url = store().url
    try:
        asyncio.run(
            run_worker(
                url,
                settings=sync_settings(allow_private_urls=private_urls_allowed()),
                concurrency=concurrency,
                maintenance_s=maintenance,
                heartbeat_s=heartbeat,
                stalled_after_s=stalled_after,
            )
        )
    except ValueError as exc:
        fail(str(exc))


def _queued_jobs() -> dict[str, list[str]]:
    """mapping id -> statuses of its queued or running jobs (PostgreSQL only)."""
    with transaction() as connection:
        if connection.dialect.name != "postgresql":
            return {}
        rows = connection.execute(
            text(
                "SELECT args->>'mapping_id' AS mapping_id, status FROM procrastinate_jobs "
                "WHERE task_name = 'agendasync:sync_mapping' AND status IN ('todo', 'doing')"
            )
        )
        jobs: dict[str, list[str]] = {}
        for mapping_id, status in rows:
            jobs.setdefault(mapping_id, []).append("queued" if status == "todo" else "running")
        return jobs


def jobs(as_json: JsonFlag = False) -> None:
    """Mappings with their schedule, queued and running syncs, and last run."""
    queued = _queued_jobs()
    with transaction() as connection:
        rows = schedule_overview(connection)
    for row in rows:
        row["jobs"] = queued.get(str(row["id"]), [])
    if as_json:
        print_json(rows)
        return

    def last(run: dict[str, Any] | None) -> str:
        if run is None:
            return "never"
        return f"{run['status']} ({run['trigger']}) {run['started_at']:%Y-%m-%d %H:%M}"

    table(
        "Syncs",
        ["event", "partner", "continuous", "next run", "queued or running", "last run"],
        [
            [
                r["slug"],
                r["partner"],
                "on" if r["continuous"] else "off",
                f"{r['next_run_at']:%Y-%m-%d %H:%M}" if r["next_run_at"] else "",
                ", ".join(r["jobs"]),
                last(r["last_run"]),
            ]
            for r in rows
        ],
    )
