"""Commands for organisations, events, sessions, the database and the demo."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import Connection

from agendasync.cli.base import (
    JsonFlag,
    OrgOption,
    console,
    fail,
    plain,
    print_json,
    state,
    table,
    transaction,
)
from agendasync.cli.event_edit import event_refusals
from agendasync.domain.models import Event, Organisation, Session, record_flags
from agendasync.services import records as service
from agendasync.sources import demo_data
from agendasync.sources.eventfile import (
    ImportResult,
    import_document,
    read_document,
)
from agendasync.store import Store
from agendasync.store.content import load_event_content
from agendasync.store.events import (
    create_organisation,
    find_event,
    find_organisation,
    list_events,
    list_organisations,
)
from agendasync.store.exceptions import StoreError

org_app = typer.Typer(help="Organisations.")
event_app = typer.Typer(help="Events: create, list, show, edit, delete, import and export.")
session_app = typer.Typer(help="Sessions of an event.")
db_app = typer.Typer(help="The database.")


# --- db ----------------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the migrations the database lacks (and the job queue's tables on PostgreSQL)."""
    target = Store(state.db_url, migrate=False)
    target.upgrade()
    if target.engine.dialect.name == "postgresql":
        from agendasync.jobs.worker import apply_schema

        apply_schema(target)
    console.print("database is up to date")


# --- organisations -----------------------------------------------------------------------------


@org_app.command("create")
def org_create(name: str, as_json: JsonFlag = False) -> None:
    """Create an organisation."""
    with transaction() as connection:
        org = create_organisation(connection, name)
    if as_json:
        print_json(org.model_dump(mode="json"))
    else:
        console.print(f"created organisation [bold]{plain(org.name)}[/] ({org.slug})")


@org_app.command("list")
def org_list(as_json: JsonFlag = False) -> None:
    """List organisations."""
    with transaction() as connection:
        orgs = list_organisations(connection)
    if as_json:
        print_json([org.model_dump(mode="json") for org in orgs])
    else:
        table("Organisations", ["slug", "name"], [[o.slug, o.name] for o in orgs])


# --- events ------------------------------------------------------------------------------------


@event_app.command("create")
def event_create(
    org: OrgOption,
    slug: Annotated[str, typer.Option(help="Short name used in commands and URLs.")],
    name: Annotated[str, typer.Option(help="The event's name.")],
    timezone: Annotated[
        str, typer.Option("--timezone", "--tz", help="IANA time zone, e.g. Europe/Berlin.")
    ],
    start: Annotated[str, typer.Option(help="First day, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option(help="Last day, YYYY-MM-DD.")],
    as_json: JsonFlag = False,
) -> None:
    """Create an event."""
    typed = {"slug": slug, "name": name, "timezone": timezone}
    typed |= {"start_date": start, "end_date": end}
    with transaction() as connection, event_refusals():
        owner = find_organisation(connection, org)
        event = service.create_event(connection, owner, service.event_fields(typed))
    if as_json:
        print_json(event.model_dump(mode="json"))
    else:
        console.print(f"created event [bold]{plain(event.name)}[/] ({event.slug})")


@event_app.command("list")
def event_list(
    org: Annotated[str | None, typer.Option("--org", help="Only this organisation.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """List events."""
    with transaction() as connection:
        org_id = find_organisation(connection, org).id if org else None
        events = list_events(connection, org_id=org_id)
    if as_json:
        print_json([e.model_dump(mode="json") for e in events])
        return
    table(
        "Events",
        ["slug", "name", "time zone", "start", "end"],
        [[e.slug, e.name, e.timezone, e.start_date, e.end_date] for e in events],
    )


@event_app.command("show")
def event_show(slug: str, as_json: JsonFlag = False) -> None:
    """Show an event and what it holds."""
    with transaction() as connection:
        content = load_event_content(connection, find_event(connection, slug).id)
    event = content.event
    counts = {
        "sessions": len(content.sessions),
        "accepted sessions": sum(
            s.status == "accepted" and not (s.withdrawn or s.placeholder) for s in content.sessions
        ),
        "withdrawn sessions": sum(s.withdrawn for s in content.sessions),
        "unscheduled sessions": sum("unscheduled" in record_flags(s) for s in content.sessions),
        "placeholder sessions": sum(s.placeholder for s in content.sessions),
        "speakers": len(content.speakers),
        "withdrawn speakers": sum(s.withdrawn for s in content.speakers),
        "sponsors": len(content.sponsors),
        "exhibitors": len(content.exhibitors),
        "taxonomy items": len(content.taxonomy),
    }
    if as_json:
        print_json({"event": event.model_dump(mode="json"), "counts": counts})
        return
    console.print(f"[bold]{plain(event.name)}[/] ({event.slug})")
    console.print(f"{event.start_date} to {event.end_date}, {event.timezone}")
    table("Content", ["what", "how many"], [[k, v] for k, v in counts.items()])


def _import_summary(result: ImportResult) -> dict[str, Any]:
    return {
        "event": result.event.slug,
        "event_created": result.event_created,
        "records": {
            name: {"created": c.created, "updated": c.updated, "unchanged": c.unchanged}
            for name, c in result.summary.counts.items()
        },
    }


@event_app.command("import")
def event_import(path: Path, org: OrgOption, as_json: JsonFlag = False) -> None:
    """Import an event JSON file; importing it again updates and creates nothing twice."""
    with transaction() as connection:
        owner = find_organisation(connection, org)
        result = import_document(connection, read_document(path), org=owner)
    summary = _import_summary(result)
    if as_json:
        print_json(summary)
        return
    verb = "created" if result.event_created else "updated"
    console.print(f"{verb} event [bold]{result.event.slug}[/]")
    table(
        "Imported",
        ["records", "created", "updated", "unchanged"],
        [[n, c["created"], c["updated"], c["unchanged"]] for n, c in summary["records"].items()],
    )


# --- sessions ----------------------------------------------------------------------------------


def _session_row(session: Session, event: Event, names: dict[Any, str]) -> dict[str, Any]:
    def local(value: datetime | None) -> str | None:
        return value.astimezone(event.tz).strftime("%Y-%m-%d %H:%M") if value else None

    return {
        "id": str(session.id),
        "title": session.title,
        "status": session.status.value,
        "flags": record_flags(session),
        "starts_at": local(session.starts_at),
        "ends_at": local(session.ends_at),
        "rooms": [item.name for item in session.locations],
        "people": [f"{names[p.speaker_id]} ({p.role.value})" for p in session.people],
    }


@session_app.command("list")
def session_list(slug: str, as_json: JsonFlag = False) -> None:
    """List an event's sessions in time order."""
    with transaction() as connection:
        content = load_event_content(connection, find_event(connection, slug).id)
    names = {s.id: f"{s.first_name} {s.last_name}" for s in content.speakers}
    far = datetime.max.replace(tzinfo=content.event.tz)
    sessions = sorted(content.sessions, key=lambda s: (s.starts_at or far, s.title))
    rows = [_session_row(s, content.event, names) for s in sessions]
    if as_json:
        print_json(rows)
        return
    table(
        f"Sessions of {content.event.name}",
        ["starts", "ends", "title", "status", "room", "people"],
        [
            [
                r["starts_at"] or "unscheduled",
                r["ends_at"],
                r["title"],
                ", ".join([r["status"], *r["flags"]]),
                ", ".join(r["rooms"]),
                ", ".join(r["people"]),
            ]
            for r in rows
        ],
    )


# --- demo --------------------------------------------------------------------------------------


def demo_data_command(
    org: OrgOption,
    event: Annotated[str, typer.Option("--event", help="Slug of the event to create.")],
    sessions: Annotated[int, typer.Option(min=1, max=100_000, help="How many sessions.")] = 60,
    seed: Annotated[int, typer.Option(help="Same seed, same event.")] = 1,
    as_json: JsonFlag = False,
) -> None:
    """Create a realistic demo conference (the organisation is created if missing)."""
    with transaction() as connection:
        try:
            find_event(connection, event)
        except StoreError:
            pass
        else:
            fail(f"event {event!r} exists already; choose another slug")
        owner = find_or_create_org(connection, org)
        document = demo_data.demo_event(slug=event, sessions=sessions, seed=seed)
        result = import_document(connection, document, org=owner)
        if as_json:
            print_json(_import_summary(result))
        else:
            print_event_summary(connection, result.event.id)


def find_or_create_org(connection: Connection, name: str) -> Organisation:
    try:
        return find_organisation(connection, name)
    except StoreError:
        return create_organisation(connection, name)


def print_event_summary(connection: Connection, event_id: uuid.UUID) -> None:
    content = load_event_content(connection, event_id)
    event = content.event
    by_status: dict[str, int] = {}
    for session in content.sessions:
        by_status[session.status.value] = by_status.get(session.status.value, 0) + 1
    console.print(
        f"[bold]{plain(event.name)}[/] ({event.slug}), {event.start_date} to {event.end_date}, "
        f"{event.timezone}"
    )
    table(
        "Demo event",
        ["what", "how many"],
        [
            ["sessions", len(content.sessions)],
            *[[f"  {status}", n] for status, n in sorted(by_status.items())],
            ["  unscheduled", sum(s.starts_at is None for s in content.sessions)],
            ["speakers", len(content.speakers)],
            ["rooms", sum(i.kind == "location" for i in content.taxonomy)],
            ["sponsors", len(content.sponsors)],
            ["exhibitors", len(content.exhibitors)],
        ],
    )
