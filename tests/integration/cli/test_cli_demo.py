"""After `agendasync demo`, `serve` on its database brings back the demo's Swoogo simulator and
picture host as the demo left them: the integration answers and syncs have no failures, also
after serve is stopped and started again. Real processes, run from another folder than the
database's (the key file is found beside the database)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from agendasync.cli import app
from agendasync.cli.base import state
from agendasync.partners.swoogo.simulator import SwoogoSimulator
from agendasync.simulators.server import free_port, serve_in_thread

SLUG = f"devconf-{date.today():%Y%m%d}"
DEMO_SPONSORS = 6  # the demo event's sponsors (its content is seeded)


@pytest.fixture
def world(tmp_path: Path) -> dict[str, Any]:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENDASYNC_")}
    env |= {
        "AGENDASYNC_ALLOW_PRIVATE_PARTNER_URLS": "1",
        "PYTHONPATH": str(Path(__file__).parents[3] / "src"),
        "COLUMNS": "80",
    }
    return {"db": tmp_path / "demo.db", "cwd": elsewhere, "env": env}


def _cli(world: dict[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agendasync", "--db", f"sqlite:///{world['db']}", *args],
        cwd=world["cwd"],
        env=world["env"],
        capture_output=True,
        text=True,
        timeout=300,
    )


@contextmanager
def _serving(world: dict[str, Any]) -> Iterator[tuple[httpx.Client, str]]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "agendasync", "--db", f"sqlite:///{world['db']}", "serve",
         "--port", str(port)],
        cwd=world["cwd"], env=world["env"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/api/openapi.json", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.communicate()
                assert time.monotonic() < deadline, "serve did not start"
                time.sleep(0.1)
        with httpx.Client(base_url=f"{base}/api", timeout=120) as client:
            yield client, base
    finally:
        server.send_signal(signal.SIGINT)  # as Ctrl-C: serve stops and keeps Swoogo's data
        world["serve_out"] = server.communicate(timeout=30)[0]


def _sync(client: httpx.Client, token: str, action: str) -> dict[str, Any]:
    answer = client.post(
        f"/events/{SLUG}/syncs",
        json={"partner": "swoogo", "action": action, "wait": True},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200, answer.text
    run: dict[str, Any] = answer.json()
    return run


def _failed(run: dict[str, Any]) -> int:
    return sum(counts["failed"] for counts in run["report"]["counts"].values())


def test_serve_after_the_demo_brings_back_its_partners_and_syncs_without_failures(
    world: dict[str, Any],
) -> None:
    demo = _cli(world, "demo")
    assert demo.returncode == 0, demo.stderr
    assert "AGENDASYNC_ALLOW_PRIVATE_PARTNER_URLS=1 \\\n" in demo.stdout
    assert sorted(p.name for p in world["db"].parent.iterdir()) == [
        "demo.db", "demo.db.demo.json", "demo.db.key", "demo.db.locks", "elsewhere"
    ]  # fmt: skip
    assert list(world["cwd"].iterdir()) == []  # no key made in the folder run from
    issued = _cli(world, "token", "create", "--org", "demo-organisation", "--name", "t",
                  "--scope", "write")  # fmt: skip
    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.splitlines()[-1]
    auth = {"Authorization": f"Bearer {token}"}

    with _serving(world) as (client, _):
        events = client.get("/orgs/demo-organisation/integrations/swoogo/events", headers=auth)
        assert events.status_code == 200, events.text
        assert [e["name"] for e in events.json()] == [f"DevConf {date.today()} (Swoogo)"]
        content = _sync(client, token, "content")
        sponsors = _sync(client, token, "sponsors")
    assert "the demo's Swoogo simulator runs at http://127.0.0.1:" in world["serve_out"]
    assert content["status"] == "succeeded"
    assert _failed(content) == 0
    assert content["report"]["counts"]["sessions"]["created"] == 0  # all there already
    assert sponsors["status"] == "succeeded"
    assert _failed(sponsors) == 0
    assert sponsors["report"]["counts"]["logos"]["created"] == DEMO_SPONSORS  # downloaded
    assert sponsors["report"]["counts"]["sponsors"]["created"] == DEMO_SPONSORS

    with _serving(world) as (client, _):  # again: Swoogo kept what the last serve sent
        again = _sync(client, token, "sponsors")
    assert again["status"] == "succeeded"
    assert _failed(again) == 0
    assert again["report"]["counts"]["sponsors"]["created"] == 0
    assert again["report"]["counts"]["sponsors"]["unchanged"] == DEMO_SPONSORS

    rerun = _cli(world, "demo")  # the same Swoogo again: what the ledger holds is there
    assert rerun.returncode == 0, rerun.stderr
    runs = json.loads(_cli(world, "runs", "list", SLUG, "--json").stdout)
    edited = runs[0]["report"]
    assert edited["counts"]["sessions"]["updated"] == 1
    assert _failed(runs[0]) == 0
    assert [s for s in edited["skipped"] if "deleted on Swoogo" in s["reason"]] == []


@pytest.fixture
def swoogo_url() -> Iterator[str]:
    simulator = SwoogoSimulator()
    simulator.state.add_credentials("key", "secret")
    simulator.state.add_event("Conf", timezone="Europe/Berlin")
    with serve_in_thread(simulator) as url:
        yield f"{url}/api/v1"


def test_the_key_file_beside_the_database_is_found_from_any_folder_and_named_when_wrong(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, swoogo_url: str
) -> None:
    for name in ("AGENDASYNC_SECRET_KEY", "AGENDASYNC_SECRET_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "data").mkdir()
    (tmp_path / "elsewhere").mkdir()
    database = f"sqlite:///{tmp_path / 'data' / 'hub.db'}"
    key = tmp_path / "data" / "hub.db.key"

    def run(*args: str) -> tuple[int, str]:
        state.store = None
        result = CliRunner().invoke(app, ["--db", database, *args])
        return result.exit_code, result.stderr

    monkeypatch.chdir(tmp_path / "data")
    assert run("org", "create", "Acme")[0] == 0
    connect = ("integrations", "connect", "swoogo", "--org", "acme", "--key", "key",
               "--secret", "secret", "--base-url", swoogo_url)  # fmt: skip
    assert run(*connect) == (0, "")
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert run("integrations", "events", "swoogo", "--org", "acme") == (0, "")
    assert list((tmp_path / "elsewhere").iterdir()) == []

    key.rename(tmp_path / "elsewhere" / "agendasync.key")  # as an older version kept it
    code, err = run("integrations", "events", "swoogo", "--org", "acme")
    assert (code, err) == (0, (
        f"note: using the key file {tmp_path / 'elsewhere' / 'agendasync.key'} of an older "
        "version; move it beside the database (or set AGENDASYNC_SECRET_KEY_FILE) to keep "
        "them together\n"
    ))  # fmt: skip
    assert not key.exists()

    (tmp_path / "elsewhere" / "agendasync.key").unlink()
    code, err = run("integrations", "events", "swoogo", "--org", "acme")
    assert code == 1
    assert err == (
        f"error: stored credentials cannot be decrypted with the key file {key} (made just "
        "now): the key that encrypted them is missing or different; use that key (its file, "
        "AGENDASYNC_SECRET_KEY_FILE or AGENDASYNC_SECRET_KEY), or connect the partner again\n"
    )
