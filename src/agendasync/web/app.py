"""One ASGI app: the admin pages, the speaker portal and the REST API (mounted at `/api`).

    app = create_app(store, box)                     # what `agendasync serve` runs

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
from importlib.resources import files
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agendasync.api.app import create_api
from agendasync.jobs.embedded import EmbeddedDispatcher
from agendasync.secrets import SecretBox
from agendasync.services.access import Forbidden
from agendasync.services.accounts import Accounts
from agendasync.services.syncing import mapping_runner
from agendasync.store import Store
from agendasync.store.exceptions import NotFound
from agendasync.web import pages_account, pages_event, pages_org, portal
from agendasync.web.context import PortalLinks, Services, WebSettings
from agendasync.web.render import TEMPLATES, LoginRequired, login_redirect, render
from agendasync.web.session import CsrfRefused, check_csrf
from agendasync.web.syncs import SyncStarter

LifespanTask = Callable[[], Coroutine[Any, Any, None]]
SESSION_COOKIE = "agendasync_session"

# Pages use no scripts at all, no inline styles, and nothing from other sites.
_SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'none'; img-src 'self' data: https:; "
        b"frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]


class SecurityHeaders:
    """Adds the security headers to every answer (unless a route set its own)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [
                    *message.get("headers", []),
                    *((n, v) for n, v in _SECURITY_HEADERS if n not in present),
                ]
            await send(message)

        await self.app(scope, receive, with_headers)


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
        syncs=sync_starter or EmbeddedDispatcher(store, mapping_runner(store, box)),
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
    _install_page_errors(app)

    for router in (pages_account.router, pages_org.router, pages_event.router, portal.router):
        app.include_router(router, include_in_schema=False)
    app.mount("/api", create_api(services, TEMPLATES))
    app.mount(
        "/static", StaticFiles(directory=str(files("agendasync.web") / "static")), name="static"
    )
    return app


def _error_page(request: Request, status: int, heading: str, message: str) -> HTMLResponse:
    return render(
        request, "error.html", {"heading": heading, "message": message}, status_code=status
    )


def _install_page_errors(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(_: Request, exc: LoginRequired) -> Response:
        return login_redirect(exc)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return _error_page(request, 404, "Not found", str(exc))

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return _error_page(request, 403, "Not allowed", str(exc))

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, _: CsrfRefused) -> Response:
        return _error_page(
            request,
            403,
            "The form has expired",
            "Go back, reload the page and try again.",
        )
