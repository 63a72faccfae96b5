"""What every page of an event shows around its content: the event, its organisation, the tab,
and whether this person may change things (`can_write`: only writers see edit controls)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from agendasync.domain.accounts import Access, Principal
from agendasync.domain.models import Event
from agendasync.services import access
from agendasync.store.events import get_organisation


def event_context(
    connection: Connection,
    principal: Principal,
    slug: str,
    tab: str,
    needed: Access = Access.READ,
) -> tuple[Event, dict[str, Any]]:
    event = access.event(connection, principal, slug, needed)
    org = get_organisation(connection, event.org_id)
    context = {
        "event": event,
        "org": org,
        "tab": tab,
        "section": "events",
        "can_write": principal.can(org.id, Access.WRITE),
    }
    return event, context
