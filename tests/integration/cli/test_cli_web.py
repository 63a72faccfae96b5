"""`agendasync user create`, `token create` and `serve` against a real SQLite file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import uvicorn
from cryptography.fernet import Fernet
from typer.testing import CliRunner

from agendasync.cli import app
from agendasync.cli.base import state
from agendasync.services.accounts import Accounts, token_hash
from agendasync.store import Store
from agendasync.store import accounts as repo


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("AGENDASYNC_SECRET_KEY", Fernet.generate_key().decode())
    database = f"sqlite:///{tmp_path / 'cli.db'}"

    def invoke(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
        state.store = None
        result = CliRunner().invoke(app, ["--db", database, *args], input=stdin)
        return result.exit_code, result.stdout, result.stderr

    assert invoke("org", "create", "Acme Events")[0] == 0
    invoke.database = database  # type: ignore[attr-defined]
    return invoke


def test_user_create_asks_for_the_password_and_the_user_can_sign_in(cli: Any) -> None:
    code, out, err = cli(
        "user",
        "create",
        "Ada@Example.com",
        "--org",
        "acme-events",
        stdin="correct horse\ncorrect horse\n",
    )
    assert code == 0, err
    assert "ada@example.com is admin of acme-events" in out
    assert "correct horse" not in out
    user = Accounts(Store(cli.database)).authenticate("ada@example.com", "correct horse")
    assert user.email == "ada@example.com"


def test_user_create_refuses_short_passwords_and_unknown_organisations(cli: Any) -> None:
    code, _, err = cli(
        "user", "create", "a@example.com", "--org", "acme-events", "--password", "short"
    )
    assert code == 1
    assert "password: must be at least 8 characters long" in err
    code, _, err = cli(
        "user", "create", "a@example.com", "--org", "nope", "--password", "long enough"
    )
    assert code == 1
    assert "no organisation named 'nope'" in err


def test_user_create_gives_an_existing_user_another_role(cli: Any) -> None:
    cli("org", "create", "Beta")
    assert (
        cli("user", "create", "a@example.com", "--org", "acme-events", "--password", "password1")[0]
        == 0
    )
    code, out, _ = cli(
        "user", "create", "a@example.com", "--org", "beta", "--role", "viewer", "--password", "x"
    )
    assert code == 0, out  # the password stays; it is not checked again
    store = Store(cli.database)
    with store.transaction() as connection:
        user = repo.find_user(connection, "a@example.com")
        assert user is not None
        roles = sorted(m.role.value for m in repo.memberships_of(connection, user.id))
    assert roles == ["admin", "viewer"]


def test_token_create_prints_the_token_once_and_stores_its_hash(cli: Any) -> None:
    code, out, err = cli(
        "token", "create", "--org", "acme-events", "--name", "site", "--scope", "write"
    )
    assert code == 0, err
    secret = out.strip().splitlines()[-1]
    assert secret.startswith("agst_")
    with Store(cli.database).transaction() as connection:
        token = repo.find_token(connection, token_hash(secret))
    assert token is not None
    assert [s.value for s in token.scopes] == ["read", "write"]


def test_serve_runs_the_app_with_secrets_kept_out_of_the_access_log(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: served.update(app=app, **options))
    code, out, err = cli("serve", "--port", "8123")
    assert code == 0, err
    assert "http://127.0.0.1:8123/" in out
    assert (served["host"], served["port"]) == ("127.0.0.1", 8123)
    routes = {getattr(route, "path", "") for route in served["app"].routes}
    assert {"/api", "/static"} <= routes  # the API and the assets beside the pages
    assert served["log_config"]["handlers"]["access"]["filters"] == ["redact"]


def test_serve_points_the_pages_at_agendasync_sessionize_url(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: served.update(app=app, **options))

    monkeypatch.setenv("AGENDASYNC_SESSIONIZE_URL", "http://127.0.0.1:8600/mirror/")
    code, _, err = cli("serve")
    monkeypatch.setenv("AGENDASYNC_SESSIONIZE_URL", "sessionize.internal")
    refused, _, refusal = cli("serve")

    assert code == 0, err
    settings = served["app"].state.services.settings
    assert settings.sessionize_base_url == "http://127.0.0.1:8600/mirror"
    assert refused == 2
    assert "'sessionize.internal' is not a web address" in " ".join(
        line.strip(" │") for line in refusal.splitlines()
    )
