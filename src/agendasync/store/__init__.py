"""The content store: SQLite by default, PostgreSQL through the same URL setting."""

from agendasync.store.db import Store, database_url

__all__ = ["Store", "database_url"]
