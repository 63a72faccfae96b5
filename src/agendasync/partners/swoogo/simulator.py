"""A faithful, in-memory simulator of Swoogo's REST API (`/api/v1`).

Written from the partner's documented API (`shared/partners/swoogo.md`) and the "Swoogo
decisions" of `shared/partners/README.md`, never from what a connector sends. It implements the
documented quirks: minimal default `fields`, `per-page` capped at 200, `1`/`0` booleans,
the time-zone allow-list (`US/Eastern`, not `America/New_York`), one track per session,
search silently ignoring custom fields, 10-credit list calls, and so on.

Use::

    state = SwoogoState()
    state.add_credentials("key", "secret")
    event_id = state.add_event("Summit", timezone="Europe/Berlin", start_date="2030-05-01")
    sim = SwoogoSimulator(state, window_seconds=10)      # an ASGI app
    with serve_in_thread(sim) as base_url:               # base_url + "/api/v1/..."
        ...
    sim.state.sessions, sim.stats.credits_spent, sim.faults.fail_next(2, status=503)

Layout:

- `simulator_state.SwoogoState`: the data (plain dict rows per table) and the rules:
  validation, credits, tokens, images, search/sort/paging. No HTTP in it; its errors are
  `SwoogoError`s. It stands on `simulator_tables` (the rows and their rendering) and
  `simulator_access` (credentials, tokens, the credit budget).
- `simulator_entities.ENTITIES`: one `EntitySpec` per resource (attributes with kinds,
  default `fields`, computed fields, `expand` relations, which operations exist). Create,
  update, delete, list and get are one generic path driven by these descriptions.
- `simulator_query`: values, forms and list queries as a client sends them;
  `simulator_images`: images and how a file is told apart; `simulator_rules`: time zones,
  errors, knobs and stats.
- `SwoogoSimulator` (here): the ASGI app. A front door (strips `.json`, counts calls, adds
  `X-Rate-Limit-*` headers, latency, faults) in front of a FastAPI app with the routes
  (`/api/v1/...`) and an unauthenticated admin API (`/_sim/...`).

Settled here (ASSUMPTIONs, where the notes leave it open):

- Token: the grant type is checked before the client (as the bshaffer OAuth2 server does):
  a JSON body or missing `grant_type` answers 400 "The grant type was not specified in the
  request", another grant type 400, then the credentials (see `simulator_access`). A 401
  carries `WWW-Authenticate: Bearer realm="api"`.
- Writes take `application/x-www-form-urlencoded` or `multipart/form-data`; any other body
  type answers 415.
- Create answers 201 with the full record and a `Location` header, update 200, delete 204.
  Update/delete aliases `PUT`/`DELETE /{x}/{id}` exist for sessions, speakers and sponsors.
  `PUT /tracks/update/{id}` and `PUT /locations/update/{id}` exist by the same pattern (no
  delete for them over HTTP).
- `POST /speakers/{id}/session.json` takes JSON `{"session_ids": [...]}` (or form
  `session_ids[]=`), adds and de-duplicates, is all-or-nothing, and answers 200 with the full
  speaker plus `sessions`. `DELETE /speakers/{id}/sessions/{session_id}` answers 204, or 404
  when that session is not linked.
- `PUT /{sessions|sponsors}/field/{id}` takes JSON `{"name"?, "choices": [{"name"} to add |
  {"id","name"} to rename | {"id","delete":true} to remove]}` and answers the field.
- Images: `PUT /image/{registrant|contact|sponsor}/{id}/{field}` with multipart part `file`
  (see `simulator_images` for the checks).
- Faults happen at the front door, before authentication: an injected 5xx costs no credits;
  a "timeout" hangs, then answers 504 without doing the call; a "lost" answer does the call
  (it lands and is charged), then hangs `hang_seconds` and closes the connection without an
  answer (httpx sees `RemoteProtocolError`, or `ReadTimeout` if its timeout is shorter).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

from fastapi import Body, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import Message, Receive, Scope, Send

from agendasync.partners.swoogo.simulator_entities import (
    EVENTS,
    FIELDS,
    LOCATIONS,
    SESSIONS,
    SPEAKERS,
    SPONSORS,
    TRACKS,
    EntitySpec,
)
from agendasync.partners.swoogo.simulator_query import ListQuery, form_from_pairs
from agendasync.partners.swoogo.simulator_rules import (
    PHRASES,
    Form,
    Knobs,
    Stats,
    SwoogoError,
    error_body,
)
from agendasync.partners.swoogo.simulator_state import SwoogoState
from agendasync.simulators.faults import FaultKind, FaultKit, FaultRule
from agendasync.simulators.harness import SimulationBase

__all__ = [
    "API_PREFIX",
    "SwoogoSimulator",
    "create_app",
]

API_PREFIX = "/api/v1"
ADMIN_PREFIX = "/_sim"
LIST_COST = 10
CALL_COST = 1
_FAULT_MESSAGES = {
    500: "An internal server error occurred.",
    503: "The service is temporarily unavailable.",
    504: "The upstream server did not answer in time.",
}

Handler = Callable[[Request, str], Awaitable[Response]]


@dataclass
class _Call:
    """Per-request bookkeeping the front door shares with the routes (`scope["swoogo"]`)."""

    endpoint: str
    key: str | None = None


class FaultIn(BaseModel):
    kind: FaultKind
    count: int | None = 1
    probability: float = 1.0
    status: int = 500
    hang_seconds: float = 0.0
    match: str = "*"


class CredentialsIn(BaseModel):
    key: str
    secret: str


class EventIn(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str
    timezone: str = "UTC"
    start_date: str | None = None
    end_date: str | None = None


def _content_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def _read_form(request: Request) -> Form:
    """A write body: form-urlencoded or multipart (files ignored); anything else is a 415."""
    kind = _content_type(request)
    if kind == "multipart/form-data":
        async with request.form() as form:
            return form_from_pairs((k, v) for k, v in form.multi_items() if isinstance(v, str))
    body = await request.body()
    if kind == "application/x-www-form-urlencoded" or (not kind and not body):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SwoogoError(400, "The request body is not valid UTF-8.") from exc
        return form_from_pairs(parse_qsl(text, keep_blank_values=True))
    raise SwoogoError(
        415,
        "Unsupported Media Type: send application/x-www-form-urlencoded or multipart/form-data.",
    )


async def _read_json(request: Request) -> Any:
    try:
        return await request.json()
    except ValueError as exc:
        raise SwoogoError(400, "Invalid JSON data in request body: Syntax error.") from exc


def _query_string(request: Request) -> str:
    raw: bytes = request.scope.get("query_string", b"")
    return raw.decode("utf-8", "replace")


def _links(request: Request, meta: Mapping[str, int]) -> dict[str, dict[str, str]]:
    kept = [
        segment
        for segment in _query_string(request).split("&")
        if segment and unquote_plus(segment.partition("=")[0]) not in ("page", "per-page")
    ]
    base = str(request.url.replace(query=""))

    def href(page: int) -> dict[str, str]:
        query = "&".join([*kept, f"page={page}", f"per-page={meta['perPage']}"])
        return {"href": f"{base}?{query}"}

    current, last = meta["currentPage"], max(meta["pageCount"], 1)
    links = {"self": href(current), "first": href(1), "last": href(last)}
    if current > 1:
        links["prev"] = href(current - 1)
    if current < meta["pageCount"]:
        links["next"] = href(current + 1)
    return links


class SwoogoSimulator:
    """The Swoogo simulator as an ASGI app (`serve_in_thread(sim)`).

    `state` holds data and rules (`sim.state.sessions`, `sim.state.dump()`), `knobs` the
    settings (`sim.knobs.latency_ms = 50`), `faults` the injected faults
    (`sim.faults.fail_next(2, status=503)`), `stats` the accounting. `api` is the FastAPI
    app behind the front door; the admin API lives under `/_sim` (no auth).
    """

    def __init__(self, state: SwoogoState | None = None, *, seed: int = 0, **knobs: Any) -> None:
        self.state = state if state is not None else SwoogoState()
        self.state.knobs.update(**knobs)
        self.kit = FaultKit(seed)
        self.faults = self.kit.plan
        self.api = self._build_api()

    @property
    def app(self) -> SwoogoSimulator:
        return self

    @property
    def knobs(self) -> Knobs:
        return self.state.knobs

    @property
    def stats(self) -> Stats:
        return self.state.stats

    def reset(self, state: SwoogoState | None = None, *, seed: int = 0) -> SwoogoState:
        """Start over (e.g. between tests on one server): new state, no faults, no hangs."""
        self.state = state if state is not None else SwoogoState()
        self.kit.reset(seed)
        return self.state

    def release_hangs(self) -> None:
        """End every hang in progress now (timeouts answer, lost answers drop)."""
        self.kit.release_hangs()

    # -- the front door ----------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        root = scope.get("root_path", "")
        path: str = scope.get("path", "")
        local = path[len(root) :] if root and path.startswith(root) else path
        if scope["type"] != "http" or not local.startswith(API_PREFIX + "/"):
            await self.api(scope, receive, send)
            return
        if path.endswith(".json"):
            path = path.removesuffix(".json")
            scope = {**scope, "path": path, "raw_path": path.encode()}
        call = _Call(self._endpoint(scope))
        scope = {**scope, "swoogo": call}
        self.stats.calls[call.endpoint] += 1
        if self.knobs.latency_ms > 0:
            await asyncio.sleep(self.knobs.latency_ms / 1000)

        async def answer(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                authorization = Request(scope).headers.get("authorization")
                key = call.key or self.state.key_for(authorization)
                for name, value in self.state.rate_headers(key).items():
                    if name.lower().encode() not in present:
                        headers.append((name.lower().encode(), value.encode()))
                message = {**message, "headers": headers}
                self.stats.statuses[message["status"]] += 1
            await send(message)

        await self.kit.serve(
            call.endpoint,
            self.api,
            self._fault_answer,
            scope,
            receive,
            answer,
            fired=self.stats.faults,
            server_send=send,
        )

    def _fault_answer(self, status: int) -> JSONResponse:
        message = _FAULT_MESSAGES.get(status, PHRASES.get(status, "Error"))
        return JSONResponse(error_body(status, message), status)

    def _endpoint(self, scope: Scope) -> str:
        """`METHOD /route-template` without the base path, e.g. `GET /sessions/{id}`."""
        for route in self.api.router.routes:
            match, _ = route.matches(scope)
            if match == Match.FULL:
                template = re.sub(r":\w+\}", "}", getattr(route, "path", ""))
                return f"{scope['method']} {template.removeprefix(API_PREFIX)}"
        return f"{scope['method']} {scope['path'].removeprefix(API_PREFIX)}"

    # -- routes ------------------------------------------------------------------------------

    def _build_api(self) -> FastAPI:
        api = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
        api.add_exception_handler(SwoogoError, self._on_swoogo_error)
        api.add_exception_handler(StarletteHTTPException, self._on_http_error)
        api.add_api_route(API_PREFIX + "/oauth2/token", self._token, methods=["POST"])
        for spec in (EVENTS, SESSIONS, SPEAKERS, SPONSORS, LOCATIONS, TRACKS):
            self._entity_routes(api, spec)
        self._route(api, "POST", "/speakers/{id:int}/session", CALL_COST, self._link)
        self._route(
            api, "DELETE", "/speakers/{id:int}/sessions/{session_id:int}", CALL_COST, self._unlink
        )
        self._route(api, "PUT", "/image/{kind}/{id:int}/{field}", CALL_COST, self._put_image)
        self._route(api, "GET", "/image/{kind}/{id:int}/{field}", CALL_COST, self._get_image)
        self._admin_routes(api)
        return api

    def _route(self, api: FastAPI, method: str, path: str, cost: int, handler: Handler) -> None:
        async def endpoint(request: Request) -> Response:
            return await handler(request, self._authorize(request, cost))

        api.add_api_route(API_PREFIX + path, endpoint, methods=[method], name=f"{method} {path}")

    def _entity_routes(self, api: FastAPI, spec: EntitySpec) -> None:
        base = f"/{spec.name}"
        if spec.custom_fields or spec.builtin_fields:
            self._route(api, "GET", f"{base}/fields", LIST_COST, partial(self._list_fields, spec))
            self._route(
                api, "GET", f"{base}/field/{{id:int}}", CALL_COST, partial(self._get_field, spec)
            )
            self._route(
                api, "PUT", f"{base}/field/{{id:int}}", CALL_COST, partial(self._put_field, spec)
            )
        self._route(api, "GET", base, LIST_COST, partial(self._list, spec))
        if spec.writable:
            self._route(api, "POST", f"{base}/create", CALL_COST, partial(self._create, spec))
            self._route(
                api, "PUT", f"{base}/update/{{id:int}}", CALL_COST, partial(self._update, spec)
            )
        if spec.deletable:
            self._route(
                api, "DELETE", f"{base}/delete/{{id:int}}", CALL_COST, partial(self._delete, spec)
            )
            self._route(api, "PUT", f"{base}/{{id:int}}", CALL_COST, partial(self._update, spec))
            self._route(api, "DELETE", f"{base}/{{id:int}}", CALL_COST, partial(self._delete, spec))
        self._route(api, "GET", f"{base}/{{id:int}}", CALL_COST, partial(self._get, spec))

    def _authorize(self, request: Request, cost: int) -> str:
        key = self.state.authenticate_bearer(request.headers.get("authorization"))
        call: _Call | None = request.scope.get("swoogo")
        if call is not None:
            call.key = key
        self.state.charge(key, cost)
        return key

    async def _token(self, request: Request) -> Response:
        kind = _content_type(request)
        readable = ("", "application/x-www-form-urlencoded", "multipart/form-data")
        form = await _read_form(request) if kind in readable else {}
        grant_type = form.get("grant_type")
        if grant_type in (None, "", []):
            raise SwoogoError(400, "The grant type was not specified in the request")
        if grant_type != "client_credentials":
            raise SwoogoError(400, f'Grant type "{grant_type}" not supported')
        key = self.state.authenticate_client(request.headers.get("authorization"))
        call: _Call | None = request.scope.get("swoogo")
        if call is not None:
            call.key = key
        self.state.charge(key, CALL_COST)
        return JSONResponse(self.state.issue_token(key))

    async def _list(self, spec: EntitySpec, request: Request, key: str) -> Response:
        query = ListQuery.parse(_query_string(request))
        items, meta = self.state.list_records(spec.name, query)
        return JSONResponse({"items": items, "_links": _links(request, meta), "_meta": meta})

    async def _get(self, spec: EntitySpec, request: Request, key: str) -> Response:
        query = ListQuery.parse(_query_string(request))
        row_id = request.path_params["id"]
        return JSONResponse(
            self.state.view(spec.name, row_id, fields=query.fields, expand=query.expand)
        )

    async def _create(self, spec: EntitySpec, request: Request, key: str) -> Response:
        form = await _read_form(request)
        row = self.state.create(spec.name, form, user_id=self.state.user_id(key))
        location = f"{str(request.base_url).rstrip('/')}{API_PREFIX}/{spec.name}/{row['id']}"
        return JSONResponse(self.state.view(spec.name, row["id"]), 201, {"Location": location})

    async def _update(self, spec: EntitySpec, request: Request, key: str) -> Response:
        form = await _read_form(request)
        row = self.state.update(
            spec.name, request.path_params["id"], form, user_id=self.state.user_id(key)
        )
        return JSONResponse(self.state.view(spec.name, row["id"]))

    async def _delete(self, spec: EntitySpec, request: Request, key: str) -> Response:
        self.state.delete(spec.name, request.path_params["id"])
        return Response(status_code=204)

    async def _list_fields(self, spec: EntitySpec, request: Request, key: str) -> Response:
        query = ListQuery.parse(_query_string(request))
        items, meta = self.state.list_fields(spec.name, query)
        return JSONResponse({"items": items, "_links": _links(request, meta), "_meta": meta})

    async def _get_field(self, spec: EntitySpec, request: Request, key: str) -> Response:
        row = self.state.field_def(spec.name, request.path_params["id"])
        return JSONResponse(self.state.render(FIELDS, row))

    async def _put_field(self, spec: EntitySpec, request: Request, key: str) -> Response:
        body = await _read_json(request)
        row = self.state.update_field(spec.name, request.path_params["id"], body)
        return JSONResponse(self.state.render(FIELDS, row))

    async def _link(self, request: Request, key: str) -> Response:
        speaker_id = request.path_params["id"]
        if _content_type(request) == "application/json":
            body = await _read_json(request)
            session_ids = body.get("session_ids") if isinstance(body, dict) else None
        else:
            form = await _read_form(request)
            raw = form.get("session_ids")
            session_ids = raw.split(",") if isinstance(raw, str) else raw
        self.state.link_sessions(speaker_id, session_ids)
        return JSONResponse(self.state.view("speakers", speaker_id, expand=("sessions",)))

    async def _unlink(self, request: Request, key: str) -> Response:
        self.state.unlink_session(request.path_params["id"], request.path_params["session_id"])
        return Response(status_code=204)

    async def _put_image(self, request: Request, key: str) -> Response:
        params = request.path_params
        filename: str | None = None
        data: bytes | None = None
        if _content_type(request) == "multipart/form-data":
            async with request.form(max_part_size=64 * 1024 * 1024) as form:
                upload = form.get("file")
                if isinstance(upload, UploadFile):
                    filename, data = upload.filename, await upload.read()
        body = self.state.upload_image(
            params["kind"], params["id"], params["field"], filename, data
        )
        return JSONResponse(body)

    async def _get_image(self, request: Request, key: str) -> Response:
        params = request.path_params
        return JSONResponse(self.state.get_image(params["kind"], params["id"], params["field"]))

    async def _on_swoogo_error(self, request: Request, exc: Exception) -> Response:
        if not isinstance(exc, SwoogoError):
            raise exc
        headers = dict(exc.headers)
        if exc.status == 401:
            headers.setdefault("WWW-Authenticate", 'Bearer realm="api"')
        return JSONResponse(exc.body(), exc.status, headers)

    async def _on_http_error(self, request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, StarletteHTTPException) else 500
        headers = dict(getattr(exc, "headers", None) or {})
        if status == 404:
            message = "Page not found."
        elif status == 405:
            allowed = headers.get("Allow", "")
            message = (
                "Method Not Allowed. This URL can only handle the following request "
                f"methods: {allowed}."
            )
        else:
            message = str(getattr(exc, "detail", "")) or PHRASES.get(status, "Error")
        return JSONResponse(error_body(status, message), status, headers)

    # -- admin API (no auth, no credits, no faults) ------------------------------------------

    def _admin_routes(self, api: FastAPI) -> None:
        def state() -> SwoogoState:  # looked up per call: reset() may replace it
            return self.state

        @api.get(ADMIN_PREFIX + "/state")
        async def dump() -> dict[str, Any]:
            return state().dump()

        @api.get(ADMIN_PREFIX + "/stats")
        async def stats() -> dict[str, Any]:
            return state().stats.as_dict()

        @api.get(ADMIN_PREFIX + "/knobs")
        async def knobs() -> dict[str, Any]:
            return state().knobs.as_dict()

        @api.patch(ADMIN_PREFIX + "/knobs")
        async def set_knobs(changes: dict[str, Any] = Body()) -> Response:
            try:
                state().knobs.update(**changes)
            except (TypeError, ValueError) as exc:
                return JSONResponse(error_body(400, str(exc)), 400)
            return JSONResponse(state().knobs.as_dict())

        @api.get(ADMIN_PREFIX + "/faults")
        async def faults() -> list[dict[str, Any]]:
            return [rule.as_dict() for rule in self.faults.rules]

        @api.post(ADMIN_PREFIX + "/faults", status_code=201)
        async def add_fault(rule: FaultIn) -> dict[str, Any]:
            return self.faults.add(FaultRule(**rule.model_dump())).as_dict()

        @api.delete(ADMIN_PREFIX + "/faults", status_code=204)
        async def clear_faults() -> None:
            self.faults.clear()
            self.release_hangs()

        @api.api_route(ADMIN_PREFIX + "/delete/{entity}/{row_id:int}", methods=["POST", "DELETE"])
        async def admin_delete(entity: str, row_id: int) -> Response:
            try:
                state().admin_delete(entity, row_id)
            except ValueError as exc:
                return JSONResponse(error_body(404, str(exc)), 404)
            return Response(status_code=204)

        @api.post(ADMIN_PREFIX + "/credentials", status_code=201)
        async def add_credentials(body: CredentialsIn) -> dict[str, Any]:
            return {"key": body.key, "user_id": state().add_credentials(body.key, body.secret)}

        @api.post(ADMIN_PREFIX + "/events", status_code=201)
        async def add_event(body: EventIn) -> dict[str, Any]:
            extra = body.model_extra or {}
            event_id = state().add_event(
                body.name,
                timezone=body.timezone,
                start_date=body.start_date,
                end_date=body.end_date,
                **extra,
            )
            return state().view("events", event_id)

        @api.post(ADMIN_PREFIX + "/expire-tokens", status_code=204)
        async def expire_tokens() -> None:
            state().expire_tokens()

        @api.post(ADMIN_PREFIX + "/release-hangs", status_code=204)
        async def release_hangs() -> None:
            self.release_hangs()


def create_app(state: SwoogoState | None = None, *, seed: int = 0, **knobs: Any) -> SwoogoSimulator:
    """The simulator as an ASGI app; `knobs` are `Knobs` fields (e.g. `window_seconds=10`)."""
    return SwoogoSimulator(state, seed=seed, **knobs)


class SwoogoSimulation(SimulationBase[SwoogoSimulator]):
    """The Swoogo simulator for the behaviour suite and `agendasync simulate swoogo`."""

    partner = "swoogo"
    KEY, SECRET = "demo-key", "demo-secret"

    def __init__(self) -> None:
        self.simulator = SwoogoSimulator()

    def credentials(self) -> dict[str, str]:
        if not self.simulator.state.has_credentials(self.KEY):
            self.simulator.state.add_credentials(self.KEY, self.SECRET)
        return {"key": self.KEY, "secret": self.SECRET}

    def base_url(self, server: str) -> str:
        return server + API_PREFIX

    def add_event(self, name: str, timezone: str, start: date, end: date) -> str:
        event_id = self.simulator.state.add_event(
            name, timezone=timezone, start_date=start.isoformat(), end_date=end.isoformat()
        )
        return str(event_id)

    def records(self, event_id: str, kind: str) -> list[dict[str, Any]]:
        table = self.simulator.state.table(kind)
        return [dict(row) for row in table.values() if str(row.get("event_id")) == event_id]

    def delete(self, event_id: str, kind: str, partner_id: str) -> None:
        self.simulator.state.admin_delete(kind, int(partner_id))
