"""Gleanin's client API over HTTP: Bearer token, JSON:API documents, errors (README decisions).

The client takes an injected `httpx.AsyncClient`, spends one unit of the credential's budget per
call and turns every answer into the `sync.errors` tree: any 5xx, timeout or broken connection on
a write is `OutcomeUnknown` (it may have landed); a redirect or a body that is not JSON is a
`PartnerError` that quotes nothing of the body.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from agendasync.sync.budget import RateBudget
from agendasync.sync.errors import (
    AuthFailed,
    Clash,
    OutcomeUnknown,
    PartnerError,
    RateLimited,
    Rejected,
    RemoteNotFound,
    Transient,
)

DEFAULT_BASE_URL = "https://app.gleanin.com/api/clients/v1"
MEDIA_TYPE = "application/vnd.api+json"
PAGE_SIZE = 100  # Gleanin's largest page
_JSON_TYPES = (MEDIA_TYPE, "application/json")

Document = dict[str, Any]


class GleaninClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        token: str,
        base_url: str = DEFAULT_BASE_URL,
        budget: RateBudget | None = None,
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.budget = budget
        self.calls = 0
        self.credits = 0
        self._headers = {"Authorization": f"Bearer {token}", "Accept": MEDIA_TYPE}

    async def get(self, path: str, **params: Any) -> Document:
        body = await self.call("GET", path, params=params)
        assert body is not None
        return body

    async def list_all(self, path: str, **params: Any) -> list[dict[str, Any]]:
        """Every resource of a list, following `links.next` (100 a page)."""
        found: list[dict[str, Any]] = []
        number = 1
        while True:
            page = {**params, "page[number]": number, "page[size]": PAGE_SIZE}
            body = await self.get(path, **page)
            data = body.get("data")
            if not isinstance(data, list):
                raise PartnerError(f"Gleanin's list {path} has no data array")
            found.extend(data)
            if not (body.get("links") or {}).get("next") or not data:
                return found
            number += 1

    async def write(
        self, method: str, path: str, document: Document | None = None, **params: Any
    ) -> Document | None:
        return await self.call(method, path, params=params, document=document)

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        document: Document | None = None,
    ) -> Document | None:
        write = method != "GET"
        headers = dict(self._headers)
        content = None
        if document is not None:
            headers["Content-Type"] = MEDIA_TYPE
            content = json.dumps(document).encode()
        spend = await self.budget.acquire(1) if self.budget else None
        try:
            response = await self.http.request(
                method, self.base_url + path, params=params, headers=headers, content=content
            )
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            if spend and self.budget:
                self.budget.refund(spend)
            raise Transient(f"Gleanin is unreachable ({exc.__class__.__name__})") from exc
        except httpx.TransportError as exc:  # sent, and no intact answer came back
            self.calls += 1
            what = f"no answer from Gleanin to {method} {path} ({exc.__class__.__name__})"
            raise (OutcomeUnknown if write else Transient)(what) from exc
        finally:
            if spend and self.budget:
                self.budget.settle(spend)
        self.calls += 1
        self.credits += 1
        _raise_for_status(response, write=write)
        if response.status_code == 204:
            return None
        return _json(response)


def _json(response: httpx.Response) -> Document:
    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
    what = f"{response.request.method} {response.request.url.path}"
    if media not in _JSON_TYPES:
        raise PartnerError(f"Gleanin's answer to {what} is not JSON: is the base URL right?")
    try:
        body = response.json()
    except ValueError:
        raise PartnerError(f"Gleanin's answer to {what} is not valid JSON") from None
    if not isinstance(body, dict):
        raise PartnerError(f"Gleanin's answer to {what} is not a JSON:API document")
    return body


def _errors(response: httpx.Response) -> list[dict[str, Any]]:
    try:
        body = response.json()
    except ValueError:
        return []
    errors = body.get("errors") if isinstance(body, dict) else None
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def _field(error: Mapping[str, Any]) -> str:
    source = error.get("source")
    if not isinstance(source, dict):
        source = {}
    pointer = str(source.get("pointer") or source.get("parameter") or "")
    return pointer.rsplit("/", 1)[-1]


def _raise_for_status(response: httpx.Response, *, write: bool) -> None:
    status = response.status_code
    if status < 300:
        return
    if status < 400:
        raise PartnerError(f"Gleanin answered {status} (a redirect): is the base URL right?")
    errors = _errors(response)
    problems = [(_field(e), str(e.get("detail") or e.get("title") or "")) for e in errors]
    message = "; ".join(detail for _, detail in problems) or response.reason_phrase
    codes = {str(e.get("code")) for e in errors}
    if status == 401:
        raise AuthFailed(f"Gleanin refused the API token: {message}")
    if status == 429:
        try:
            wait = float(response.headers.get("Retry-After", "1"))
        except ValueError:
            wait = 1.0
        raise RateLimited(f"Gleanin rate limit: {message}", retry_after=wait)
    if status == 404:
        raise RemoteNotFound(f"not found on Gleanin: {message}")
    if status >= 500:
        # A write answered with any 5xx may still have been stored: find it before retrying.
        raise (OutcomeUnknown if write else Transient)(f"Gleanin answered {status}")
    if status == 422 and "taken" in codes and any(f == "email" for f, _ in problems):
        raise Clash(f"the email belongs to another Gleanin contact: {message}", problems)
    raise Rejected(f"Gleanin refused it: {message}", problems)
