"""How close a sync to Swoogo comes to the fewest credits and the shortest time the budget allows.

An event of 2,000 sessions, 3,000 speakers and 50 sponsors, synced to the Swoogo simulator with
Swoogo's credit shape (2,000 credits, lists 10, other calls 1) compressed into a 10 s window and
20 ms latency per call. Run: `.venv/bin/python bench/sync_bench.py [--sessions N ...]`.
Prints the figures, then one JSON line of them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet

from agendasync.domain.event_json import SponsorEntry
from agendasync.domain.integrations import SyncRun
from agendasync.partners.swoogo.client import LIST_COST
from agendasync.services import integrations as service
from agendasync.services.syncing import SyncSettings, run_sync
from agendasync.simulators.server import serve_in_process
from agendasync.sources.demo_data import demo_event
from agendasync.sources.eventfile import import_document
from agendasync.store import Store
from agendasync.store.content import load_event_content, save_event_content
from agendasync.store.events import create_organisation
from agendasync.store.secrets import SecretBox
from agendasync.sync.budget import SlidingWindowBudget

LOOPBACK = SyncSettings(allow_private_urls=True)  # the simulator runs on loopback

BUDGET, WINDOW_S = 2000, 10.0
# Name-matched lists the first sync cannot avoid: rooms, tracks and the sponsor tier field.
REQUIRED_LISTS = 3


def created(run: SyncRun) -> int:
    return sum(c["created"] for c in run.report["counts"].values())


def attempted(run: SyncRun) -> int:
    return sum(c["attempted"] for c in run.report["counts"].values())


class Simulator:
    """The Swoogo simulator in its own process, watched through its `/_sim` admin API."""

    def __init__(self, http: httpx.AsyncClient, url: str) -> None:
        self.http = http
        self.url = url

    async def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self.http.request(method, f"{self.url}/_sim{path}", **kwargs)
        response.raise_for_status()
        return response.json()

    async def credits(self) -> int:
        return int((await self.admin("GET", "/stats"))["credits_spent"].get("key", 0))


async def main(sessions: int, speakers: int, sponsors: int, latency_ms: float) -> dict[str, Any]:
    box = SecretBox([Fernet.generate_key().decode()])
    knobs = {"window_seconds": WINDOW_S, "budget": BUDGET, "latency_ms": latency_ms}
    with (
        tempfile.TemporaryDirectory() as folder,
        serve_in_process("agendasync.simulators.pictures:create_app") as pictures,
        serve_in_process(
            "agendasync.partners.swoogo.simulator:create_app", options=knobs
        ) as swoogo,
    ):
        store = Store(f"sqlite:///{Path(folder) / 'bench.db'}")
        document = demo_event(
            slug="bench",
            sessions=sessions,
            speakers=speakers,
            today=date.today() + timedelta(days=30),
            pictures=pictures,
        )
        tiers = ("Platinum", "Gold", "Silver", "Bronze")
        document.sponsors = [
            SponsorEntry(name=f"Sponsor {i:03d}", tier=tiers[i % 4], description="A sponsor.")
            for i in range(sponsors)
        ]
        with store.transaction() as connection:
            org = create_organisation(connection, "Bench")
            import_document(connection, document, org=org)

        async with httpx.AsyncClient(verify=False, timeout=30) as http:
            simulator = Simulator(http, swoogo)
            await simulator.admin("POST", "/credentials", json={"key": "key", "secret": "secret"})
            event = await simulator.admin(
                "POST", "/events", json={"name": "Bench", "timezone": "Europe/Berlin"}
            )
            partner_event = event["id"]
            await service.connect(
                store,
                box,
                org="Bench",
                partner_name="swoogo",
                credentials={"key": "key", "secret": "secret"},
                base_url=f"{swoogo}/api/v1",
                http=http,
                allow_private=True,  # the simulator is on loopback
            )
            mapping = await service.add_mapping(
                store,
                box,
                event_slug="bench",
                partner_name="swoogo",
                partner_event_id=str(partner_event),
                http=http,
                allow_private=True,
            )
            budget = SlidingWindowBudget(BUDGET, WINDOW_S)

            async def sync_all() -> tuple[list[SyncRun], int, float]:
                spent = await simulator.credits()
                started = time.perf_counter()
                runs = [
                    await run_sync(
                        store,
                        box,
                        mapping,
                        action=action,
                        http=http,
                        budget=budget,
                        settings=LOOPBACK,
                    )
                    for action in ("content", "sponsors")
                ]
                wall = time.perf_counter() - started
                return runs, await simulator.credits() - spent, wall

            # The budget starts full, as after a quiet window.
            await asyncio.sleep(WINDOW_S)
            first, credits_first, wall_first = await sync_all()
            failed = sum(
                run.report["counts"][k]["failed"] for run in first for k in run.report["counts"]
            )
            _, credits_noop, noop_wall = await sync_all()

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
            spent = await simulator.credits()
            edit = await run_sync(store, box, mapping, http=http, budget=budget, settings=LOOPBACK)
            credits_edit = await simulator.credits() - spent
            throttled = (await simulator.admin("GET", "/stats"))["throttled"].get("key", 0)

    # The fewest the first sync could take: a token, the name-matched lists, one call a record.
    credits_min = 1 + REQUIRED_LISTS * LIST_COST + sum(created(run) for run in first)
    floor_s = credits_first / (BUDGET / WINDOW_S)
    return {
        "sessions": sessions,
        "speakers": speakers,
        "sponsors": sponsors,
        "records_sent_first": sum(created(run) for run in first),
        "failed_first": failed,
        "credits_first": credits_first,
        "credits_min": credits_min,
        "credit_ratio": round(credits_first / credits_min, 4),
        "wall_first_s": round(wall_first, 2),
        "floor_s": round(floor_s, 2),
        "floor_ratio": round(wall_first / floor_s, 4),
        "throttled_429": throttled,
        "credits_noop": credits_noop,
        "noop_wall_s": round(noop_wall, 3),
        "sessions_edited": len(edited),
        "credits_edit": credits_edit,
        "updates_edit": edit.report["counts"]["sessions"]["updated"],
        "full_publish_credits": 1 + REQUIRED_LISTS * LIST_COST + sum(attempted(r) for r in first),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=2000)
    parser.add_argument("--speakers", type=int, default=3000)
    parser.add_argument("--sponsors", type=int, default=50)
    parser.add_argument("--latency-ms", type=float, default=20)
    args = parser.parse_args()
    figures = asyncio.run(main(args.sessions, args.speakers, args.sponsors, args.latency_ms))
    width = max(len(k) for k in figures)
    for name, value in figures.items():
        print(f"{name:<{width}}  {value}")
    print(json.dumps(figures))
