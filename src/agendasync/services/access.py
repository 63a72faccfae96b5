"""Who reaches which organisation and event: one check for the API and the pages.

An organisation the caller has no part in does not exist for them: it, its events and their
records answer "not found", exactly as if they did not exist, so nobody learns what other
organisations hold. A caller who sees the organisation but lacks the access asked for is
refused (`Forbidden`) and told why.
"""

from __future__ import annotations

from sqlalchemy import Connection

from agendasync.domain.accounts import Access, Principal
from agendasync.domain.models import Event, Organisation
from agendasync.store.events import find_event, find_organisation
from agendasync.store.exceptions import NotFound


class Forbidden(Exception):
    """The caller sees the organisation but may not do this in it."""


def check(principal: Principal, org: Organisation, needed: Access, what: str) -> None:
    if not principal.sees(org.id):
        raise NotFound(what)
    if not principal.can(org.id, needed):
        raise Forbidden(principal.refusal(needed))


def organisation(
    connection: Connection, principal: Principal, slug: str, needed: Access = Access.READ
) -> Organisation:
    missing = f"no organisation {slug!r}"
    try:
        org = find_organisation(connection, slug)
    except NotFound:
        raise NotFound(missing) from None
    check(principal, org, needed, missing)
    return org


def event(
    connection: Connection, principal: Principal, slug: str, needed: Access = Access.READ
) -> Event:
    missing = f"no event {slug!r}"
    try:
        found = find_event(connection, slug)
    except NotFound:
        raise NotFound(missing) from None
    if not principal.sees(found.org_id):
        raise NotFound(missing)
    if not principal.can(found.org_id, needed):
        raise Forbidden(principal.refusal(needed))
    return found
