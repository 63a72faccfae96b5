"""The Exhibitors tab: the list (with a search), one exhibitor's page with its primary contact
and team, and adding, editing and deleting them (`record_pages`), team rows included."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from agendasync.services.records import EXHIBITORS
from agendasync.services.sync_state import event_record_states
from agendasync.store import records as rows
from agendasync.store.content import load_exhibitors
from agendasync.web.pages_event import event_context, sync_actions
from agendasync.web.record_forms import Group, Input, RecordForm, Rows
from agendasync.web.record_pages import RecordPages, add_record_pages
from agendasync.web.render import App, Paging, User, render

router = APIRouter()

_PERSON = (
    Input("first_name", "First name", required=True),
    Input("last_name", "Last name", required=True),
    Input("email", "Email", kind="email"),
)

EXHIBITOR_FORM = RecordForm(
    groups=(
        Group(
            "Exhibitor",
            (
                Input("name", "Name", required=True),
                Input("website", "Website", kind="url"),
                Input("description", "Description", kind="textarea"),
            ),
        ),
        Group("Primary contact (optional)", _PERSON, nested="primary_contact"),
    ),
    rows=Rows("team", "Team member", _PERSON, "Add a team member"),
)

EXHIBITOR_PAGES = RecordPages(EXHIBITORS, EXHIBITOR_FORM, "Exhibitor", lambda e: e.name)
add_record_pages(router, EXHIBITOR_PAGES)


@router.get("/events/{event}/exhibitors", response_class=HTMLResponse)
def exhibitors(
    request: Request, event: str, app: App, principal: User, paging: Paging, q: str = ""
) -> Response:
    with app.store.transaction() as connection:
        found, context = event_context(connection, principal, event, "exhibitors")
        page = rows.page_exhibitors(
            connection,
            found.id,
            paging,
            rows.ExhibitorFilter(q=q.strip() or None),
        )
        syncs = sync_actions(connection, found, "exhibitors")
        states = event_record_states(connection, found.id, [e.id for e in page.items])
    context |= {
        "page": page,
        "syncs": syncs,
        "states": states,
        "q": q,
        "params": {"q": q} if q else {},
    }
    return render(request, "exhibitors.html", context, principal=principal)


@router.get("/events/{event}/exhibitors/{exhibitor_id:uuid}", response_class=HTMLResponse)
def exhibitor_page(
    request: Request, event: str, exhibitor_id: uuid.UUID, app: App, principal: User
) -> Response:
    with app.store.transaction() as connection:
        found, context = event_context(connection, principal, event, "exhibitors")
        exhibitor = rows.one(load_exhibitors, connection, found.id, exhibitor_id, "exhibitor")
        states = event_record_states(connection, found.id, [exhibitor_id])
    team, contact = len(exhibitor.team), exhibitor.primary_contact
    members = f" and its {team} team member{'' if team == 1 else 's'}" if team else ""
    context |= {
        "exhibitor": exhibitor,
        "name": exhibitor.name,
        "delete_question": f"Delete {exhibitor.name}{members}? This cannot be undone.",
        "states": states,
        # The primary contact's own page: the exhibitor's links and each team member's.
        "portal_link": (
            f"/portal/exhibitors/{app.portal.token(contact.id)}"
            if contact and contact.id  # stored people always have their id
            else None
        ),
    }
    return render(request, "exhibitor.html", context, principal=principal)
