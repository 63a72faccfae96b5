"""Serve a simulator's ASGI app on loopback, in a background thread or its own process.

Tests, benchmarks, the demo and `agendasync simulate` all run simulators this way, so
connectors always talk real HTTP. A benchmark serves the partner from its own process, so that
the partner's work does not share our process's CPU, as it would not in production.
"""

from __future__ import annotations

import importlib
import multiprocessing
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serve_in_thread(app: Any, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Run `app` until the block ends; yields its base URL (`http://host:port`)."""
    port = port or free_port(host)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"simulator:{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"simulator did not start on {host}:{port}")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _serve_factory(factory: str, host: str, port: int, kwargs: dict[str, Any]) -> None:
    module, _, name = factory.partition(":")
    app = getattr(importlib.import_module(module), name)(**kwargs)
    uvicorn.run(app, host=host, port=port, log_level="warning", lifespan="off")


@contextmanager
def serve_in_process(
    factory: str, *, options: dict[str, Any] | None = None, host: str = "127.0.0.1"
) -> Iterator[str]:
    """Run the app `factory` ("module:function", called with `options`) in a process of its own
    until the block ends; yields its base URL."""
    port = free_port(host)
    process = multiprocessing.get_context("spawn").Process(
        target=_serve_factory, args=(factory, host, port, options or {}), daemon=True
    )
    process.start()
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection((host, port), timeout=0.2).close()
            break
        except OSError:
            if not process.is_alive() or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"{factory} did not start on {host}:{port}") from None
            time.sleep(0.05)
    try:
        yield f"http://{host}:{port}"
    finally:
        process.terminate()
        process.join(timeout=10)
