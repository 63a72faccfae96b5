"""`agendasync import schedule` and `agendasync event export --format ...` on SQLite and
PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import icalendar
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from agendasync.cli import app
from agendasync.cli.base import state
from agendasync.domain.models import Event
from agendasync.sources.demo_data import demo_event
from agendasync.sources.eventfile import import_document
from agendasync.sources.schedule.validation import json_problems, xml_document, xml_problems
from agendasync.store import Store
from agendasync.store import tables as t
from agendasync.store.events import create_organisation, find_event, save_event

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "schedule"

Result = tuple[int, str, str]


@pytest.fixture
def run(store: Store) -> Iterator[Callable[..., Result]]:
    def invoke(*args: str) -> Result:
        state.store = store
        result = CliRunner().invoke(app, list(args))
        return result.exit_code, result.stdout, result.stderr

    yield invoke
    state.store = None


@pytest.fixture
def events(store: Store) -> None:
    with store.transaction() as connection:
        org = create_organisation(connection, "Acme Events")
        import_document(
            connection, demo_event(slug="devconf", sessions=30, today=date(2026, 6, 1)), org=org
        )
        save_event(
            connection,
            Event(
                org_id=org.id,
                slug="pyconde",
                name="PyCon DE",
                timezone="Europe/Berlin",
                start_date=date(2026, 9, 1),
                end_date=date(2026, 9, 2),
            ),
        )


def _sessions(store: Store) -> int:
    with store.transaction() as connection:
        return connection.execute(select(func.count()).select_from(t.sessions)).scalar_one()


@pytest.mark.usefixtures("events")
def test_event_export_writes_schedule_json_and_xml_valid_against_the_schemas_and_ical(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    code, out, _ = run("event", "export", "devconf", "--format", "schedule-json")
    xml = tmp_path / "schedule.xml"
    xml_code = run("event", "export", "devconf", "--format", "schedule-xml", "-o", str(xml))[0]
    ics_code, ics, _ = run("event", "export", "devconf", "--format", "ical")

    assert (code, xml_code, ics_code) == (0, 0, 0)
    document = json.loads(out)
    assert json_problems(document) == []
    assert xml_problems(xml_document(xml.read_bytes())) == []
    events = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    days = document["schedule"]["conference"]["days"]
    assert len(events) == sum(len(e) for day in days for e in day["rooms"].values()) > 10


@pytest.mark.usefixtures("events")
def test_event_export_without_a_format_still_writes_the_event_json(
    run: Callable[..., Result],
) -> None:
    code, out, _ = run("event", "export", "devconf", "-o", "-")

    assert code == 0
    assert json.loads(out)["event"]["slug"] == "devconf"


@pytest.mark.usefixtures("events")
def test_import_schedule_imports_then_skips_the_unchanged_file(
    run: Callable[..., Result], store: Store
) -> None:
    path = str(FIXTURES / "pretalx-schedule.json")
    before = _sessions(store)

    dry_code, dry, _ = run("import", "schedule", "pyconde", path, "--dry-run", "--json")
    code, out, _ = run("import", "schedule", "pyconde", path)
    again_code, again, _ = run("import", "schedule", "pyconde", path, "--json")

    assert (dry_code, code, again_code) == (0, 0, 0)
    assert json.loads(dry)["counts"]["sessions"]["created"] == 3
    assert "imported" in out
    assert "After the end" in out  # left out: after the event's last day
    assert json.loads(again)["status"] == "unchanged"
    assert _sessions(store) == before + 3


@pytest.mark.usefixtures("events")
def test_import_schedule_refuses_a_malformed_file_naming_the_place(
    run: Callable[..., Result], store: Store, tmp_path: Path
) -> None:
    document = json.loads((FIXTURES / "pretalx-schedule.json").read_bytes())
    del document["schedule"]["conference"]["days"][0]["rooms"]["Hall 1"][0]["title"]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(document))
    before = _sessions(store)

    code, _, err = run("import", "schedule", "pyconde", str(path))
    json_code, out, _ = run("import", "schedule", "pyconde", str(path), "--json")

    assert code == json_code == 1
    assert "schedule.conference.days[0].rooms[\"Hall 1\"][0]: 'title' is a required property" in err
    assert "Traceback" not in err
    assert json.loads(out)["error"]["problems"] == [
        {
            "place": 'schedule.conference.days[0].rooms["Hall 1"][0]',
            "message": "'title' is a required property",
        }
    ]
    assert _sessions(store) == before


@pytest.mark.usefixtures("events")
def test_import_schedule_names_a_missing_file_and_an_unknown_event(
    run: Callable[..., Result],
) -> None:
    code, _, err = run("import", "schedule", "pyconde", "/nowhere/schedule.json")
    event_code, _, event_err = run(
        "import", "schedule", "nosuch", str(FIXTURES / "frab-schedule.xml")
    )

    assert code == event_code == 1
    assert "cannot read /nowhere/schedule.json" in err
    assert "nosuch" in event_err


@pytest.mark.usefixtures("events")
def test_event_feeds_switches_the_public_feeds_on_and_off(
    run: Callable[..., Result], store: Store
) -> None:
    def public() -> bool:
        with store.transaction() as connection:
            return bool(find_event(connection, "devconf").public_feeds)

    assert public() is False
    on_code, out, _ = run("event", "feeds", "devconf", "--on")
    on = public()
    off_code = run("event", "feeds", "devconf", "--off")[0]

    assert (on_code, off_code) == (0, 0)
    assert on is True
    assert public() is False
    assert "/public/devconf/schedule.json" in out


TABLE_MAP = [
    *("--map", "Session=title", "--map", "Starts=starts_at", "--map", "Ends=ends_at"),
    *("--map", "Type=format", "--map", "Lang=language", "--map", "Abstract=description"),
]


@pytest.mark.usefixtures("events")
def test_import_table_imports_a_csv_and_again_creates_nothing_twice(
    run: Callable[..., Result], store: Store
) -> None:
    path = str(FIXTURES / "programme.csv")
    before = _sessions(store)

    code, out, _ = run("import", "table", "pyconde", path, *TABLE_MAP, "--json")
    forced_code, forced, _ = run(
        "import", "table", "pyconde", path, *TABLE_MAP, "--force", "--json"
    )

    assert (code, forced_code) == (0, 0)
    assert json.loads(out)["counts"]["sessions"]["created"] == 3
    assert json.loads(out)["counts"]["speakers"]["created"] == 2
    assert json.loads(forced)["counts"]["sessions"] == {
        "created": 0,
        "updated": 0,
        "restored": 0,
        "unchanged": 3,
        "withdrawn": 0,
    }
    assert _sessions(store) == before + 3


@pytest.mark.usefixtures("events")
def test_import_table_names_the_row_and_column_of_a_bad_cell(
    run: Callable[..., Result], store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("title,starts_at,ends_at\nTalk,2026-09-01 09:00,soon\n")
    before = _sessions(store)

    code, _, err = run("import", "table", "pyconde", str(path))
    map_code, _, map_err = run("import", "table", "pyconde", str(path), "--map", "title")

    assert (code, map_code) == (1, 1)
    assert "row 2, column 'ends_at': 'soon' is not a date and time" in err
    assert "--map title: write COLUMN=field" in map_err
    assert _sessions(store) == before


@pytest.mark.usefixtures("events")
def test_import_table_without_a_map_reuses_the_events_last_one(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    path = str(FIXTURES / "programme.csv")
    first_code, first, _ = run("import", "table", "pyconde", path, *TABLE_MAP, "--json")
    edited = tmp_path / "programme.csv"
    edited.write_bytes((FIXTURES / "programme.csv").read_bytes().replace(b"Lunch", b"Long lunch"))

    code, out, _ = run("import", "table", "pyconde", str(edited), "--json")

    assert (first_code, code) == (0, 0)
    assert json.loads(out)["mapping"] == json.loads(first)["mapping"]
    assert json.loads(out)["mapping"]["Session"] == "title"
    # The renamed row is a new session; the one it replaces is withdrawn.
    assert json.loads(out)["counts"]["sessions"]["created"] == 1
    assert json.loads(out)["counts"]["sessions"]["withdrawn"] == 1
