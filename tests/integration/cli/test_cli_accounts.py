"""`agendasync token list|revoke` and `user list` against a real SQLite file: tables that fit
80 columns, JSON for machines, and errors that name the problem."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import insert
from typer.testing import CliRunner

from agendasync.cli import app
from agendasync.cli.base import state
from agendasync.domain.accounts import Role
from agendasync.services.accounts import Accounts
from agendasync.store import Store
from agendasync.store import accounts as repo
from agendasync.store import tables as t
from agendasync.store.events import find_organisation

PASSWORD = "long enough password"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("AGENDASYNC_SECRET_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("COLUMNS", "80")
    database = f"sqlite:///{tmp_path / 'cli.db'}"

    def invoke(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
        state.store = None
        result = CliRunner().invoke(app, ["--db", database, *args], input=stdin)
        return result.exit_code, result.stdout, result.stderr

    assert invoke("org", "create", "Acme Events")[0] == 0
    assert invoke("org", "create", "Beta")[0] == 0
    invoke.database = database  # type: ignore[attr-defined]
    return invoke


def _secret(out: str) -> str:
    return out.strip().splitlines()[-1]


def _fits(out: str) -> None:
    assert max(len(line) for line in out.splitlines()) <= 80, out


def test_token_list_fits_80_columns_and_tells_same_named_tokens_apart(cli: Any) -> None:
    name = "website build for the conference site"
    first = _secret(cli("token", "create", "--org", "acme-events", "--name", name)[1])
    second = _secret(cli("token", "create", "--org", "acme-events", "--name", name)[1])
    store = Store(cli.database)
    with store.transaction() as connection:
        acme = find_organisation(connection, "acme-events")
        connection.execute(
            insert(t.api_tokens).values(
                id=uuid.uuid4(),
                org_id=acme.id,
                name="older",
                token_hash="0" * 64,
                scopes=["read"],
                created_at=datetime(2026, 1, 5, 8, 30, tzinfo=UTC),
            )
        )
    Accounts(store).token_principal(second)  # used once

    code, out, err = cli("token", "list", "acme-events")
    assert code == 0, err
    _fits(out)
    lines = out.splitlines()
    assert lines[0].strip() == "API tokens of Acme Events (3)"
    assert "created (UTC)" in out
    assert "last used (UTC)" in out
    rows = [line for line in lines if line.startswith("│")]
    cells = [[cell.strip() for cell in row.strip("│").split("│")] for row in rows]
    # Each token's row: the name (wrapped), how it starts, when made; never the token itself.
    assert [row[1] for row in cells if row[1]] == ["-", first[:11], second[:11]]
    assert first not in out
    assert second not in out
    assert cells[0][:4] == ["older", "-", "2026-01-05 08:30", "never"]

    code, out, err = cli("token", "list", "Acme Events", "--json")
    assert code == 0, err
    listed = json.loads(out)
    assert [(token["name"], token["prefix"], token["scopes"]) for token in listed] == [
        ("older", None, ["read"]),
        (name, first[:11], ["read"]),
        (name, second[:11], ["read"]),
    ]
    assert [token["last_used_at"] is None for token in listed] == [True, True, False]
    assert listed[0]["created_at"] == "2026-01-05T08:30:00+00:00"


def test_token_revoke_by_prefix_or_id_and_errors_that_name_the_problem(cli: Any) -> None:
    first = _secret(cli("token", "create", "--org", "acme-events", "--name", "site")[1])
    second = _secret(cli("token", "create", "--org", "acme-events", "--name", "site")[1])
    beta = _secret(cli("token", "create", "--org", "beta", "--name", "site")[1])

    assert cli("token", "revoke", "acme-events", "agst_") == (
        1,
        "",
        "error: 2 tokens start with 'agst_'; give more of the prefix, or the id\n",
    )
    assert cli("token", "revoke", "acme-events", beta[:11]) == (
        1,
        "",
        f"error: no API token with the prefix or id {beta[:11]!r}\n",
    )
    assert cli("token", "revoke", "nowhere", first[:11]) == (
        1,
        "",
        "error: no organisation named 'nowhere'\n",
    )
    code, out, err = cli("token", "revoke", "acme-events", first[:11])
    assert (code, out, err) == (0, f"revoked token site ({first[:11]}) of Acme Events\n", "")
    listed = json.loads(cli("token", "list", "acme-events", "--json")[1])
    assert [token["prefix"] for token in listed] == [second[:11]]
    code, out, _ = cli("token", "revoke", "acme-events", listed[0]["id"])
    assert (code, out) == (0, f"revoked token site ({second[:11]}) of Acme Events\n")
    assert json.loads(cli("token", "list", "acme-events", "--json")[1]) == []
    assert Accounts(Store(cli.database)).token_principal(first) is None
    assert Accounts(Store(cli.database)).token_principal(beta) is not None


def test_user_list_every_organisation_or_one(cli: Any) -> None:
    accounts = Accounts(Store(cli.database))
    accounts.create_user("ada@example.com", PASSWORD, org="acme-events", role=Role.ADMIN)
    accounts.create_user("ada@example.com", PASSWORD, org="beta", role=Role.VIEWER)
    accounts.create_user("bob@example.com", PASSWORD, org="beta", role=Role.EDITOR)
    accounts.create_user("cy@example.com", PASSWORD, org="beta", role=Role.ADMIN)
    store = Store(cli.database)
    with store.transaction() as connection:
        beta = find_organisation(connection, "beta")
        cy = repo.find_user(connection, "cy@example.com")
        assert cy is not None
        repo.delete_membership(connection, cy.id, beta.id)  # in no organisation now

    code, out, err = cli("user", "list")
    assert code == 0, err
    _fits(out)
    rows = [
        [cell.strip() for cell in line.strip("│").split("│")]
        for line in out.splitlines()
        if line.startswith("│")
    ]
    assert rows == [
        ["ada@example.com", "acme-events", "admin"],
        ["ada@example.com", "beta", "viewer"],
        ["bob@example.com", "beta", "editor"],
        ["cy@example.com", "(none)", ""],
    ]
    code, out, _ = cli("user", "list", "beta", "--json")
    assert code == 0
    assert json.loads(out) == [
        {"email": "ada@example.com", "organisation": "beta", "role": "viewer"},
        {"email": "bob@example.com", "organisation": "beta", "role": "editor"},
    ]
    assert cli("user", "list", "gamma") == (1, "", "error: no organisation named 'gamma'\n")


@pytest.mark.parametrize(
    "command", [("token", "list"), ("token", "revoke"), ("user", "list"), ("token",), ("user",)]
)
def test_help_is_plain_words_within_80_columns(cli: Any, command: tuple[str, ...]) -> None:
    code, out, _ = cli(*command, "--help")
    assert code == 0
    _fits(out)
    assert "R-" not in out
