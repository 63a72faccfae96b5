"""A re-import that withdraws many records costs in proportion to them (issue 10, item 15).

Counted, not timed: the statements the store receives (the same number whatever the size, on
both databases), and on SQLite the virtual-machine instructions it executes (linear: four
times the records cost about four times the work; a quadratic write costs sixteen times).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from agendasync.domain.models import Event
from agendasync.sources.sessionize.importer import import_sessionize_feed
from agendasync.store import Store
from agendasync.store.events import create_organisation, save_event

_STEP = 100  # SQLite calls the progress handler every this many instructions


def _feed(sessions: int) -> dict[str, Any]:
    speakers = [
        {"id": f"sp-{n}", "firstName": f"First{n}", "lastName": f"Last{n}", "sessions": [n]}
        for n in range(sessions)
    ]
    talks = [
        {
            "id": str(n),
            "title": f"Talk {n}",
            "startsAt": f"2027-05-12T{9 + n % 8:02d}:00:00",
            "endsAt": f"2027-05-12T{9 + n % 8:02d}:45:00",
            "roomId": 1 + n % 3,
            "speakers": [f"sp-{n}"],
            "categoryItems": [],
        }
        for n in range(sessions)
    ]
    rooms = [{"id": n, "name": f"Room {n}", "sort": n} for n in (1, 2, 3)]
    return {"sessions": talks, "speakers": speakers, "categories": [], "rooms": rooms}


def _event(store: Store) -> Event:
    with store.transaction() as connection:
        org = create_organisation(connection, "Scale")
        event = Event(
            org_id=org.id,
            slug="scale",
            name="Scale",
            timezone="Europe/Berlin",
            start_date=date(2027, 5, 12),
            end_date=date(2027, 5, 12),
        )
        save_event(connection, event)
    return event


class _Instructions:
    """SQLite instructions executed (in steps of `_STEP`) while `counting` is on."""

    def __init__(self, store: Store) -> None:
        self.steps = 0
        self.counting = False
        self._handled: set[int] = set()
        sa.event.listen(store.engine, "before_cursor_execute", self._attach)

    def _attach(self, connection: sa.Connection, *_: object) -> None:
        raw = connection.connection.dbapi_connection
        assert isinstance(raw, sqlite3.Connection)
        if id(raw) not in self._handled:
            self._handled.add(id(raw))
            raw.set_progress_handler(self._step, _STEP)

    def _step(self) -> int:
        if self.counting:
            self.steps += 1
        return 0


@pytest.fixture
def sqlite_stores(migrated_sqlite_file: Path, tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    stores = []
    for name in ("small", "large"):
        path = tmp_path / f"{name}.db"
        shutil.copyfile(migrated_sqlite_file, path)
        stores.append(Store(f"sqlite:///{path}"))
    yield stores[0], stores[1]
    for store in stores:
        store.close()


def _reimport_cost(store: Store, sessions: int) -> int:
    counter = _Instructions(store)
    _event(store)
    feed = _feed(sessions)
    import_sessionize_feed(store, "scale", json.dumps(feed).encode())
    feed["sessions"] = feed["sessions"][:1]
    feed["speakers"] = feed["speakers"][:1]
    counter.counting = True
    report = import_sessionize_feed(store, "scale", json.dumps(feed).encode())
    counter.counting = False
    assert report.sessions.withdrawn == sessions - 1
    assert report.speakers.withdrawn == sessions - 1
    return counter.steps


def test_withdrawing_many_records_costs_linear_work_on_sqlite_r_sz_5(
    sqlite_stores: tuple[Store, Store],
) -> None:
    small, large = sqlite_stores
    small_cost = _reimport_cost(small, 250)
    large_cost = _reimport_cost(large, 1000)
    # Four times the records: about four times the instructions (sixteen when quadratic).
    assert large_cost < 6 * small_cost, (small_cost, large_cost)


def test_withdrawing_many_records_sends_the_same_statements_whatever_their_number_r_sz_5(
    store: Store, query_counter: Any
) -> None:
    _event(store)
    counts = []
    for sessions in (20, 200):
        with store.transaction() as connection:
            connection.execute(sa.text("DELETE FROM import_runs"))
        feed = _feed(sessions)
        import_sessionize_feed(store, "scale", json.dumps(feed).encode(), force=True)
        feed["sessions"] = feed["sessions"][:1]
        feed["speakers"] = feed["speakers"][:1]
        query_counter.count = 0
        query_counter.counting = True
        import_sessionize_feed(store, "scale", json.dumps(feed).encode(), force=True)
        query_counter.counting = False
        counts.append(query_counter.count)
    assert counts[0] == counts[1]
