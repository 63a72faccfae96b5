"""The one ASGI app `agendasync serve` runs: the admin pages, the speaker portal and the REST API
(mounted at `/api`), sharing one session cookie and one set of services.

    app = create_app(store, box)

Hooks for the processes that share the web process:

* `sync_starter`: what starts a sync asked for on a page or through the API (anything with
  `start(mapping, *, action, trigger)`). By default the in-process dispatcher
  (`jobs.embedded.EmbeddedDispatcher`); on PostgreSQL, `serve` passes a job queue for the
  workers (`jobs.worker.QueuedSyncs`).
* `lifespan_tasks`: coroutine functions started when the server starts and cancelled when it
  stops (the dispatcher's schedule, or the job queue's connection). They run only under a
  server that runs the ASGI lifespan (`agendasync serve` does).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from typing import Any

from fastapi import Depends, FastAPI
from starlette.middleware.sessions import SessionMiddleware

from agendasync.api.app import create_api
from agendasync.jobs.embedded import EmbeddedDispatcher
from agendasync.services.accounts import Accounts
from agendasync.services.browser_session import check_csrf
from agendasync.services.context import PortalLinks, Services, WebSettings
from agendasync.services.sync_requests import SyncStarter
from agendasync.services.syncing import MappingRunner, SyncSettings
from agendasync.store import Store
from agendasync.store.secrets import SecretBox
from agendasync.web.app import SecurityHeaders, add_pages
from agendasync.web.render import TEMPLATES

LifespanTask = Callable[[], Coroutine[Any, Any, None]]
SESSION_COOKIE = "agendasync_session"


def create_app(
    store: Store,
    box: SecretBox,
    *,
    settings: WebSettings | None = None,
    accounts: Accounts | None = None,
    sync_starter: SyncStarter | None = None,
    lifespan_tasks: Sequence[LifespanTask] = (),
) -> FastAPI:
    settings = settings or WebSettings()
    services = Services(
        store=store,
        box=box,
        accounts=accounts or Accounts(store),
        syncs=sync_starter
        or EmbeddedDispatcher(
            store,
            MappingRunner(
                store,
                box,
                settings=SyncSettings(allow_private_urls=settings.allow_private_partner_urls),
            ),
        ),
        settings=settings,
        portal=PortalLinks(box.derive("agendasync.portal-links")),
    )

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        tasks = [asyncio.create_task(task()) for task in lifespan_tasks]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            if isinstance(services.syncs, EmbeddedDispatcher):
                await services.syncs.aclose()

    app = FastAPI(
        title="agendasync",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
        # Every form post is checked against the session's CSRF token.
        dependencies=[Depends(check_csrf)],
    )
    app.state.services = services
    app.add_middleware(
        SessionMiddleware,
        secret_key=box.derive("agendasync.session-cookie").hex(),
        session_cookie=SESSION_COOKIE,
        max_age=settings.session_max_age_s,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.add_middleware(SecurityHeaders)
    app.mount("/api", create_api(services, TEMPLATES))
    add_pages(app)
    return app
