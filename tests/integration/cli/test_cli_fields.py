"""`agendasync fields` against a real SQLite file and the Swoogo simulator on loopback: show a
mapping's field maps, add a pair to a custom field Swoogo has, refuse one it does not have,
remove a pair Swoogo does not require and keep the ones it does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from typer.testing import CliRunner

from agendasync.cli import app
from agendasync.cli.base import state
from agendasync.partners.swoogo.simulator import SwoogoSimulator
from agendasync.simulators.server import serve_in_thread


@pytest.fixture(scope="module")
def swoogo() -> Iterator[tuple[SwoogoSimulator, str]]:
    simulator = SwoogoSimulator()
    with serve_in_thread(simulator) as url:
        yield simulator, f"{url}/api/v1"


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, swoogo):
    """The CLI on an event `conf` of Acme, mapped to a Swoogo event with a custom session field
    (its slug in `run.custom`)."""
    simulator, url = swoogo
    simulator.reset().add_credentials("key", "secret")
    partner_event = simulator.state.add_event("Conf on Swoogo", timezone="Europe/Berlin")
    monkeypatch.setenv("AGENDASYNC_SECRET_KEY", Fernet.generate_key().decode())
    database = f"sqlite:///{tmp_path / 'cli.db'}"

    def invoke(*args: str) -> tuple[int, str, str]:
        state.store = None
        result = CliRunner().invoke(app, ["--db", database, *args])
        return result.exit_code, result.stdout, result.stderr

    def ok(*args: str) -> None:
        code, out, err = invoke(*args)
        assert code == 0, out + err

    start = (date.today() + timedelta(days=30)).isoformat()
    ok("org", "create", "Acme")
    ok(
        "event",
        "create",
        "--org",
        "acme",
        "--slug",
        "conf",
        "--name",
        "Conf",
        "--tz",
        "Europe/Berlin",
        "--start",
        start,
        "--end",
        start,
    )
    ok(
        "integrations",
        "connect",
        "swoogo",
        "--org",
        "acme",
        "--key",
        "key",
        "--secret",
        "secret",
        "--base-url",
        url,
    )
    ok("mappings", "add", "swoogo", "--event", "conf", "--partner-event", str(partner_event))
    field_id = simulator.state.add_custom_field("sessions", partner_event, "Client code")
    invoke.custom = f"c_{field_id}"
    return invoke


def _json(out: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(out)
    return value


def _partners(maps: dict[str, Any], kind: str) -> list[str]:
    return [pair["partner"] for pair in maps[kind]]


def test_show_add_and_remove_pairs_with_json_r_fld_1(run) -> None:
    code, out, _ = run("fields", "show", "conf", "--to", "swoogo", "--json")
    assert code == 0
    maps = _json(out)
    assert set(maps) == {"sessions", "speakers"}
    assert {"hub": "title", "partner": "name", "required": True} in maps["sessions"]
    assert {"hub": "tracks", "partner": "track_id", "required": False} in maps["sessions"]
    assert {"hub": "email", "partner": "email", "required": True} in maps["speakers"]

    code, out, err = run(
        "fields",
        "add",
        "conf",
        "client_session_id",
        run.custom,
        "--to",
        "swoogo",
        "--kind",
        "sessions",
        "--json",
    )
    assert code == 0, err
    added = _json(out)
    assert added["sessions"][-1] == {
        "hub": "client_session_id",
        "partner": run.custom,
        "required": False,
    }
    assert added["speakers"] == maps["speakers"]

    code, out, err = run(
        "fields", "remove", "conf", "track_id", "--to", "swoogo", "--kind", "sessions", "--json"
    )
    assert code == 0, err
    assert "track_id" not in _partners(_json(out), "sessions")

    shown = _json(run("fields", "show", "conf", "--to", "swoogo", "--json")[1])
    assert run.custom in _partners(shown, "sessions")
    assert "track_id" not in _partners(shown, "sessions")


def test_a_required_pair_is_not_removed_r_fld_1(run) -> None:
    code, out, err = run(
        "fields", "remove", "conf", "email", "--to", "swoogo", "--kind", "speakers", "--json"
    )
    assert code == 1
    assert out == ""
    assert "'email' is required by the partner; it cannot be removed" in err
    shown = _json(run("fields", "show", "conf", "--to", "swoogo", "--json")[1])
    assert "email" in _partners(shown, "speakers")


def test_a_partner_field_that_does_not_exist_is_refused_naming_it_r_fld_2(run) -> None:
    code, out, err = run(
        "fields",
        "add",
        "conf",
        "client_session_id",
        "c_999999",
        "--to",
        "swoogo",
        "--kind",
        "sessions",
        "--json",
    )
    assert code == 1
    assert out == ""
    assert "the partner has no session field 'c_999999'" in err
    shown = _json(run("fields", "show", "conf", "--to", "swoogo", "--json")[1])
    assert "c_999999" not in _partners(shown, "sessions")


def test_fields_of_an_unmapped_partner_are_refused(run) -> None:
    code, out, err = run("fields", "show", "conf", "--to", "nowhere", "--json")
    assert (code, out) == (1, "")
    assert "event 'conf' is not mapped to nowhere; add a mapping first" in err


def test_fields_show_without_json_prints_both_maps(run) -> None:
    code, out, _ = run("fields", "show", "conf", "--to", "swoogo")
    assert code == 0
    assert "sessions field map" in out
    assert "speakers field map" in out
    assert "track_id" in out
