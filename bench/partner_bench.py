"""The sync bench for a partner other than Swoogo (`sync_bench.py --partner NAME`).

The same event shape as the Swoogo bench (`demo_event`, sessions 30 days ahead) synced (the
content action) to the partner's simulator from `partners.registry.SIMULATIONS`, served with
`serve_in_thread`: the simulator runs in a thread of THIS process, so `client_cpu_s` includes
the simulator's CPU (and the picture host's).

Independent of the code it measures:

- calls are counted by an ASGI wrapper around the simulator (every request; writes are the
  non-GET requests), never taken from the run's report;
- `writes_min` is counted from the content with the eligibility rules written out here: one
  write per eligible session, per accepted speaker with an email on one, and per distinct
  taxonomy name the partner creates (expoplatform: tracks, types (formats), tags, halls
  (rooms); asp: streams (tags) and locations (rooms); gleanin: none). Which list (GET) calls
  each partner needs at the least is not settled here, so only writes are counted (hence
  `writes_min`, not `calls_min`); token requests are not counted as writes.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from cryptography.fernet import Fernet
from starlette.types import ASGIApp, Receive, Scope, Send

from agendasync.domain.integrations import SyncRun
from agendasync.domain.models import EventContent, SessionStatus, SpeakerStatus
from agendasync.partners.registry import SIMULATIONS
from agendasync.services import integrations as service
from agendasync.services.syncing import BUDGETS, SyncSettings, run_sync
from agendasync.simulators import pictures as image_host
from agendasync.simulators.server import serve_in_thread
from agendasync.sources.demo_data import demo_event
from agendasync.sources.eventfile import import_document
from agendasync.store import Store
from agendasync.store import tables as t
from agendasync.store.content import load_event_content, save_event_content
from agendasync.store.events import create_organisation
from agendasync.store.secrets import SecretBox
from agendasync.sync.partner import Budget


class Counting:
    """Counts every request the simulator receives; writes are the non-GET ones (token
    requests apart)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.requests: Counter[str] = Counter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.requests[f"{scope['method']} {scope['path']}"] += 1
        await self.app(scope, receive, send)

    def total(self) -> int:
        return sum(self.requests.values())

    def writes(self) -> int:
        return sum(
            n
            for call, n in self.requests.items()
            if not call.startswith("GET") and "token" not in call
        )


def writes_floor(partner: str, content: EventContent, now: datetime) -> dict[str, int]:
    """The fewest writes a first content sync to a fresh partner event makes, per kind."""
    eligible = [
        s
        for s in content.sessions
        if s.status is SessionStatus.ACCEPTED
        and s.starts_at is not None
        and s.ends_at is not None
        and s.ends_at > now
        and not (partner == "expoplatform" and s.starts_at <= now)
        and not (partner == "asp" and not s.client_session_id)
        and not s.is_service
        and not s.withdrawn
        and not s.placeholder
    ]
    on_eligible = {person.speaker_id for s in eligible for person in s.people}
    speakers = [
        p
        for p in content.speakers
        if p.id in on_eligible
        and p.status is SpeakerStatus.ACCEPTED
        and p.email
        and not p.withdrawn
        and not p.placeholder
    ]
    floor = {"sessions": len(eligible), "speakers": len(speakers)}

    def names(items: Any) -> int:
        return len({item.name.strip().lower() for item in items})

    if partner == "expoplatform":
        floor["tracks"] = names(i for s in eligible for i in s.tracks)
        floor["types"] = names(s.format for s in eligible if s.format)
        floor["tags"] = names(i for s in eligible for i in s.tags)
        floor["halls"] = names(i for s in eligible for i in s.locations)
    elif partner == "asp":
        floor["streams"] = names(i for s in eligible for i in s.tags)
        floor["locations"] = names(i for s in eligible for i in s.locations)
    return floor


def share_links(store: Store) -> int:
    with store.transaction() as connection:
        query = sa.select(sa.func.count()).select_from(t.share_links)
        return int(connection.execute(query).scalar_one())


async def measure_partner(partner: str, sessions: int, speakers: int) -> dict[str, Any]:
    simulation = SIMULATIONS[partner]()
    counter = Counting(simulation.app)
    box = SecretBox([Fernet.generate_key().decode()])
    settings = SyncSettings(
        allow_private_urls=True,  # the simulators live on loopback
        # The declared default budget (10 calls/s) would dominate; measure the code instead.
        budget_overrides={partner: Budget(100000, 1.0)},
    )
    BUDGETS.clear()
    start = date.today() + timedelta(days=30)
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        pictures = stack.enter_context(serve_in_thread(image_host.create_app()))
        url = stack.enter_context(serve_in_thread(counter))
        store = Store(f"sqlite:///{Path(folder) / 'bench.db'}")
        document = demo_event(
            slug="bench", sessions=sessions, speakers=speakers, today=start, pictures=pictures
        )
        with store.transaction() as connection:
            imported = import_document(
                connection, document, org=create_organisation(connection, "Bench")
            )
        with store.transaction() as connection:
            content = load_event_content(connection, imported.event.id)
        event_id = simulation.add_event(
            "Bench", "Europe/Berlin", start - timedelta(days=3), start + timedelta(days=3)
        )
        async with httpx.AsyncClient(timeout=30) as http:
            await service.connect(
                store,
                box,
                org="Bench",
                partner_name=partner,
                credentials=simulation.credentials(),
                base_url=simulation.base_url(url),
                http=http,
                allow_private=True,
            )
            mapping = await service.add_mapping(
                store,
                box,
                event_slug="bench",
                partner_name=partner,
                partner_event_id=event_id,
                params=simulation.mapping_params(event_id),
                http=http,
                allow_private=True,
            )

            async def sync() -> tuple[SyncRun, int, int, float]:
                calls, writes = counter.total(), counter.writes()
                started = time.perf_counter()
                run = await run_sync(store, box, mapping, http=http, settings=settings)
                wall = time.perf_counter() - started
                return run, counter.total() - calls, counter.writes() - writes, wall

            floor = writes_floor(partner, content, datetime.now(UTC))
            before = Counter(counter.requests)
            cpu = time.process_time()
            first, calls_first, writes_first, wall_first = await sync()
            client_cpu = time.process_time() - cpu
            links_first = share_links(store)
            first_calls_by_endpoint = dict(sorted((counter.requests - before).items()))

            noop, calls_noop, writes_noop, noop_wall = await sync()
            links_second = share_links(store)

            with store.transaction() as connection:
                synced = {
                    row.record_id
                    for row in connection.execute(
                        sa.select(t.sync_ledger.c.record_id).where(
                            t.sync_ledger.c.kind == "sessions",
                            t.sync_ledger.c.partner_id.is_not(None),
                        )
                    )
                }
                content = load_event_content(connection, mapping.event_id)
            edited = [s for s in content.sessions if s.id in synced][: max(1, len(synced) // 100)]
            for session in edited:
                session.description += " (updated)"
            with store.transaction() as connection:
                save_event_content(connection, content.model_copy(update={"sessions": edited}))
            edit, calls_edit, writes_edit, _ = await sync()

    figures: dict[str, Any] = {
        "partner": partner,
        "sessions": sessions,
        "speakers": speakers,
        "status_first": first.status.value,
        "failed_first": len(first.report.get("failed", [])),
        "eligible": floor,
        "on_partner_sessions": len(simulation.records(event_id, "sessions")),
        "first_calls_by_endpoint": first_calls_by_endpoint,
        "writes_first": writes_first,
        "writes_min": sum(floor.values()),
        "calls_first": calls_first,
        "wall_first_s": round(wall_first, 2),
        "client_cpu_s": round(client_cpu, 2),
        "calls_noop": calls_noop,
        "writes_noop": writes_noop,
        "noop_wall_s": round(noop_wall, 3),
        "status_noop": noop.status.value,
        "sessions_edited": len(edited),
        "calls_edit": calls_edit,
        "writes_edit": writes_edit,
        "status_edit": edit.status.value,
    }
    if partner == "gleanin":
        figures["links_after_first"] = links_first
        figures["links_stored"] = links_second
    return figures


def summary(figures: dict[str, Any]) -> dict[str, Any]:
    """The one JSON line the brief asks for."""
    keys = [
        "partner",
        "sessions",
        "calls_first",
        "writes_min",
        "wall_first_s",
        "client_cpu_s",
        "calls_noop",
        "calls_edit",
        "writes_edit",
        "sessions_edited",
    ]
    if "links_stored" in figures:
        keys.append("links_stored")
    return {k: figures[k] for k in keys}


def run(partner: str, sessions: int, speakers: int) -> tuple[dict[str, Any], dict[str, Any]]:
    figures = asyncio.run(measure_partner(partner, sessions, speakers))
    return figures, summary(figures)
