"""Opening the store: engine set-up, and migrations applied on first use."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, exc, make_url
from sqlalchemy.engine import URL
from sqlalchemy.pool import ConnectionPoolEntry

from agendasync.store.exceptions import StoreUnavailable

DEFAULT_URL = "sqlite:///agendasync.db"


def database_url(explicit: str | None = None) -> str:
    """`--db URL`, else `AGENDASYNC_DATABASE_URL`, else `./agendasync.db`."""
    return explicit or os.environ.get("AGENDASYNC_DATABASE_URL") or DEFAULT_URL


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # Foreign keys are off by default in SQLite; WAL lets readers work while a sync writes.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _parse(url: str) -> URL:
    try:
        return make_url(url)
    except exc.ArgumentError as error:
        raise StoreUnavailable(
            "the database URL is not a URL; use sqlite:///path/to/file.db "
            "or postgresql+psycopg://user@host/database"
        ) from error


def _create_private_file(url: URL) -> None:
    """A new SQLite file is created readable by its owner only (it holds people's emails and
    sealed credentials); SQLite gives its journal files the same mode."""
    name = url.database
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    path = Path(name)
    if not path.parent.is_dir():
        raise StoreUnavailable(
            f"cannot create the database file {name}: the folder {path.parent} does not exist"
        )
    if path.is_dir():
        raise StoreUnavailable(f"the database file {name} is a folder")
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    except OSError as error:
        raise StoreUnavailable(
            f"cannot create the database file {name}: {error.strerror}"
        ) from None
    os.close(descriptor)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(files("agendasync.store") / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


class Store:
    """One database. `transaction()` gives a connection whose work commits or rolls back whole."""

    def __init__(self, url: str | None = None, *, migrate: bool = True) -> None:
        """Raises `StoreUnavailable`, in one line naming the problem, when the database cannot
        be opened."""
        self.url = database_url(url)
        parsed = _parse(self.url)
        try:
            self.engine: Engine = create_engine(self.url)
        except (exc.NoSuchModuleError, ModuleNotFoundError, exc.ArgumentError) as error:
            raise StoreUnavailable(
                f"unknown kind of database {parsed.drivername!r} in the database URL; "
                "use sqlite:///path/to/file.db or postgresql+psycopg://user@host/database"
            ) from error
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
            _create_private_file(parsed)
        try:
            if migrate and not self.is_current():
                self.upgrade()
        except exc.OperationalError as error:
            self.engine.dispose()
            reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
            where = parsed.render_as_string(hide_password=True)
            raise StoreUnavailable(f"cannot open the database {where}: {reason}") from None

    def beside(self, suffix: str) -> Path | None:
        """A file next to the SQLite database file (`demo.db` + `.key`: `demo.db.key`), as an
        absolute path; None for a database that is not a file (PostgreSQL, in memory)."""
        name = self.engine.url.database
        if self.engine.dialect.name != "sqlite" or not name or name == ":memory:":
            return None
        if name.startswith("file:"):
            return None
        return Path(f"{name}{suffix}").absolute()

    def is_current(self) -> bool:
        head = ScriptDirectory.from_config(alembic_config(self.url)).get_current_head()
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision() == head

    def upgrade(self) -> None:
        config = alembic_config(self.url)
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self.engine.begin() as connection:
            yield connection

    def close(self) -> None:
        self.engine.dispose()
