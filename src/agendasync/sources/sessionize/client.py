"""HTTP client for the Sessionize public API (SPEC R-SZ-2, R-SZ-4).

The `httpx.AsyncClient` is injected, so tests choose the wire (the simulator over real HTTP, or a
mock transport). The client only fetches and classifies; `feed.parse_all` / `feed.parse_emails`
read the bodies.

Failures become `SessionizeError` subclasses, never raw httpx errors or tracebacks:

* 404 (and 400/410) -> `EndpointNotFound`;
* 200 whose content type is not JSON, or whose body (after a BOM and whitespace) does not start
  with `{` or `[` -> `NotJson` (an endpoint set to the HTML/JavaScript embed format). A missing
  content type is judged by the body alone;
* connection errors, timeouts, 429 and 5xx -> retried `retries` times with an exponential backoff
  (`backoff`, `2 * backoff`, ...), then `Unreachable`; any other unexpected status ->
  `Unreachable` at once, naming the status;
* 200 with an empty body or `null` -> `EmptyAnswer`; 200 with a body that is neither JSON nor
  HTML/JavaScript (e.g. "Too many requests") -> `UnreadableAnswer`, naming the content type and
  the first characters;
* 401/403 on the emails view -> `EmailsKeyRejected` (the importer also turns a 404 of the
  emails view into it, the main feed having answered). The key is never put in a message.
"""

from __future__ import annotations

import asyncio
from typing import Final

import httpx

from agendasync.sources.sessionize.exceptions import (
    EmailsKeyRejected,
    EmptyAnswer,
    EndpointNotFound,
    NotJson,
    Unreachable,
    UnreadableAnswer,
)
from agendasync.sources.sessionize.feed import parse_endpoint_id

DEFAULT_BASE_URL: Final = "https://sessionize.com"
_BOM: Final = b"\xef\xbb\xbf"
_TRANSIENT_STATUS: Final = frozenset({429, 500, 502, 503, 504})


def _is_json_type(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media in {"application/json", "text/json"} or media.endswith("+json")


def _is_embed(content_type: str, text: bytes) -> bool:
    """HTML or JavaScript: the answer of an endpoint set to the embed format."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media in {"text/html", "text/javascript", "application/javascript"}:
        return True
    return text.startswith((b"<", b"(function", b"window.", b"var ", b"document."))


def _start(text: bytes, limit: int = 40) -> str:
    """The first characters of an answer, printable, to name it in a message."""
    start = text[: limit * 4].decode("utf-8", "replace")
    printable = "".join(c if c.isprintable() else " " for c in start)
    return " ".join(printable.split())[:limit]


def _looks_like_json(body: bytes) -> bool:
    if body.startswith(_BOM):
        body = body[len(_BOM) :]
    head = body.lstrip()[:1]
    return head in (b"{", b"[")


class SessionizeClient:
    """Fetch the raw bodies of `view/All` and `view/SpeakersEmails`."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str = DEFAULT_BASE_URL,
        *,
        retries: int = 2,
        backoff: float = 0.5,
        timeout: float = 30.0,
    ) -> None:
        self._http = http
        self.base_url = base_url.rstrip("/")
        self.retries = max(0, retries)
        self.backoff = max(0.0, backoff)
        self.timeout = timeout

    def url(self, endpoint_id: str, view: str) -> str:
        return f"{self.base_url}/api/v2/{endpoint_id}/view/{view}"

    async def fetch_all(self, endpoint_id: str) -> bytes:
        """GET `{base}/api/v2/{id}/view/All`; `endpoint_id` may also be a pasted endpoint URL."""
        endpoint = parse_endpoint_id(endpoint_id)
        response = await self._get(endpoint, self.url(endpoint, "All"), params=None)
        return self._body(endpoint, response)

    async def fetch_emails(self, endpoint_id: str, key: str) -> bytes:
        """GET `{base}/api/v2/{id}/view/SpeakersEmails?s={key}`."""
        endpoint = parse_endpoint_id(endpoint_id)
        response = await self._get(
            endpoint, self.url(endpoint, "SpeakersEmails"), params={"s": key.strip()}
        )
        if response.status_code in (401, 403):
            raise EmailsKeyRejected(endpoint, response.status_code)
        return self._body(endpoint, response)

    async def _get(
        self, endpoint: str, url: str, *, params: dict[str, str] | None
    ) -> httpx.Response:
        attempts = self.retries + 1
        reason = "no answer"
        for attempt in range(attempts):
            if attempt:
                await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                response = await self._http.get(
                    url,
                    params=params,
                    timeout=self.timeout,
                    headers={"Accept": "application/json"},
                    follow_redirects=True,
                )
            except httpx.TimeoutException:
                reason = f"the request timed out after {self.timeout:g} s"
                continue
            except httpx.ConnectError:
                reason = f"could not connect to {self.base_url}"
                continue
            except httpx.TransportError as exc:
                reason = f"the connection failed ({type(exc).__name__})"
                continue
            except httpx.HTTPError as exc:  # e.g. an invalid URL or too many redirects
                raise Unreachable(f"the request failed ({type(exc).__name__})") from None
            if response.status_code in _TRANSIENT_STATUS:
                reason = f"Sessionize answered HTTP {response.status_code}"
                continue
            return response
        raise Unreachable(reason, attempts=attempts)

    def _body(self, endpoint: str, response: httpx.Response) -> bytes:
        status = response.status_code
        if status in (400, 404, 410):
            raise EndpointNotFound(endpoint, status)
        if not 200 <= status < 300:
            raise Unreachable(f"Sessionize answered HTTP {status}")
        content_type = response.headers.get("content-type", "")
        body = response.content
        text = body.removeprefix(_BOM).strip()
        if text in (b"", b"null"):
            raise EmptyAnswer(endpoint, null=bool(text))
        if (content_type and not _is_json_type(content_type)) or not _looks_like_json(body):
            if _is_embed(content_type, text):
                raise NotJson(endpoint, content_type or None)
            raise UnreadableAnswer(endpoint, content_type or None, _start(text))
        return body


__all__ = ["DEFAULT_BASE_URL", "SessionizeClient"]
