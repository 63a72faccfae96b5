"""A Sessionize API simulator (FastAPI), written from `shared/partners/sessionize.md`.

It serves whatever payload a test loads, so real committed responses can be replayed:

* `GET /api/v2/{id}/view/All` answers the loaded body as it is (bytes are served unchanged, so a
  BOM or CRLF survives), `application/json; charset=utf-8`;
* `GET /api/v2/{id}/view/Sessions` and `view/Speakers` are derived from the All payload (an
  ungrouped endpoint: one group `{"groupId": null, "groupName": "All"}`);
* `GET /api/v2/{id}/view/SpeakersEmails?s={key}` answers `[{id, firstName, lastName, email}]`
  for the right key and `403` otherwise;
* an unknown id answers `404` with an HTML page; an endpoint set to the embed format
  (`set_embed`) answers `200` with HTML (`text/html`) or JavaScript (`text/javascript`) on every
  view, as the real service does.

Knobs: `faults`, the shared fault kit's plan (`state.faults.fail_next(2, status=503)`; endpoint
keys are `GET /view/{View}`, e.g. `GET /view/All`; `state.reset_faults()` clears it), `latency`
(seconds) delays every answer, and `requests` records each request's path for assertions.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from agendasync.simulators.faults import FaultKit, FaultPlan

_JSON = "application/json; charset=utf-8"

_NOT_FOUND_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Page not found - Sessionize.com</title></head>
<body><h1>Oops... Page not found</h1>
<p>The page you are looking for doesn't exist or has been moved.</p></body></html>
"""

_EMBED_HTML = """<div class="sessionize-wrapper">
<div class="sz-root" data-sessionize-load-id="{id}">
<div class="sz-spinner"></div></div></div>
<script type="text/javascript">window.sessionize = window.sessionize || {{}};
window.sessionize.loader = function () {{ /* Sessionize embed */ }};</script>
"""

_EMBED_JS = """(function () {{
  var root = document.querySelector('[data-sessionize-load-id="{id}"]');
  window.sessionize = window.sessionize || {{}};
  window.sessionize.loader = function () {{ if (root) {{ root.innerHTML = '<div></div>'; }} }};
  window.sessionize.loader();
}})();
"""


@dataclass
class _Endpoint:
    all_payload: bytes
    emails: bytes | None = None
    emails_key: str | None = None
    embed: str | None = None  # None, "html" or "js"


def _to_bytes(payload: bytes | str | dict[str, Any] | list[Any]) -> bytes:
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, str):
        return payload.encode("utf-8")
    return json.dumps(payload, ensure_ascii=False, indent=2).encode("utf-8")


@dataclass
class SessionizeState:
    """What the simulator serves; tests load payloads and turn knobs, also while it runs."""

    endpoints: dict[str, _Endpoint] = field(default_factory=dict)
    latency: float = 0.0
    requests: list[str] = field(default_factory=list)
    kit: FaultKit = field(default_factory=FaultKit)
    fired: Counter[str] = field(default_factory=Counter)  # injected faults by kind
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def load(
        self,
        endpoint_id: str,
        all_payload: bytes | str | dict[str, Any],
        *,
        emails: bytes | list[dict[str, Any]] | None = None,
        emails_key: str | None = None,
    ) -> None:
        """Serve `all_payload` as view/All of `endpoint_id` (replacing what it served).

        `emails` is the SpeakersEmails answer; when only `emails_key` is given, the answer is
        derived from the All speakers, without emails.
        """
        with self._lock:
            self.endpoints[endpoint_id] = _Endpoint(
                all_payload=_to_bytes(all_payload),
                emails=None if emails is None else _to_bytes(emails),
                emails_key=emails_key,
            )

    def set_embed(self, endpoint_id: str, *, javascript: bool = False) -> None:
        """Set the endpoint to the HTML/JavaScript embed format (200, not JSON)."""
        with self._lock:
            endpoint = self.endpoints.setdefault(endpoint_id, _Endpoint(all_payload=b"{}"))
            endpoint.embed = "js" if javascript else "html"

    def remove(self, endpoint_id: str) -> None:
        with self._lock:
            self.endpoints.pop(endpoint_id, None)

    def record(self, path: str) -> None:
        with self._lock:
            self.requests.append(path)

    @property
    def faults(self) -> FaultPlan:
        return self.kit.plan

    def reset_faults(self) -> None:
        """No faults planned, no hang in progress, none counted."""
        self.kit.reset()
        self.fired.clear()

    def endpoint(self, endpoint_id: str) -> _Endpoint | None:
        with self._lock:
            return self.endpoints.get(endpoint_id)


def _derived_sessions(all_data: dict[str, Any]) -> list[dict[str, Any]]:
    rooms = {str(r.get("id")): r.get("name") for r in all_data.get("rooms") or []}
    speakers = {str(s.get("id")): s for s in all_data.get("speakers") or []}
    items: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    for category in all_data.get("categories") or []:
        for item in category.get("items") or []:
            items[str(item.get("id"))] = (category, item)
    sessions = []
    for session in all_data.get("sessions") or []:
        out = {k: v for k, v in session.items() if k not in ("categoryItems", "questionAnswers")}
        out["speakers"] = [
            {"id": sid, "name": (speakers.get(str(sid)) or {}).get("fullName", "")}
            for sid in session.get("speakers") or []
        ]
        out["room"] = rooms.get(str(session.get("roomId")))
        grouped: dict[str, dict[str, Any]] = {}
        for item_id in session.get("categoryItems") or []:
            if str(item_id) not in items:
                continue
            category, item = items[str(item_id)]
            entry = grouped.setdefault(
                str(category.get("id")),
                {
                    "id": category.get("id"),
                    "name": category.get("title"),
                    "categoryItems": [],
                    "sort": category.get("sort", 0),
                },
            )
            entry["categoryItems"].append({"id": item.get("id"), "name": item.get("name")})
        out["categories"] = list(grouped.values())
        out["questionAnswers"] = []
        sessions.append(out)
    return [{"groupId": None, "groupName": "All", "sessions": sessions}]


def _derived_speakers(all_data: dict[str, Any]) -> list[dict[str, Any]]:
    titles = {str(s.get("id")): s.get("title") for s in all_data.get("sessions") or []}
    result = []
    for speaker in all_data.get("speakers") or []:
        out = {k: v for k, v in speaker.items() if k not in ("categoryItems", "questionAnswers")}
        out["sessions"] = [
            {"id": sid, "name": titles.get(str(sid), "")} for sid in speaker.get("sessions") or []
        ]
        out["questionAnswers"] = []
        out["categories"] = []
        result.append(out)
    return result


def _derived_emails(all_data: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "id": s.get("id"),
            "firstName": s.get("firstName"),
            "lastName": s.get("lastName"),
            "email": None,
        }
        for s in all_data.get("speakers") or []
    ]


def _unavailable(status: int) -> Response:
    """Sessionize's own answer to a failure: an HTML page."""
    return Response(
        "<html><body><h1>Service Unavailable</h1></body></html>",
        status_code=status,
        media_type="text/html",
    )


def create_app(state: SessionizeState) -> ASGIApp:
    """The simulator: a front door (request log, latency, the fault kit) before the API."""
    api = _api(state)

    async def front_door(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await api(scope, receive, send)
            return
        path: str = scope.get("path", "")
        state.record(path)
        if state.latency:
            await asyncio.sleep(state.latency)
        parts = path.strip("/").split("/")
        api_view = len(parts) == 5 and parts[:2] == ["api", "v2"] and parts[3] == "view"
        view = parts[4] if api_view else None
        endpoint = f"{scope.get('method', 'GET')} " + (f"/view/{view}" if view else path)
        await state.kit.serve(
            endpoint, api, _unavailable, scope, receive, send, fired=state.fired, server_send=send
        )

    return front_door


def _api(state: SessionizeState) -> FastAPI:
    app = FastAPI(title="Sessionize simulator", docs_url=None, redoc_url=None, openapi_url=None)

    def not_found() -> Response:
        return Response(_NOT_FOUND_HTML, status_code=404, media_type="text/html; charset=utf-8")

    def json_response(body: bytes | list[Any]) -> Response:
        content = body if isinstance(body, bytes) else _to_bytes(body)
        return Response(content, status_code=200, media_type=_JSON)

    @app.get("/api/v2/{endpoint_id}/view/{view}")
    async def view(endpoint_id: str, view: str, request: Request) -> Response:
        endpoint = state.endpoint(endpoint_id)
        if endpoint is None:
            return not_found()
        if endpoint.embed == "js":
            return Response(
                _EMBED_JS.format(id=endpoint_id), media_type="text/javascript; charset=utf-8"
            )
        if endpoint.embed == "html":
            return Response(
                _EMBED_HTML.format(id=endpoint_id), media_type="text/html; charset=utf-8"
            )
        name = view.lower()
        if name == "all":
            return json_response(endpoint.all_payload)
        if name == "speakersemails":
            key = request.query_params.get("s")
            if endpoint.emails_key is None or key != endpoint.emails_key:
                return Response(
                    "<html><body><h1>403 Forbidden</h1></body></html>",
                    status_code=403,
                    media_type="text/html",
                )
            if endpoint.emails is not None:
                return json_response(endpoint.emails)
        if name in ("sessions", "speakers", "speakersemails"):
            try:
                all_data = json.loads(endpoint.all_payload.decode("utf-8-sig"))
            except (UnicodeDecodeError, ValueError):
                return Response("Internal Server Error", status_code=500)
            if not isinstance(all_data, dict):
                return Response("Internal Server Error", status_code=500)
            if name == "sessions":
                return json_response(_derived_sessions(all_data))
            if name == "speakers":
                return json_response(_derived_speakers(all_data))
            return json_response(_derived_emails(all_data))
        return not_found()

    @app.get("/{path:path}")
    async def anything_else(path: str) -> Response:
        return not_found()

    return app


__all__ = ["SessionizeState", "create_app"]
