"""R-SYNC-6: one mapping's runs never overlap, whichever process starts them."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import uuid
import zlib
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text

from agendasync.store import Store

_LOCAL: dict[uuid.UUID, asyncio.Lock] = {}
_POLL_S = 0.2


@asynccontextmanager
async def mapping_lock(store: Store, mapping_id: uuid.UUID) -> AsyncIterator[None]:
    """Held for a whole run. On PostgreSQL a session advisory lock, so processes on every
    machine wait their turn; on SQLite a lock in this process and an exclusive lock on a file
    beside the database, so two processes (`serve` and a CLI sync) wait their turn too."""
    if store.engine.dialect.name == "postgresql":
        async with _advisory_lock(store, mapping_id):
            yield
        return
    async with _LOCAL.setdefault(mapping_id, asyncio.Lock()):
        folder = store.beside(".locks")
        if folder is None:  # in memory: one process can reach it
            yield
            return
        async with _file_lock(folder / f"{mapping_id}.lock"):
            yield


@asynccontextmanager
async def _advisory_lock(store: Store, mapping_id: uuid.UUID) -> AsyncIterator[None]:
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


@asynccontextmanager
async def _file_lock(path: Path) -> AsyncIterator[None]:
    """flock(2): released by the kernel when the process dies, so a killed run blocks no one."""
    path.parent.mkdir(mode=0o700, exist_ok=True)
    with _opened(path) as descriptor:
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                await asyncio.sleep(_POLL_S)
        try:
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)


@contextlib.contextmanager
def _opened(path: Path) -> Iterator[int]:
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        yield descriptor
    finally:
        os.close(descriptor)
