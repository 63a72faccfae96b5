"""The browser session: who is logged in, the CSRF token, flash messages, syncs to report on.

The session lives in a signed cookie (Starlette's `SessionMiddleware`: `HttpOnly`,
`SameSite=Lax`, `Secure` when configured), so it holds only small things: the session key, the
token, a few messages. Who is signed in is what the store says of the key
(`Accounts.session_principal`): a cookie copied before signing out no longer lets anyone in.
Every form carries the session's CSRF token and every POST is checked against it.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import asdict, dataclass
from typing import Any, Literal

from starlette.requests import Request

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
_MAX_FLASHES = 6  # a cookie holds about 4 KB; older messages give way to newer ones

FlashLevel = Literal["info", "success", "warning", "error"]


class CsrfRefused(Exception):
    """A form was posted without this session's CSRF token (or with another)."""


def session_key_of(request: Request) -> str | None:
    """The key of this browser's signed-in session, if it claims one (the store decides)."""
    value = request.session.get("session_key")
    return value if isinstance(value, str) and value else None


def csrf_token_of(request: Request) -> str | None:
    token: str | None = request.session.get("csrf")
    return token


def csrf_token(request: Request) -> str:
    """This session's CSRF token, made on first use."""
    token = csrf_token_of(request)
    if token is None:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def check_csrf(request: Request) -> None:
    """Refuse a POST whose form lacks this session's token (applied to every page route)."""
    if request.method != "POST":
        return
    form = await request.form()  # cached: the route's own `Form` parameters read it again
    sent = form.get(CSRF_FIELD)
    expected = csrf_token_of(request)
    if not isinstance(sent, str) or not expected or not hmac.compare_digest(sent, expected):
        raise CsrfRefused()


def log_in(request: Request, session_key: str) -> None:
    # A fresh session (and CSRF token) at every login: nothing from before carries over.
    request.session.clear()
    request.session["session_key"] = session_key
    csrf_token(request)


def client_address(request: Request) -> str:
    """Where a request comes from (behind a proxy, what `--proxy-headers` made of it)."""
    return request.client.host if request.client else ""


def log_out(request: Request) -> None:
    request.session.clear()


@dataclass(frozen=True)
class Flash:
    level: FlashLevel
    text: str
    link: str | None = None
    link_text: str | None = None


def flash(request: Request, message: Flash) -> None:
    flashes: list[dict[str, Any]] = request.session.get("flashes", [])
    request.session["flashes"] = [*flashes, asdict(message)][-_MAX_FLASHES:]


def take_flashes(request: Request) -> list[Flash]:
    return [Flash(**item) for item in request.session.pop("flashes", [])]
