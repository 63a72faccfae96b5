"""`agendasync fields`: a mapping's field maps (which hub field fills which partner field)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from agendasync.cli.base import JsonFlag, console, fail, print_json, secret_box, store, table
from agendasync.domain.integrations import FieldSpec
from agendasync.domain.integrations import Mapping as EventMapping
from agendasync.services import mappings
from agendasync.services.integrations import IntegrationError, mapping_for
from agendasync.store.exceptions import StoreError
from agendasync.store.secrets import SecretsError
from agendasync.sync.fields import FieldMapError

fields_app = typer.Typer(help="Field maps: which of our fields fills which partner field.")

To = Annotated[str, typer.Option("--to", help="The partner, e.g. swoogo.")]
Kind = Annotated[str, typer.Option("--kind", help="sessions or speakers.")]
_REFUSALS = (FieldMapError, IntegrationError, StoreError, SecretsError, LookupError)


def _mapping(event: str, partner: str) -> EventMapping:
    try:
        return mapping_for(store(), event, partner)[1]
    except _REFUSALS as exc:
        fail(str(exc))
        raise AssertionError("unreachable") from exc


def _show(maps: dict[str, tuple[FieldSpec, ...]], as_json: bool) -> None:
    if as_json:
        print_json(
            {
                kind: [{"hub": p.hub, "partner": p.partner, "required": p.required} for p in pairs]
                for kind, pairs in maps.items()
            }
        )
        return
    for kind, pairs in maps.items():
        table(
            f"{kind} field map",
            ["our field", "partner field", "required"],
            [[p.hub, p.partner, "yes" if p.required else ""] for p in pairs],
        )


@fields_app.command("show")
def fields_show(event: str, to: To, as_json: JsonFlag = False) -> None:
    """Show the session and speaker field maps of an event's mapping to a partner."""
    try:
        maps = mappings.field_maps(store(), _mapping(event, to))
    except _REFUSALS as exc:
        fail(str(exc))
        return
    _show(maps, as_json)


@fields_app.command("add")
def fields_add(
    event: str,
    hub_field: Annotated[str, typer.Argument(help="Our field, e.g. client_session_id.")],
    partner_field: Annotated[str, typer.Argument(help="The partner's field, e.g. c_123.")],
    to: To,
    kind: Kind,
    as_json: JsonFlag = False,
) -> None:
    """Add a pair; the partner is asked whether its field exists."""
    mapping = _mapping(event, to)
    try:
        maps = asyncio.run(
            mappings.add_field(
                store(),
                secret_box(),
                mapping,
                kind=kind,
                hub=hub_field,
                partner_field=partner_field,
                allow_private=True,  # the operator's own command
            )
        )
    except _REFUSALS as exc:
        fail(str(exc))
        return
    if not as_json:
        console.print(f"{kind}: {hub_field} now fills {partner_field}", markup=False)
    _show(maps, as_json)


@fields_app.command("remove")
def fields_remove(
    event: str,
    partner_field: Annotated[str, typer.Argument(help="The partner's field to stop filling.")],
    to: To,
    kind: Kind,
    as_json: JsonFlag = False,
) -> None:
    """Remove a pair that the partner does not require."""
    mapping = _mapping(event, to)
    try:
        maps = mappings.remove_field(store(), mapping, kind=kind, partner_field=partner_field)
    except _REFUSALS as exc:
        fail(str(exc))
        return
    if not as_json:
        console.print(f"{kind}: {partner_field} is no longer filled", markup=False)
    _show(maps, as_json)
