"""Adding, editing and deleting an event's records in the pages, the same way for every kind:
through the services the REST API uses (same validation, same writers), a refusal shown at
its field with what was typed kept, and nothing written unless the whole record is valid."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from agendasync.domain.accounts import Access, Principal
from agendasync.domain.exceptions import InvalidContent
from agendasync.services import access
from agendasync.services.browser_session import Flash, flash
from agendasync.services.records import (
    FieldConflict,
    RecordKind,
    create_record,
    delete_record,
    entry_of,
    get_record,
    update_record,
)
from agendasync.web.pages_event import event_context
from agendasync.web.record_forms import (
    RecordForm,
    Typed,
    label_of,
    refused,
    shown,
    typed_from,
    typed_from_post,
    values_of,
)
from agendasync.web.render import App, User, redirect, render


@dataclass(frozen=True)
class RecordPages:
    kind: RecordKind[Any, Any]
    form: RecordForm
    title: str  # one of them, as a heading starts: "Speaker"
    name_of: Callable[[Any], str]  # how a record is named in headings and messages

    def list_path(self, slug: str) -> str:
        return f"/events/{slug}/{self.kind.name}"

    def path(self, slug: str, record_id: uuid.UUID) -> str:
        return f"{self.list_path(slug)}/{record_id}"


def _defaults(pages: RecordPages) -> dict[str, Any]:
    fields = pages.kind.entry.model_fields
    return {
        name: info.get_default(call_default_factory=True)
        for name, info in fields.items()
        if not info.is_required()
    }


def _form_page(
    request: Request,
    principal: Principal,
    pages: RecordPages,
    context: dict[str, Any],
    typed: Typed,
    record: tuple[uuid.UUID, str] | None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    slug = context["event"].slug
    what = pages.kind.what
    context |= {
        "heading": f"Edit {record[1]}" if record else f"Add {what}",
        "submit": "Save changes" if record else f"Add {what}",
        "action": f"{pages.path(slug, record[0])}/edit"
        if record
        else f"{pages.list_path(slug)}/new",
        "cancel": pages.path(slug, record[0]) if record else pages.list_path(slug),
        "form": shown(pages.form, typed),
        "what": what,
    }
    return render(
        request, "record_form.html", context, principal=principal, status_code=status_code
    )


def _problems(pages: RecordPages, exc: InvalidContent | FieldConflict) -> list[tuple[str, str]]:
    if isinstance(exc, InvalidContent):
        return exc.problems
    label = label_of(pages.form, exc.field)
    if label is None:
        return [("(record)", str(exc))]
    return [(exc.field, f"another {pages.kind.what} of this event already has this {label}.")]


def add_record_pages(router: APIRouter, pages: RecordPages) -> None:
    """The add, edit and delete routes of one kind of record."""
    kind = pages.kind
    listed = f"/events/{{event}}/{kind.name}"
    one = f"{listed}/{{record_id:uuid}}"

    def write_context(app: App, principal: Principal, event: str) -> dict[str, Any]:
        with app.store.transaction() as connection:
            return event_context(connection, principal, event, kind.name, Access.WRITE)[1]

    def new_form(request: Request, event: str, app: App, principal: User) -> Response:
        context = write_context(app, principal, event)
        return _form_page(request, principal, pages, context, typed_from(pages.form, None), None)

    def edit_form(
        request: Request, event: str, record_id: uuid.UUID, app: App, principal: User
    ) -> Response:
        with app.store.transaction() as connection:
            found, context = event_context(connection, principal, event, kind.name, Access.WRITE)
            current = get_record(connection, found, kind, record_id)
        typed = typed_from(pages.form, current)
        named = (record_id, pages.name_of(current))
        return _form_page(request, principal, pages, context, typed, named)

    async def save(
        request: Request, event: str, app: App, principal: Principal, record_id: uuid.UUID | None
    ) -> Response:
        posted = await request.form()
        typed = typed_from_post(pages.form, posted)
        context = write_context(app, principal, event)
        found = context["event"]
        named = None
        if record_id is not None:
            with app.store.transaction() as connection:
                named = (record_id, pages.name_of(get_record(connection, found, kind, record_id)))
        if posted.get("add_row"):  # one more empty row: nothing is saved yet
            return _form_page(request, principal, pages, context, typed, named)
        values = values_of(pages.form, typed, _defaults(pages))
        try:
            # One transaction: a refusal anywhere rolls back everything the write began.
            with app.store.transaction() as connection:
                if record_id is None:
                    saved = create_record(connection, found, kind, entry_of(kind, values.values))
                else:
                    saved = update_record(connection, found, kind, record_id, values.values)
        except (InvalidContent, FieldConflict) as exc:
            typed = refused(pages.form, typed, values.origin, _problems(pages, exc))
            return _form_page(request, principal, pages, context, typed, named, status_code=422)
        done = "added" if record_id is None else "saved"
        flash(request, Flash("success", f"{pages.title} {pages.name_of(saved)} {done}."))
        return redirect(pages.path(found.slug, saved.id))

    async def create(request: Request, event: str, app: App, principal: User) -> Response:
        return await save(request, event, app, principal, None)

    async def update(
        request: Request, event: str, record_id: uuid.UUID, app: App, principal: User
    ) -> Response:
        return await save(request, event, app, principal, record_id)

    def delete(
        request: Request, event: str, record_id: uuid.UUID, app: App, principal: User
    ) -> Response:
        with app.store.transaction() as connection:
            found = access.event(connection, principal, event, Access.WRITE)
            name = pages.name_of(get_record(connection, found, kind, record_id))
            delete_record(connection, found, kind, record_id)
        flash(request, Flash("success", f"{pages.title} {name} deleted."))
        return redirect(pages.list_path(found.slug))

    # Named per kind (as the session pages are: new_session, edit_session), not all "new_form".
    what = kind.what
    router.add_api_route(
        f"{listed}/new", new_form, methods=["GET"], response_class=HTMLResponse, name=f"new_{what}"
    )
    router.add_api_route(f"{listed}/new", create, methods=["POST"], name=f"create_{what}")
    router.add_api_route(
        f"{one}/edit", edit_form, methods=["GET"], response_class=HTMLResponse, name=f"edit_{what}"
    )
    router.add_api_route(f"{one}/edit", update, methods=["POST"], name=f"update_{what}")
    router.add_api_route(f"{one}/delete", delete, methods=["POST"], name=f"delete_{what}")
