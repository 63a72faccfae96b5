"""The partner commands against a real SQLite file and the Swoogo simulator on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from typer.testing import CliRunner

from agendasync.cli import app
from agendasync.cli.base import state
from agendasync.partners.registry import PARTNERS
from agendasync.partners.swoogo.simulator import SwoogoSimulator
from agendasync.simulators.server import serve_in_thread


@pytest.fixture(scope="module")
def swoogo() -> Iterator[tuple[SwoogoSimulator, str]]:
    simulator = SwoogoSimulator()
    with serve_in_thread(simulator) as url:
        yield simulator, f"{url}/api/v1"


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, swoogo):
    simulator, url = swoogo
    simulator.reset().add_credentials("key", "secret")
    simulator.state.add_event("Conf on Swoogo", timezone="Europe/Berlin")
    monkeypatch.setenv("AGENDASYNC_SECRET_KEY", Fernet.generate_key().decode())
    database = f"sqlite:///{tmp_path / 'cli.db'}"

    def invoke(
        *args: str, stdin: str | None = None, env: dict[str, str] | None = None
    ) -> tuple[int, str, str]:
        state.store = None
        result = CliRunner().invoke(app, ["--db", database, *args], input=stdin, env=env)
        return result.exit_code, result.stdout, result.stderr

    start = (date.today() + timedelta(days=30)).isoformat()
    invoke("org", "create", "Acme")
    invoke(
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
    invoke.url = url
    invoke.simulator = simulator
    return invoke


def test_connect_refuses_a_wrong_secret_with_the_partners_reason_r_int_2(run) -> None:
    code, _, err = run(
        "integrations",
        "connect",
        "swoogo",
        "--org",
        "acme",
        "--key",
        "key",
        "--secret",
        "nope",
        "--base-url",
        run.url,
    )
    assert code == 1
    assert "Swoogo refused the credentials" in err
    assert "The client credentials are invalid" in err


@pytest.mark.parametrize("source", ["stdin", "environment"])
def test_the_partner_secret_is_read_off_the_command_line(run, source: str) -> None:
    options = ["integrations", "connect", "swoogo", "--org", "acme", "--key", "key"]
    options += ["--base-url", run.url, "--json"]
    if source == "stdin":
        code, out, err = run(*options, "--secrets-stdin", stdin="secret\n")
    else:
        code, out, err = run(*options, env={"AGENDASYNC_PARTNER_SECRET": "secret"})
    assert code == 0, err
    assert json.loads(out)["credentials_hint"] == "Consumer key ••••, Consumer secret ••••"


def test_connect_help_says_how_to_keep_secrets_off_the_command_line(run) -> None:
    code, out, _ = run("integrations", "connect", "--help")
    assert code == 0
    text = " ".join(out.replace("│", " ").split())
    assert "--secrets-stdin" in text
    assert "AGENDASYNC_PARTNER_SECRET" in text
    assert "others see it in the process list" in text


def test_connect_map_sync_runs_and_disconnect(run) -> None:
    code, out, _ = run(
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
        run.url,
        "--json",
    )
    connected = json.loads(out)
    assert code == 0
    assert connected["credentials_hint"] == "Consumer key ••••, Consumer secret ••••"
    partner_event = connected["partner_events"][0]["id"]

    code, out, _ = run("integrations", "list", "--org", "acme")
    assert code == 0
    assert "secret" not in out.replace("Consumer secret", "")

    assert (
        run("mappings", "add", "swoogo", "--event", "conf", "--partner-event", partner_event)[0]
        == 0
    )
    mappings = json.loads(run("mappings", "list", "--org", "acme", "--json")[1])
    assert [(m["event"], m["partner_event_id"]) for m in mappings] == [("conf", partner_event)]

    code, out, _ = run("sync", "conf", "--to", "swoogo", "--dry-run", "--json")
    assert code == 0
    assert json.loads(out)["dry_run"] is True

    code, out, _ = run("sync", "conf", "--to", "swoogo", "--json")
    assert code == 0
    assert json.loads(out)["status"] == "succeeded"
    code, out, _ = run("sync-sponsors", "conf", "--to", "swoogo", "--json")
    assert code == 0
    runs = json.loads(run("runs", "conf", "--json")[1])
    assert [(r["action"], r["status"]) for r in runs] == [
        ("sponsors", "succeeded"),
        ("content", "succeeded"),
    ]

    code, out, _ = run("integrations", "disconnect", "swoogo", "--org", "acme", "--yes")
    assert (code, out.strip()) == (0, "disconnected swoogo; removed 1 mapping(s)")
    assert json.loads(run("mappings", "list", "--org", "acme", "--json")[1]) == []


def test_sync_of_an_unmapped_event_is_refused_r_map_3(run) -> None:
    code, _, err = run("sync", "conf", "--to", "swoogo")
    assert code == 1
    assert "event 'conf' is not mapped to swoogo; add a mapping first" in err


def test_sync_to_an_unknown_partner_names_the_known_ones(run) -> None:
    code, _, err = run("sync", "conf", "--to", "nowhere")
    assert code == 1
    assert f"unknown partner 'nowhere'; known partners: {', '.join(sorted(PARTNERS))}" in err


def _connected_and_mapped(run) -> None:
    code, out, _ = run(
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
        run.url,
        "--json",
    )
    assert code == 0
    partner_event = json.loads(out)["partner_events"][0]["id"]
    assert (
        run("mappings", "add", "swoogo", "--event", "conf", "--partner-event", partner_event)[0]
        == 0
    )


def test_sync_takes_the_actions_the_partner_declares_r_sync_1(run) -> None:
    _connected_and_mapped(run)

    sponsors = run("sync", "conf", "--to", "swoogo", "--action", "sponsors", "--json")
    exhibitors = run("sync", "conf", "--to", "swoogo", "--action", "exhibitors")
    scoped = run("sync", "conf", "--to", "swoogo", "--action", "sponsors", "--session", "x")

    assert (sponsors[0], json.loads(sponsors[1])["action"]) == (0, "sponsors")
    assert exhibitors[0] == 1
    assert "Swoogo syncs content or sponsors, not 'exhibitors'" in exhibitors[2]
    assert scoped[0] == 1


def test_sync_reconcile_lists_the_partner_and_reports_what_it_found_r_sync_4(run) -> None:
    _connected_and_mapped(run)
    code, out, _ = run("sync", "conf", "--to", "swoogo", "--reconcile", "--json")

    assert code == 0
    assert json.loads(out)["report"]["deleted_on_partner"] == {}


def test_mapping_across_time_zones_prints_the_warning_and_needs_yes_r_map_8(run) -> None:
    tokyo = run.simulator.state.add_event("Tokyo on Swoogo", timezone="Asia/Tokyo")
    code, _, _ = run(
        "integrations", "connect", "swoogo", "--org", "acme", "--key", "key", "--secret",
        "secret", "--base-url", run.url,
    )  # fmt: skip
    assert code == 0
    add = ("mappings", "add", "swoogo", "--event", "conf", "--partner-event", str(tokyo))

    refused = run(*add)
    mapped = run(*add, "--yes")

    assert refused[0] == 1
    assert refused[2].splitlines() == [
        "warning: Time zones differ: Swoogo event 'Tokyo on Swoogo' is in Asia/Tokyo, Conf is "
        "in Europe/Berlin. Syncs are refused until both are the same.",
        "error: not mapped; run again with --yes to map anyway",
    ]
    assert mapped[0] == 0
    assert mapped[1].strip() == f"mapped swoogo event {tokyo} (Tokyo on Swoogo) to conf"
    mappings = json.loads(run("mappings", "list", "--org", "acme", "--json")[1])
    assert [m["partner_event_id"] for m in mappings] == [str(tokyo)]
