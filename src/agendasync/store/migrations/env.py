"""Alembic environment: runs on the connection the store hands over (or opens one)."""

from __future__ import annotations

import warnings

from alembic import context
from sqlalchemy import Connection, create_engine, text

from agendasync.store.tables import metadata

# Any fixed number: one migrator at a time when many workers start together on PostgreSQL.
_MIGRATION_LOCK = 0x61676E64


def _run(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


# SQLite cannot reflect the expression index on lower(email); migrations that rebuild
# `speakers` in batch mode re-create it themselves.
warnings.filterwarnings("ignore", message=".*expression-based index")

connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = create_engine(context.config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as own_connection:
        _run(own_connection)
