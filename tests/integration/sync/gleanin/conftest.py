"""Fixtures of the Gleanin sync tests: the simulator on loopback, a fresh world per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from gleanin_world import TOKEN, World

from agendasync.partners.gleanin.simulator import API_PREFIX, GleaninSimulator
from agendasync.services.syncing import BUDGETS
from agendasync.simulators.server import serve_in_thread
from agendasync.store import Store


@pytest.fixture(scope="session")
def gleanin_server() -> Iterator[tuple[GleaninSimulator, str]]:
    simulator = GleaninSimulator()
    with serve_in_thread(simulator) as url:
        yield simulator, f"{url}{API_PREFIX}"


@pytest.fixture
def world(store: Store, gleanin_server: tuple[GleaninSimulator, str]) -> World:
    simulator, url = gleanin_server
    state = simulator.reset()
    state.add_token(TOKEN)
    BUDGETS.clear()
    event = state.add_event("Conf on Gleanin", time_zone="Europe/Berlin")
    return World(store, simulator, url, event)
