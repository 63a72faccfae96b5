"""Shared fixtures: the store on SQLite and on PostgreSQL.

Store tests take the `store` fixture and run once per database. PostgreSQL is the one at
`AGENDASYNC_TEST_POSTGRES_URL` (default: this machine's, database `test`); each test run works
in a schema of its own. Without a reachable PostgreSQL its tests are skipped, except under CI
(`CI` set), where that fails the run.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from agendasync.store import Store
from agendasync.store.tables import metadata

# Shared test helpers that test modules both import and load as plugins (`pytest_plugins`).
pytest.register_assert_rewrite("sessionize_world")

POSTGRES_URL = os.environ.get(
    "AGENDASYNC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _postgres_reachable() -> str | None:
    engine = sa.create_engine(POSTGRES_URL)
    try:
        with engine.connect():
            return None
    except sa.exc.OperationalError as exc:
        return str(exc).splitlines()[0]
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def postgres_schema_url() -> Iterator[str]:
    """A URL whose connections work in a fresh schema, dropped at the end of the run."""
    problem = _postgres_reachable()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required under CI and unreachable: {problem}")
        pytest.skip(f"PostgreSQL unreachable: {problem}")
    schema = f"agendasync_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_store(postgres_schema_url: str) -> Iterator[Store]:
    store = Store(postgres_schema_url)
    yield store
    store.close()


def _empty(store: Store) -> None:
    with store.transaction() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite database with every migration applied, to copy (migrating takes ~80 ms,
    copying ~1 ms)."""
    path = tmp_path_factory.mktemp("template") / "agendasync.db"
    Store(f"sqlite:///{path}").close()  # closing the last connection folds the WAL back in
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    """An empty, migrated store on each database."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("store") / "agendasync.db"
        shutil.copyfile(request.getfixturevalue("migrated_sqlite_file"), path)
        sqlite_store = Store(f"sqlite:///{path}")
        yield sqlite_store
        sqlite_store.close()
    else:
        postgres: Store = request.getfixturevalue("postgres_store")
        _empty(postgres)
        yield postgres


class QueryCounter:
    """Counts the statements a store sends while `counting` is on."""

    def __init__(self, store: Store) -> None:
        self.count = 0
        self.counting = False
        sa.event.listen(store.engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: object) -> None:
        if self.counting:
            self.count += 1


@pytest.fixture
def query_counter(store: Store) -> Iterator[QueryCounter]:
    counter = QueryCounter(store)
    yield counter
    sa.event.remove(store.engine, "before_cursor_execute", counter._seen)


@pytest.fixture(autouse=True)
def _secret_key_file(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Commands that make a key file on first use make it in a temporary folder."""
    folder = tmp_path_factory.mktemp("keys")
    monkeypatch.setenv("AGENDASYNC_SECRET_KEY_FILE", str(folder / "agendasync.key"))
