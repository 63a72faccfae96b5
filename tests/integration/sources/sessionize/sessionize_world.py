"""What the Sessionize import tests share: the simulator on loopback, an event, shortcuts.

Test modules load the fixtures with `pytest_plugins = ["sessionize_world"]` (a conftest here
would shadow the `conftest` other test folders import by name) and import the helpers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from agendasync.domain.models import Event, EventContent, TaxonomyItem
from agendasync.simulators.server import serve_in_thread
from agendasync.sources.sessionize.importer import import_sessionize
from agendasync.sources.sessionize.report import ImportReport
from agendasync.sources.sessionize.simulator import SessionizeState, create_app
from agendasync.store import Store
from agendasync.store import tables as t
from agendasync.store.content import load_event_content
from agendasync.store.events import create_organisation, save_event

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "sessionize"
BERLIN = ZoneInfo("Europe/Berlin")
ENDPOINT = "jl4ktls0"
ASNE = "7c2d4f1a-93b5-4e0b-a1d2-5f6e7a8b9c01"
JOSE = "b41e0c9d-2a7f-4c3e-8d5b-6a1f2e3d4c02"
MEI = "e9f8a7b6-c5d4-4e3f-9a2b-1c0d9e8f7a03"
JUERGEN = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e104"
REGISTRATION = "2b7c3c1e-5d4f-4a8b-9c6d-7e8f9a0b1c2d"
LUNCH = "f91513e5-6e73-4910-9ee5-070a6ab04035"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(fixture(name).decode("utf-8-sig"))
    return data


def make_event(
    store: Store,
    *,
    slug: str = "conf27",
    start: date = date(2027, 5, 12),
    end: date = date(2027, 5, 13),
    category_map: dict[str, Any] | None = None,
) -> Event:
    with store.transaction() as connection:
        org = create_organisation(connection, f"Organiser of {slug}")
        event = Event(
            org_id=org.id,
            slug=slug,
            name=f"Conference {slug}",
            timezone="Europe/Berlin",
            start_date=start,
            end_date=end,
            sessionize_category_map=category_map or {},
        )
        save_event(connection, event)
    return event


async def run(
    store: Store, base_url: str, *, event: str = "conf27", **options: Any
) -> ImportReport:
    options.setdefault("endpoint_id", ENDPOINT)
    return await import_sessionize(store, event, base_url=base_url, retry_backoff=0.0, **options)


def load(store: Store, event: Event) -> EventContent:
    with store.transaction() as connection:
        return load_event_content(connection, event.id)


def by_sessionize_id(records: list[Any]) -> dict[str, Any]:
    return {record.sessionize_id: record for record in records if record.sessionize_id}


def names(items: list[TaxonomyItem]) -> list[str]:
    return [item.name for item in items]


def run_statuses(store: Store, event: Event) -> list[str]:
    with store.transaction() as connection:
        rows = connection.execute(
            select(t.import_runs.c.status)
            .where(t.import_runs.c.event_id == event.id)
            .order_by(t.import_runs.c.started_at)
        )
        return [status for (status,) in rows]


def state_of(store: Store, event: Event) -> dict[str, Any]:
    """Everything the event holds, in a stable order, for before/after comparisons."""
    content = load(store, event).model_dump()
    for key in ("taxonomy", "sessions", "speakers", "sponsors", "exhibitors"):
        content[key].sort(key=lambda record: record["id"])
    return content


# --- fixtures ---


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[SessionizeState, str]]:
    state = SessionizeState()
    with serve_in_thread(create_app(state)) as base_url:
        yield state, base_url


@pytest.fixture
def sim(served: tuple[SessionizeState, str]) -> SessionizeState:
    state = served[0]
    state.endpoints.clear()
    state.requests.clear()
    state.reset_faults()
    return state


@pytest.fixture
def base_url(served: tuple[SessionizeState, str]) -> str:
    return served[1]


@pytest.fixture
def event(store: Store) -> Event:
    return make_event(store)
