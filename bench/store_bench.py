"""How long loading a whole event for a sync takes: 10,000 sessions, 15,000 speakers.

Run: `.venv/bin/python bench/store_bench.py [--sessions N] [--speakers N] [--postgres URL]`.
Prints the figures, then one JSON line of them. Goal: loading under 1 s on SQLite.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from agendasync.sources.demo_data import demo_event
from agendasync.sources.eventfile import import_document
from agendasync.store import Store
from agendasync.store.content import load_event_content
from agendasync.store.events import create_organisation

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def measure(store: Store, sessions: int, speakers: int, repeats: int) -> dict[str, float]:
    document = demo_event(
        slug="bench", sessions=sessions, speakers=speakers, today=date(2027, 5, 11)
    )
    started = time.perf_counter()
    with store.transaction() as connection:
        org = create_organisation(connection, "Bench")
        event_id = import_document(connection, document, org=org).event.id
    import_s = time.perf_counter() - started
    loads = []
    for _ in range(repeats):
        started = time.perf_counter()
        with store.transaction() as connection:
            content = load_event_content(connection, event_id)
        loads.append(time.perf_counter() - started)
    assert (len(content.sessions), len(content.speakers)) == (sessions, speakers)
    return {
        "import_s": round(import_s, 3),
        "load_s": round(min(loads), 3),
        "load_median_s": round(sorted(loads)[len(loads) // 2], 3),
    }


def postgres_store(url: str) -> tuple[Store, str] | None:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    try:
        with sa.create_engine(url).begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError:
        return None
    return Store(f"{url}?options=-csearch_path%3D{schema}"), schema


def report(database: str, figures: dict[str, float]) -> None:
    print(
        f"{database + ':':12}import {figures['import_s']:.3f} s, load {figures['load_s']:.3f} s "
        f"(median of the loads {figures['load_median_s']:.3f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--speakers", type=int, default=15_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--postgres", default=POSTGRES, help="PostgreSQL URL ('' to skip)")
    args = parser.parse_args()
    figures: dict[str, float | int | None] = {"sessions": args.sessions, "speakers": args.speakers}

    with tempfile.TemporaryDirectory() as folder:
        store = Store(f"sqlite:///{Path(folder) / 'bench.db'}")
        sqlite = measure(store, args.sessions, args.speakers, args.repeats)
        store.close()
    report("SQLite", sqlite)
    figures |= {f"sqlite_{k}": v for k, v in sqlite.items()}

    made = postgres_store(args.postgres) if args.postgres else None
    if made:
        store, schema = made
        postgres = measure(store, args.sessions, args.speakers, args.repeats)
        store.close()
        with sa.create_engine(args.postgres).begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        report("PostgreSQL", postgres)
        figures |= {f"postgres_{k}": v for k, v in postgres.items()}
    else:
        print("PostgreSQL: not reachable, skipped")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
