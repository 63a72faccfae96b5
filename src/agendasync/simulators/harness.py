"""A simulator as the partner behaviour suite and `agendasync simulate PARTNER` drive it.

Each partner package with a simulator offers a `Simulation` (in its `simulator.py`), listed
in `partners/registry.py`; the behaviour suite in `tests/integration/partners/` runs against
every one of them with no partner-specific test code.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Generic, Protocol, TypeVar

from starlette.types import ASGIApp, Receive, Scope, Send

from agendasync.simulators.faults import FaultPlan


class Simulation(Protocol):
    """One partner's simulator with what a partner's admin does by hand."""

    partner: str  # the registry name: "swoogo"

    @property
    def app(self) -> ASGIApp: ...

    @property
    def faults(self) -> FaultPlan: ...

    def reset(self) -> None:
        """Start over: no data, no credentials, no faults."""
        ...

    def credentials(self) -> dict[str, str]:
        """Valid credentials, created on first call (names as the partner declares them)."""
        ...

    def base_url(self, server: str) -> str:
        """The API base URL a user enters, for the simulator served at `server`."""
        ...

    def add_event(self, name: str, timezone: str, start: date, end: date) -> str:
        """A partner event, with whatever a mapping to it needs (an ASP seminar); its id."""
        ...

    def mapping_params(self, event_id: str) -> dict[str, str]:
        """The mapping parameters for a mapping to `event_id` (ASP: the Seminar ID)."""
        ...

    def records(self, event_id: str, kind: str) -> list[dict[str, Any]]:
        """What the partner holds of `kind` ("sessions", "speakers", "exhibitors") in the event,
        as the partner shows it, each with its partner id under "id" (deleted ones left out)."""
        ...

    def delete(self, event_id: str, kind: str, partner_id: str) -> None:
        """Delete a record as the partner's admin would in its UI."""
        ...


class ServedSimulator(Protocol):
    """A partner simulator: an ASGI app with the shared fault kit's plan."""

    faults: FaultPlan

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None: ...

    def reset(self) -> object: ...


SimulatorT = TypeVar("SimulatorT", bound=ServedSimulator)


class SimulationBase(Generic[SimulatorT]):
    """What every partner's `Simulation` shares: the simulator it drives is the app served, its
    faults are the simulator's, and a mapping needs no parameters unless the partner says so."""

    simulator: SimulatorT

    @property
    def app(self) -> SimulatorT:
        return self.simulator

    @property
    def faults(self) -> FaultPlan:
        return self.simulator.faults

    def reset(self) -> None:
        self.simulator.reset()

    def mapping_params(self, event_id: str) -> dict[str, str]:
        return {}
