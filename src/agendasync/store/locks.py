"""R-SYNC-6: one mapping's runs never overlap, whichever process starts them."""

from __future__ import annotations

import asyncio
import uuid
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text

from agendasync.store import Store

_LOCAL: dict[uuid.UUID, asyncio.Lock] = {}
_POLL_S = 0.2


@asynccontextmanager
async def mapping_lock(store: Store, mapping_id: uuid.UUID) -> AsyncIterator[None]:
    """Held for a whole run. On PostgreSQL a session advisory lock, so processes on every
    machine wait their turn; on SQLite (one process syncs: `serve`) a lock in this process."""
    if store.engine.dialect.name != "postgresql":
        async with _LOCAL.setdefault(mapping_id, asyncio.Lock()):
            yield
        return
    key = zlib.crc32(f"agendasync-mapping:{mapping_id}".encode())
    with store.engine.connect() as connection:
        # Polled, not blocking: a blocking wait would stall this process's event loop.
        while not connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
            connection.commit()
            await asyncio.sleep(_POLL_S)
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            connection.commit()
