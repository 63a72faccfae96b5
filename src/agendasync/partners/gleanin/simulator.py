"""An in-memory simulator of Gleanin's client API (`/api/clients/v1`), as an ASGI app.

Written from `shared/partners/asp_gleanin.md` §2 and the "Gleanin decisions" of
`shared/partners/README.md`, never from what a connector sends. What it holds and checks is in
`simulator_state.py`; this module is the HTTP side: a front door (counts calls, injects the
shared fault kit's faults) in front of a small JSON:API router, and an unauthenticated admin
API under `/_sim`.

Settled here (ASSUMPTIONs, where the notes leave it open):

- Bodies must be `application/vnd.api+json` or `application/json` (no media type parameters);
  anything else answers `415`. Answers are `application/vnd.api+json` (the knob
  `answer_media_type` makes them `application/json`, which Gleanin also answers).
- A document's `data.type` must be the URL's type (`400 bad_request`); `data.id` on create is
  `403 forbidden`; on update it is required (`400`) and must equal the URL's (`409 conflict`).
- `event_id` (and a team member's `exhibitor_id`) is set on create only: sent on update it is
  `400 param_not_allowed`, like any read-only (`created_at`, `session_count`) or unknown
  attribute. A `null` attribute clears it; `tracks: null` is `[]`.
- Unknown events or exhibitors named in attributes are `422 invalid`; another account's event
  is `403`; records of another account are `404`.
- `include=campaign_links` works on one record, on create and update answers and on lists of
  speakers, exhibitors and team members; an unknown include is `400`. Events take
  `include=campaigns,speakers,sessions,exhibitors`.
- Campaign links: one per active campaign whose audience is the person's (`speakers`;
  `exhibitors` for exhibitors and their team members). Each event starts with one speaker and one
  exhibitor campaign. The knob `link_delay_reads` hides a new person's links for that many
  reads (answers that would show them); `0` shows them on the create answer.
- Faults (the shared fault kit) fire at the front door before authentication; an injected
  `429` carries `Retry-After: 1`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from agendasync.partners.gleanin.simulator_state import (
    PEOPLE,
    RESOURCES,
    GleaninError,
    GleaninState,
    Row,
    not_allowed,
    stamp,
)
from agendasync.simulators.faults import FaultKit, FaultRule
from agendasync.simulators.harness import SimulationBase

API_PREFIX = "/api/clients/v1"
ADMIN_PREFIX = "/_sim"
MEDIA_TYPE = "application/vnd.api+json"
DEFAULT_PAGE, MAX_PAGE = 25, 100
_RECORD_FILTERS = {
    "speakers": ("event_id", "external_idx", "email"),
    "sessions": ("event_id", "external_idx"),
    "exhibitors": ("event_id", "external_idx", "email"),
    "team_members": ("event_id", "exhibitor_id", "external_idx", "email"),
}
_LINK_FILTERS = ("event_id", "audience", "owner_type", "owner_id")
_EVENT_INCLUDES = frozenset({"campaigns", "speakers", "sessions", "exhibitors"})
_PHRASES = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


class Doc(JSONResponse):
    media_type = MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        return json.dumps(content, separators=(",", ":")).encode()


def _error(exc: GleaninError) -> Response:
    return Doc(exc.body(), exc.status, exc.headers)


def _bad(detail: str, parameter: str | None = None) -> GleaninError:
    return GleaninError(400, "bad_request", "Bad request", detail, parameter=parameter)


class Query:
    """The query string, checked against what an endpoint allows."""

    def __init__(self, raw: str, filters: tuple[str, ...], includes: frozenset[str]) -> None:
        self.filters: dict[str, str] = {}
        self.include: set[str] = set()
        self.number, self.size = 1, DEFAULT_PAGE
        self.pairs = parse_qsl(raw, keep_blank_values=True)
        for name, value in self.pairs:
            found = re.fullmatch(r"filter\[(\w+)\]", name)
            if found and found.group(1) in filters:
                self.filters[found.group(1)] = value
            elif name == "include" and includes:
                self.include |= {part.strip() for part in value.split(",") if part.strip()}
                unknown = sorted(self.include - includes)
                if unknown:
                    raise _bad(f"cannot include {', '.join(unknown)}", "include")
            elif name in ("page[number]", "page[size]") and filters:
                if not value.isdigit() or int(value) < 1:
                    raise _bad(f"{name} must be a positive integer", name)
                if name == "page[size]" and int(value) > MAX_PAGE:
                    raise _bad(f"page[size] must be at most {MAX_PAGE}", name)
                setattr(self, "number" if name == "page[number]" else "size", int(value))
            else:
                raise GleaninError(
                    400,
                    "param_not_allowed",
                    "Param not allowed",
                    f"query parameter {name} is not allowed",
                    parameter=name,
                )

    def page(self, rows: list[Any], url: str) -> tuple[list[Any], dict[str, Any], dict[str, Any]]:
        start = (self.number - 1) * self.size
        kept = [(n, v) for n, v in self.pairs if not n.startswith("page[")]

        def href(number: int) -> str:
            query = urlencode([*kept, ("page[number]", number), ("page[size]", self.size)])
            return f"{url}?{query}"

        links: dict[str, Any] = {"self": href(self.number)}
        if start + self.size < len(rows):
            links["next"] = href(self.number + 1)
        if self.number > 1:
            links["prev"] = href(self.number - 1)
        return rows[start : start + self.size], links, {"total": len(rows)}


def _value(value: Any) -> Any:
    return stamp(value) if isinstance(value, datetime) else value


class GleaninSimulator:
    """The simulator as an ASGI app: `state` holds the data, `faults` the injected faults."""

    def __init__(self, state: GleaninState | None = None, *, seed: int = 0) -> None:
        self.state = state or GleaninState()
        self.kit = FaultKit(seed)
        self.faults = self.kit.plan

    def reset(self, state: GleaninState | None = None, *, seed: int = 0) -> GleaninState:
        self.state = state or GleaninState()
        self.kit.reset(seed)
        return self.state

    # --- the front door ---------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        if path.startswith(ADMIN_PREFIX + "/"):
            await self._admin(Request(scope, receive))(scope, receive, send)
            return
        endpoint = f"{scope['method']} {_template(path.removeprefix(API_PREFIX))}"
        self.state.stats.calls[endpoint] += 1

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            response = await self._answer(Request(scope, receive))
            if response.status_code != 204:
                response.headers["content-type"] = self.state.knobs.answer_media_type
            self.state.stats.statuses[response.status_code] += 1
            await response(scope, receive, send)

        await self.kit.serve(
            endpoint,
            app,
            self._fault_answer,
            scope,
            receive,
            send,
            fired=self.state.stats.faults,
            server_send=send,
        )

    def _fault_answer(self, status: int) -> Response:
        headers = {"Retry-After": "1"} if status == 429 else {}
        title = "Too many requests" if status == 429 else _PHRASES.get(status, "Server error")
        code = "throttled" if status == 429 else "server_error"
        return _error(GleaninError(status, code, title, title.lower(), headers=headers))

    async def _answer(self, request: Request) -> Response:
        try:
            if not request.url.path.startswith(API_PREFIX + "/"):
                raise not_found_path(request)
            account = self.state.account_of(request.headers.get("authorization"))
            return await self._route(request, account)
        except GleaninError as exc:
            return _error(exc)

    # --- routes -----------------------------------------------------------------------------

    async def _route(self, request: Request, account: int) -> Response:
        parts = request.url.path.removeprefix(API_PREFIX + "/").strip("/").split("/")
        method, kind = request.method, parts[0]
        url = f"{request.base_url}".rstrip("/") + request.url.path
        raw = request.url.query
        if kind == "events":
            return await self._events(request, account, parts, url)
        if kind == "campaign_links" and len(parts) == 1 and method == "GET":
            query = Query(raw, _LINK_FILTERS, frozenset())
            rows, links, meta = query.page(self.state.all_links(account, query.filters), url)
            return Doc({"data": rows, "links": links, "meta": meta})
        if kind not in RESOURCES or len(parts) > 2:
            raise not_found_path(request)
        includes = frozenset({"campaign_links"}) if kind in PEOPLE else frozenset()
        if len(parts) == 1 and method == "GET":
            query = Query(raw, _RECORD_FILTERS[kind], includes)
            rows = [r for r in self.state.table(kind).values() if self._visible(account, kind, r)]
            rows = [r for r in rows if _matches(kind, r, query.filters, self.state)]
            page, links, meta = query.page(rows, url)
            return self._doc(kind, page, query.include, links=links, meta=meta)
        if len(parts) == 1 and method == "POST":
            query = Query(raw, (), includes)
            data = await _document(request, kind, None)
            row = self.state.create(
                account, kind, data.get("attributes", {}), _relationship(kind, data)
            )
            return self._doc(kind, row, query.include, status=201)
        if len(parts) != 2 or not parts[1].isdigit():
            raise not_found_path(request)
        row_id = int(parts[1])
        if method == "GET":
            query = Query(raw, (), includes)
            return self._doc(kind, self.state.record(account, kind, row_id), query.include)
        if method == "PATCH":
            query = Query(raw, (), includes)
            data = await _document(request, kind, parts[1])
            row = self.state.update(
                account, kind, row_id, data.get("attributes", {}), _relationship(kind, data)
            )
            return self._doc(kind, row, query.include)
        if method == "DELETE":
            Query(raw, (), frozenset())
            self.state.delete(account, kind, row_id)
            return Response(status_code=204)
        raise GleaninError(405, "method_not_allowed", "Method not allowed", f"{method} {kind}")

    async def _events(self, request: Request, account: int, parts: list[str], url: str) -> Response:
        method, raw = request.method, request.url.query
        if len(parts) == 1 and method == "GET":
            query = Query(raw, ("state",), _EVENT_INCLUDES)
            rows = [e for e in self.state.events.values() if e["account_id"] == account]
            if "state" in query.filters:
                rows = [e for e in rows if e["state"] == query.filters["state"]]
            page, links, meta = query.page(rows, url)
            return self._event_doc(page, query.include, links=links, meta=meta)
        if len(parts) == 1 and method == "POST":
            Query(raw, (), frozenset())
            data = await _document(request, "events", None)
            return self._event_doc(self.state.create_event(account, data.get("attributes", {})))
        if len(parts) < 2 or not parts[1].isdigit():
            raise not_found_path(request)
        event_id = int(parts[1])
        if len(parts) == 3 and method == "POST" and parts[2] in ("archive", "activate"):
            Query(raw, (), frozenset())
            state = "archived" if parts[2] == "archive" else "active"
            return self._event_doc(self.state.set_event_state(account, event_id, state))
        if len(parts) == 2 and method == "GET":
            query = Query(raw, (), _EVENT_INCLUDES)
            return self._event_doc(self.state.event(account, event_id), query.include)
        if len(parts) == 2 and method == "PATCH":
            Query(raw, (), frozenset())
            data = await _document(request, "events", parts[1])
            event = self.state.event(account, event_id)
            for name, value in data.get("attributes", {}).items():
                if name not in ("title", "time_zone"):
                    raise not_allowed(name)
                event[name] = value
            return self._event_doc(event)
        raise not_found_path(request)

    def _visible(self, account: int, kind: str, row: Row) -> bool:
        return bool(self.state.events[self.state.event_of(kind, row)]["account_id"] == account)

    # --- documents --------------------------------------------------------------------------

    def render(self, kind: str, row: Row, links: list[Row] | None = None) -> dict[str, Any]:
        spec = RESOURCES[kind]
        attributes = {a.name: _value(row.get(a.name)) for a in spec.attrs}
        relationships: dict[str, Any] = {}
        if kind == "speakers":
            every = self.state.table("sessions").values()
            sessions = [s["id"] for s in every if row["id"] in s["speaker_ids"]]
            attributes["session_count"] = len(sessions)
            relationships["sessions"] = {
                "data": [{"type": "sessions", "id": str(s)} for s in sessions]
            }
        if kind == "sessions":
            relationships["speakers"] = {
                "data": [{"type": "speakers", "id": str(s)} for s in row["speaker_ids"]]
            }
        if links is not None:
            relationships["campaign_links"] = {
                "data": [{"type": "campaign_links", "id": str(link["id"])} for link in links]
            }
        return {
            "type": kind,
            "id": str(row["id"]),
            "attributes": attributes,
            "relationships": relationships,
        }

    def _doc(
        self,
        kind: str,
        rows: Row | list[Row],
        include: set[str],
        *,
        status: int = 200,
        links: Mapping[str, Any] | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> Response:
        many = isinstance(rows, list)
        rendered, included = [], []
        for row in rows if isinstance(rows, list) else [rows]:
            owned = self.state.links_of(kind, row) if "campaign_links" in include else None
            rendered.append(self.render(kind, row, owned))
            included += [self.state.render_link(link) for link in owned or ()]
        body: dict[str, Any] = {"data": rendered if many else rendered[0]}
        if "campaign_links" in include:
            body["included"] = included
        if links is not None:
            body["links"], body["meta"] = links, meta
        return Doc(body, status)

    def _event_doc(
        self,
        rows: Row | list[Row],
        include: set[str] | None = None,
        *,
        links: Mapping[str, Any] | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> Response:
        many = isinstance(rows, list)
        events = rows if isinstance(rows, list) else [rows]
        data = []
        included: list[dict[str, Any]] = []
        for event in events:
            names = ("title", "slug", "account_id", "state", "time_zone")
            attributes = {name: event[name] for name in names}
            attributes |= {n: stamp(event[n]) for n in ("created_at", "updated_at")}
            relationships = {}
            for what in sorted(include or ()):
                found = self._event_children(event["id"], what)
                relationships[what] = {"data": [{"type": what, "id": f["id"]} for f in found]}
                included += found
            item = {"type": "events", "id": str(event["id"]), "attributes": attributes}
            data.append({**item, "relationships": relationships})
        body: dict[str, Any] = {"data": data if many else data[0]}
        if include:
            body["included"] = included
        if links is not None:
            body["links"], body["meta"] = links, meta
        return Doc(body)

    def _event_children(self, event_id: int, what: str) -> list[dict[str, Any]]:
        if what == "campaigns":
            return [
                {
                    "type": "campaigns",
                    "id": str(c["id"]),
                    "attributes": {k: c[k] for k in ("title", "audience", "state", "event_id")},
                }
                for c in self.state.campaigns.values()
                if c["event_id"] == event_id
            ]
        rows = self.state.table(what).values()
        return [self.render(what, r) for r in rows if r["event_id"] == event_id]

    # --- admin API (no auth, no faults) -----------------------------------------------------

    def _admin(self, request: Request) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
        async def answer(scope: Scope, receive: Receive, send: Send) -> None:
            try:
                response = await self._admin_answer(request)
            except (GleaninError, KeyError, ValueError, TypeError) as exc:
                error = exc if isinstance(exc, GleaninError) else _bad(str(exc))
                response = _error(error)
            await response(scope, receive, send)

        return answer

    async def _admin_answer(self, request: Request) -> Response:
        parts = request.url.path.removeprefix(ADMIN_PREFIX + "/").strip("/").split("/")
        method = request.method
        body = json.loads(await request.body() or b"{}")
        state = self.state
        if parts == ["tokens"] and method == "POST":
            return Doc({"token": state.add_token(body.get("token"), body.get("account_id", 1))})
        if parts == ["events"] and method == "POST":
            event_id = state.add_event(body["title"], time_zone=body.get("time_zone", "UTC"))
            if body.get("state", "active") != "active":
                state.events[event_id]["state"] = body["state"]
            return Doc({"id": str(event_id)}, 201)
        if parts == ["knobs"] and method == "PATCH":
            state.knobs.update(**body)
            return Doc(vars(state.knobs))
        if parts == ["faults"] and method == "POST":
            return Doc(self.faults.add(FaultRule(**body)).as_dict(), 201)
        if parts == ["faults"] and method == "DELETE":
            self.kit.reset()
            return Response(status_code=204)
        if parts == ["contacts"] and method == "POST":  # a contact made by hand in Gleanin's UI
            kind = body.pop("type", "speakers")
            account = state.events[int(body["event_id"])]["account_id"]
            if kind == "team_members":
                body.pop("event_id")
            return Doc(self.render(kind, state.create(account, kind, body, None)), 201)
        if len(parts) == 2 and parts[0] in RESOURCES and method == "DELETE":
            if int(parts[1]) not in state.table(parts[0]):
                raise GleaninError(404, "not_found", "Not found", f"no {parts[0]} {parts[1]}")
            state.remove(parts[0], int(parts[1]))
            return Response(status_code=204)
        if parts == ["stats"] and method == "GET":
            stats = state.stats
            return Doc({"calls": stats.calls, "statuses": stats.statuses, "faults": stats.faults})
        raise GleaninError(404, "not_found", "Not found", f"no admin route {request.url.path}")


def not_found_path(request: Request) -> GleaninError:
    return GleaninError(404, "not_found", "Not found", f"no route {request.url.path}")


def _template(path: str) -> str:
    """`/speakers/41` -> `/speakers/{id}` (fault rules match these)."""
    return "/".join("{id}" if part.isdigit() else part for part in path.split("/"))


def _matches(kind: str, row: Row, filters: Mapping[str, str], state: GleaninState) -> bool:
    for name, wanted in filters.items():
        if name == "event_id":
            actual: Any = state.event_of(kind, row)
        else:
            actual = row.get(name)
        if name == "email":
            if (actual or "").lower() != wanted.lower():
                return False
        elif str(actual if actual is not None else "") != wanted:
            return False
    return True


async def _document(request: Request, kind: str, row_id: str | None) -> dict[str, Any]:
    """The `data` of a write's JSON:API document, checked."""
    media = request.headers.get("content-type", "").strip()
    if media not in (MEDIA_TYPE, "application/json"):
        raise GleaninError(
            415,
            "unsupported_media_type",
            "Unsupported media type",
            f"send {MEDIA_TYPE} (without parameters)",
        )
    try:
        document = json.loads(await request.body())
    except ValueError:
        raise _bad("the body is not valid JSON") from None
    data = document.get("data") if isinstance(document, dict) else None
    if not isinstance(data, dict):
        raise _bad("the document has no primary data object")
    unknown = set(data) - {"type", "id", "attributes", "relationships"}
    if unknown:
        raise _bad(f"data has unknown members: {', '.join(sorted(unknown))}")
    if data.get("type") != kind:
        raise _bad(f"data.type must be {kind!r}")
    if row_id is None and "id" in data:
        detail = "client-generated ids are not supported"
        raise GleaninError(403, "forbidden", "Forbidden", detail, pointer="/data/id")
    if row_id is not None and "id" not in data:
        raise _bad("data.id is required on update")
    if row_id is not None and data["id"] != row_id:
        raise GleaninError(
            409, "conflict", "Conflict", "data.id does not match the URL", pointer="/data/id"
        )
    if not isinstance(data.get("attributes", {}), dict):
        raise _bad("data.attributes must be an object")
    return data


def _relationship(kind: str, data: Mapping[str, Any]) -> Any:
    relationships = data.get("relationships") or {}
    if not isinstance(relationships, dict):
        raise _bad("data.relationships must be an object")
    for name in relationships:
        if kind != "sessions" or name != "speakers":
            raise GleaninError(
                400,
                "param_not_allowed",
                "Param not allowed",
                f"relationship {name} is not allowed",
                pointer=f"/data/relationships/{name}",
            )
    return relationships.get("speakers")


def create_app(state: GleaninState | None = None, *, seed: int = 0) -> GleaninSimulator:
    return GleaninSimulator(state, seed=seed)


class GleaninSimulation(SimulationBase[GleaninSimulator]):
    """The Gleanin simulator for the behaviour suite and `agendasync simulate gleanin`."""

    partner = "gleanin"
    TOKEN = "demo-token"

    def __init__(self) -> None:
        self.simulator = GleaninSimulator()

    def credentials(self) -> dict[str, str]:
        if self.TOKEN not in self.simulator.state.tokens:
            self.simulator.state.add_token(self.TOKEN)
        return {"token": self.TOKEN}

    def base_url(self, server: str) -> str:
        return server + API_PREFIX

    def add_event(self, name: str, timezone: str, start: date, end: date) -> str:
        return str(self.simulator.state.add_event(name, time_zone=timezone))

    def records(self, event_id: str, kind: str) -> list[dict[str, Any]]:
        state = self.simulator.state
        rows = [r for r in state.table(kind).values() if str(state.event_of(kind, r)) == event_id]
        return [
            {"id": item["id"], **item["attributes"]}
            for item in (self.simulator.render(kind, row) for row in rows)
        ]

    def delete(self, event_id: str, kind: str, partner_id: str) -> None:
        self.simulator.state.remove(kind, int(partner_id))
