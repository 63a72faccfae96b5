"""How long two workers take to check 10,000 continuously synced mappings where nothing changed,
and how much CPU one such check costs.

Arrange (not timed): a PostgreSQL schema of its own; one organisation connected to the Swoogo
simulator; 10,000 events of one session and one speaker, each mapped, with the ledger filled as
if everything had been synced; every mapping due. Act: two `agendasync worker` processes (each
also dispatches due mappings) until every mapping has a recorded run.
Run: `.venv/bin/python bench/jobs_bench.py [--mappings N]`. Prints the figures, then one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock

import httpx
import sqlalchemy as sa
from cryptography.fernet import Fernet

from agendasync.domain.models import (
    Event,
    EventContent,
    Session,
    SessionPerson,
    SessionStatus,
    Speaker,
    SpeakerStatus,
    TaxonomyItem,
    TaxonomyKind,
)
from agendasync.jobs.worker import apply_schema
from agendasync.services import integrations as service
from agendasync.simulators.server import serve_in_process
from agendasync.store import Store
from agendasync.store import integrations as repo
from agendasync.store import tables as t
from agendasync.store.content import save_event_content
from agendasync.store.events import create_organisation, save_event
from agendasync.store.secrets import SecretBox
from agendasync.sync.model import LedgerState
from agendasync.sync.partner import TransformContext, get_partner
from agendasync.sync.plan import plan
from agendasync.sync.select import select

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def small_event(org_id: uuid.UUID, index: int, day: date) -> EventContent:
    event = Event(
        org_id=org_id,
        slug=f"bench-{index}",
        name=f"Meetup {index}",
        timezone="Europe/Berlin",
        start_date=day,
        end_date=day,
    )
    room = TaxonomyItem(kind=TaxonomyKind.LOCATION, name="Main Room")
    speaker = Speaker(
        first_name="Ada",
        last_name=f"Speaker {index}",
        email=f"ada.{index}@example.com",
        status=SpeakerStatus.ACCEPTED,
    )
    starts = datetime.combine(day, clock(18), event.tz)
    session = Session(
        title=f"Talk {index}",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        status=SessionStatus.ACCEPTED,
        locations=[room],
        people=[SessionPerson(speaker.id)],
    )
    return EventContent(event=event, taxonomy=[room], sessions=[session], speakers=[speaker])


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def arrange(store: Store, box: SecretBox, swoogo: str, mappings: int) -> None:
    partner = get_partner("swoogo")
    async with httpx.AsyncClient() as http:
        await http.post(f"{swoogo}/_sim/credentials", json={"key": "key", "secret": "secret"})
        await http.post(
            f"{swoogo}/_sim/events", json={"name": "Bench", "timezone": "Europe/Berlin"}
        )
        with store.transaction() as connection:
            create_organisation(connection, "Bench")
        connected = await service.connect(
            store,
            box,
            org="Bench",
            partner_name="swoogo",
            credentials={"key": "key", "secret": "secret"},
            base_url=f"{swoogo}/api/v1",
            http=http,
        )
    now = datetime.now(UTC)
    day = date.today() + timedelta(days=30)
    ledger_rows = []
    with store.transaction() as connection:
        org_id = connected.integration.org_id
        for index in range(mappings):
            content = small_event(org_id, index, day)
            save_event(connection, content.event)
            save_event_content(connection, content)
            mapping = repo.add_mapping(
                connection,
                connected.integration,
                event_id=content.event.id,
                event_slug=content.event.slug,
                partner_event_id=str(100_000 + index),
                partner_event_name=f"Partner {index}",
                params={},
                continuous=True,
            )
            context = TransformContext(mapping.partner_event_id, {}, now)
            items = partner.transform(
                "content", select(content, partner.spec.eligibility, now), content, context
            ).items
            for op in plan(items, {}):
                ledger_rows.append(
                    {
                        "mapping_id": mapping.id,
                        "kind": op.kind,
                        "record_id": op.record_id,
                        "state": LedgerState.SYNCED.value,
                        "partner_id": str(index),
                        "content_hash": op.item.content_hash if op.item else None,
                        "detail": None,
                        "extra": {"contact_id": index, "session_ids": [str(index)]},
                        "updated_at": now,
                    }
                )
        connection.execute(sa.insert(t.sync_ledger), ledger_rows)


def main(mappings: int, workers: int) -> dict[str, float]:
    schema = f"jobs_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(POSTGRES)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = f"{POSTGRES}?options=-csearch_path%3D{schema}"
    key = Fernet.generate_key().decode()
    store = Store(url)
    apply_schema(store)
    try:
        with serve_in_process("agendasync.partners.swoogo.simulator:create_app") as swoogo:
            started = time.perf_counter()
            asyncio.run(arrange(store, SecretBox([key]), swoogo, mappings))
            arrange_s = time.perf_counter() - started
            env = os.environ | {"AGENDASYNC_SECRET_KEY": key}
            command = [
                sys.executable,
                "-m",
                "agendasync",
                "--db",
                url,
                "worker",
                "--concurrency",
                "4",
                "--maintenance",
                "1",
            ]
            with store.transaction() as connection:
                connection.execute(sa.update(t.mappings).values(next_run_at=datetime.now(UTC)))
            started = time.perf_counter()
            processes = [subprocess.Popen(command, env=env) for _ in range(workers)]
            while True:
                with store.transaction() as connection:
                    done = connection.execute(
                        sa.select(sa.func.count(sa.distinct(t.sync_runs.c.mapping_id))).where(
                            t.sync_runs.c.finished_at.is_not(None)
                        )
                    ).scalar_one()
                if done >= mappings:
                    break
                time.sleep(0.5)
            cycle_s = time.perf_counter() - started
            cpu = sum(cpu_seconds(p.pid) for p in processes)
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                process.wait(timeout=30)
            with store.transaction() as connection:
                statuses = dict(
                    connection.execute(
                        sa.select(t.sync_runs.c.status, sa.func.count()).group_by(
                            t.sync_runs.c.status
                        )
                    ).all()
                )
    finally:
        store.close()
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    return {
        "mappings": mappings,
        "workers": workers,
        "arrange_s": round(arrange_s, 1),
        "cycle_s": round(cycle_s, 2),
        "syncs_per_s": round(mappings / cycle_s, 1),
        "cpu_ms_per_noop_sync": round(cpu * 1000 / mappings, 2),
        "runs_succeeded": statuses.get("succeeded", 0),
        "runs_other": sum(n for s, n in statuses.items() if s != "succeeded"),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mappings", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    figures = main(args.mappings, args.workers)
    width = max(len(k) for k in figures)
    for name, value in figures.items():
        print(f"{name:<{width}}  {value}")
    print(json.dumps(figures))
