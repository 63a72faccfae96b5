"""The commands an event team reads every day: `runs EVENT` and `runs show RUN` in plain
words and the event's time zone, a sync's report at 80 columns and its exit code (2 when
partial), `speaker|sponsor|exhibitor list`, `session show`, and no rule ids in any help."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer
from cryptography.fernet import Fernet
from typer.testing import CliRunner

from agendasync.cli import app
from agendasync.cli.base import state
from agendasync.partners.swoogo.simulator import SwoogoSimulator
from agendasync.server import create_app
from agendasync.simulators.server import serve_in_thread
from agendasync.sources.demo_data import demo_event
from agendasync.sources.eventfile import import_document
from agendasync.store import Store
from agendasync.store.events import create_organisation
from agendasync.store.secrets import SecretBox

# Nothing listens on the discard port: every picture of the demo event fails to download.
NO_PICTURES = "http://127.0.0.1:9"


@pytest.fixture(scope="module")
def swoogo() -> Iterator[tuple[SwoogoSimulator, str]]:
    simulator = SwoogoSimulator()
    with serve_in_thread(simulator) as url:
        yield simulator, f"{url}/api/v1"


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, swoogo):
    simulator, url = swoogo
    simulator.reset().add_credentials("key", "secret")
    in_a_month = date.today() + timedelta(days=30)
    partner_event = simulator.state.add_event(
        "Conf on Swoogo", timezone="Europe/Berlin", start_date=str(in_a_month)
    )
    monkeypatch.setenv("AGENDASYNC_SECRET_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("COLUMNS", "80")
    database = f"sqlite:///{tmp_path / 'cli.db'}"
    store = Store(database)
    with store.transaction() as connection:
        org = create_organisation(connection, "Acme")
        document = demo_event(slug="conf", sessions=6, today=in_a_month, pictures=NO_PICTURES)
        import_document(connection, document, org=org)
    store.close()

    def invoke(*args: str) -> tuple[int, str, str]:
        state.store = None
        result = CliRunner().invoke(app, ["--db", database, *args], terminal_width=80)
        return result.exit_code, result.stdout, result.stderr

    invoke.url = url
    invoke.partner_event = str(partner_event)
    return invoke


def _mapped(run) -> None:
    code, _, err = run(
        "integrations", "connect", "swoogo", "--org", "acme", "--key", "key",
        "--secret", "secret", "--base-url", run.url,
    )  # fmt: skip
    assert code == 0, err
    code, _, err = run(
        "mappings", "add", "swoogo", "--event", "conf", "--partner-event", run.partner_event
    )
    assert code == 0, err


def test_a_partial_sync_exits_2_and_says_so_in_a_report_that_fits_80_columns(run) -> None:
    _mapped(run)
    code, out, err = run("sync", "conf", "--to", "swoogo")
    assert code == 2
    assert err == "5 picture(s) could not be sent; the records went without them (exit code 2)\n"
    assert out.lstrip("\n").startswith("Sync to Swoogo: finished with issues\n")
    assert "headshots synced" in out
    assert all(len(line) <= 80 for line in out.splitlines()), out
    header = next(line for line in out.splitlines() if line.lstrip().startswith("kind"))
    assert header.split() == ["kind", "tried", "new", "changed", "same", "deleted", "left", "out",
                              "failed"]  # fmt: skip
    assert "…" not in out
    assert "Pictures not sent (5):\n5 could not fetch the image: ConnectError\n" in out
    assert "Needs your attention (2):\n" in out

    sponsors = run("sync", "conf", "--to", "swoogo", "--action", "sponsors")
    assert sponsors[0] == 2  # every logo failed: not a success
    assert "logos synced" in sponsors[1]
    assert "0 of " in sponsors[1]


def test_runs_lists_in_plain_words_and_the_events_time_zone_and_runs_show_one(run) -> None:
    _mapped(run)
    run("sync", "conf", "--to", "swoogo")
    code, out, _ = run("runs", "conf")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Sync runs of " + lines[0].removeprefix("Sync runs of ")
    assert lines[0].endswith("(times in Europe/Berlin), newest first:")
    assert lines[2] == "Sync to Swoogo: sessions and speakers · finished with issues"
    assert re.fullmatch(
        r"  started  \w{3} \d\d \w{3} \d{4} \d\d:\d\d:\d\d CES?T · took \d+ s · by manual",
        lines[3],
    )
    assert lines[4].startswith("  result   Sync to Swoogo finished with issues: ")
    assert "+" not in out
    assert "~" not in out
    run_id = re.search(r"  run      ([0-9a-f-]{36})", out)
    assert run_id
    assert all(len(line) <= 80 for line in lines), out

    code, shown, _ = run("runs", "show", run_id[1])
    assert code == 0
    assert "Sync to Swoogo: finished with issues" in shown
    assert "Pictures not sent (" in shown
    assert json.loads(run("runs", "show", run_id[1], "--json")[1])["id"] == run_id[1]
    assert json.loads(run("runs", "list", "conf", "--json")[1])[0]["id"] == run_id[1]
    code, _, err = run("runs", "show", "nope")
    assert code == 1
    assert "RUN_ID: 'nope' is not a run id (runs EVENT lists them)" in err


def test_runs_show_names_the_records_created_r_sync_5(run) -> None:
    _mapped(run)
    run("sync", "conf", "--to", "swoogo")
    run_id = json.loads(run("runs", "list", "conf", "--json")[1])[0]["id"]
    report = json.loads(run("runs", "show", run_id, "--json")[1])["report"]
    created = report["created"]

    code, shown, _ = run("runs", "show", run_id)

    assert code == 0
    lines = shown.splitlines()
    start = lines.index(f"Created ({len(created)}):")
    sessions = [p["label"] for p in created if p["kind"] == "sessions"]
    assert len(sessions) == report["counts"]["sessions"]["created"] == 5
    listed = lines[start + 1 : start + 21]  # the first 20, then how many more
    assert [line for line in listed if line.startswith("  - session '")] == [
        f"  - {label}" for label in sessions
    ]
    assert f"  - {created[0]['label']}" == lines[start + 1]  # a room, by its name
    assert lines[start + 21] == f"  ... and {len(created) - 20} more (see --json)"
    assert "Updated (" not in shown  # the first sync updated nothing
    assert all(len(line) <= 80 for line in lines), shown


def test_speaker_sponsor_exhibitor_lists_and_session_show(run) -> None:
    code, out, _ = run("speaker", "list", "conf", "--json")
    speakers = json.loads(out)
    assert code == 0
    assert len(speakers) == 9
    assert set(speakers[0]) == {"id", "name", "email", "company", "status", "share_links"}
    code, out, _ = run("speaker", "list", "conf")
    assert code == 0
    assert out.startswith("Speakers of ")
    assert "(9)" in out.splitlines()[0]

    sponsors = json.loads(run("sponsor", "list", "conf", "--json")[1])
    assert all(set(s) == {"id", "name", "tier", "website"} for s in sponsors)
    assert run("sponsor", "list", "conf")[0] == 0
    exhibitors = json.loads(run("exhibitor", "list", "conf", "--json")[1])
    assert all("team" in e for e in exhibitors)
    assert run("exhibitor", "list", "conf")[0] == 0

    sessions = json.loads(run("session", "list", "conf", "--json")[1])
    first = sessions[0]
    code, out, _ = run("session", "show", "conf", first["id"])
    assert code == 0
    assert out.splitlines()[0] == first["title"]
    assert f"  status   {first['status']}" in out
    by_title = json.loads(run("session", "show", "conf", first["title"], "--json")[1])
    assert by_title["id"] == first["id"]
    code, _, err = run("session", "show", "conf", "No such talk")
    assert code == 1
    assert "SESSION: no session 'No such talk' in conf (session list shows them)" in err


def _helps(command: Any, path: list[str]) -> Iterator[list[str]]:
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from _helps(sub, [*path, name])


RULE_ID = re.compile(r"R-[A-Z]+-\d|SPEC §|SPEC\b")


def _broken_sentences(help_text: str) -> list[str]:
    """Prose lines (outside the option boxes) that end although the next line's first word
    would have fitted: a line break from the source, not from the width."""
    prose = [line.rstrip() for line in help_text.splitlines()]
    return [
        line
        for line, after in pairwise(prose)
        if line.strip()
        and after.strip()
        and not line.lstrip().startswith(("│", "╭", "╰"))
        and not after.lstrip().startswith(("│", "╭", "╰"))
        and len(line) + 1 + len(after.split()[0]) <= 79
    ]


def test_every_help_fits_80_columns_in_whole_sentences_and_names_no_rule_id(run) -> None:
    root = typer.main.get_command(app)
    checked = 0
    for path in _helps(root, []):
        code, out, _ = run(*path, "--help")
        assert code == 0, path
        assert not RULE_ID.search(out), (path, out)
        assert [line for line in out.splitlines() if len(line) > 80] == [], (path, out)
        assert _broken_sentences(out) == [], (path, out)
        checked += 1
    assert checked > 40


def test_lists_fit_80_columns_and_cut_nothing(run) -> None:
    _mapped(run)
    for command in (
        ("session", "list", "conf"),
        ("speaker", "list", "conf"),
        ("exhibitor", "list", "conf"),
        ("sponsor", "list", "conf"),
        ("integrations", "list", "--org", "acme"),
        ("mappings", "list", "--org", "acme"),
        ("jobs",),
    ):
        code, out, err = run(*command)
        assert code == 0, err
        assert [line for line in out.splitlines() if len(line) > 80] == [], out
        assert "…" not in out, out
        assert "┃" in out, out  # a table, with its headers: none of them cut


async def test_the_api_documents_name_no_rule_id(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'api.db'}")
    app_ = create_app(store, SecretBox([Fernet.generate_key().decode()]))
    transport = httpx.ASGITransport(app=app_)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        document = await client.get("/api/openapi.json")
        docs = await client.get("/api/docs")
    store.close()
    assert document.status_code == 200
    assert docs.status_code == 200
    assert not RULE_ID.search(document.text), RULE_ID.findall(document.text)
    assert not RULE_ID.search(docs.text), RULE_ID.findall(docs.text)
