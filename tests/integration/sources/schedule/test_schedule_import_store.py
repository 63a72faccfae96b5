"""Schedule files into the store, on SQLite and PostgreSQL: the round trip export -> import into
an empty event, re-import (R-SZ-5), malformed files that change nothing, a file served over HTTP.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from agendasync.domain.models import Event, EventContent, Organisation
from agendasync.simulators.server import serve_in_thread
from agendasync.sources.demo_data import demo_event
from agendasync.sources.eventfile import import_document
from agendasync.sources.schedule.export import (
    full_name,
    is_published,
    schedule_json_text,
    schedule_xml,
)
from agendasync.sources.schedule.importer import (
    ScheduleUnreadable,
    import_schedule,
    import_schedule_body,
)
from agendasync.sources.schedule.validation import MalformedSchedule
from agendasync.sources.sessionize.importer import ImportStatus
from agendasync.store import Store
from agendasync.store import tables as t
from agendasync.store.content import load_event_content
from agendasync.store.events import create_organisation, save_event

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "schedule"
START = date(2026, 6, 1)
URL = "https://hub.example/api/events/devconf/schedule.json"


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def org(store: Store) -> Organisation:
    with store.transaction() as connection:
        return create_organisation(connection, "Conferences Ltd")


def _event(
    store: Store, org: Organisation, slug: str, *, start: date = START, days: int = 5
) -> Event:
    event = Event(
        org_id=org.id,
        slug=slug,
        name=slug.title(),
        timezone="Europe/Berlin",
        start_date=start,
        end_date=start + timedelta(days=days - 1),
    )
    with store.transaction() as connection:
        save_event(connection, event)
    return event


def _source(store: Store, org: Organisation) -> EventContent:
    document = demo_event(slug="devconf", sessions=80, today=START)
    with store.transaction() as connection:
        result = import_document(connection, document, org=org)
        return load_event_content(connection, result.event.id)


def _content(store: Store, event: Event) -> EventContent:
    with store.transaction() as connection:
        return load_event_content(connection, event.id)


def _programme(content: EventContent) -> set[tuple[Any, ...]]:
    names = {s.id: full_name(s) for s in content.speakers if s.status == "accepted"}
    return {
        (
            s.title,
            s.starts_at,
            s.ends_at,
            s.locations[0].name if s.locations else None,
            s.tracks[0].name if s.tracks else None,
            s.format.name if s.format else None,
            tuple(dict.fromkeys(names[p.speaker_id] for p in s.people if p.speaker_id in names)),
        )
        for s in content.sessions
        if is_published(s)
    }


def _counts(store: Store) -> dict[str, int]:
    with store.transaction() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (t.sessions, t.speakers, t.taxonomy_items, t.session_people)
        }


@pytest.mark.parametrize("write", [schedule_json_text, schedule_xml])
def test_round_trip_export_then_import_into_an_empty_event_gives_the_same_sessions(
    store: Store, org: Organisation, write: Any
) -> None:
    source = _source(store, org)
    target = _event(store, org, "devconf-copy")

    report = import_schedule_body(store, target.slug, write(source, url=URL).encode())

    imported = _content(store, target)
    assert report.status is ImportStatus.IMPORTED
    assert report.sessions.created == len(_programme(source)) > 40
    assert _programme(imported) == _programme(source)
    assert all(s.status == "accepted" for s in imported.sessions)


def test_importing_the_same_file_again_creates_nothing_twice_r_sz_5(
    store: Store, org: Organisation
) -> None:
    target = _event(store, org, "pyconde", start=date(2026, 9, 1), days=2)
    body = _fixture("pretalx-schedule.json")
    first = import_schedule_body(store, target.slug, body)
    before = _counts(store)

    unchanged = import_schedule_body(store, target.slug, body)
    forced = import_schedule_body(store, target.slug, body, force=True)

    assert first.sessions.created == 3
    assert unchanged.status is ImportStatus.UNCHANGED
    assert forced.status is ImportStatus.IMPORTED
    assert (forced.sessions.created, forced.sessions.unchanged) == (0, 3)
    assert (forced.speakers.created, forced.speakers.unchanged) == (0, 2)
    assert _counts(store) == before


def test_sessions_gone_from_the_file_are_withdrawn_and_come_back_r_sz_5(
    store: Store, org: Organisation
) -> None:
    target = _event(store, org, "pyconde", start=date(2026, 9, 1), days=2)
    body = _fixture("pretalx-schedule.json")
    document = json.loads(body)
    del document["schedule"]["conference"]["days"][0]["rooms"]["Studio B"]
    import_schedule_body(store, target.slug, body)

    shorter = import_schedule_body(store, target.slug, json.dumps(document).encode())
    withdrawn = {s.title for s in _content(store, target).sessions if s.withdrawn}
    back = import_schedule_body(store, target.slug, body)

    assert (shorter.sessions.withdrawn, shorter.speakers.withdrawn) == (1, 0)
    assert withdrawn == {"Hands-on pandas"}
    assert back.sessions.restored == 1
    assert not any(s.withdrawn for s in _content(store, target).sessions)


@pytest.mark.parametrize(
    ("body", "place"),
    [
        (b'{"schedule": {"version": "1"}}', "schedule"),
        (b"<schedule><version>1</version></schedule>", "line 1, /schedule"),
        (b"not a schedule", "line 1, column 1"),
    ],
)
def test_a_malformed_file_changes_nothing_and_its_failure_is_recorded(
    store: Store, org: Organisation, body: bytes, place: str
) -> None:
    target = _event(store, org, "pyconde", start=date(2026, 9, 1), days=2)
    import_schedule_body(store, target.slug, _fixture("pretalx-schedule.json"))
    before = _counts(store)

    with pytest.raises(MalformedSchedule) as caught:
        import_schedule_body(store, target.slug, body)

    assert caught.value.problems[0][0] == place
    assert _counts(store) == before
    with store.transaction() as connection:
        statuses = connection.execute(
            select(t.import_runs.c.status).order_by(t.import_runs.c.started_at)
        ).scalars()
        assert list(statuses) == ["imported", "failed"]


def test_a_dry_run_reports_and_writes_nothing(store: Store, org: Organisation) -> None:
    target = _event(store, org, "pyconde", start=date(2026, 9, 1), days=2)
    before = _counts(store)

    report = import_schedule_body(store, target.slug, _fixture("frab-schedule.xml"), dry_run=True)

    assert (report.sessions.created, report.speakers.created) == (2, 2)
    assert report.format == "xml"
    assert _counts(store) == before
    with store.transaction() as connection:
        assert connection.execute(select(func.count()).select_from(t.import_runs)).scalar() == 0


@pytest.fixture(scope="module")
def schedule_server() -> Iterator[str]:
    body = _fixture("pretalx-schedule.json")

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        found = scope["path"] == "/pyconde/schedule.json"
        await send(
            {
                "type": "http.response.start",
                "status": 200 if found else 404,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body if found else b"{}"})

    with serve_in_thread(app) as base_url:
        yield base_url


async def test_a_schedule_is_imported_from_a_url(
    store: Store, org: Organisation, schedule_server: str
) -> None:
    target = _event(store, org, "pyconde", start=date(2026, 9, 1), days=2)

    report = await import_schedule(store, target.slug, f"{schedule_server}/pyconde/schedule.json")

    assert (report.sessions.created, report.format) == (3, "json")
    with pytest.raises(ScheduleUnreadable, match="answered HTTP 404"):
        await import_schedule(store, target.slug, f"{schedule_server}/nothing.json")
