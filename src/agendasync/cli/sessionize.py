"""`agendasync import sessionize`: import an event's content from its Sessionize endpoint."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import typer

from agendasync.cli.base import (
    JsonFlag,
    console,
    fail,
    plain,
    print_json,
    store,
    table,
    transaction,
)
from agendasync.partners.urls import InvalidBaseUrl, normalise_base_url
from agendasync.services.records import update_event
from agendasync.sources.sessionize.categories import parse_map_setting
from agendasync.sources.sessionize.client import DEFAULT_BASE_URL
from agendasync.sources.sessionize.exceptions import EndpointChanged, SessionizeError
from agendasync.sources.sessionize.importer import ImportReport, ImportStatus, import_sessionize
from agendasync.store.events import find_event
from agendasync.store.exceptions import StoreError

import_app = typer.Typer(help="Import content from other systems.")


def _sessionize_url(text: str) -> str:
    try:
        return normalise_base_url(text)
    except InvalidBaseUrl as exc:
        raise typer.BadParameter(
            f"{text!r} is not a web address: give an http:// or https:// URL with a host name, "
            f"e.g. {DEFAULT_BASE_URL}"
        ) from exc


def sessionize_url_option(*names: str) -> Any:
    """Where Sessionize is reached (a simulator in tests, a private mirror): `serve` and the
    import read it from AGENDASYNC_SESSIONIZE_URL unless given."""
    return typer.Option(
        *names,
        envvar="AGENDASYNC_SESSIONIZE_URL",
        show_envvar=True,
        callback=_sessionize_url,
        help="Sessionize's address (a simulator's, or a private mirror's).",
    )


@import_app.command("sessionize")
def import_sessionize_command(
    slug: Annotated[str, typer.Argument(help="The event to import into.")],
    endpoint_id: Annotated[
        str | None,
        typer.Option(
            "--id",
            help="Sessionize endpoint id, or a pasted sessionize.com/api/v2/{id}/... URL "
            "(default: the one the event holds from its last import).",
        ),
    ] = None,
    emails_key: Annotated[
        str | None,
        typer.Option("--emails-key", help="Key of the speaker-emails view (from Sessionize)."),
    ] = None,
    base_url: Annotated[str, sessionize_url_option("--base-url")] = DEFAULT_BASE_URL,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what the import would do; write nothing.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Import even when the feed is unchanged.")
    ] = False,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Import another endpoint than the one the event was imported from, "
            "withdrawing the records the new feed lacks (says how many first).",
        ),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Import speakers, rooms and sessions from Sessionize's view/All into an event.

    Importing again updates what changed, creates nothing twice, marks what vanished withdrawn.
    Another endpoint than the one the event was imported from is refused unless --replace.
    """

    def run(*, dry: bool, replacing: bool) -> ImportReport:
        return asyncio.run(
            import_sessionize(
                store(),
                slug,
                endpoint_id=endpoint_id,
                emails_key=emails_key,
                base_url=base_url,
                dry_run=dry,
                force=force,
                replace=replacing,
            )
        )

    try:
        if replace and not dry_run:  # say what replacing withdraws before doing it
            preview = run(dry=True, replacing=False)
            if preview.replaced_endpoint and not as_json:
                console.print(
                    f"Replacing Sessionize endpoint {preview.replaced_endpoint} with "
                    f"{preview.endpoint_id}: withdrawing {preview.sessions.withdrawn} sessions "
                    f"and {preview.speakers.withdrawn} speakers.",
                    highlight=False,
                    markup=False,
                    soft_wrap=True,
                )
        report = run(dry=dry_run, replacing=replace)
    except (SessionizeError, StoreError) as exc:
        if as_json:
            code = getattr(exc, "code", "store.error")
            print_json({"status": "failed", "error": {"code": code, "message": str(exc)}})
        hint = (
            " Run again with --replace to replace it." if isinstance(exc, EndpointChanged) else ""
        )
        fail(str(exc) + hint)
        return
    if as_json:
        print_json(report.to_json())
    else:
        _print_report(report)


@import_app.command("sessionize-map")
def sessionize_map_command(
    slug: Annotated[str, typer.Argument(help="The event whose category map to show or change.")],
    settings: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help='"TITLE=DIMENSION": what the items of the Sessionize category TITLE become: '
            "tracks, levels, format, language, tags or ignore (default: back to the keyword "
            "rule). Repeat for several categories.",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Show or change the event's Sessionize category map.

    Categories it does not name are mapped by a keyword of their title: track, level,
    format or type, language; multi-choice titles ("type all that apply") and all others
    become tags. The next import applies the map (also to an unchanged feed).
    """
    try:
        changes = [parse_map_setting(setting) for setting in settings or []]
    except ValueError as exc:
        fail(str(exc))
        return
    with transaction() as connection:
        event = find_event(connection, slug)
        mapping = dict(event.sessionize_category_map)
        for title, dimension in changes:
            mapping = {k: v for k, v in mapping.items() if " ".join(k.split()) != title}
            if dimension is not None:
                mapping[title] = dimension.value
        if changes:
            event = update_event(connection, event, {"sessionize_category_map": mapping})
    if as_json:
        print_json({"event": event.slug, "category_map": event.sessionize_category_map})
        return
    table(
        f"Sessionize category map of {event.slug}",
        ["category title", "its items become"],
        [[title, value] for title, value in sorted(event.sessionize_category_map.items())],
    )
    console.print(
        "Other categories: by a keyword of their title (track, level, format or type, "
        "language); multi-choice titles and all others become tags.",
        highlight=False,
        markup=False,
    )


def _print_report(report: ImportReport) -> None:
    dry = " (dry run: nothing was written)" if report.dry_run else ""
    source = f"Sessionize endpoint {report.endpoint_id}"
    if report.status is ImportStatus.UNCHANGED:
        since = (
            f" since {report.unchanged_since:%Y-%m-%d %H:%M} UTC" if report.unchanged_since else ""
        )
        console.print(
            f"{source} is unchanged{since}: nothing to import into [bold]{report.event_slug}[/]"
            f"{dry}. Use --force to import it anyway.",
            soft_wrap=True,
        )
        return
    console.print(f"imported {source} into [bold]{report.event_slug}[/]{dry}", soft_wrap=True)
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
        by_reason = report.left_out_by_reason()
        summary = ", ".join(
            f"{count} {reason.value.replace('_', ' ')}" for reason, count in by_reason.items()
        )
        table(
            f"Left out: {summary}",
            ["what", "Sessionize id", "title or name", "reason"],
            [[r.kind, r.sessionize_id, r.name, r.detail] for r in report.left_out],
        )
    if report.flagged:
        table(
            f"Flagged ({len(report.flagged)}): imported, not synced",
            ["what", "Sessionize id", "title or name", "flag", "why"],
            [[r.kind, r.sessionize_id, r.name, r.flag.value, r.detail] for r in report.flagged],
        )
    if report.overwritten:
        table(
            f"Overwritten with Sessionize's values ({len(report.overwritten)})",
            ["what", "Sessionize id", "title or name", "fields"],
            [[r.kind, r.sessionize_id, r.name, ", ".join(r.fields)] for r in report.overwritten],
        )
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/] {plain(warning)}", highlight=False, soft_wrap=True)


__all__ = ["import_app", "sessionize_url_option"]
