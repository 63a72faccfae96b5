"""ExpoPlatform's Public API over HTTP: the key, the envelope, errors (`partners/expoplatform.md`).

The client takes an injected `httpx.AsyncClient`. Every call sends `Authorization: Basic
<API key>` (the key as it is), spends one unit of the declared budget, and turns the answer into
its envelope's `data` or the `sync.errors` tree. The envelope's `code` counts as much as the
HTTP status: the platform can put an error inside a `200`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NoReturn
from urllib.parse import urlencode

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

API_PATH = "/api/v2"
PAGE_SIZE = 100  # the documented maximum `limit`
TITLE = "ExpoPlatform"

FormValue = str | int | Sequence[str | int]


def form_pairs(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A form as ExpoPlatform reads it: lists repeat their name with brackets
    (`speakers[]=71&speakers[]=72`); an empty list is sent as one empty value, which clears it."""
    pairs: list[tuple[str, str]] = []
    for name, value in values.items():
        if isinstance(value, list | tuple):
            pairs += [(f"{name}[]", str(v)) for v in value] or [(f"{name}[]", "")]
        elif value is None:
            pairs.append((name, ""))
        else:
            pairs.append((name, str(value)))
    return pairs


class ExpoClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        api_key: str,
        base_url: str,
        budget: RateBudget | None = None,
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/") + API_PATH
        self.budget = budget
        self.calls = 0
        self.credits = 0
        self._headers = {"Authorization": f"Basic {api_key}"}

    async def get(self, path: str, **params: Any) -> Any:
        return await self._call("GET", path, params=params)

    async def post(self, path: str, form: Mapping[str, Any]) -> Any:
        """A setter or destructor: form-urlencoded, lists as `name[]`."""
        return await self._call("POST", path, data=form_pairs(form))

    async def list_all(self, path: str) -> list[dict[str, Any]]:
        """Every row of a list endpoint, page by page."""
        rows: list[dict[str, Any]] = []
        page = 1
        while True:
            data = await self.get(path, limit=PAGE_SIZE, page=page)
            if not isinstance(data, Mapping) or not isinstance(data.get("list"), list):
                raise PartnerError(f"{TITLE}'s list at {path} has no `list`: is this its API?")
            rows += [row for row in data["list"] if isinstance(row, dict)]
            if page >= int(data.get("pages") or 1):
                return rows
            page += 1

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: list[tuple[str, str]] | None = None,
    ) -> Any:
        write = method != "GET"
        spend = await self.budget.acquire(1) if self.budget else None
        url = self.base_url + path
        try:
            if data is not None:
                response = await self.http.request(
                    method,
                    url,
                    params=params,
                    content=urlencode(data),
                    headers={
                        **self._headers,
                        "Content-Type": "application/x-www-form-urlencoded",
                    },
                )
            else:
                response = await self.http.request(
                    method, url, params=params, headers=self._headers
                )
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            if spend and self.budget:
                self.budget.refund(spend)
            raise Transient(f"{TITLE} is unreachable ({exc.__class__.__name__})") from exc
        except httpx.TransportError as exc:  # sent, then no answer: it may have landed
            self.calls += 1
            what = f"no answer from {TITLE} to {method} {path} ({exc.__class__.__name__})"
            raise (OutcomeUnknown if write else Transient)(what) from exc
        finally:
            if spend and self.budget:
                self.budget.settle(spend)
        self.calls += 1
        self.credits += 1
        return self._data(response, write=write)

    @staticmethod
    def _data(response: httpx.Response, *, write: bool) -> Any:
        status = response.status_code
        where = f"{response.request.method} {response.request.url.path}"
        if 300 <= status < 400:
            raise PartnerError(f"{TITLE} answered {status} (a redirect): is the base URL right?")
        if status >= 500 and not _is_json(response):
            raise (OutcomeUnknown if write else Transient)(f"{TITLE} answered {status}")
        try:
            body = response.json()
        except ValueError:
            raise PartnerError(
                f"the answer to {where} is not JSON: is the base URL an {TITLE} API?"
            ) from None
        if not isinstance(body, dict) or "data" not in body or "code" not in body:
            if status == 401:
                raise AuthFailed(f"{TITLE} refused the API key")
            raise PartnerError(f"the answer to {where} is not {TITLE}'s: is the base URL right?")
        code = _code(body.get("code"))
        effective = status if status >= 300 else (code if code >= 300 else status)
        if effective < 300:
            return body["data"]
        message = _message(body) or response.reason_phrase
        if effective == 401:
            raise AuthFailed(f"{TITLE} refused the API key: {message}")
        if effective == 429:
            raise RateLimited(f"{TITLE} rate limit: {message}", retry_after=_retry_after(response))
        problems = [(str(p.get("field", "")), str(p.get("message", ""))) for p in _errors(body)]
        if effective == 404:
            _not_found(message, problems)
        if effective >= 500:
            text = f"{TITLE} answered {effective}: {message}"
            raise (OutcomeUnknown if write else Transient)(text)
        raise Rejected(f"{TITLE} refused it: {message}", problems)


def _not_found(message: str, problems: list[tuple[str, str]]) -> NoReturn:
    """A `404` is about the record asked for (`RemoteNotFound`), the event, the endpoint, or a
    record the write points at (a track, a type, an account: `Rejected`, so the taxonomy can be
    healed and the record itself is never taken for deleted)."""
    field = problems[0][0] if problems else ""
    if field in ("id", "external_id", "email"):
        raise RemoteNotFound(f"not found on {TITLE}: {message}")
    if field == "event_id":
        raise PartnerError(f"the {TITLE} event is gone: {message}")
    if not field:
        raise PartnerError(f"{TITLE} answered 404 ({message}): is the base URL right?")
    raise Rejected(f"{TITLE} refused it: {message}", problems)


def _is_json(response: httpx.Response) -> bool:
    return "json" in response.headers.get("content-type", "")


def _code(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _errors(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    errors = body.get("errors")
    return [e for e in errors if isinstance(e, Mapping)] if isinstance(errors, list) else []


def _message(body: Mapping[str, Any]) -> str:
    """The documented error messages, joined; nothing else of the body."""
    return "; ".join(str(e["message"]) for e in _errors(body) if e.get("message"))


def _retry_after(response: httpx.Response) -> float:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "1")))
    except ValueError:
        return 1.0


def warnings(data: Any) -> tuple[str, ...]:
    """A setter's non-fatal problems (`data.errors`), as notes for the report."""
    if not isinstance(data, Mapping):
        return ()
    return tuple(f"{TITLE}: {e.get('message')}" for e in _errors({"errors": data.get("errors")}))
