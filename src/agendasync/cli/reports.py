"""Sync runs for people on the command line: a run's report (fits 80 columns), `runs EVENT` in
plain words and the event's time zone, `runs show RUN`, and the exit code a sync ends with."""

from __future__ import annotations

import re
import textwrap
import uuid
from collections import Counter
from datetime import datetime
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table
from typer.core import TyperGroup

from agendasync.cli.base import JsonFlag, console, errors, fail, print_json, transaction
from agendasync.domain.integrations import RunStatus, SyncRun
from agendasync.domain.models import Event
from agendasync.domain.run_summary import (
    SentRecord,
    by_design,
    kind_name,
    summarise,
)
from agendasync.partners.registry import get_partner
from agendasync.services.sync_requests import action_title
from agendasync.store import integrations as repo
from agendasync.store.events import find_event, get_event
from agendasync.store.records import find_run

# The exit codes of a sync (documented in `sync --help`).
EXIT_FAILED = 1
EXIT_PARTIAL = 2
EXIT_CODES_HELP = (
    "Exit code: 0 when the run finished (the report lists any record left out, and why); 2 "
    "when it was partial (some records failed, or the partner's call budget ran out: the next "
    "run goes on) or some pictures could not be sent; 1 when it failed."
)

# Short column names: the whole table fits 80 columns.
_COLUMNS = [
    ("attempted", "tried"),
    ("created", "new"),
    ("updated", "changed"),
    ("unchanged", "same"),
    ("deleted", "deleted"),
    ("skipped", "left out"),
    ("failed", "failed"),
]
_SENT = ("Created", "Updated")
_WHAT = {"content": "sessions and speakers", "sponsors": "sponsors", "exhibitors": "exhibitors"}


def _title(run: SyncRun) -> str:
    try:
        partner = get_partner(run.partner).spec.title
    except LookupError:
        partner = run.partner  # a partner no longer installed: its own name
    return action_title(partner, run.action)


_URL = re.compile(r"\s*https?://\S+?(?=:?(\s|$))")


def _reason_kind(reason: str) -> str:
    """`status is 'declined'; only accepted ...` -> `status is 'declined'`, and a reason
    without its address (`could not fetch the image <url>: ...`), for a summary."""
    return _URL.sub("", reason.split(";")[0].split(" (")[0])


def _counts_table(run: SyncRun) -> None:
    counts = run.report.get("counts", {})
    if not counts:
        return
    out = Table(
        title="Records (what a sync would do)" if run.dry_run else "Records",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    out.add_column("kind", no_wrap=True)
    for _, header in _COLUMNS:
        out.add_column(header, justify="right", no_wrap=True)
    for kind, c in counts.items():
        out.add_row(kind_name(kind), *(str(c.get(name, 0)) for name, _ in _COLUMNS))
    console.print(out)


def _problems(heading: str, problems: list[dict[str, Any]], limit: int) -> None:
    if not problems:
        return
    reasons = Counter(_reason_kind(p["reason"]) for p in problems)
    console.print(f"{heading} ({len(problems)}):", style="bold", markup=False)
    summary = ", ".join(f"{n} {reason}" for reason, n in reasons.most_common())
    _wrapped("", summary)
    for problem in problems[:limit]:
        _wrapped("  - ", f"{problem['label']}: {problem['reason']}")
    if len(problems) > limit:
        console.print(f"  ... and {len(problems) - limit} more (see --json)", markup=False)


def _sent(heading: str, records: tuple[SentRecord, ...], limit: int) -> None:
    """The records a run created or updated, by name."""
    if not records:
        return
    console.print(f"{heading} ({len(records)}):", style="bold", markup=False)
    for record in records[:limit]:
        _wrapped("  - ", record.title)
    if len(records) > limit:
        console.print(f"  ... and {len(records) - limit} more (see --json)", markup=False)


def _wrapped(first: str, text: str, *, indent: str | None = None) -> None:
    """Text wrapped at words to the terminal, continuation lines indented under the first."""
    width = max(console.width, 40)
    rest = indent if indent is not None else " " * len(first)
    for line in textwrap.wrap(
        text, width, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False
    ) or [first]:
        console.print(line, markup=False, highlight=False, soft_wrap=True)


def print_report(run: SyncRun, *, limit: int = 20) -> None:
    """A run's report: its sentence, the counts per kind, then every record left out or failed."""
    summary = summarise(run)
    title = _title(run)
    heading = f"Preview of {title.lower()} (nothing was sent)" if run.dry_run else title
    console.print(f"{heading}: {summary.label}", style="bold", markup=False, highlight=False)
    _wrapped("", summary.sentence(title))
    _counts_table(run)
    created, updated = ("Would be created", "Would be updated") if run.dry_run else _SENT
    _sent(created, summary.created, limit)
    _sent(updated, summary.updated, limit)
    skipped = run.report.get("skipped", [])
    _problems("Failed", run.report.get("failed", []), limit)
    _problems("Pictures not sent", run.report.get("pictures", []), limit)
    _problems("Needs your attention", [p for p in skipped if not by_design(p["reason"])], limit)
    _problems("Left out by design", [p for p in skipped if by_design(p["reason"])], limit)
    for kind, deleted in run.report.get("deleted_on_partner", {}).items():
        console.print(f"found deleted on {run.partner}: {deleted} {kind_name(kind)}", markup=False)
    if "credits_used" in run.report:
        console.print(
            f"partner calls: {run.report['partner_calls']}, "
            f"credits used: {run.report['credits_used']}",
            markup=False,
        )


def exit_for(run: SyncRun) -> None:
    """End the command with the run's outcome: 1 failed, 2 partial (see EXIT_CODES_HELP)."""
    if run.status is RunStatus.FAILED:
        raise typer.Exit(EXIT_FAILED)
    if run.status is RunStatus.PARTIAL:
        failed = sum(int(c.get("failed", 0)) for c in run.report.get("counts", {}).values())
        why = f"{failed} record(s) failed" if failed else (run.message or "it stopped early")
        errors.print(
            f"partial: {why}; run the sync again to send the rest (exit code {EXIT_PARTIAL})",
            markup=False,
            highlight=False,
        )
        raise typer.Exit(EXIT_PARTIAL)
    pictures = len(run.report.get("pictures", []))
    if pictures:
        errors.print(
            f"{pictures} picture(s) could not be sent; the records went without them"
            f" (exit code {EXIT_PARTIAL})",
            markup=False,
            highlight=False,
        )
        raise typer.Exit(EXIT_PARTIAL)


# --- runs ------------------------------------------------------------------------------------


class _EventOrCommand(TyperGroup):
    """`runs EVENT` lists an event's runs (short for `runs list EVENT`); `runs show RUN`."""

    # Any: typer carries its own copy of click, whose types are not public.
    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["list", *args]
        return super().resolve_command(ctx, args)


runs_app = typer.Typer(
    cls=_EventOrCommand,
    help="Past sync runs: `runs EVENT` lists an event's, newest first; `runs show RUN` "
    "gives one run's report.",
    no_args_is_help=True,
)


def _local(moment: datetime | None, event: Event, pattern: str = "%a %d %b %Y %H:%M:%S %Z") -> str:
    return moment.astimezone(event.tz).strftime(pattern) if moment else ""


def _took(run: SyncRun) -> str:
    if run.finished_at is None:
        return "still running" if run.status is RunStatus.RUNNING else ""
    seconds = max(int((run.finished_at - run.started_at).total_seconds()), 0)
    return f"took {seconds // 60} min {seconds % 60} s" if seconds >= 60 else f"took {seconds} s"


def _print_run(run: SyncRun, event: Event) -> None:
    summary = summarise(run)
    title = _title(run)
    what = _WHAT.get(run.action, run.action)
    preview = " (preview)" if run.dry_run else ""
    console.print(
        f"{title}: {what}{preview} · {summary.label}", style="bold", markup=False, highlight=False
    )
    when = " · ".join(
        part for part in (_local(run.started_at, event), _took(run), f"by {run.trigger}") if part
    )
    _wrapped("  started  ", when, indent=" " * 11)
    _wrapped("  result   ", summary.sentence(title), indent=" " * 11)
    _wrapped("  run      ", str(run.id))


@runs_app.command("list")
def runs_list(event: str, as_json: JsonFlag = False) -> None:
    """An event's sync runs, newest first, in the event's time zone."""
    with transaction() as connection:
        found = find_event(connection, event)
        runs = repo.list_runs(connection, found.id)
    if as_json:
        print_json([r.model_dump(mode="json") for r in runs])
        return
    if not runs:
        console.print(f"No sync runs of {found.name} yet.", markup=False)
        return
    console.print(
        f"Sync runs of {found.name} (times in {found.timezone}), newest first:", markup=False
    )
    for run in runs:
        console.print()
        _print_run(run, found)


@runs_app.command("show")
def runs_show(
    run_id: Annotated[str, typer.Argument(help="The run's id (`runs EVENT` lists them).")],
    as_json: JsonFlag = False,
) -> None:
    """One sync run's report: what was sent, left out and failed, and why."""
    try:
        wanted = uuid.UUID(run_id)
    except ValueError:
        fail(f"RUN_ID: {run_id!r} is not a run id (runs EVENT lists them)")
    with transaction() as connection:
        run = find_run(connection, wanted)
        event = get_event(connection, run.event_id)
    if as_json:
        print_json(run.model_dump(mode="json"))
        return
    if event is not None:
        _wrapped("", f"{event.name}: started {_local(run.started_at, event)} · {_took(run)}")
    print_report(run)
