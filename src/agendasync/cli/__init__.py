"""The `agendasync` command line: thin wrappers that open the store and call library code."""

from __future__ import annotations

from typing import Annotated

import typer

from agendasync.cli import (
    content,
    demo,
    event_edit,
    fields,
    jobs,
    listing,
    reports,
    schedule,
    sessionize,
    syncing,
    web,
)
from agendasync.cli.base import state, unwrap_help

app = typer.Typer(help="agendasync: keep event content in one place, sync it everywhere.")
app.add_typer(content.org_app, name="org")
content.event_app.command("export")(schedule.event_export)
content.event_app.command("feeds")(schedule.event_feeds)
content.event_app.command("edit")(event_edit.event_edit)
content.event_app.command("delete")(event_edit.event_delete)
app.add_typer(content.event_app, name="event")
app.add_typer(content.session_app, name="session")
app.add_typer(content.db_app, name="db")
sessionize.import_app.command("schedule")(schedule.import_schedule_command)
sessionize.import_app.command("table")(schedule.import_table_command)
app.add_typer(sessionize.import_app, name="import")
app.command("demo-data")(content.demo_data_command)
app.command("demo")(demo.demo)
app.add_typer(syncing.integrations_app, name="integrations")
app.add_typer(syncing.mappings_app, name="mappings")
app.add_typer(fields.fields_app, name="fields")
app.command("simulate")(syncing.simulate)
app.command("sync", epilog=reports.EXIT_CODES_HELP)(syncing.sync)
app.command("sync-sponsors", epilog=reports.EXIT_CODES_HELP)(syncing.sync_sponsors)
app.add_typer(reports.runs_app, name="runs")
app.add_typer(listing.speaker_app, name="speaker")
app.add_typer(listing.sponsor_app, name="sponsor")
app.add_typer(listing.exhibitor_app, name="exhibitor")
content.session_app.command("show")(listing.session_show)
syncing.mappings_app.command("continuous")(jobs.mappings_continuous)
app.command("worker")(jobs.worker)
app.command("jobs")(jobs.jobs)
app.command("serve")(web.serve)
app.add_typer(web.user_app, name="user")
app.add_typer(web.token_app, name="token")


@app.callback()
def main(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database URL (default: $AGENDASYNC_DATABASE_URL, else sqlite:///agendasync.db).",
        ),
    ] = None,
) -> None:
    state.db_url = db


unwrap_help(app)  # after every command is registered

__all__ = ["app"]
