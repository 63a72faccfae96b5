"""Fixtures of the Sessionize import tests: the simulator on loopback and an event."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sessionize_world import make_event

from agendasync.domain.models import Event
from agendasync.simulators.server import serve_in_thread
from agendasync.sources.sessionize.simulator import SessionizeState, create_app
from agendasync.store import Store


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
