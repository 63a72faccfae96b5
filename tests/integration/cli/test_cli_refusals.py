"""What the command line says when it cannot do what was asked: one clear line on stderr, exit
code 1 (2 for a bad option), never a traceback, nothing written."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from sqlalchemy import make_url
from typer.testing import CliRunner

from agendasync.cli import app
from agendasync.cli.base import state

EVENT = {
    "slug": "conf",
    "name": "Conf",
    "timezone": "Europe/Berlin",
    "start_date": "2027-05-12",
    "end_date": "2027-05-13",
}


@pytest.fixture
def run(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"

    def invoke(*args: str, db: str = url) -> tuple[int, str, str]:
        state.store = None  # each invocation opens the store anew, as a new process would
        result = CliRunner().invoke(app, ["--db", db, *args])
        # An unexpected exception would surface as a traceback: never.
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            result.exception
        )
        return result.exit_code, result.stdout, result.stderr

    return invoke


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize(
    ("db", "says"),
    [
        (
            "sqlite:////no/such/folder/agendasync.db",
            "error: cannot create the database file /no/such/folder/agendasync.db: "
            "the folder /no/such/folder does not exist",
        ),
        (
            "oracle+cx://scott@db.example/orcl",
            "error: unknown kind of database 'oracle+cx' in the database URL; "
            "use sqlite:///path/to/file.db or postgresql+psycopg://user@host/database",
        ),
        (
            "not a url",
            "error: the database URL is not a URL; use sqlite:///path/to/file.db "
            "or postgresql+psycopg://user@host/database",
        ),
    ],
)
def test_a_database_that_cannot_be_opened_is_one_line(run, db: str, says: str) -> None:
    code, _, err = run("org", "list", db=db)
    assert code == 1
    assert _one_line(err) == says


def test_an_unreachable_postgresql_is_one_line(run) -> None:
    code, _, err = run("org", "list", db="postgresql+psycopg://postgres@127.0.0.1:1/test")
    assert code == 1
    line = _one_line(err)
    assert line.startswith("error: cannot open the database postgresql+psycopg://"), line
    assert "port 1 failed: Connection refused" in line


@pytest.mark.postgres
def test_a_missing_postgresql_database_is_one_line(run, postgres_schema_url: str) -> None:
    missing = make_url(postgres_schema_url).set(database="no_such_database_here", query={})
    code, _, err = run("org", "list", db=missing.render_as_string(hide_password=False))
    assert code == 1
    assert 'database "no_such_database_here" does not exist' in _one_line(err)


def test_a_new_sqlite_file_is_readable_by_its_owner_only(run, tmp_path: Path) -> None:
    path = tmp_path / "private.db"
    assert run("org", "create", "Acme", db=f"sqlite:///{path}")[0] == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_export_into_a_missing_folder_is_one_line(run, tmp_path: Path) -> None:
    run("org", "create", "Acme")
    run("demo-data", "--org", "Acme", "--event", "devconf", "--sessions", "2")
    target = tmp_path / "missing" / "devconf.json"
    code, _, err = run("event", "export", "devconf", "-o", str(target))
    assert code == 1
    assert _one_line(err) == f"error: cannot write {target}: no such folder"
    assert not target.parent.exists()


def test_import_of_a_folder_is_one_line(run, tmp_path: Path) -> None:
    run("org", "create", "Acme")
    code, _, err = run("event", "import", str(tmp_path), "--org", "Acme")
    assert code == 1
    assert _one_line(err) == f"error: {tmp_path}: is a folder; name an event JSON file"


def test_a_100k_deep_json_file_is_one_line_and_imports_nothing(run, tmp_path: Path) -> None:
    run("org", "create", "Acme")
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    code, _, err = run("event", "import", str(path), "--org", "Acme")
    assert code == 1
    assert _one_line(err) == f"error: {path}: not an event file: its JSON is nested too deeply"
    assert json.loads(run("event", "list", "--json")[1]) == []


def test_a_key_file_path_that_is_a_folder_is_one_line(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENDASYNC_SECRET_KEY_FILE", str(tmp_path))
    monkeypatch.delenv("AGENDASYNC_SECRET_KEY", raising=False)
    run("org", "create", "Acme")
    code, _, err = run(
        "integrations", "connect", "swoogo", "--org", "Acme", "--key", "k", "--secret", "s"
    )
    assert code == 1
    assert _one_line(err) == f"error: the secret key file {tmp_path} is a folder; name a file"


@pytest.mark.parametrize("port", ["0", "65536", "70000"])
def test_a_port_out_of_range_is_refused(run, port: str) -> None:
    code, _, err = run("serve", "--port", port)
    assert code == 2
    assert "Invalid value for '--port'" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("session", "place", "says"),
    [
        (
            {"title": "Unix", "starts_at": 1767261600, "ends_at": "2027-05-12T10:00:00"},
            "sessions.0.starts_at",
            "Value error, must be a date written out, such as 2027-05-04T09:30:00; not a number",
        ),
        (
            {"title": "Far", "starts_at": "9999-12-31T23:00:00-05:00"},
            "sessions.0.starts_at",
            "Value error, the year must be between 1900 and 2999",
        ),
    ],
)
def test_an_event_file_with_a_number_or_year_9999_as_time_is_refused(
    run, tmp_path: Path, session: dict[str, object], place: str, says: str
) -> None:
    run("org", "create", "Acme")
    path = tmp_path / "event.json"
    path.write_text(json.dumps({"event": EVENT, "sessions": [session]}))
    code, _, err = run("event", "import", str(path), "--org", "Acme")
    assert code == 1
    assert _one_line(err) == f"error: {place}: {says}"
    assert json.loads(run("event", "list", "--json")[1]) == []


def test_an_event_file_with_a_javascript_sponsor_website_is_refused(run, tmp_path: Path) -> None:
    run("org", "create", "Acme")
    path = tmp_path / "event.json"
    sponsor = {"name": "Evil", "website": "javascript:alert(1)"}
    path.write_text(json.dumps({"event": EVENT, "sponsors": [sponsor]}))
    code, _, err = run("event", "import", str(path), "--org", "Acme")
    assert code == 1
    assert _one_line(err) == (
        "error: sponsors.0.website: Value error, 'javascript:alert(1)' is not a web address; "
        "it must start with http:// or https://"
    )


def test_error_messages_keep_their_square_brackets(run) -> None:
    run("org", "create", "Acme")
    code, _, err = run(
        "event", "create", "--org", "acme", "--slug", "conf", "--name", "C",
        "--tz", "Mars/[red]Olympus[/red]", "--start", "2027-05-12", "--end", "2027-05-13",
    )  # fmt: skip
    assert code == 1
    assert _one_line(err) == (
        "error: --timezone: unknown time zone 'Mars/[red]Olympus[/red]'; use an IANA name such "
        "as 'Europe/Berlin'"
    )


def test_names_with_markup_are_printed_as_written(run) -> None:
    code, out, _ = run("org", "create", "Acme [red]Events[/red] [bold]")
    assert code == 0
    assert (
        out.strip()
        == "created organisation Acme [red]Events[/red] [bold] (acme-red-events-red-bold)"
    )
