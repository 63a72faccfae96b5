"""*Tracks, rooms and tags* of an event: add, rename, recolour and delete them, through the same
services as the REST API (a rename keeps the item, so partners rename theirs too)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from agendasync.domain.accounts import Access, Principal
from agendasync.domain.exceptions import InvalidContent
from agendasync.domain.models import TaxonomyItem, TaxonomyKind
from agendasync.services import access
from agendasync.services import records as service
from agendasync.services.browser_session import Flash, flash
from agendasync.services.records import FieldConflict
from agendasync.store.editing import event_taxonomy, sessions_per_item
from agendasync.store.records import taxonomy_item
from agendasync.web.forms import FormField, refilled
from agendasync.web.pages_event import event_context
from agendasync.web.refusals import Refusal, refusal
from agendasync.web.render import App, User, redirect, render

router = APIRouter()

# The kinds this page keeps: (kind, heading, one of them in a sentence).
KINDS = (
    (TaxonomyKind.TRACK, "Tracks", "track"),
    (TaxonomyKind.LOCATION, "Rooms", "room"),
    (TaxonomyKind.TAG, "Tags", "tag"),
)
_WORD = {kind: word for kind, _, word in KINDS}


def _word(kind: TaxonomyKind) -> str:
    return _WORD.get(kind, kind.value)


_LABELS = {"name": "Name", "colour": "Colour"}


def _fields(values: Mapping[str, str], errors: Mapping[str, str], of: str = "") -> list[FormField]:
    """An item's fields; in a list (`of` its name) each label names the item."""
    suffix = f" of {of}" if of else ""
    fields = [
        FormField("name", f"Name{suffix}", value=values.get("name", ""), required=True),
        FormField(
            "colour", f"Colour{suffix}", value=values.get("colour", ""), placeholder="#RRGGBB"
        ),
    ]
    return refilled(fields, {}, errors)


@dataclass(frozen=True)
class _Row:
    item: TaxonomyItem
    sessions: int
    fields: list[FormField]
    refused: Refusal | None


@dataclass(frozen=True)
class _Group:
    kind: TaxonomyKind
    heading: str
    word: str
    rows: list[_Row]
    new_fields: list[FormField]
    refused: Refusal | None


def _page(
    request: Request,
    app: App,
    principal: Principal,
    slug: str,
    refused: tuple[str, Mapping[str, str], Refusal] | None = None,
) -> HTMLResponse:
    """`refused`: (the form refused: an item's id or "new-KIND", its values, why)."""
    with app.store.transaction() as connection:
        event, context = event_context(connection, principal, slug, "agenda")
        items = event_taxonomy(connection, event.id, [kind for kind, _, _ in KINDS])
        used = sessions_per_item(connection, event.id)

    def form(
        key: str, values: Mapping[str, str], of: str = ""
    ) -> tuple[list[FormField], Refusal | None]:
        if refused and refused[0] == key:
            return _fields(refused[1], refused[2].errors, of), refused[2]
        return _fields(values, {}, of), None

    groups = []
    for kind, heading, word in KINDS:
        rows = [
            _Row(item, used.get(item.id, 0), *form(str(item.id), _values(item), item.name))
            for item in items
            if item.kind is kind
        ]
        groups.append(_Group(kind, heading, word, rows, *form(f"new-{kind.value}", {})))
    context |= {"groups": groups}
    status = 422 if refused else 200
    return render(request, "taxonomy.html", context, principal=principal, status_code=status)


def _values(item: TaxonomyItem) -> dict[str, str]:
    return {"name": item.name, "colour": item.colour or ""}


def _typed(form: Mapping[str, Any]) -> dict[str, str]:
    return {name: str(form.get(name, "")).strip() for name in _LABELS}


def _changes(values: Mapping[str, str]) -> dict[str, str | None]:
    return {"name": values["name"], "colour": values["colour"] or None}


def _page_path(event: str) -> str:
    return f"/events/{event}/settings/taxonomy"


@router.get("/events/{event}/settings/taxonomy", response_class=HTMLResponse)
def taxonomy_page(request: Request, event: str, app: App, principal: User) -> Response:
    return _page(request, app, principal, event)


@router.post("/events/{event}/settings/taxonomy/{kind}", response_class=HTMLResponse)
async def add_item(
    request: Request, event: str, kind: TaxonomyKind, app: App, principal: User
) -> Response:
    values = _typed(await request.form())
    try:
        with app.store.transaction() as connection:
            found = access.event(connection, principal, event, Access.WRITE)
            item = service.create_taxonomy_item(
                connection, found, _changes(values) | {"kind": kind.value}
            )
    except (InvalidContent, FieldConflict) as exc:
        why = refusal(exc, _LABELS, whole="name", what=f"The {_word(kind)} was not added")
        return _page(request, app, principal, event, (f"new-{kind.value}", values, why))
    flash(request, Flash("success", f"{_word(kind).capitalize()} {item.name} added."))
    return redirect(_page_path(found.slug))


@router.post("/events/{event}/settings/taxonomy/items/{item_id}", response_class=HTMLResponse)
async def change_item(
    request: Request, event: str, item_id: uuid.UUID, app: App, principal: User
) -> Response:
    values = _typed(await request.form())
    try:
        with app.store.transaction() as connection:
            found = access.event(connection, principal, event, Access.WRITE)
            item = service.update_taxonomy_item(connection, found, item_id, _changes(values))
    except (InvalidContent, FieldConflict) as exc:
        why = refusal(exc, _LABELS, whole="name", what="Not saved")
        return _page(request, app, principal, event, (str(item_id), values, why))
    flash(request, Flash("success", f"{_word(item.kind).capitalize()} {item.name} saved."))
    return redirect(_page_path(found.slug))


@router.post("/events/{event}/settings/taxonomy/items/{item_id}/delete")
def delete_item(
    request: Request, event: str, item_id: uuid.UUID, app: App, principal: User
) -> Response:
    with app.store.transaction() as connection:
        found = access.event(connection, principal, event, Access.WRITE)
        gone = taxonomy_item(connection, found.id, item_id)
        service.delete_taxonomy_item(connection, found, item_id)
    flash(request, Flash("success", f"{_word(gone.kind).capitalize()} {gone.name} deleted."))
    return redirect(_page_path(found.slug))
