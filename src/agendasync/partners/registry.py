"""Every partner the hub knows, listed by hand. Adding a partner: one line here."""

from __future__ import annotations

from agendasync.partners.swoogo import Swoogo
from agendasync.sync.partner import Partner

PARTNERS: dict[str, Partner] = {partner.spec.name: partner for partner in (Swoogo(),)}


def get_partner(name: str) -> Partner:
    try:
        return PARTNERS[name]
    except KeyError:
        known = ", ".join(sorted(PARTNERS)) or "none"
        raise LookupError(f"unknown partner {name!r}; known partners: {known}") from None


def all_partners() -> list[Partner]:
    return [PARTNERS[name] for name in sorted(PARTNERS)]
