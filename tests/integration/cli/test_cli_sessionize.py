"""`agendasync import sessionize` against the simulator over real HTTP, on SQLite and
PostgreSQL (SPEC §9)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from agendasync.cli import app
from agendasync.cli.base import state
from agendasync.domain.models import Event
from agendasync.simulators.server import free_port, serve_in_thread
from agendasync.sources.sessionize import importer
from agendasync.sources.sessionize.simulator import SessionizeState, create_app
from agendasync.store import Store
from agendasync.store import tables as t
from agendasync.store.content import load_event_content
from agendasync.store.events import create_organisation, save_event

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sessionize"
ENDPOINT = "jl4ktls0"

Result = tuple[int, str, str]


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[SessionizeState, str]]:
    sim = SessionizeState()
    with serve_in_thread(create_app(sim)) as base_url:
        yield sim, base_url


@pytest.fixture
def sim(served: tuple[SessionizeState, str]) -> SessionizeState:
    served[0].endpoints.clear()
    served[0].reset_faults()
    return served[0]


@pytest.fixture
def event(store: Store) -> Event:
    with store.transaction() as connection:
        org = create_organisation(connection, "Acme Events")
        conference = Event(
            org_id=org.id,
            slug="conf27",
            name="Conf 2027",
            timezone="Europe/Berlin",
            start_date=date(2027, 5, 12),
            end_date=date(2027, 5, 13),
        )
        save_event(connection, conference)
    return conference


@pytest.fixture
def run(
    store: Store, served: tuple[SessionizeState, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Result]]:
    """Runs `agendasync import sessionize SLUG --id jl4ktls0 ARGS` on the test's store."""
    monkeypatch.setattr(importer, "DEFAULT_RETRY_BACKOFF", 0.0)

    def invoke(*args: str, base_url: str = served[1], slug: str = "conf27") -> Result:
        state.store = store
        command = ["import", "sessionize", slug, "--id", ENDPOINT, "--base-url", base_url]
        result = CliRunner().invoke(app, [*command, *args])
        return result.exit_code, result.stdout, result.stderr

    yield invoke
    state.store = None


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def snapshot(store: Store, event: Event) -> tuple[dict[str, Any], int]:
    with store.transaction() as connection:
        content = load_event_content(connection, event.id).model_dump()
        runs = connection.execute(select(func.count()).select_from(t.import_runs)).scalar_one()
    for key in ("taxonomy", "sessions", "speakers"):
        content[key].sort(key=lambda record: record["id"])
    return content, runs


def table_rows(output: str) -> dict[str, list[str]]:
    """The first line of each table row, by its first cell (wrapped cells continue below)."""
    rows: dict[str, list[str]] = {}
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("│").split("│")]
        if line.startswith("│") and cells[0]:
            rows[cells[0]] = cells[1:]
    return rows


def test_cli_imports_and_prints_what_it_did_r_sz_2(
    run: Callable[..., Result], sim: SessionizeState, event: Event
) -> None:
    sim.load(ENDPOINT, fixture("all_2024.json"))
    code, out, err = run()
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "imported Sessionize endpoint jl4ktls0 into conf27"
    assert table_rows(out) == {
        "sessions": ["7", "0", "0", "0", "0"],
        "speakers": ["4", "0", "0", "0", "0"],
        "taxonomy": ["22", "0", "0", "0", "0"],
        "session": ["880006", "Pre-conference meetup:", "outside the event's"],
    }
    assert "Left out: 1 outside dates" in [line.strip() for line in lines]
    assert lines[-2:] == [
        "warning: session 880003: format 'Workshop (3 h)' kept; 'Lightning talk' kept as the "
        "tag 'Please select session type: Lightning talk'",
        "warning: session 880003: 'Klingon' is not a known language; 'Klingon' kept as the tag "
        "'Language: Klingon'",
    ]


def test_cli_json_lists_counts_and_what_was_left_out_with_reasons_r_sz_3(
    run: Callable[..., Result], sim: SessionizeState, event: Event
) -> None:
    sim.load(ENDPOINT, fixture("all_2023.json"))
    code, out, _ = run("--json")
    report = json.loads(out)
    assert code == 0
    assert report["status"] == "imported"
    assert report["counts"]["sessions"] == {
        "created": 3,
        "updated": 0,
        "restored": 0,
        "unchanged": 0,
        "withdrawn": 0,
    }
    assert report["counts"]["speakers"]["created"] == 3
    assert report["left_out"] == [
        {
            "kind": "session",
            "sessionize_id": "512303",
            "name": "Cost management for the rest of us",
            "reason": "unscheduled",
            "detail": "unscheduled: it has no start and end time in Sessionize",
        }
    ]
    assert report["error"] is None


def test_cli_second_import_is_unchanged_and_forced_one_changes_nothing_r_sz_5(
    run: Callable[..., Result], sim: SessionizeState, store: Store, event: Event
) -> None:
    sim.load(ENDPOINT, fixture("all_2024.json"))
    assert run()[0] == 0
    before = snapshot(store, event)[0]

    code, out, _ = run()
    assert code == 0
    assert "Sessionize endpoint jl4ktls0 is unchanged since " in out
    assert "nothing to import into conf27. Use --force to import it anyway." in out

    code, out, _ = run("--force", "--json")
    counts = json.loads(out)["counts"]
    assert code == 0
    assert (counts["sessions"]["created"], counts["sessions"]["updated"]) == (0, 0)
    assert (counts["speakers"]["created"], counts["speakers"]["updated"]) == (0, 0)
    assert counts["sessions"]["unchanged"] == 7
    assert snapshot(store, event) == (before, 3)


def test_cli_dry_run_writes_nothing_r_sz_5(
    run: Callable[..., Result], sim: SessionizeState, store: Store, event: Event
) -> None:
    sim.load(ENDPOINT, fixture("all_2024.json"))
    before = snapshot(store, event)
    code, out, _ = run("--dry-run")
    assert code == 0
    assert out.splitlines()[0] == (
        "imported Sessionize endpoint jl4ktls0 into conf27 (dry run: nothing was written)"
    )
    assert snapshot(store, event) == before


def test_cli_emails_key_r_sz_2(
    run: Callable[..., Result], sim: SessionizeState, store: Store, event: Event
) -> None:
    sim.load(
        ENDPOINT, fixture("all_2024.json"), emails=fixture("speakers_emails.json"), emails_key="k"
    )
    code, _, err = run("--emails-key", "wrong")
    assert code == 1
    assert "Sessionize refused the speaker-emails key for endpoint 'jl4ktls0' (HTTP 403)" in err
    assert run("--emails-key", "k")[0] == 0
    with store.transaction() as connection:
        emails = {s.email for s in load_event_content(connection, event.id).speakers}
    assert emails == {
        "asne@fjordtech.no",
        "Jose.Nunez@pipelines.example.com",
        "j.mueller@alpenwerk.example.de",
        None,
    }


def _serve(sim: SessionizeState, case: str) -> None:
    if case == "html":
        sim.set_embed(ENDPOINT)
    elif case == "malformed":
        sim.load(ENDPOINT, b'{"sessions": "none"}')
    elif case == "not published":
        sim.load(ENDPOINT, fixture("accepted_unscheduled.json"))
    elif case == "placeholder":
        sim.load(ENDPOINT, fixture("placeholder_demo.json"))
    elif case == "503":
        sim.load(ENDPOINT, fixture("all_2024.json"))
        sim.faults.fail_next(3, status=503)


CLI_ERRORS = [
    ("not found", "error: Sessionize has no endpoint 'jl4ktls0' (HTTP 404)."),
    ("html", "answers HTML/JavaScript, not JSON (content type 'text/html; charset=utf-8')"),
    ("503", "Sessionize could not be reached after 3 attempts: Sessionize answered HTTP 503."),
    ("closed port", "Sessionize could not be reached after 3 attempts: could not connect to"),
    ("malformed", "The Sessionize feed is malformed: sessions: expected a list (got a string)."),
    (
        "not published",
        "The Sessionize schedule is not published/announced yet: 3 of 3 sessions have no start "
        "and end time.",
    ),
    ("placeholder", "serves Sessionize's placeholder demo data (3 demo speakers"),
]


@pytest.mark.parametrize(("case", "message"), CLI_ERRORS, ids=[c[0] for c in CLI_ERRORS])
def test_cli_error_exits_non_zero_with_its_message_and_changes_nothing_r_sz_4(
    run: Callable[..., Result],
    sim: SessionizeState,
    served: tuple[SessionizeState, str],
    store: Store,
    event: Event,
    case: str,
    message: str,
) -> None:
    _serve(sim, case)
    base_url = f"http://127.0.0.1:{free_port()}" if case == "closed port" else served[1]
    before = snapshot(store, event)
    code, out, err = run(base_url=base_url)
    assert (code, out) == (1, "")
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert snapshot(store, event) == (before[0], before[1] + 1)  # only the failed run


def test_cli_json_error_is_one_object_r_sz_4(
    run: Callable[..., Result], sim: SessionizeState, event: Event
) -> None:
    sim.load(ENDPOINT, fixture("empty_with_questions.json"))
    code, out, err = run("--json")
    assert code == 1
    assert json.loads(out) == {
        "status": "failed",
        "error": {
            "code": "sessionize.schedule_not_published",
            "message": "The Sessionize schedule is not published yet: the feed has no sessions. "
            "Accept sessions and announce the schedule in Sessionize, then import again.",
        },
    }
    assert err.startswith("error: The Sessionize schedule is not published yet")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--id", "https://example.com/x"], "is not a Sessionize endpoint id"),
        (["--id", "zz"], "'zz' is not a Sessionize endpoint id"),
    ],
)
def test_cli_refuses_an_unusable_endpoint_id_r_sz_1(
    run: Callable[..., Result], event: Event, args: list[str], message: str
) -> None:
    code, _, err = run(*args)  # the later --id wins
    assert code == 1
    assert message in err


def test_cli_unknown_event_is_refused_r_sz_1(run: Callable[..., Result]) -> None:
    assert run(slug="nope") == (1, "", "error: no event with slug 'nope'\n")


def test_cli_r_sz_9_another_endpoint_fails_until_replace_which_says_what_it_withdraws(
    run: Callable[..., Result], sim: SessionizeState, store: Store, event: Event
) -> None:
    sim.load(ENDPOINT, fixture("all_2024.json"))
    sim.load("othr2023", fixture("all_2023.json"))
    assert run()[0] == 0
    before = snapshot(store, event)[0]

    code, out, err = run("--id", "othr2023")
    assert (code, out) == (1, "")
    assert " ".join(err.split()) == (
        "error: This event was imported from Sessionize endpoint 'jl4ktls0'. Importing "
        "endpoint 'othr2023' instead replaces it and withdraws 7 sessions and 4 speakers "
        "imported from 'jl4ktls0'. Nothing was changed; ask to replace the endpoint to import "
        "it anyway. Run again with --replace to replace it."
    )
    assert snapshot(store, event)[0] == before

    code, out, err = run("--id", "othr2023", "--replace")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[:2] == [
        "Replacing Sessionize endpoint jl4ktls0 with othr2023: withdrawing 7 sessions and 4 "
        "speakers.",
        "imported Sessionize endpoint othr2023 into conf27",
    ]
    assert table_rows(out)["sessions"][-1] == "7"
    assert table_rows(out)["speakers"][-1] == "4"


def test_cli_r_sz_5_withdrawn_unscheduled_and_placeholders_show_in_lists_r_sz_11(
    run: Callable[..., Result], sim: SessionizeState, store: Store, event: Event
) -> None:
    feed = json.loads(fixture("all_2024.json"))
    sim.load(ENDPOINT, feed)
    assert run()[0] == 0
    feed["sessions"] = [s for s in feed["sessions"] if s["id"] != "880005"]  # withdrawn
    for session in feed["sessions"]:
        if session["id"] == "880002":
            session["startsAt"] = session["endsAt"] = None  # unscheduled
        if session["id"] == "880004":
            session["title"] = "To be announced"  # a placeholder
    sim.load(ENDPOINT, feed)
    code, out, _ = run()
    assert code == 0
    assert "Flagged (2): imported, not synced" in out

    state.store = store
    listed = CliRunner().invoke(app, ["session", "list", "conf27", "--json"])
    assert listed.exit_code == 0
    flags = {row["title"]: (row["status"], row["flags"]) for row in json.loads(listed.stdout)}
    assert flags["Opening keynote: Die Zukunft der Plattformen"] == ("accepted", ["withdrawn"])
    assert flags["Datenpipelines ohne Drama"] == ("accepted", ["unscheduled"])
    assert flags["To be announced"] == ("submitted", ["placeholder"])
    assert flags["Kubernetes at the edge 🚀"] == ("accepted", [])

    shown = CliRunner().invoke(app, ["event", "show", "conf27", "--json"])
    counts = json.loads(shown.stdout)["counts"]
    assert (counts["accepted sessions"], counts["withdrawn sessions"]) == (5, 1)
    assert (counts["unscheduled sessions"], counts["placeholder sessions"]) == (1, 1)


def test_cli_r_sz_2_the_category_map_is_shown_set_and_applied(
    run: Callable[..., Result], sim: SessionizeState, store: Store, event: Event
) -> None:
    state.store = store
    command = ["import", "sessionize-map", "conf27"]
    refused = CliRunner().invoke(app, [*command, "--set", "Level=speed"])
    assert refused.exit_code == 1
    assert "'speed' is not one of tracks|levels|format|language|tags|ignore" in refused.stderr
    changed = CliRunner().invoke(
        app, [*command, "--set", "Topics=tracks", "--set", "Level=ignore", "--json"]
    )
    assert changed.exit_code == 0, changed.stderr
    assert json.loads(changed.stdout) == {
        "event": "conf27",
        "category_map": {"Topics": "tracks", "Level": "ignore"},
    }
    shown = CliRunner().invoke(app, [*command, "--set", "Level=default"])
    assert table_rows(shown.stdout) == {"Topics": ["tracks"]}

    sim.load(ENDPOINT, fixture("all_2024.json"))
    assert run()[0] == 0
    with store.transaction() as connection:
        content = load_event_content(connection, event.id)
    talk = next(s for s in content.sessions if s.sessionize_id == "880001")
    assert [t.name for t in talk.tracks] == ["Cloud & Infrastructure", "Kubernetes"]
    assert [t.name for t in talk.levels] == ["Introductory and overview"]


def test_cli_reaches_sessionize_at_the_address_of_agendasync_sessionize_url(
    store: Store, served: tuple[SessionizeState, str], sim: SessionizeState, event: Event
) -> None:
    sim.load(ENDPOINT, fixture("all_2024.json"))
    state.store = store
    command = ["import", "sessionize", "conf27", "--id", ENDPOINT, "--json"]

    imported = CliRunner().invoke(app, command, env={"AGENDASYNC_SESSIONIZE_URL": served[1]})
    refused = CliRunner().invoke(app, command, env={"AGENDASYNC_SESSIONIZE_URL": "ftp://mirror"})
    state.store = None

    assert imported.exit_code == 0, imported.stderr
    assert json.loads(imported.stdout)["counts"]["sessions"]["created"] == 7
    assert refused.exit_code == 2
    message = " ".join(line.strip(" │") for line in refused.stderr.splitlines())
    assert (
        "Invalid value for '--base-url' (env var: 'AGENDASYNC_SESSIONIZE_URL'): 'ftp://mirror' "
        "is not a web address: give an http:// or https:// URL with a host name, e.g. "
        "https://sessionize.com" in " ".join(message.split())
    )
