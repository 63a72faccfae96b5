"""The pages' part of the server's app: routers, static files, error pages, security headers."""

from __future__ import annotations

from importlib.resources import files
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agendasync.services.access import Forbidden
from agendasync.services.browser_session import CsrfRefused, Flash, flash, session_key_of
from agendasync.services.context import services
from agendasync.store.exceptions import NotFound
from agendasync.web import (
    pages_account,
    pages_event,
    pages_events_edit,
    pages_exhibitors,
    pages_fields,
    pages_org,
    pages_people,
    pages_schedule,
    pages_sessions,
    pages_taxonomy,
    pages_users,
    portal,
    public_feeds,
)
from agendasync.web.render import LoginRequired, login_redirect, redirect, render, safe_back

# Pages use only scripts served from this site (ours and the vendored htmx; never inline, never
# eval), no inline styles, and nothing from other sites.
_SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; img-src 'self' data: https:; "
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
        pages_users,
        pages_fields,
        pages_event,
        pages_people,
        pages_exhibitors,
        pages_events_edit,
        pages_sessions,
        pages_taxonomy,
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
        """A stale form (its session expired, or it was signed out since) changes nothing and
        leads back: to sign in first when nobody is signed in, then to the page it came from."""
        form = await request.form()  # parsed already by the check
        back = _page_of(request, str(form.get("next", "")) if request.url.path == "/login" else "")
        key = session_key_of(request)
        if key is None or services(request).accounts.session_principal(key) is None:
            text = (
                "The sign-in form had expired: please sign in again."
                if request.url.path == "/login"
                else "Your session had expired: sign in, then try again."
            )
            flash(request, Flash("warning", text))
            return login_redirect(LoginRequired(back))
        flash(
            request,
            Flash("warning", "That form had expired, so nothing was changed: please try again."),
        )
        return redirect(back)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return _error_page(request, 404, "Page not found", "There is no page at this address.")
        if exc.status_code == 405:
            return _error_page(
                request, 405, "Not available", "This address cannot be opened like that."
            )
        return _error_page(request, exc.status_code, "Something went wrong", str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def bad_parameters(request: Request, exc: RequestValidationError) -> Response:
        names = sorted({str(error["loc"][-1]) for error in exc.errors() if error.get("loc")})
        what = ", ".join(names) or "the address"
        return _error_page(
            request,
            400,
            "This address is not right",
            f"Check {what}: the value given cannot be used here.",
        )


def _page_of(request: Request, given: str) -> str:
    """Where a refused form leads back to: the page it says, or the one it was on (the
    Referer, sent only from this site), or the start."""
    if given:
        return safe_back(given, "/")
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc and referer.netloc == request.url.netloc and referer.path != "/login":
        path = referer.path + (f"?{referer.query}" if referer.query else "")
        return safe_back(path, "/")
    return "/"
