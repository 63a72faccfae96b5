"""What an event holds, for people at a terminal: `speaker list`, `sponsor list`,
`exhibitor list` and `session show` (each with --json for machines)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import typer

from agendasync.cli.base import JsonFlag, console, fail, print_json, table, transaction
from agendasync.domain.models import EventContent, Person, Session
from agendasync.store.content import load_event_content
from agendasync.store.events import find_event
from agendasync.store.records import PersonShareLink, share_links_of_event

speaker_app = typer.Typer(help="An event's speakers.", no_args_is_help=True)
sponsor_app = typer.Typer(help="An event's sponsors.", no_args_is_help=True)
exhibitor_app = typer.Typer(help="An event's exhibitors.", no_args_is_help=True)

EventArgument = Annotated[str, typer.Argument(help="The event's slug.")]


def _content(slug: str) -> tuple[EventContent, dict[uuid.UUID, list[PersonShareLink]]]:
    """The event's content, and its people's share links."""
    with transaction() as connection:
        event = find_event(connection, slug)
        links = share_links_of_event(connection, event_id=event.id)
        return load_event_content(connection, event.id), links


def _links(links: list[PersonShareLink]) -> list[dict[str, str]]:
    return [{"partner": link.partner, "title": link.title, "url": link.url} for link in links]


def _person(person: Person | None) -> str:
    if person is None:
        return ""
    email = f" <{person.email}>" if person.email else ""
    return f"{person.first_name} {person.last_name}{email}"


@speaker_app.command("list")
def speaker_list(event: EventArgument, as_json: JsonFlag = False) -> None:
    """List an event's speakers by last name (with `--json`, their share links too)."""
    content, links = _content(event)
    speakers = sorted(content.speakers, key=lambda s: (s.last_name.lower(), s.first_name.lower()))
    rows = [
        {
            "id": str(s.id),
            "name": f"{s.first_name} {s.last_name}",
            "email": s.email,
            "company": s.company,
            "status": s.status.value,
            "share_links": _links(links.get(s.id, [])),
        }
        for s in speakers
    ]
    if as_json:
        print_json(rows)
        return
    table(
        f"Speakers of {content.event.name} ({len(rows)})",
        ["name", "email", "company", "status"],
        [[r["name"], r["email"] or "(no email)", r["company"], r["status"]] for r in rows],
    )


@sponsor_app.command("list")
def sponsor_list(event: EventArgument, as_json: JsonFlag = False) -> None:
    """List an event's sponsors by name."""
    content, _ = _content(event)
    sponsors = sorted(content.sponsors, key=lambda s: s.name.lower())
    rows = [
        {"id": str(s.id), "name": s.name, "tier": s.tier, "website": s.website} for s in sponsors
    ]
    if as_json:
        print_json(rows)
        return
    table(
        f"Sponsors of {content.event.name} ({len(rows)})",
        ["name", "tier", "website"],
        [[r["name"], r["tier"], r["website"]] for r in rows],
    )


@exhibitor_app.command("list")
def exhibitor_list(event: EventArgument, as_json: JsonFlag = False) -> None:
    """List an event's exhibitors by name, with their contact and team size (with `--json`,
    every person's share links too)."""
    content, links = _content(event)
    exhibitors = sorted(content.exhibitors, key=lambda e: e.name.lower())
    rows = [
        {
            "id": str(e.id),
            "name": e.name,
            "website": e.website,
            "primary_contact": _person(e.primary_contact) or None,
            "team": [_person(p) for p in e.team],
            "share_links": {
                str(person.id): _links(links.get(person.id, []))
                for person in [e.primary_contact, *e.team]
                if person is not None and person.id is not None and person.id in links
            },
        }
        for e in exhibitors
    ]
    if as_json:
        print_json(rows)
        return
    table(
        f"Exhibitors of {content.event.name} ({len(rows)})",
        ["name", "contact", "team", "website"],
        [[e.name, _person(e.primary_contact), len(e.team), e.website] for e in exhibitors],
    )


def _find_session(content: EventContent, wanted: str) -> Session:
    try:
        session_id: uuid.UUID | None = uuid.UUID(wanted)
    except ValueError:
        session_id = None
    for session in content.sessions:
        if session.id == session_id or session.title.casefold() == wanted.casefold():
            return session
    fail(f"SESSION: no session {wanted!r} in {content.event.slug} (session list shows them)")
    raise AssertionError  # fail() has left


def session_show(
    event: EventArgument,
    session: Annotated[str, typer.Argument(help="The session's id, or its exact title.")],
    as_json: JsonFlag = False,
) -> None:
    """Show one session: its time (in the event's time zone), status, rooms, tracks, tags and
    people in their roles."""
    content, _ = _content(event)
    found = _find_session(content, session)
    names = {s.id: f"{s.first_name} {s.last_name}" for s in content.speakers}
    tz = content.event.tz

    def local(value: datetime | None) -> str | None:
        return value.astimezone(tz).strftime("%a %d %b %Y %H:%M %Z") if value else None

    shown: dict[str, Any] = {
        "id": str(found.id),
        "title": found.title,
        "status": found.status.value,
        "starts": local(found.starts_at),
        "ends": local(found.ends_at),
        "format": found.format.name if found.format else None,
        "rooms": [item.name for item in found.locations],
        "tracks": [item.name for item in found.tracks],
        "tags": [item.name for item in found.tags],
        "people": [
            {"name": names.get(p.speaker_id, str(p.speaker_id)), "role": p.role.value}
            for p in found.people
        ],
    }
    if as_json:
        print_json(shown)
        return
    console.print(found.title, style="bold", markup=False, highlight=False)
    lines = [
        ("status", shown["status"]),
        ("starts", shown["starts"] or "unscheduled"),
        ("ends", shown["ends"] or ""),
        ("format", shown["format"] or ""),
        ("rooms", ", ".join(shown["rooms"])),
        ("tracks", ", ".join(shown["tracks"])),
        ("tags", ", ".join(shown["tags"])),
        ("people", ", ".join(f"{p['name']} ({p['role']})" for p in shown["people"])),
        ("id", shown["id"]),
    ]
    for label, value in lines:
        if value:
            console.print(f"  {label:<8} {value}", markup=False, highlight=False)
