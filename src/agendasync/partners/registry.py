"""Every partner the hub knows, listed by hand. Adding a partner: one line in each list."""

from __future__ import annotations

from collections.abc import Callable

from agendasync.partners.asp import AspEvents
from agendasync.partners.asp.simulator import AspSimulation
from agendasync.partners.expoplatform import ExpoPlatform
from agendasync.partners.expoplatform.simulator import ExpoPlatformSimulation
from agendasync.partners.gleanin import Gleanin
from agendasync.partners.gleanin.simulator import GleaninSimulation
from agendasync.partners.swoogo import Swoogo
from agendasync.partners.swoogo.simulator import SwoogoSimulation
from agendasync.simulators.harness import Simulation
from agendasync.sync.partner import Partner

PARTNERS: dict[str, Partner] = {
    partner.spec.name: partner
    for partner in (
        Swoogo(),
        ExpoPlatform(),
        AspEvents(),
        Gleanin(),
    )
}
# The partners' simulators, for `agendasync simulate` and the behaviour suite.
SIMULATIONS: dict[str, Callable[[], Simulation]] = {
    "swoogo": SwoogoSimulation,
    "expoplatform": ExpoPlatformSimulation,
    "asp": AspSimulation,
    "gleanin": GleaninSimulation,
}


def get_partner(name: str) -> Partner:
    try:
        return PARTNERS[name]
    except KeyError:
        known = ", ".join(sorted(PARTNERS)) or "none"
        raise LookupError(f"unknown partner {name!r}; known partners: {known}") from None


def all_partners() -> list[Partner]:
    return [PARTNERS[name] for name in sorted(PARTNERS)]
