"""What continuous sync costs at scale: a cycle of checks over mappings of realistic sizes, the
CPU of an unchanged and of a changed check (ours and PostgreSQL's), the run rows written a
day and the credits reconciliation spends a day.

Arrange: a PostgreSQL schema of its own; one organisation connected to the Swoogo simulator
(its own process, no latency, a budget too large to wait for); N events from `demo_event` whose
sizes spread from 20 to 2,000 sessions with a median of about 100 (log-normal, both ends
included), each mapped to a Swoogo event of its own, continuous; two `agendasync worker`
processes that make the first syncs themselves (every mapping due): real syncs, so ledgers,
versions and runs are what production would hold (a run left partial by a transient failure is
checked again at once, as its next scheduled check would; `first_syncs_rechecked` counts them).

Act, with the same two workers (maintenance every second):

1. idle: nothing due, to know what the workers and their PostgreSQL backends spend doing
   nothing (subtracted from the stretches below, and reported);
2. unchanged cycle: every mapping due, nothing changed -> `cpu_ms_per_unchanged_check`;
3. mixed cycle: every mapping due, `--changed-share` of the events with 1% of their sessions
   edited -> `cycle_s`, run rows per cycle;
4. changed check: 1% of the sessions of the event nearest 1,000 sessions edited, that mapping
   due, three times -> `cpu_ms_per_changed_check` (median);
5. reconciliation: every mapping due for its daily listing -> `reconcile_credits_per_day`
   (counted by the simulator), against the fewest credits counted from the content.

CPU is read from /proc, not from the code: the workers' processes, and the PostgreSQL backends
serving them (found by `application_name` in pg_stat_activity; this script's own connection has
another name and is not counted). Checks are counted from the tables (mappings advanced,
runs written) and partner calls from the simulator.

Run: `.venv/bin/python bench/jobs_bench.py [--mappings N] [--max-sessions 1000]` (default 60
mappings up to 2,000 sessions; `--profile PATH_OF_PY_SPY` samples the workers during the changed
checks). Prints progress and the figures, then one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from statistics import NormalDist
from typing import Any

import httpx
import sqlalchemy as sa
from cryptography.fernet import Fernet

from agendasync.domain.models import EventContent
from agendasync.jobs.worker import apply_schema
from agendasync.services import integrations as service
from agendasync.simulators.server import serve_in_process
from agendasync.sources.demo_data import demo_event
from agendasync.sources.eventfile import import_document
from agendasync.store import Store
from agendasync.store import tables as t
from agendasync.store.content import load_event_content, save_event_content
from agendasync.store.events import create_organisation
from agendasync.store.secrets import SecretBox
from procstat import children, cpu_seconds, one_new_child
from sync_bench import credits_floor

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CHECKS_PER_DAY = 48  # one check every 30 minutes
LIST_CREDITS, CALL_CREDITS, PAGE = 10, 1, 200  # Swoogo's documented costs and page size
ARRANGE_TIMEOUT_S = 1800.0
STEP_TIMEOUT_S = 600.0
UNCHANGED_CYCLES = 10


def event_sizes(count: int, median: int = 100, low: int = 20, high: int = 2000) -> list[int]:
    """`count` session counts, log-normal around `median` (2,000 at its 99.5th percentile),
    from `low` to `high` (both ends included when there are at least two): a few big
    conferences, many small events."""
    sigma = math.log(2000 / median) / NormalDist().inv_cdf(0.995)
    quantiles = [NormalDist().inv_cdf((i + 0.5) / count) for i in range(count)]
    sizes = [round(min(high, max(low, median * math.exp(sigma * q)))) for q in quantiles]
    if count >= 2:
        sizes[0], sizes[-1] = low, high
    return sizes


@dataclass
class Backends:
    """CPU of the PostgreSQL backends whose `application_name` is ours, kept per pid as last
    seen (a backend that exits keeps what it had when last sampled)."""

    store: Store
    name: str
    seen: dict[int, float] = field(default_factory=dict)
    start: dict[int, float] = field(default_factory=dict)

    def sample(self) -> None:
        with self.store.transaction() as connection:
            pids = connection.execute(
                sa.text("SELECT pid FROM pg_stat_activity WHERE application_name = :name"),
                {"name": self.name},
            ).scalars()
            for pid in pids:
                cpu = cpu_seconds(pid)
                if cpu:
                    self.seen[pid] = max(self.seen.get(pid, 0.0), cpu)

    def begin(self) -> None:
        self.sample()
        self.start = dict(self.seen)

    def seconds(self) -> float:
        self.sample()
        return sum(cpu - self.start.get(pid, 0.0) for pid, cpu in self.seen.items())


@dataclass
class Meter:
    """Workers' CPU, their backends' CPU and wall time over one stretch."""

    workers: list[int]
    backends: Backends
    started: float = 0.0
    worker_cpu: float = 0.0

    def begin(self) -> None:
        self.backends.begin()
        self.worker_cpu = sum(cpu_seconds(pid) for pid in self.workers)
        self.started = time.perf_counter()

    def end(self) -> tuple[float, float, float]:
        """(wall s, workers' CPU s, PostgreSQL CPU s) since `begin`."""
        wall = time.perf_counter() - self.started
        workers = sum(cpu_seconds(pid) for pid in self.workers) - self.worker_cpu
        return wall, workers, self.backends.seconds()


def wait_until(
    check: Callable[[], bool],
    backends: Backends,
    what: str,
    timeout: float = STEP_TIMEOUT_S,
    progress: Callable[[], str] | None = None,
) -> None:
    started = time.monotonic()
    shown = started
    while not check():
        now = time.monotonic()
        if now > started + timeout:
            raise TimeoutError(f"{what}: not done after {timeout:.0f} s")
        if progress and now - shown > 30:
            print(f"  {what}: {progress()} after {now - started:.0f} s", flush=True)
            shown = now
        backends.sample()
        time.sleep(0.2)


def scalar(store: Store, query: Any, **params: Any) -> Any:
    with store.transaction() as connection:
        return connection.execute(query, params).scalar_one()


def runs_count(store: Store) -> int:
    return int(scalar(store, sa.select(sa.func.count()).select_from(t.sync_runs)))


def jobs_pending(store: Store) -> int:
    return int(
        scalar(
            store,
            sa.text("SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')"),
        )
    )


def behind(store: Store) -> int:
    """Mappings whose last complete content run did not send the event's current version."""
    m, e, v = t.mappings, t.events, t.mapping_versions
    query = (
        sa.select(sa.func.count())
        .select_from(m.join(e, e.c.id == m.c.event_id))
        .outerjoin(v, sa.and_(v.c.mapping_id == m.c.id, v.c.action == "content"))
        .where(sa.or_(v.c.content_version.is_(None), v.c.content_version != e.c.content_version))
    )
    return int(scalar(store, query))


def behind_ids(store: Store) -> list[uuid.UUID]:
    m, e, v = t.mappings, t.events, t.mapping_versions
    query = (
        sa.select(m.c.id)
        .select_from(m.join(e, e.c.id == m.c.event_id))
        .outerjoin(v, sa.and_(v.c.mapping_id == m.c.id, v.c.action == "content"))
        .where(sa.or_(v.c.content_version.is_(None), v.c.content_version != e.c.content_version))
    )
    with store.transaction() as connection:
        return list(connection.execute(query).scalars())


def make_due(store: Store, mapping_ids: list[uuid.UUID] | None = None, **values: Any) -> datetime:
    now = datetime.now(UTC)
    query = sa.update(t.mappings).values(next_run_at=now, **values)
    if mapping_ids is not None:
        query = query.where(t.mappings.c.id.in_(mapping_ids))
    with store.transaction() as connection:
        connection.execute(query)
    return now


def still_due(store: Store, since: datetime) -> int:
    """Mappings not yet claimed (the claim moves `next_run_at` past `since`)."""
    query = sa.select(sa.func.count()).where(t.mappings.c.next_run_at <= since)
    return int(scalar(store, query))


def edit_sessions(store: Store, event_id: uuid.UUID, share: float, tag: str) -> int:
    """Edit `share` of the event's sessions that Swoogo holds (at least one): their
    descriptions, as an organiser would."""
    with store.transaction() as connection:
        content = load_event_content(connection, event_id, sponsors=False, exhibitors=False)
    synced = [s for s in content.sessions if s.starts_at and s.status.value == "accepted"]
    edited = synced[: max(1, round(len(content.sessions) * share))]
    for session in edited:
        session.description += f" ({tag})"
    with store.transaction() as connection:
        save_event_content(connection, content.model_copy(update={"sessions": edited}))
    return len(edited)


class Swoogo:
    def __init__(self, http: httpx.AsyncClient, url: str) -> None:
        self.http, self.url = http, url

    async def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self.http.request(method, f"{self.url}/_sim{path}", **kwargs)
        response.raise_for_status()
        return response.json()


def sim_stats(url: str) -> tuple[int, int]:
    """(credits spent, calls received) by the simulator so far."""
    stats = httpx.get(f"{url}/_sim/stats", timeout=30).json()
    return sum(stats["credits_spent"].values()), sum(stats["calls"].values())


async def arrange(
    store: Store, box: SecretBox, swoogo: str, pictures: str, sizes: list[int]
) -> list[tuple[uuid.UUID, uuid.UUID, EventContent]]:
    """Events and continuous mappings (none synced yet): (mapping id, event id, content)."""
    made = []
    async with httpx.AsyncClient(timeout=60) as http:
        sim = Swoogo(http, swoogo)
        await sim.admin("POST", "/credentials", json={"key": "key", "secret": "secret"})
        with store.transaction() as connection:
            org = create_organisation(connection, "Bench")
        await service.connect(
            store,
            box,
            org="Bench",
            partner_name="swoogo",
            credentials={"key": "key", "secret": "secret"},
            base_url=f"{swoogo}/api/v1",
            http=http,
            allow_private=True,  # the simulator lives on loopback
        )
        day = date.today() + timedelta(days=30)
        for index, size in enumerate(sizes):
            document = demo_event(
                slug=f"bench-{index}",
                sessions=size,
                seed=index + 1,
                today=day,
                name=f"Event {index}",
                pictures=pictures,
            )
            document.sponsors, document.exhibitors = [], []
            with store.transaction() as connection:
                imported = import_document(connection, document, org=org)
            partner = await sim.admin(
                "POST", "/events", json={"name": f"Event {index}", "timezone": "Europe/Berlin"}
            )
            mapping = await service.add_mapping(
                store,
                box,
                event_slug=f"bench-{index}",
                partner_name="swoogo",
                partner_event_id=str(partner["id"]),
                continuous=True,
                http=http,
                allow_private=True,
            )
            with store.transaction() as connection:
                content = load_event_content(
                    connection, imported.event.id, sponsors=False, exhibitors=False
                )
            made.append((mapping.id, imported.event.id, content))
    return made


def py_spy(path: str, pid: int) -> list[str]:
    out = f"/tmp/jobs_bench_worker_{pid}.txt"
    return [path, "record", "--pid", str(pid), "-f", "raw", "-r", "200", "-o", out]


def reconcile_floor(content: EventContent) -> int:
    """The fewest credits of one reconciliation, from the content: a token, the partner event
    (its time zone), and the list pages of the sessions and speakers Swoogo holds."""
    floor = credits_floor(content, datetime.now(UTC))
    pages = math.ceil(floor.sessions / PAGE) + math.ceil(floor.speakers / PAGE)
    return 2 * CALL_CREDITS + pages * LIST_CREDITS


def main(
    mappings: int,
    workers: int,
    changed_share: float,
    seed: int,
    max_sessions: int,
    profile: str | None = None,
) -> dict[str, Any]:
    schema = f"jobs_bench_{uuid.uuid4().hex[:8]}"
    name = schema  # the workers' application_name: their backends are the ones counted
    admin = sa.create_engine(POSTGRES)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    base = f"{POSTGRES}?options=-csearch_path%3D{schema}"
    key = Fernet.generate_key().decode()
    store = Store(f"{base}&application_name={name}-observer")
    apply_schema(store)
    sizes = event_sizes(mappings, high=max_sessions)
    figures: dict[str, Any] = {
        "mappings": mappings,
        "workers": workers,
        "sessions_min": min(sizes),
        "sessions_median": statistics.median(sizes),
        "sessions_max": max(sizes),
        "sessions_total": sum(sizes),
    }
    processes: list[subprocess.Popen[bytes]] = []
    try:
        with ExitStack() as stack:
            knobs = {"budget": 10**9, "window_seconds": 600, "latency_ms": 0}
            before = children()
            swoogo = stack.enter_context(
                serve_in_process("agendasync.partners.swoogo.simulator:create_app", options=knobs)
            )
            sim_pid = one_new_child(before)
            pictures = stack.enter_context(
                serve_in_process("agendasync.simulators.pictures:create_app")
            )
            started = time.perf_counter()
            made = asyncio.run(arrange(store, SecretBox([key]), swoogo, pictures, sizes))
            print(f"events and mappings made in {time.perf_counter() - started:.0f} s", flush=True)

            env = os.environ | {
                "AGENDASYNC_SECRET_KEY": key,
                "AGENDASYNC_BUDGET_SWOOGO": f"{10**9}/600",
                "AGENDASYNC_ALLOW_PRIVATE_PARTNER_URLS": "1",  # the simulators are on loopback
            }
            command = [
                sys.executable,
                "-m",
                "agendasync",
                "--db",
                f"{base}&application_name={name}",
                "worker",
                "--concurrency",
                "4",
                "--maintenance",
                "1",
            ]
            processes = [subprocess.Popen(command, env=env) for _ in range(workers)]
            backends = Backends(store, name)
            meter = Meter([p.pid for p in processes], backends)

            # The first syncs, by the workers (every new continuous mapping is due).
            started = time.perf_counter()
            sim_cpu = cpu_seconds(sim_pid)
            meter.begin()
            make_due(store)
            rechecked: list[int] = []

            def synced() -> bool:
                """All in step; a run that ended partial (a transient failure) is checked
                again at once, as its next scheduled check would."""
                if jobs_pending(store):
                    return False
                late = behind_ids(store)
                if late and not still_due(store, datetime.now(UTC)):
                    rechecked.append(len(late))
                    make_due(store, late)
                return not late

            wait_until(
                synced,
                backends,
                "first syncs",
                ARRANGE_TIMEOUT_S,
                progress=lambda: f"{behind(store)} of {mappings} mappings not synced yet",
            )
            _, arrange_workers, arrange_pg = meter.end()
            figures["first_syncs_s"] = round(time.perf_counter() - started, 1)
            figures["first_syncs_cpu_s"] = round(arrange_workers + arrange_pg, 1)
            figures["first_syncs_rechecked"] = sum(rechecked)
            figures["first_syncs_sim_cpu_s"] = round(cpu_seconds(sim_pid) - sim_cpu, 1)
            print(f"first syncs done in {figures['first_syncs_s']} s", flush=True)
            time.sleep(2)  # let the last run's transactions and the queue settle

            # 1. Idle: what the workers and their backends spend with nothing to do.
            meter.begin()
            time.sleep(10)
            idle_wall, idle_workers, idle_pg = meter.end()
            idle_rate = (idle_workers + idle_pg) / idle_wall
            figures["idle_cpu_ms_per_s"] = round(idle_rate * 1000, 2)

            raw: list[tuple[float, float, float]] = []  # each stretch, idle CPU included

            def stretch(label: str, done: Callable[[], bool]) -> tuple[float, float, float]:
                """Wall, workers' CPU and PostgreSQL's CPU until `done`, idle CPU removed
                (pro rata between workers and PostgreSQL)."""
                meter.begin()
                wait_until(done, backends, label)
                wall, cpu_workers, cpu_pg = meter.end()
                raw.append((wall, cpu_workers, cpu_pg))
                return (
                    wall,
                    max(0.0, cpu_workers - idle_workers / idle_wall * wall),
                    max(0.0, cpu_pg - idle_pg / idle_wall * wall),
                )

            # 2. Unchanged cycles (several: one is too short to measure on its own).
            runs, (_, calls) = runs_count(store), sim_stats(swoogo)
            walls, raw = [], []
            for _ in range(UNCHANGED_CYCLES):
                since = make_due(store)
                wall, _, _ = stretch(
                    "unchanged cycle",
                    lambda since=since: still_due(store, since) == 0 and jobs_pending(store) == 0,
                )
                walls.append(wall)
            total_wall = sum(r[0] for r in raw)
            total_workers, total_pg = sum(r[1] for r in raw), sum(r[2] for r in raw)
            checks = UNCHANGED_CYCLES * mappings
            net_workers = max(0.0, total_workers - idle_workers / idle_wall * total_wall)
            net_pg = max(0.0, total_pg - idle_pg / idle_wall * total_wall)
            figures["cycle_unchanged_s"] = round(statistics.median(walls), 2)
            figures["cpu_ms_per_unchanged_check"] = round((net_workers + net_pg) * 1000 / checks, 3)
            figures["pg_cpu_ms_per_unchanged_check"] = round(net_pg * 1000 / checks, 3)
            # With the workers' idle polling left in: an upper bound.
            figures["cpu_ms_per_unchanged_check_raw"] = round(
                (total_workers + total_pg) * 1000 / checks, 3
            )
            # What the idle polling alone would put on each check over these stretches: figures
            # below this are not resolved at this number of mappings.
            resolution = idle_rate * total_wall * 1000 / checks
            figures["unchanged_check_resolution_ms"] = round(resolution, 3)
            figures["unchanged_runs_written"] = runs_count(store) - runs
            figures["unchanged_partner_calls"] = sim_stats(swoogo)[1] - calls
            print(f"unchanged cycles: {walls}", flush=True)

            # 3. Mixed cycle: most events unchanged, `changed_share` of them edited.
            rng = random.Random(seed)
            changed = rng.sample(made, max(1, round(mappings * changed_share)))
            edited = sum(edit_sessions(store, e, 0.01, "cycle") for _, e, _ in changed)
            runs, (credits, calls) = runs_count(store), sim_stats(swoogo)
            since = make_due(store)
            wall, cpu_workers, cpu_pg = stretch(
                "mixed cycle",
                lambda: (
                    still_due(store, since) == 0 and jobs_pending(store) == 0 and behind(store) == 0
                ),
            )
            rows_per_cycle = runs_count(store) - runs
            figures["changed_share"] = round(len(changed) / mappings, 4)
            figures["changed_events"] = len(changed)
            figures["changed_sessions"] = edited
            figures["cycle_s"] = round(wall, 2)
            figures["cycle_cpu_ms_per_check"] = round((cpu_workers + cpu_pg) * 1000 / mappings, 3)
            figures["cycle_runs_written"] = rows_per_cycle
            figures["cycle_credits"] = sim_stats(swoogo)[0] - credits
            print(f"mixed cycle ({len(changed)} changed): {wall:.2f} s", flush=True)

            # 4. A changed check: the event nearest 1,000 sessions, 1% of its sessions edited.
            target = min(made, key=lambda m: abs(len(m[2].sessions) - 1000))
            per_check, pg_check, credits_check = [], [], []
            profilers = [
                subprocess.Popen(
                    py_spy(profile, p.pid),
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                for p in processes
                if profile
            ]
            for attempt in range(3):
                edit_sessions(store, target[1], 0.01, f"check {attempt}")
                runs, (credits, _) = runs_count(store), sim_stats(swoogo)
                make_due(store, [target[0]])
                _, cpu_workers, cpu_pg = stretch(
                    "changed check",
                    lambda before=runs: (
                        behind(store) == 0
                        and jobs_pending(store) == 0
                        and runs_count(store) > before
                    ),
                )
                per_check.append((cpu_workers + cpu_pg) * 1000)
                pg_check.append(cpu_pg * 1000)
                credits_check.append(sim_stats(swoogo)[0] - credits)
            for profiler in profilers:
                profiler.send_signal(signal.SIGINT)  # py-spy writes its file and ends
                profiler.wait(timeout=60)
            figures["changed_check_event_sessions"] = len(target[2].sessions)
            figures["changed_check_sessions_edited"] = max(1, round(len(target[2].sessions) / 100))
            figures["cpu_ms_per_changed_check"] = round(statistics.median(per_check), 1)
            figures["pg_cpu_ms_per_changed_check"] = round(statistics.median(pg_check), 1)
            figures["credits_per_changed_check"] = statistics.median(credits_check)
            figures["pg_cpu_ms_per_check"] = round(
                (figures["pg_cpu_ms_per_unchanged_check"] * (mappings - len(changed))) / mappings
                + figures["pg_cpu_ms_per_changed_check"] * len(changed) / mappings,
                3,
            )
            print("changed checks done", flush=True)

            # 5. Reconciliation: every mapping's daily listing.
            runs, (credits, _) = runs_count(store), sim_stats(swoogo)
            since = make_due(store, reconciled_at=datetime.now(UTC) - timedelta(days=2))
            wall, cpu_workers, cpu_pg = stretch(
                "reconciliation",
                lambda: (
                    still_due(store, since) == 0
                    and jobs_pending(store) == 0
                    and int(
                        scalar(
                            store,
                            sa.select(sa.func.count()).where(
                                sa.or_(
                                    t.mappings.c.reconciled_at.is_(None),
                                    t.mappings.c.reconciled_at < since,
                                )
                            ),
                        )
                    )
                    == 0
                ),
            )
            reconcile_credits = sim_stats(swoogo)[0] - credits
            reconcile_rows = runs_count(store) - runs
            floor = sum(reconcile_floor(content) for _, _, content in made)
            figures["reconcile_s"] = round(wall, 2)
            figures["reconcile_cpu_ms_per_mapping"] = round(
                (cpu_workers + cpu_pg) * 1000 / mappings, 1
            )
            figures["reconcile_credits_per_day"] = reconcile_credits
            figures["reconcile_credits_floor_per_day"] = floor
            figures["reconcile_credits_per_mapping_day"] = round(reconcile_credits / mappings, 1)
            # Swoogo's budget is 2,000 credits per 10 minutes: 288,000 a day per credential.
            figures["reconcile_share_of_daily_budget_per_mapping"] = round(
                reconcile_credits / mappings / 288_000, 6
            )
            figures["runs_rows_per_day"] = CHECKS_PER_DAY * rows_per_cycle + reconcile_rows
            figures["runs_rows_per_day_per_10k_mappings"] = round(
                figures["runs_rows_per_day"] * 10_000 / mappings
            )
            with store.transaction() as connection:
                figures["runs_report_bytes_avg"] = round(
                    connection.execute(
                        sa.text("SELECT coalesce(avg(pg_column_size(report)), 0) FROM sync_runs")
                    ).scalar_one()
                )
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        store.close()
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    return figures


def _stop(signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")  # the workers are stopped, the schema dropped


if __name__ == "__main__":
    # Started in the background, a shell ignores SIGINT: stop cleanly on SIGINT and SIGTERM.
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    parser = argparse.ArgumentParser(description=__doc__)
    # 60 mappings (about 11,800 sessions): their first syncs take about 15 CPU-minutes
    # (measured: 77 ms a session for the workers, their PostgreSQL backends and the
    # simulator), some 8 minutes on two idle cores; the measured stretches add about a minute.
    parser.add_argument("--mappings", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--changed-share", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--max-sessions", type=int, default=2000, help="the biggest event (a quick run: 1000)"
    )
    parser.add_argument(
        "--profile",
        metavar="PY_SPY",
        help="path of py-spy: sample the workers during the changed checks "
        "(raw stacks in /tmp/jobs_bench_worker_<pid>.txt)",
    )
    args = parser.parse_args()
    results = main(
        args.mappings,
        args.workers,
        args.changed_share,
        args.seed,
        args.max_sessions,
        args.profile,
    )
    width = max(len(k) for k in results)
    for key, value in results.items():
        print(f"{key:<{width}}  {value}")
    print(json.dumps(results))
