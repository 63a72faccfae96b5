"""ASP Events' public API over HTTP: token exchange, Bearer calls, lists, errors.

The client takes an injected `httpx.AsyncClient`. It exchanges the key and secret for a token
(`POST /public/token`, a bare JSON string, lifetime in `Authentication-Info: expires-in=N`),
refreshes it shortly before it expires and once on a `401`, pages lists with `O`/`L` and turns
every answer into the `sync.errors` tree.
"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from agendasync.sync.budget import RateBudget
from agendasync.sync.errors import (
    AuthFailed,
    OutcomeUnknown,
    PartnerError,
    RateLimited,
    Rejected,
    RemoteNotFound,
    Transient,
)

# Our choice: ASP's documented API host (`asp_gleanin.md` §1.1); every path starts `/public`.
DEFAULT_BASE_URL = "https://api.showoff.asp.events"
PREFIX = "/public"
PAGE_SIZE = 1000  # ASP's largest `L`
_DEFAULT_LIFETIME_S = 3600.0
_EXPIRES_IN = re.compile(r"expires-in\s*=\s*(\d+)", re.IGNORECASE)


class Conflict(Rejected):
    """`409`: a unique value (email, `sessionboard_id`) is held by `existing`."""

    def __init__(self, message: str, problems: list[tuple[str, str]], existing: str | None) -> None:
        super().__init__(message, problems)
        self.existing = existing


class AspClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        key: str,
        secret: str,
        base_url: str = DEFAULT_BASE_URL,
        budget: RateBudget | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/") + PREFIX
        self.budget = budget
        self.clock = clock
        self.calls = 0
        self.credits = 0
        self._basic = base64.b64encode(f"{key}:{secret}".encode()).decode()
        self._token: str | None = None
        self._refresh_at = 0.0

    # --- token --------------------------------------------------------------------------------

    async def authenticate(self) -> None:
        """A new token; `AuthFailed` when ASP refuses the key and secret."""
        response = await self._send(
            "POST", "/token", headers={"Authorization": f"Basic {self._basic}"}
        )
        if response.status_code in (400, 401, 403):
            raise AuthFailed(f"ASP Events refused the API key and secret: {_message(response)}")
        _raise_for_status(response, write=False)
        token = _json(response)
        if isinstance(token, dict):  # tolerated: {"access_token": ...}
            token = token.get("access_token")
        if not isinstance(token, str) or not token:
            raise PartnerError("the token answer holds no token: is this ASP Events' API?")
        self._token = token
        found = _EXPIRES_IN.search(response.headers.get("Authentication-Info", ""))
        lifetime = float(found.group(1)) if found else _DEFAULT_LIFETIME_S
        self._refresh_at = self.clock() + lifetime - min(60.0, lifetime / 5)

    async def _fresh_token(self) -> str:
        if self._token is None or self.clock() >= self._refresh_at:
            await self.authenticate()
        assert self._token is not None
        return self._token

    # --- calls --------------------------------------------------------------------------------

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        """One call with the Bearer token; a new token once if ASP says it is not valid."""
        write = method != "GET"
        for attempt in (1, 2):
            token = await self._fresh_token()
            response = await self._send(
                method,
                path,
                headers={"Authorization": f"Bearer {token}"},
                params=dict(params or {}),
                json=json,
            )
            if response.status_code == 401 and attempt == 1:
                self._token = None
                continue
            if response.status_code == 401:
                raise AuthFailed(f"ASP Events refused the token: {_message(response)}")
            _raise_for_status(response, write=write)
            return None if response.status_code == 204 else _json(response)
        raise AssertionError("unreachable")

    async def list_all(self, path: str, **params: Any) -> list[dict[str, Any]]:
        """Every record of a list, page by page (`O`, `L`, until no `rel="next"`)."""
        rows: list[dict[str, Any]] = []
        offset = 0
        while True:
            page, more = await self._page(path, {**params, "O": offset, "L": PAGE_SIZE})
            rows.extend(page)
            if not more or not page:
                return rows
            offset += len(page)

    async def _page(self, path: str, params: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
        for attempt in (1, 2):
            token = await self._fresh_token()
            response = await self._send(
                "GET", path, headers={"Authorization": f"Bearer {token}"}, params=params
            )
            if response.status_code == 401 and attempt == 1:
                self._token = None
                continue
            if response.status_code == 401:
                raise AuthFailed(f"ASP Events refused the token: {_message(response)}")
            _raise_for_status(response, write=False)
            body = _json(response)
            if not isinstance(body, list):
                raise PartnerError(f"ASP Events answered GET {path} with something not a list")
            return [row for row in body if isinstance(row, dict)], _has_next(response)
        raise AssertionError("unreachable")

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        spend = await self.budget.acquire(1) if self.budget else None
        try:
            response = await self.http.request(method, self.base_url + path, **kwargs)
        except httpx.ConnectError as exc:
            if spend and self.budget:
                self.budget.refund(spend)
            raise Transient(f"ASP Events is unreachable ({exc.__class__.__name__})") from exc
        except httpx.TransportError as exc:  # timeouts, dropped connections
            self.calls += 1
            what = f"no answer from ASP Events to {method} {path} ({exc.__class__.__name__})"
            raise (Transient if method == "GET" else OutcomeUnknown)(what) from exc
        finally:
            if spend and self.budget:
                self.budget.settle(spend)
        self.calls += 1
        self.credits += 1
        return response


def _has_next(response: httpx.Response) -> bool:
    return any(
        'rel="next"' in part or "rel=next" in part
        for part in response.headers.get("Link", "").split(",")
    )


def _raise_for_status(response: httpx.Response, *, write: bool) -> None:
    status = response.status_code
    if 300 <= status < 400:
        raise PartnerError(f"ASP Events answered {status} (a redirect): is the base URL right?")
    if status < 300:
        return
    message = _message(response)
    if status == 429:
        wait = response.headers.get("Retry-After", "1")
        try:
            retry_after = float(wait)
        except ValueError:
            retry_after = 1.0
        raise RateLimited(f"ASP Events rate limit: {message}", retry_after=retry_after)
    if status >= 500:
        # A write answered with a 5xx may have been stored: find it before sending it again.
        raise (OutcomeUnknown if write else Transient)(f"ASP Events answered {status}: {message}")
    if status == 404:
        raise RemoteNotFound(f"not found on ASP Events: {message}")
    details = _details(response)
    problems = [(str(d.get("field", "")), str(d.get("issue", ""))) for d in details]
    if status == 409:
        existing = next((str(d["existingUuid"]) for d in details if d.get("existingUuid")), None)
        raise Conflict(f"ASP Events refused it: {message}", problems, existing)
    raise Rejected(f"ASP Events refused it ({status}): {message}", problems)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise PartnerError(
            f"ASP Events' answer to {response.request.method} {response.request.url.path} is not"
            " JSON: is the base URL ASP Events' API?"
        ) from None


def _body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _details(response: httpx.Response) -> list[dict[str, Any]]:
    details = _body(response).get("details")
    return [d for d in details if isinstance(d, dict)] if isinstance(details, list) else []


def _message(response: httpx.Response) -> str:
    """ASP's documented `message` (or `error`), else the status phrase; never the raw body."""
    body = _body(response)
    text = body.get("message") or body.get("error")
    return str(text) if text else (response.reason_phrase or str(response.status_code))
