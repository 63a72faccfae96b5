"""The pages' part of the server's app: routers, static files, error pages, security headers."""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agendasync.services.access import Forbidden
from agendasync.services.browser_session import CsrfRefused
from agendasync.store.exceptions import NotFound
from agendasync.web import (
    pages_account,
    pages_event,
    pages_fields,
    pages_org,
    pages_schedule,
    portal,
    public_feeds,
)
from agendasync.web.render import LoginRequired, login_redirect, render

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


def add_pages(app: FastAPI) -> None:
    """The pages, the portal, their static files and their error pages, on the server's app."""
    _install_page_errors(app)
    pages = (
        pages_account,
        pages_org,
        pages_fields,
        pages_event,
        pages_schedule,
        portal,
        public_feeds,
    )
    for router in (page.router for page in pages):
        app.include_router(router, include_in_schema=False)
    app.mount(
        "/static", StaticFiles(directory=str(files("agendasync.web") / "static")), name="static"
    )


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
