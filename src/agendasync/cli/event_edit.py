"""`event edit` and `event delete`, and the refusals `event create` shares with them: thin over
the services the pages and the REST API use."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer

from agendasync.cli.base import JsonFlag, console, fail, plain, print_json, transaction
from agendasync.domain.exceptions import InvalidContent
from agendasync.domain.wording import plain as plain_words
from agendasync.services import records as service
from agendasync.services.records import FieldConflict
from agendasync.store.editing import event_holdings
from agendasync.store.events import find_event

# The event's fields as this command names them, for its messages.
_OPTIONS = {
    "slug": "--slug",
    "name": "--name",
    "timezone": "--timezone",
    "start_date": "--start",
    "end_date": "--end",
}


def _in_options(message: str, label: str = "value") -> str:
    """In plain words, the fields named by their options: "end_date must not be before
    start_date" -> "--end must not be before --start"."""
    message = plain_words(message, label)
    for field, option in _OPTIONS.items():
        if "_" in field:  # a field's name, never a word of the sentence ("name")
            message = re.sub(rf"\b{field}\b", option, message)
    return message


def event_edit(
    slug: Annotated[str, typer.Argument(help="The event's short name.")],
    name: Annotated[str | None, typer.Option(help="A new name.")] = None,
    new_slug: Annotated[
        str | None, typer.Option("--slug", help="A new short name, for commands and URLs.")
    ] = None,
    timezone: Annotated[
        str | None, typer.Option("--timezone", "--tz", help="IANA time zone, e.g. Europe/Berlin.")
    ] = None,
    start: Annotated[str | None, typer.Option(help="First day, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option(help="Last day, YYYY-MM-DD.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Change an event's name, short name, time zone or days; options left out stay as they
    are. Sessions keep their moment in time: in another time zone they show at other hours."""
    given = {"name": name, "slug": new_slug, "timezone": timezone}
    given |= {"start_date": start, "end_date": end}
    changes: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
    if not changes:
        fail("nothing to change: give --name, --slug, --timezone, --start or --end")
    with transaction() as connection, event_refusals():
        changed = service.update_event(connection, find_event(connection, slug), changes)
    if as_json:
        print_json(changed.model_dump(mode="json"))
    else:
        console.print(f"changed event [bold]{plain(changed.name)}[/] ({changed.slug})")


@contextmanager
def event_refusals() -> Iterator[None]:
    """An event the service refuses, in this command's words: each field named by its option
    (nothing is written: the refusal ends the command's transaction)."""
    try:
        yield
    except InvalidContent as exc:
        fail("; ".join(_problem(place, message) for place, message in exc.problems))
    except FieldConflict as exc:
        fail(f"{_OPTIONS.get(exc.field, exc.field)}: {_in_options(str(exc))}")


def _problem(place: str, message: str) -> str:
    where = _OPTIONS.get(place)
    return f"{where}: {_in_options(message, place)}" if where else _in_options(message)


def event_delete(
    slug: Annotated[str, typer.Argument(help="The event's short name.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask before deleting.")] = False,
) -> None:
    """Delete an event with all it holds: sessions, speakers, sponsors, exhibitors, partner
    mappings and sync reports. What was sent to partners stays there."""
    with transaction() as connection:
        event = find_event(connection, slug)
        held = event_holdings(connection, event.id).parts()
    what = f"{event.name} ({event.slug})" + (f" with {', '.join(held)}" if held else "")
    if not yes and not _sure(f"Delete {what}? This cannot be undone."):
        fail(f"event {event.slug} was not deleted")
    with transaction() as connection:
        service.remove_event(connection, find_event(connection, slug))
    console.print(f"deleted event {plain(what)}", highlight=False)


def _sure(question: str) -> bool:
    try:
        return typer.confirm(question, default=False)
    except typer.Abort:  # no answer (input closed): no
        return False
