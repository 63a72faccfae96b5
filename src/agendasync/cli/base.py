"""What every command shares: the store, one transaction per command, output, errors."""

from __future__ import annotations

import inspect
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import Annotated, Any, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from sqlalchemy import Connection

from agendasync.domain.exceptions import InvalidContent
from agendasync.services.syncing import SyncSettings, budget_overrides
from agendasync.store import Store
from agendasync.store.exceptions import StoreError
from agendasync.store.secrets import KEY_SUFFIX, SecretBox, SecretsError, load_box

console = Console()
errors = Console(stderr=True, soft_wrap=True)  # an error stays one line, whatever the width

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]


class _State:
    db_url: str | None = None
    store: Store | None = None


state = _State()


def store() -> Store:
    if state.store is None:
        try:
            state.store = Store(state.db_url)
        except StoreError as exc:
            fail(str(exc))
    return state.store


@contextmanager
def transaction() -> Iterator[Connection]:
    """One command, one transaction: a refused command writes nothing."""
    try:
        with store().transaction() as connection:
            yield connection
    except InvalidContent as exc:
        for place, message in exc.problems:
            errors.print(f"[red]error:[/] {escape(f'{place}: {message}')}", highlight=False)
        raise typer.Exit(1) from exc
    except (StoreError, ValidationError) as exc:
        fail(str(exc))


def secret_box() -> SecretBox:
    """The keys that seal credentials (the key file beside the database unless the
    environment names them); a missing or unusable key file is one clear line."""
    try:
        box = load_box(store().beside(KEY_SUFFIX))
    except SecretsError as exc:
        fail(str(exc))
    notice = box.source.notice()
    if notice:
        errors.print(f"note: {notice}", markup=False, highlight=False)
    return box


def fail(message: str) -> NoReturn:
    errors.print(f"[red]error:[/] {escape(message)}", highlight=False)
    raise typer.Exit(1)


def print_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, default=str, ensure_ascii=False))


def table(
    title: str, columns: list[str], rows: list[list[Any]], *, whole: Sequence[int] = (0,)
) -> None:
    """Columns numbered in `whole` are never wrapped nor cut (ids, times); the others wrap to
    fit the terminal."""
    out = Table(title=Text(title), title_justify="left")
    for index, column in enumerate(columns):
        # At 80 columns a long value (an email, an address) is folded onto the next line,
        # never cut; headers wrap at their spaces.
        out.add_column(column, no_wrap=index in whole, overflow="fold")
    for row in rows:
        # Cells hold user text: shown as written, never read as markup.
        out.add_row(*(Text("" if value is None else str(value)) for value in row))
    console.print(out)


# Text from users and partners goes through `escape` before `console.print` reads markup.
plain = escape

OrgOption = Annotated[str, typer.Option("--org", help="Organisation name or slug.")]


ALLOW_PRIVATE_ENV = "AGENDASYNC_ALLOW_PRIVATE_PARTNER_URLS"


def private_urls_allowed() -> bool:
    """What the operator said at start-up for the web process and the workers (the CLI's own
    commands, run by the operator, always allow private addresses)."""
    return os.environ.get(ALLOW_PRIVATE_ENV, "").strip().lower() in ("1", "true", "yes")


def sync_settings(*, allow_private_urls: bool = True) -> SyncSettings:
    """How this process syncs, from the environment: `AGENDASYNC_BUDGET_<PARTNER>` =
    credits/seconds (a bigger plan), `AGENDASYNC_KEEP_RUNS` (runs kept per mapping),
    `AGENDASYNC_KEEP_FAILED_DAYS` (failed runs kept that long), `AGENDASYNC_RECONCILE_HOURS`."""
    defaults = SyncSettings()

    def number(name: str, default: float) -> float:
        value = os.environ.get(name, "")
        try:
            return float(value) if value else default
        except ValueError:
            fail(f"{name} must be a number, not {value!r}")

    return SyncSettings(
        budget_overrides=budget_overrides(os.environ),
        allow_private_urls=allow_private_urls,
        keep_runs=int(number("AGENDASYNC_KEEP_RUNS", defaults.keep_runs)),
        keep_failed_for=timedelta(
            days=number("AGENDASYNC_KEEP_FAILED_DAYS", defaults.keep_failed_for.days)
        ),
        reconcile_every=timedelta(
            hours=number(
                "AGENDASYNC_RECONCILE_HOURS", defaults.reconcile_every.total_seconds() / 3600
            )
        ),
    )


def _one_line_paragraphs(text: str) -> str:
    """A docstring's paragraphs each on one line, for rich to wrap at the terminal's width
    (Typer keeps the source's line breaks after the first paragraph, which splits sentences
    at 80 columns); lists and indented lines are kept as written."""

    def unwrapped(paragraph: str) -> str:
        lines = paragraph.splitlines()
        if any(line[:1].isspace() or line.startswith(("-", "*", "\b")) for line in lines):
            return paragraph
        return " ".join(line.strip() for line in lines)

    return "\n\n".join(unwrapped(p) for p in inspect.cleandoc(text).split("\n\n"))


def unwrap_help(app: typer.Typer) -> None:
    """Every command's help (its docstring) in one-line paragraphs: see `_one_line_paragraphs`."""
    for command in app.registered_commands:
        text = command.help or (command.callback.__doc__ if command.callback else None)
        if text:
            command.help = _one_line_paragraphs(text)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            unwrap_help(group.typer_instance)
