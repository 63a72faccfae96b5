"""Swoogo's REST API over HTTP: OAuth token, credits, errors (`shared/partners/swoogo.md`).

The client takes an injected `httpx.AsyncClient`, so tests choose the wire. It keeps the
bearer token fresh (refreshed 5 minutes before its 30 minutes are up, and once on a 401),
spends the credential's credit budget before each call (lists cost 10, other calls 1), and
turns answers into the `partners.exceptions` tree.
"""

from __future__ import annotations

import base64
import hashlib
import time
import weakref
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

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

DEFAULT_BASE_URL = "https://api.swoogo.com/api/v1"
LIST_COST = 10
CALL_COST = 1
PAGE_SIZE = 200
_REFRESH_EARLY_S = 5 * 60
_FALLBACK_LIFETIME_S = 25 * 60


# Bearer tokens by HTTP client and credentials: the runs that share a client (a worker's, the
# actions of one sync) share the token in hand (it costs a credit) until it is due for refresh.
_TOKENS: weakref.WeakKeyDictionary[httpx.AsyncClient, dict[tuple[str, str], tuple[str, float]]]
_TOKENS = weakref.WeakKeyDictionary()


class SwoogoClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        key: str,
        secret: str,
        base_url: str = DEFAULT_BASE_URL,
        budget: RateBudget | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.budget = budget
        self.clock = clock
        self.calls = 0
        self.credits = 0
        # RFC 1738-encode each part, join with ":", then Base64 (Swoogo's documented recipe).
        pair = f"{quote(key, safe='')}:{quote(secret, safe='')}"
        self._basic = base64.b64encode(pair.encode()).decode()
        self._key = (self.base_url, hashlib.sha256(self._basic.encode()).hexdigest())
        self._token: str | None = None
        self._refresh_at = 0.0

    # --- token --------------------------------------------------------------------------------

    async def _fresh_token(self) -> str:
        if self._token is None:
            self._token, self._refresh_at = self._shared().get(self._key, (None, 0.0))
        if self._token is None or self.clock() >= self._refresh_at:
            await self.authenticate()
        assert self._token is not None
        return self._token

    def _shared(self) -> dict[tuple[str, str], tuple[str, float]]:
        return _TOKENS.setdefault(self.http, {})

    def _forget_token(self) -> None:
        """Expired or revoked: no run through this client uses it again."""
        if self._shared().get(self._key, (None,))[0] == self._token:
            self._shared().pop(self._key, None)
        self._token = None

    async def authenticate(self) -> None:
        """Get a bearer token; `AuthFailed` names what Swoogo said about the credentials."""
        response = await self._send(
            "POST",
            "/oauth2/token",
            CALL_COST,
            headers={"Authorization": f"Basic {self._basic}"},
            data={"grant_type": "client_credentials"},
        )
        if response.status_code in (400, 401, 403):
            raise AuthFailed(f"Swoogo refused the consumer key and secret: {_message(response)}")
        self._raise_for_status(response, write=False)
        body = _json(response)
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
            raise PartnerError("the token answer has no access token: is this Swoogo's API?")
        self._token = body["access_token"]
        now = self.clock()
        expires = _expiry(body, now)
        # Refresh 5 minutes early (a fifth of the lifetime for short-lived tokens).
        self._refresh_at = expires - min(_REFRESH_EARLY_S, (expires - now) / 5)
        self._shared()[self._key] = (self._token, self._refresh_at)

    # --- calls --------------------------------------------------------------------------------

    async def get(self, path: str, **params: Any) -> Any:
        return await self.call("GET", path, params=params)

    async def list_all(self, path: str, **params: Any) -> list[dict[str, Any]]:
        """Every item of a list, page by page (200 a page, 10 credits a page)."""
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            body = await self.call(
                "GET", path, cost=LIST_COST, params={**params, "page": page, "per-page": PAGE_SIZE}
            )
            items.extend(body["items"])
            if page >= int(body["_meta"]["pageCount"]):
                return items
            page += 1

    async def call(
        self,
        method: str,
        path: str,
        *,
        cost: int = CALL_COST,
        params: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        json: Any = None,
        files: dict[str, Any] | None = None,
    ) -> Any:
        """One authenticated call; gets a new token once if Swoogo says this one expired."""
        write = method != "GET"
        for attempt in (1, 2):
            token = await self._fresh_token()
            response = await self._send(
                method,
                path,
                cost,
                headers={"Authorization": f"Bearer {token}"},
                params=params,
                data=data,
                json=json,
                files=files,
            )
            if response.status_code == 401 and attempt == 1:
                self._forget_token()  # one fresh token, one more try
                continue
            if response.status_code == 401:
                raise AuthFailed(f"Swoogo refused the token: {_message(response)}")
            self._raise_for_status(response, write=write)
            return None if response.status_code == 204 else _json(response)
        raise AssertionError("unreachable")

    async def _send(self, method: str, path: str, cost: int, **kwargs: Any) -> httpx.Response:
        spend = await self.budget.acquire(cost) if self.budget else None
        try:
            response = await self.http.request(method, self.base_url + path, **kwargs)
        except httpx.TimeoutException as exc:
            raise self._lost(method, path, exc) from exc
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            if spend and self.budget:
                self.budget.refund(spend)
            raise Transient(f"Swoogo is unreachable ({exc.__class__.__name__})") from exc
        except httpx.TransportError as exc:
            raise self._lost(method, path, exc) from exc
        finally:
            if spend and self.budget:
                self.budget.settle(spend)
        self.calls += 1
        if response.status_code in (401, 429) and spend and self.budget:
            self.budget.refund(spend)  # Swoogo charges nothing for these
        elif spend:
            self.credits += cost
        return response

    def _lost(self, method: str, path: str, exc: Exception) -> PartnerError:
        self.calls += 1
        what = f"no answer from Swoogo to {method} {path} ({exc.__class__.__name__})"
        return Transient(what) if method == "GET" else OutcomeUnknown(what)

    @staticmethod
    def _raise_for_status(response: httpx.Response, *, write: bool) -> None:
        status = response.status_code
        if 300 <= status < 400:
            raise PartnerError(f"Swoogo answered {status} (a redirect): is the base URL right?")
        if status < 300:
            return
        message = _message(response)
        if status == 429:
            reset = response.headers.get("Retry-After") or response.headers.get(
                "X-Rate-Limit-Reset", "1"
            )
            raise RateLimited(f"Swoogo rate limit: {message}", retry_after=float(reset))
        if status == 404:
            raise RemoteNotFound(f"not found on Swoogo: {message}")
        if status == 422:
            problems = [(p.get("field", ""), p.get("message", "")) for p in _json_list(response)]
            text = "; ".join(f"{f}: {m}" for f, m in problems) or message
            raise Rejected(f"Swoogo refused it: {text}", problems)
        if status >= 500:
            # A write answered with any 5xx may still have been stored: find it before retrying.
            raise (OutcomeUnknown if write else Transient)(f"Swoogo answered {status}: {message}")
        raise Rejected(f"Swoogo answered {status}: {message}")


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise PartnerError(
            f"Swoogo's answer to {response.request.method} {response.request.url.path} is not"
            " JSON: is the base URL Swoogo's API?"
        ) from None


def _expiry(body: dict[str, Any], now: float) -> float:
    """When the token stops working: `expires_in` if given, else `expires_at` (UTC)."""
    if "expires_in" in body:
        return now + float(body["expires_in"])
    try:
        at = datetime.strptime(body["expires_at"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except (KeyError, TypeError, ValueError):
        return now + _FALLBACK_LIFETIME_S
    return at.timestamp()


def _json_list(response: httpx.Response) -> list[dict[str, Any]]:
    try:
        body = response.json()
    except ValueError:
        return []
    return [p for p in body if isinstance(p, dict)] if isinstance(body, list) else []


def _message(response: httpx.Response) -> str:
    """Swoogo's documented error message; nothing else of an answer is ever quoted (an answer
    that is not Swoogo's could hold anything)."""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase or f"HTTP {response.status_code}"
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])
    if isinstance(body, list) and body and isinstance(body[0], dict):
        return "; ".join(f"{p.get('field')}: {p.get('message')}" for p in body)
    return response.reason_phrase
