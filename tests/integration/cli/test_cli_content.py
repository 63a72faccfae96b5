"""The command line against a real SQLite file: commands, JSON output, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agendasync.cli import app
from agendasync.cli.base import state


@pytest.fixture
def run(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"

    def invoke(*args: str) -> tuple[int, str, str]:
        state.store = None  # each invocation opens the store anew, as a new process would
        result = CliRunner().invoke(app, ["--db", url, *args])
        return result.exit_code, result.stdout, result.stderr

    return invoke


def _json(output: str):
    return json.loads(output)


def test_org_and_event_create_list_show_r_mod_1(run) -> None:
    assert run("org", "create", "Acme Events")[0] == 0
    code, _, _ = run(
        "event",
        "create",
        "--org",
        "acme-events",
        "--slug",
        "conf27",
        "--name",
        "Conf 2027",
        "--tz",
        "Europe/Berlin",
        "--start",
        "2027-05-12",
        "--end",
        "2027-05-13",
    )
    assert code == 0

    code, out, _ = run("event", "list", "--json")
    events = _json(out)
    assert code == 0
    assert [(e["slug"], e["timezone"], e["start_date"]) for e in events] == [
        ("conf27", "Europe/Berlin", "2027-05-12")
    ]
    code, out, _ = run("event", "show", "conf27", "--json")
    assert _json(out)["counts"]["sessions"] == 0


_EVENT_OPTIONS = {
    "--slug": "conf",
    "--name": "Conf",
    "--tz": "Europe/Berlin",
    "--start": "2027-05-12",
    "--end": "2027-05-13",
}


def _create_event(run, **changed: str) -> tuple[int, str, str]:
    options = _EVENT_OPTIONS | {f"--{name}": value for name, value in changed.items()}
    return run("event", "create", "--org", "acme", *[x for pair in options.items() for x in pair])


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("tz", "Mars/Olympus", "--timezone: unknown time zone 'Mars/Olympus'; use an IANA name "
         "such as 'Europe/Berlin'"),
        ("start", "2027-13-01", "--start: Give a date as YYYY-MM-DD."),
        ("end", "2027-05-01", "--end must not be before --start"),
        ("slug", "Not A Slug", "--slug: Use lowercase letters, digits and hyphens, starting with "
         "a letter or digit."),
        ("name", " ", "--name: Enter the name."),
    ],
)  # fmt: skip
def test_event_create_refuses_bad_input_naming_the_field(run, option, value, message) -> None:
    run("org", "create", "Acme")

    code, out, err = _create_event(run, **{option: value})

    # In the words and with the option names `event edit` uses (the same service refuses).
    assert (code, out, err.strip()) == (1, "", f"error: {message}")
    assert _json(run("event", "list", "--json")[1]) == []


def test_event_create_refuses_a_slug_another_event_has_and_writes_nothing(run) -> None:
    run("org", "create", "Acme")
    assert _create_event(run)[0] == 0

    code, out, err = _create_event(run, name="Another")

    assert (code, out, err) == (1, "", "error: --slug: event slug 'conf' is already used by "
                                "another event\n")  # fmt: skip
    assert [e["name"] for e in _json(run("event", "list", "--json")[1])] == ["Conf"]


def test_event_create_in_an_unknown_organisation_is_refused(run) -> None:
    assert _create_event(run) == (1, "", "error: no organisation named 'acme'\n")


def test_unknown_organisation_is_named(run) -> None:
    code, _, err = run("event", "list", "--org", "nobody")
    assert code == 1
    assert "no organisation named 'nobody'" in err


def test_demo_data_export_import_roundtrip_creates_nothing_twice(run, tmp_path: Path) -> None:
    code, out, _ = run(
        "demo-data",
        "--org",
        "Acme",
        "--event",
        "devconf",
        "--sessions",
        "40",
        "--seed",
        "7",
        "--json",
    )
    created = _json(out)
    assert code == 0
    assert created["records"]["sessions"]["created"] == 40
    exported = tmp_path / "devconf.json"
    assert run("event", "export", "devconf", "-o", str(exported))[0] == 0

    code, out, _ = run("event", "import", str(exported), "--org", "Acme", "--json")
    again = _json(out)

    assert code == 0
    assert again["event_created"] is False
    assert {name: c["created"] for name, c in again["records"].items()} == {
        "taxonomy": 0,
        "speakers": 0,
        "sessions": 0,
        "sponsors": 0,
        "exhibitors": 0,
    }
    assert again["records"]["sessions"]["unchanged"] == 40


def test_demo_data_is_realistic(run) -> None:
    run("demo-data", "--org", "Acme", "--event", "devconf", "--sessions", "200", "--seed", "3")

    sessions = _json(run("session", "list", "devconf", "--json")[1])

    statuses = {s["status"] for s in sessions}
    assert statuses == {"accepted", "submitted", "declined", "waitlisted", "cancelled"}
    assert any(s["starts_at"] is None for s in sessions)
    assert any(s["starts_at"] and s["starts_at"][:10] != s["ends_at"][:10] for s in sessions)
    roles = {person.rsplit("(", 1)[1] for s in sessions for person in s["people"]}
    assert roles == {"speaker)", "moderator)", "chairperson)"}
    assert {len([p for p in s["people"] if p.endswith("(speaker)")]) for s in sessions} == {
        1,
        2,
        3,
        4,
    }


def test_demo_data_refuses_existing_event(run) -> None:
    run("demo-data", "--org", "Acme", "--event", "devconf", "--sessions", "3")
    code, _, err = run("demo-data", "--org", "Acme", "--event", "devconf", "--sessions", "3")
    assert code == 1
    assert "event 'devconf' exists already" in err


def test_import_of_a_bad_file_names_the_field_and_writes_nothing(run, tmp_path: Path) -> None:
    run("org", "create", "Acme")
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps(
            {
                "event": {
                    "slug": "bad",
                    "name": "Bad",
                    "timezone": "Europe/Berlin",
                    "start_date": "2027-05-12",
                    "end_date": "2027-05-12",
                },
                "speakers": [
                    {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}
                ],
                "sessions": [
                    {"title": "Fine", "people": [{"speaker": "ada@example.com"}]},
                    {
                        "title": "Broken",
                        "people": [{"speaker": "nobody@example.com"}],
                        "colour": "red",
                    },
                ],
            }
        )
    )

    code, _, err = run("event", "import", str(path), "--org", "Acme")

    assert code == 1
    assert "sessions.1.colour: Extra inputs are not permitted" in err
    assert _json(run("event", "list", "--json")[1]) == []


def test_import_resolves_people_by_email_and_reports_dangling_ones(run, tmp_path: Path) -> None:
    run("org", "create", "Acme")
    path = tmp_path / "hand.json"
    document = {
        "event": {
            "slug": "hand",
            "name": "Hand",
            "timezone": "Europe/Berlin",
            "start_date": "2027-05-12",
            "end_date": "2027-05-12",
        },
        "speakers": [{"first_name": "Ada", "last_name": "Lovelace", "email": "Ada@Example.com"}],
        "sessions": [
            {
                "title": "Talk",
                "starts_at": "2027-05-12T10:00:00",
                "ends_at": "2027-05-12T11:00:00",
                "people": [{"speaker": "nobody@example.com"}],
            }
        ],
    }
    path.write_text(json.dumps(document))
    code, _, err = run("event", "import", str(path), "--org", "Acme")
    assert code == 1
    assert (
        "sessions.0.people.0.speaker: no speaker with id or email 'nobody@example.com' in this file"
        in err
    )

    document["sessions"][0]["people"] = [{"speaker": "ada@example.com", "role": "moderator"}]
    path.write_text(json.dumps(document))
    assert run("event", "import", str(path), "--org", "Acme")[0] == 0
    assert run("event", "import", str(path), "--org", "Acme")[0] == 0

    sessions = _json(run("session", "list", "hand", "--json")[1])
    assert [(s["starts_at"], s["people"]) for s in sessions] == [
        ("2027-05-12 10:00", ["Ada Lovelace (moderator)"])
    ]


def test_import_of_invalid_json_names_the_line(run, tmp_path: Path) -> None:
    run("org", "create", "Acme")
    path = tmp_path / "broken.json"
    path.write_text('{\n  "event": {\n    "slug": "x",,\n')
    code, _, err = run("event", "import", str(path), "--org", "Acme")
    assert code == 1
    assert f"{path}:3:17: not valid JSON" in err


def test_demo_prints_a_summary(run) -> None:
    code, out, _ = run("demo")
    assert code == 0
    assert "sessions" in out
    assert "│ speakers      │ 90" in out


def test_db_upgrade_is_idempotent(run) -> None:
    assert run("db", "upgrade") == (0, "database is up to date\n", "")
    assert run("db", "upgrade") == (0, "database is up to date\n", "")
