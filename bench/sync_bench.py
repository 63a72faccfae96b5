"""How close a first sync to Swoogo comes to the fewest credits and the shortest time the
budget allows, and whether it is held back by the budget or by CPU.

An event of N sessions (1.5 N speakers, from `demo_event`) and 50 sponsors with logos, synced
(content, then sponsors) to the Swoogo simulator with Swoogo's credit shape (2,000 credits per
rolling window, lists 10, other calls 1) compressed into a 10 s window, 20 ms latency per call.

Independent of the code it measures:

- the credits spent are the simulator's own count (and its count of calls per endpoint);
- the floor (`credits_floor`) is counted from the event's content and Swoogo's documented
  costs, not from the run's report: one write per eligible record (session, speaker, room and
  track used by an eligible session, sponsor, tier not already on the partner event), one link
  call per speaker, one upload per picture, one token, one event lookup (time zone check) and
  one 10-credit list page per name-matched list (rooms, tracks, the sponsor field `level`);
- the time floor has the budget's real shape: the window starts full, so the first `budget`
  credits cost no wait and the rest flow at budget/window (`floor_s`); `floor_window_s` is the
  strict bound of a rolling window (credits spent at t free up at t + window);
- CPU: this process's (`client_cpu_s`, `time.process_time`) and the simulator process's
  (`sim_cpu_s`, from /proc), over the first sync only; and how long each waited for a core
  (`*_run_wait_s`, /proc schedstat), since on a shared machine that, not our CPU, can be
  what makes a run slow. `bound` says what held the run back (budget, cpu, cpu_contended or
  latency); `bound_at_real_window` what would at Swoogo's real 10-minute window.

Run: `.venv/bin/python bench/sync_bench.py [--sessions N | --sizes 250,500,1000,2000]`.
Prints the figures (a line per size with `--sizes`), then one JSON line of them.

`--partner NAME` (expoplatform, asp, gleanin; default swoogo, the bench above) runs the same
event shape against that partner's simulator instead (`partner_bench.py`, default 200
sessions); for those partners the simulator runs in a thread of this process, so the client
CPU includes it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import tempfile
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from cryptography.fernet import Fernet

import partner_bench
from agendasync.domain.event_json import SponsorEntry
from agendasync.domain.integrations import SyncRun
from agendasync.domain.models import EventContent, SessionStatus, SpeakerStatus
from agendasync.partners.registry import SIMULATIONS
from agendasync.services import integrations as service
from agendasync.services.syncing import SyncSettings, run_sync
from agendasync.simulators.server import serve_in_process
from agendasync.sources.demo_data import demo_event
from agendasync.sources.eventfile import import_document
from agendasync.store import Store
from agendasync.store import tables as t
from agendasync.store.content import load_event_content, save_event_content
from agendasync.store.events import create_organisation
from agendasync.store.secrets import SecretBox
from agendasync.sync.budget import SlidingWindowBudget
from procstat import children, cpu_seconds, one_new_child, run_wait_seconds

# Swoogo's documented costs (shared/partners/swoogo.md §6): a list ("get all") call costs 10
# credits, any other call 1. Deliberately not imported from the client.
LIST_CREDITS, CALL_CREDITS = 10, 1
REAL_WINDOW_S = 600.0  # Swoogo's real window: 2,000 credits per rolling 10 minutes
# The simulator seeds every event's sponsor field `level` with these choices.
TIERS_ON_PARTNER = frozenset({"gold", "silver", "bronze"})
SPONSOR_TIERS = ("Platinum", "Gold", "Silver", "Bronze")
SETTINGS = SyncSettings(allow_private_urls=True)  # the simulators live on loopback


@dataclass(frozen=True)
class Floor:
    """The fewest calls a first sync of `content` to a fresh Swoogo event can make."""

    sessions: int
    speakers: int
    headshots: int
    rooms: int
    tracks: int
    sponsors: int
    new_tiers: int
    logos: int
    lists: int

    @property
    def credits(self) -> int:
        writes = self.rooms + self.tracks + self.sessions + self.speakers + self.sponsors
        writes += self.new_tiers
        links = self.speakers
        uploads = self.headshots + self.logos
        token, event_lookup = 1, 1
        return (writes + links + uploads + token + event_lookup) * CALL_CREDITS + (
            self.lists * LIST_CREDITS
        )

    def calls_by_endpoint(self) -> Counter[str]:
        """The same floor, per simulator endpoint (to show where any extra goes)."""
        return Counter(
            {
                "POST /oauth2/token": 1,
                "GET /events/{id}": 1,
                "GET /locations": int(self.rooms > 0),
                "POST /locations/create": self.rooms,
                "GET /tracks": int(self.tracks > 0),
                "POST /tracks/create": self.tracks,
                "POST /sessions/create": self.sessions,
                "POST /speakers/create": self.speakers,
                "POST /speakers/{id}/session": self.speakers,
                "PUT /image/{kind}/{id}/{field}": self.headshots + self.logos,
                "GET /sponsors/fields": int(self.lists_sponsor_field),
                "PUT /sponsors/field/{id}": self.new_tiers,
                "POST /sponsors/create": self.sponsors,
            }
        )

    @property
    def lists_sponsor_field(self) -> bool:
        return self.lists - int(self.rooms > 0) - int(self.tracks > 0) > 0


def credits_floor(content: EventContent, now: datetime) -> Floor:
    """Counted from the content alone, with Swoogo's eligibility rules written out here."""
    eligible = [
        s
        for s in content.sessions
        if s.status is SessionStatus.ACCEPTED
        and s.starts_at is not None
        and s.ends_at is not None
        and s.ends_at > now
        and not s.is_service
        and not s.withdrawn
    ]
    on_eligible = {person.speaker_id for s in eligible for person in s.people}  # every role
    speakers = [
        p
        for p in content.speakers
        if p.id in on_eligible
        and p.status is SpeakerStatus.ACCEPTED
        and not p.withdrawn
        and p.first_name
        and p.last_name
        and p.email
    ]
    # Swoogo holds one room and one track per session: the first by name is the one it needs.
    rooms = {min(s.locations, key=lambda i: i.name.lower()).id for s in eligible if s.locations}
    tracks = {min(s.tracks, key=lambda i: i.name.lower()).id for s in eligible if s.tracks}
    tiers = {s.tier.lower() for s in content.sponsors if s.tier}
    lists = int(bool(rooms)) + int(bool(tracks)) + int(bool(tiers))
    return Floor(
        sessions=len(eligible),
        speakers=len(speakers),
        headshots=sum(1 for p in speakers if p.headshot_url),
        rooms=len(rooms),
        tracks=len(tracks),
        sponsors=len(content.sponsors),
        new_tiers=len(tiers - TIERS_ON_PARTNER),
        logos=sum(1 for s in content.sponsors if s.logo_url),
        lists=lists,
    )


def time_floor(credits: int, budget: int, window_s: float) -> float:
    """The window starts full: the first `budget` credits wait for nothing, the rest flow at
    budget/window."""
    return max(0, credits - budget) * window_s / budget


def rolling_window_floor(credits: int, budget: int, window_s: float) -> float:
    """The strict bound of a rolling window that starts full: at most `budget` credits in any
    `window_s`, so `credits` need ceil(credits / budget) - 1 whole windows after the first."""
    return max(0, math.ceil(credits / budget) - 1) * window_s


def bound(wall: float, floor: float, cpu: tuple[float, float], wait: tuple[float, float]) -> str:
    """What held the run back: the budget (within 25% of its floor), CPU (the client or the
    simulator running or waiting for a core 75% of the time or more; `cpu_contended` when it
    waited for a core longer than it ran: a busy machine), or neither (latency)."""
    if floor > 0 and wall <= 1.25 * floor:
        return "budget"
    for used, waited in zip(cpu, wait, strict=True):
        if used + waited >= 0.75 * wall:
            return "cpu_contended" if waited > used else "cpu"
    return "latency"


def kind_spans(connection: Any) -> dict[str, float]:
    """Seconds from the first to the last ledger write of each kind (when its records
    landed), to see where the wall time of the first sync goes."""
    ledger = t.sync_ledger
    rows = connection.execute(
        sa.select(ledger.c.kind, sa.func.min(ledger.c.updated_at), sa.func.max(ledger.c.updated_at))
        .group_by(ledger.c.kind)
        .order_by(sa.func.min(ledger.c.updated_at))
    ).all()
    return {kind: round((last - first).total_seconds(), 2) for kind, first, last in rows}


def real_bound(real_floor: float, client_cpu: float) -> str:
    """At Swoogo's real window: budget-bound when the budget makes the run wait longer than our
    CPU needs; a sync that fits in the full bucket waits for no budget at all."""
    if real_floor <= 0:
        return "fits_in_one_window"
    return "budget" if client_cpu < 0.5 * real_floor else "cpu"


def report_counts(run: SyncRun, name: str) -> int:
    return sum(c[name] for c in run.report["counts"].values())


class Simulator:
    """The Swoogo simulator in its own process, watched through its `/_sim` admin API."""

    def __init__(self, http: httpx.AsyncClient, url: str) -> None:
        self.http = http
        self.url = url

    async def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self.http.request(method, f"{self.url}/_sim{path}", **kwargs)
        response.raise_for_status()
        return response.json()

    async def stats(self) -> tuple[int, Counter[str]]:
        stats = await self.admin("GET", "/stats")
        return int(stats["credits_spent"].get("key", 0)), Counter(stats["calls"])


async def measure(
    sessions: int,
    speakers: int,
    sponsors: int,
    latency_ms: float,
    budget_credits: int,
    window_s: float,
) -> dict[str, Any]:
    box = SecretBox([Fernet.generate_key().decode()])
    knobs = {"window_seconds": window_s, "budget": budget_credits, "latency_ms": latency_ms}
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        before = children()
        pictures = stack.enter_context(
            serve_in_process("agendasync.simulators.pictures:create_app")
        )
        pictures_pid = one_new_child(before)
        before = children()
        swoogo = stack.enter_context(
            serve_in_process("agendasync.partners.swoogo.simulator:create_app", options=knobs)
        )
        sim_pid = one_new_child(before)

        store = Store(f"sqlite:///{Path(folder) / 'bench.db'}")
        document = demo_event(
            slug="bench",
            sessions=sessions,
            speakers=speakers,
            today=date.today() + timedelta(days=30),
            pictures=pictures,
        )
        document.sponsors = [
            SponsorEntry(
                id=uuid.uuid4(),
                name=f"Sponsor {i:03d}",
                tier=SPONSOR_TIERS[i % len(SPONSOR_TIERS)],
                description="A sponsor.",
                logo_url=f"{pictures}/pictures/sponsor-{i:03d}.png",
            )
            for i in range(sponsors)
        ]
        with store.transaction() as connection:
            org = create_organisation(connection, "Bench")
            imported = import_document(connection, document, org=org)
        with store.transaction() as connection:
            content = load_event_content(connection, imported.event.id)

        async with httpx.AsyncClient(verify=False, timeout=30) as http:
            simulator = Simulator(http, swoogo)
            await simulator.admin("POST", "/credentials", json={"key": "key", "secret": "secret"})
            event = await simulator.admin(
                "POST", "/events", json={"name": "Bench", "timezone": "Europe/Berlin"}
            )
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
            mapping = await service.add_mapping(
                store,
                box,
                event_slug="bench",
                partner_name="swoogo",
                partner_event_id=str(event["id"]),
                http=http,
                allow_private=True,
            )
            budget = SlidingWindowBudget(budget_credits, window_s)

            async def sync_all() -> tuple[list[SyncRun], int, Counter[str], float]:
                spent, calls = await simulator.stats()
                started = time.perf_counter()
                runs = [
                    await run_sync(
                        store,
                        box,
                        mapping,
                        action=action,
                        http=http,
                        budget=budget,
                        settings=SETTINGS,
                    )
                    for action in ("content", "sponsors")
                ]
                wall = time.perf_counter() - started
                spent_after, calls_after = await simulator.stats()
                return runs, spent_after - spent, calls_after - calls, wall

            # Both windows (the simulator's and ours) start full, as after a quiet window.
            await asyncio.sleep(window_s)
            floor = credits_floor(content, datetime.now(UTC))
            cpu_client, cpu_sim, cpu_pictures = (
                time.process_time(),
                cpu_seconds(sim_pid),
                cpu_seconds(pictures_pid),
            )
            wait_client, wait_sim = run_wait_seconds(os.getpid()), run_wait_seconds(sim_pid)
            first, credits_first, calls_first, wall_first = await sync_all()
            client_cpu = time.process_time() - cpu_client
            sim_cpu = cpu_seconds(sim_pid) - cpu_sim
            pictures_cpu = cpu_seconds(pictures_pid) - cpu_pictures
            client_wait = run_wait_seconds(os.getpid()) - wait_client
            sim_wait = run_wait_seconds(sim_pid) - wait_sim
            with store.transaction() as connection:
                spans = kind_spans(connection)

            cpu_client, cpu_sim = time.process_time(), cpu_seconds(sim_pid)
            _, credits_noop, _, noop_wall = await sync_all()
            noop_client_cpu = time.process_time() - cpu_client
            noop_sim_cpu = cpu_seconds(sim_pid) - cpu_sim

            with store.transaction() as connection:
                content = load_event_content(connection, mapping.event_id)
            on_swoogo = {
                row["notes"].split()[-1]
                for row in (await simulator.admin("GET", "/state"))["sessions"]
            }
            edited = [s for s in content.sessions if str(s.id) in on_swoogo][
                : max(1, sessions // 100)
            ]
            for session in edited:
                session.description += " (updated)"
            with store.transaction() as connection:
                save_event_content(connection, content.model_copy(update={"sessions": edited}))
            spent, _ = await simulator.stats()
            cpu_client = time.process_time()
            edit = await run_sync(store, box, mapping, http=http, budget=budget, settings=SETTINGS)
            edit_client_cpu = time.process_time() - cpu_client
            credits_edit = (await simulator.stats())[0] - spent
            throttled = (await simulator.admin("GET", "/stats"))["throttled"].get("key", 0)

    expected = floor.calls_by_endpoint()
    extra = {
        endpoint: calls_first.get(endpoint, 0) - wanted
        for endpoint in sorted(set(expected) | set(calls_first))
        if (wanted := expected.get(endpoint, 0)) != calls_first.get(endpoint, 0)
    }
    floor_s = time_floor(floor.credits, budget_credits, window_s)
    return {
        "sessions": sessions,
        "speakers": speakers,
        "sponsors": sponsors,
        "window_s": window_s,
        "eligible": {
            "sessions": floor.sessions,
            "speakers": floor.speakers,
            "headshots": floor.headshots,
            "rooms": floor.rooms,
            "tracks": floor.tracks,
            "sponsors": floor.sponsors,
            "new_tiers": floor.new_tiers,
            "logos": floor.logos,
            "lists": floor.lists,
        },
        "records_created_first": sum(report_counts(r, "created") for r in first),
        "failed_first": sum(report_counts(r, "failed") for r in first),
        "credits_floor": floor.credits,
        "credits_first": credits_first,
        "credit_ratio": round(credits_first / floor.credits, 4),
        "calls_first": sum(calls_first.values()),
        "extra_calls_by_endpoint": extra,
        "wall_first_s": round(wall_first, 2),
        "floor_s": round(floor_s, 2),
        "floor_window_s": round(rolling_window_floor(floor.credits, budget_credits, window_s), 2),
        "floor_ratio": round(wall_first / floor_s, 3) if floor_s else None,
        "client_cpu_s": round(client_cpu, 2),
        "sim_cpu_s": round(sim_cpu, 2),
        "pictures_cpu_s": round(pictures_cpu, 2),
        # Ready to run but waiting for a core (the machine is shared): part of the wall time
        # that neither the budget nor our own CPU explains.
        "client_run_wait_s": round(client_wait, 2),
        "sim_run_wait_s": round(sim_wait, 2),
        "seconds_by_kind": spans,
        "client_cpu_ms_per_call": round(client_cpu * 1000 / max(1, sum(calls_first.values())), 2),
        "bound": bound(wall_first, floor_s, (client_cpu, sim_cpu), (client_wait, sim_wait)),
        # Our CPU alone against the budget's floor at this window: which would hold it back on
        # an idle machine.
        "cpu_over_floor": round(client_cpu / floor_s, 3) if floor_s else None,
        # At Swoogo's real 10-minute window the same credits take this long at the least; the
        # first sync is budget-bound there when our CPU is well under it.
        "real_floor_s": round(time_floor(floor.credits, budget_credits, REAL_WINDOW_S), 1),
        "bound_at_real_window": real_bound(
            time_floor(floor.credits, budget_credits, REAL_WINDOW_S), client_cpu
        ),
        "throttled_429": throttled,
        "credits_noop": credits_noop,
        "noop_wall_s": round(noop_wall, 3),
        "noop_client_cpu_s": round(noop_client_cpu, 3),
        "noop_sim_cpu_s": round(noop_sim_cpu, 3),
        "sessions_edited": len(edited),
        # An edit needs a token, the time zone check and one update per edited session.
        "credits_edit_floor": 2 * CALL_CREDITS + len(edited) * CALL_CREDITS,
        "credits_edit": credits_edit,
        "edit_client_cpu_s": round(edit_client_cpu, 3),
        "updates_edit": edit.report["counts"]["sessions"]["updated"],
    }


def summary_line(figures: dict[str, Any]) -> str:
    keys = (
        "sessions",
        "credits_floor",
        "credits_first",
        "credit_ratio",
        "wall_first_s",
        "floor_s",
        "client_cpu_s",
        "sim_cpu_s",
        "bound",
        "bound_at_real_window",
    )
    return "  ".join(f"{k}={figures[k]}" for k in keys)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--partner", default="swoogo", choices=sorted(SIMULATIONS))
    parser.add_argument("--sessions", type=int, help="default: 2000 (swoogo), 200 (others)")
    parser.add_argument("--sizes", help="several sizes, e.g. 250,500,1000,2000")
    parser.add_argument("--speakers", type=int, help="default: 1.5 per session")
    parser.add_argument("--sponsors", type=int, default=50)
    parser.add_argument("--latency-ms", type=float, default=20)
    parser.add_argument("--budget", type=int, default=2000)
    parser.add_argument("--window-s", type=float, default=10.0)
    args = parser.parse_args()
    if args.partner != "swoogo":
        sessions = args.sessions or 200
        figures, line = partner_bench.run(
            args.partner, sessions, args.speakers or sessions * 3 // 2
        )
        width = max(len(k) for k in figures)
        for name, value in figures.items():
            print(f"{name:<{width}}  {value}")
        print(json.dumps(line))
        return
    args.sessions = args.sessions or 2000
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else [args.sessions]
    results = []
    for size in sizes:
        speakers = args.speakers if args.speakers and len(sizes) == 1 else size * 3 // 2
        figures = asyncio.run(
            measure(size, speakers, args.sponsors, args.latency_ms, args.budget, args.window_s)
        )
        results.append(figures)
        if len(sizes) > 1:
            print(summary_line(figures), flush=True)
        else:
            width = max(len(k) for k in figures)
            for name, value in figures.items():
                print(f"{name:<{width}}  {value}")
    if len(sizes) == 1:
        print(json.dumps(results[0]))
    else:
        print(
            json.dumps(
                {
                    "max_credit_ratio": max(r["credit_ratio"] for r in results),
                    "none_cpu_bound_at_real_window": all(
                        r["bound_at_real_window"] != "cpu" for r in results
                    ),
                    "sizes": results,
                }
            )
        )


if __name__ == "__main__":
    main()
