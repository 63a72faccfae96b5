"""`agendasync import schedule` and `agendasync event export`: the open schedule formats (c3voc
schedule.json and schedule.xml, iCal) in and out, beside the event JSON format."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from agendasync.cli.base import JsonFlag, console, errors, fail, print_json, table, transaction
from agendasync.cli.base import store as open_store
from agendasync.services.records import update_event
from agendasync.sources.eventfile import export_document
from agendasync.sources.schedule.export import schedule_ical, schedule_json_text, schedule_xml
from agendasync.sources.schedule.importer import (
    ScheduleImportReport,
    ScheduleUnreadable,
    import_schedule,
    import_table_body,
)
from agendasync.sources.schedule.table import FIELDS as TABLE_FIELDS
from agendasync.sources.schedule.validation import MalformedSchedule
from agendasync.sources.sessionize.importer import ImportStatus
from agendasync.store.content import load_event_content
from agendasync.store.events import find_event
from agendasync.store.exceptions import StoreError

DEFAULT_BASE_URL = "http://localhost:8000"


class ExportFormat(StrEnum):
    EVENT_JSON = "event-json"
    SCHEDULE_JSON = "schedule-json"
    SCHEDULE_XML = "schedule-xml"
    ICAL = "ical"


_FEED_FILES = {
    ExportFormat.SCHEDULE_JSON: "schedule.json",
    ExportFormat.SCHEDULE_XML: "schedule.xml",
    ExportFormat.ICAL: "schedule.ics",
}


def feed_url(base_url: str, slug: str, export_format: ExportFormat) -> str:
    """Where the API serves the event's feed (session links in a file point into it)."""
    name = _FEED_FILES.get(export_format, "schedule.json")
    return f"{base_url.rstrip('/')}/api/events/{slug}/{name}"


def event_export(
    slug: Annotated[str, typer.Argument(help="The event to export.")],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="File to write ('-': stdout).")
    ] = Path("-"),
    export_format: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            help="event-json (everything, to import again), schedule-json or schedule-xml "
            "(the c3voc formats pretalx and frab publish) or ical (accepted, scheduled sessions).",
        ),
    ] = ExportFormat.EVENT_JSON,
    base_url: Annotated[
        str, typer.Option("--base-url", help="The hub's address, for links to its feeds.")
    ] = DEFAULT_BASE_URL,
) -> None:
    """Export an event: to the event JSON format, or its programme as schedule.json,
    schedule.xml or iCal."""
    with transaction() as connection:
        if export_format is ExportFormat.EVENT_JSON:
            data = (export_document(connection, slug).model_dump_json(indent=2) + "\n").encode()
        else:
            content = load_event_content(connection, find_event(connection, slug).id)
            url = feed_url(base_url, slug, export_format)
            if export_format is ExportFormat.SCHEDULE_JSON:
                data = schedule_json_text(content, url=url).encode()
            elif export_format is ExportFormat.SCHEDULE_XML:
                data = schedule_xml(content, url=url).encode()
            else:
                data = schedule_ical(content, url=url)
    if str(output) == "-":
        typer.echo(data.decode().rstrip("\n"))
    else:
        try:
            output.write_bytes(data)
        except OSError as exc:
            reason = "no such folder" if isinstance(exc, FileNotFoundError) else exc.strerror
            fail(f"cannot write {output}: {reason}")
        console.print(f"wrote {output}", markup=False)


def event_feeds(
    slug: Annotated[str, typer.Argument(help="The event.")],
    on: Annotated[
        bool,
        typer.Option(
            "--on/--off",
            help="Open the event's schedule feeds to anyone at /public/EVENT/schedule.json, "
            "schedule.xml and schedule.ics, or close them.",
        ),
    ],
) -> None:
    """Switch an event's public schedule feeds on or off (off by default)."""
    with transaction() as connection:
        update_event(connection, find_event(connection, slug), {"public_feeds": on})
    where = f"/public/{slug}/schedule.json, schedule.xml and schedule.ics"
    console.print(f"public feeds of {slug} {'on: ' + where if on else 'off'}", markup=False)


DryRun = Annotated[
    bool, typer.Option("--dry-run", help="Show what the import would do; write nothing.")
]
Force = Annotated[bool, typer.Option("--force", help="Import even when the file is unchanged.")]


def import_schedule_command(
    slug: Annotated[str, typer.Argument(help="The event to import into.")],
    file_or_url: Annotated[
        str, typer.Argument(help="A schedule.json or schedule.xml file, or its http(s) URL.")
    ],
    dry_run: DryRun = False,
    force: Force = False,
    as_json: JsonFlag = False,
) -> None:
    """Import a schedule (c3voc schedule.json or schedule.xml, as pretalx and frab publish it).

    Sessions with their rooms, tracks, types and speakers; importing again updates what
    changed, creates nothing twice and marks what vanished withdrawn.
    """

    def run() -> ScheduleImportReport:
        return asyncio.run(
            import_schedule(open_store(), slug, file_or_url, dry_run=dry_run, force=force)
        )

    _import_and_report(run, as_json=as_json)


def import_table_command(
    slug: Annotated[str, typer.Argument(help="The event to import into.")],
    path: Annotated[
        Path, typer.Argument(help="A CSV or .xlsx file: a row per session or per speaker.")
    ],
    pairs: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="COLUMN=field, as often as needed (columns named like a field map themselves; "
            "without any, the event's last spreadsheet import's map is used again). "
            f"Fields: {', '.join(TABLE_FIELDS)}.",
        ),
    ] = None,
    dry_run: DryRun = False,
    force: Force = False,
    as_json: JsonFlag = False,
) -> None:
    """Import sessions and their speakers from a spreadsheet (CSV or .xlsx).

    Importing again updates what changed, creates nothing twice and marks what vanished
    withdrawn; errors name the row and the column.
    """
    given: dict[str, str] = {}
    for pair in pairs or []:
        column, equals, name = pair.partition("=")
        if not equals or not column.strip() or not name.strip():
            fail(escape(f"--map {pair}: write COLUMN=field"))
        given[column.strip()] = name.strip()
    mapping = given if pairs else None  # none given: the event's last import's map

    def run() -> ScheduleImportReport:
        try:
            body = path.read_bytes()
        except OSError as exc:
            raise ScheduleUnreadable(f"cannot read {path}: {exc.strerror}") from None
        return import_table_body(
            open_store(),
            slug,
            body,
            mapping=mapping,
            source=str(path),
            dry_run=dry_run,
            force=force,
        )

    _import_and_report(run, as_json=as_json)


def _import_and_report(run: Callable[[], ScheduleImportReport], *, as_json: bool) -> None:
    try:
        report = run()
    except (MalformedSchedule, ScheduleUnreadable, StoreError) as exc:
        problems = getattr(exc, "problems", [])
        if as_json:
            code = getattr(exc, "code", "store.error")
            print_json(
                {
                    "status": "failed",
                    "error": {
                        "code": code,
                        "message": str(exc),
                        "problems": [{"place": p, "message": m} for p, m in problems],
                    },
                }
            )
            raise typer.Exit(1) from None
        if problems:
            for place, message in problems:
                errors.print(f"[red]error:[/] {escape(place)}: {escape(message)}", highlight=False)
            raise typer.Exit(1) from None
        fail(escape(str(exc)))
        return
    if as_json:
        print_json(report.to_json())
    else:
        _print_report(report)


def _print_report(report: ScheduleImportReport) -> None:
    dry = " (dry run: nothing was written)" if report.dry_run else ""
    if report.status is ImportStatus.UNCHANGED:
        console.print(
            f"{report.source} is unchanged: nothing to import into [bold]{report.event_slug}[/]"
            f"{dry}. Use --force to import it anyway.",
            soft_wrap=True,
            highlight=False,
        )
        return
    console.print(
        f"imported {report.source} ({report.format}) into [bold]{report.event_slug}[/]{dry}",
        soft_wrap=True,
        highlight=False,
    )
    table(
        "Records",
        ["records", "created", "updated", "restored", "unchanged", "withdrawn"],
        [
            [name, c.created, c.updated, c.restored, c.unchanged, c.withdrawn]
            for name, c in (
                ("sessions", report.sessions),
                ("speakers", report.speakers),
                ("taxonomy", report.taxonomy),
            )
        ],
    )
    if report.left_out:
        table(
            f"Left out: {len(report.left_out)} sessions",
            ["guid", "title", "reason"],
            [[r.guid, r.name, r.detail] for r in report.left_out],
        )
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False, soft_wrap=True)


__all__ = [
    "ExportFormat",
    "event_export",
    "event_feeds",
    "feed_url",
    "import_schedule_command",
    "import_table_command",
]
