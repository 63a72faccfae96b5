"""A faithful, in-memory simulator of ExpoPlatform's Public API (`/api/v2/<object>/<verb>`).

Written from `shared/partners/expoplatform.md` and the "ExpoPlatform decisions" of
`shared/partners/README.md`, never from what a connector sends. The rules live in
`simulator_state.py` (`ExpoState`); this module serves them over HTTP.

Use::

    sim = ExpoPlatformSimulator()
    sim.state.add_key("key")
    event_id = sim.state.add_event("Expo", timezone="Europe/Berlin", start_date="2030-05-01")
    with serve_in_thread(sim) as base_url:          # base_url + "/api/v2/..."
        ...
    sim.faults.fail_after_next(match="POST /session/set")

The front door (`__call__`) counts calls per endpoint (`POST /session/set`,
`GET /sessions/{event_id}/list`), adds latency and puts the shared fault kit in front of the
API. Every answer is the envelope `{"code", "errors", "data"}`. Authentication is
`Authorization: Basic <API key>` (the key as it is; a bare key is accepted too). Parameters
are read from the query string and, for `POST`/`DELETE`, from a form body (urlencoded or
multipart); a JSON body is not read. Getters answer `GET` and `POST`, setters `POST`,
destructors `POST` and `DELETE`; anything else is `404` "Invalid endpoint". The order of
checks: the key (`401`), the endpoint (`404`), the budget (`429`), then the call. An admin API
without auth lives under `/_sim` (state, stats, keys, events, contacts, deletes, faults, knobs).

Knobs (`sim.knobs.update(...)`): `latency_ms`; `rate_limit` calls per `window_s` per key
(none by default: the platform publishes no limit), beyond which calls answer `429` with
`Retry-After` in whole seconds; `errors_in_200`, which answers fatal `400`/`404` errors with
HTTP `200` and the status in the envelope's `code`, as the platform is known to do.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Body, FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Message, Receive, Scope, Send

from agendasync.partners.expoplatform.simulator_state import (
    TAXONOMY,
    ExpoError,
    ExpoState,
    Form,
    Knobs,
    Stats,
    envelope,
    form_from_pairs,
    problem,
)
from agendasync.simulators.faults import FaultKit, FaultRule
from agendasync.simulators.harness import SimulationBase

API_PREFIX = "/api/v2"
ADMIN_PREFIX = "/_sim"
LISTS = ("sessions", "speakers", "participants")
_GETTER = ("GET", "POST")
_SETTER = ("POST",)
_DESTRUCTOR = ("POST", "DELETE")
_PHRASES = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}

Handler = Callable[[ExpoState, Form], Any]


def _routes() -> dict[tuple[str, str], tuple[tuple[str, ...], Handler]]:
    routes: dict[tuple[str, str], tuple[tuple[str, ...], Handler]] = {
        ("event", "getList"): (_GETTER, lambda s, f: s.event_list(f)),
        ("event", "get"): (_GETTER, lambda s, f: s.event_get(f)),
        ("session", "getLanguages"): (_GETTER, lambda s, f: s.languages_list(f)),
        ("session", "set"): (_SETTER, lambda s, f: s.set_record("sessions", f)),
        ("session", "get"): (_GETTER, lambda s, f: s.get("sessions", f)),
        ("session", "delete"): (_DESTRUCTOR, lambda s, f: s.delete_record("sessions", f)),
        ("account", "set"): (_SETTER, lambda s, f: s.set_record("accounts", f)),
        ("account", "get"): (_GETTER, lambda s, f: s.get("accounts", f)),
        ("account", "exists"): (_GETTER, lambda s, f: s.exists(f)),
        ("account", "delete"): (_DESTRUCTOR, lambda s, f: s.delete_record("accounts", f)),
    }
    for noun, table in TAXONOMY.items():
        routes[("session", f"get{noun}s")] = (_GETTER, _bind(ExpoState.taxonomy_list, table))
        routes[("session", f"set{noun}")] = (_SETTER, _bind(ExpoState.set_record, table))
        routes[("session", f"delete{noun}")] = (_DESTRUCTOR, _bind(ExpoState.delete_record, table))
    return routes


def _bind(method: Callable[[ExpoState, str, Form], Any], table: str) -> Handler:
    return lambda state, form: method(state, table, form)


ROUTES = _routes()


async def _params(request: Request) -> Form:
    """Query parameters, and for writes the form body; a JSON body is not read."""
    pairs = parse_qsl(request.url.query, keep_blank_values=True)
    if request.method in ("POST", "DELETE"):
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind == "multipart/form-data":
            async with request.form() as form:
                pairs += [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
        elif kind == "application/x-www-form-urlencoded":
            body = (await request.body()).decode("utf-8", "replace")
            pairs += parse_qsl(body, keep_blank_values=True)
    return form_from_pairs(pairs)


class ExpoPlatformSimulator:
    """The simulator as an ASGI app: `state` (data and rules), `faults` (the shared kit's plan),
    `knobs` (latency, rate budget, errors inside a `200`), `stats` (calls per endpoint)."""

    def __init__(self, state: ExpoState | None = None, *, seed: int = 0, **knobs: Any) -> None:
        self.state = state if state is not None else ExpoState()
        self.state.knobs.update(**knobs)
        self.kit = FaultKit(seed)
        self.faults = self.kit.plan
        self.admin = self._admin_api()

    @property
    def knobs(self) -> Knobs:
        return self.state.knobs

    @property
    def stats(self) -> Stats:
        return self.state.stats

    def reset(self, state: ExpoState | None = None, *, seed: int = 0) -> ExpoState:
        """Start over: new state, no faults, no hangs."""
        self.state = state if state is not None else ExpoState()
        self.kit.reset(seed)
        return self.state

    def release_hangs(self) -> None:
        self.kit.release_hangs()

    # --- the front door ---------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(API_PREFIX + "/"):
            await self.admin(scope, receive, send)
            return
        endpoint = f"{scope['method']} {_template(path.removeprefix(API_PREFIX))}"
        self.stats.calls[endpoint] += 1
        if self.knobs.latency_ms > 0:
            await asyncio.sleep(self.knobs.latency_ms / 1000)

        async def answer(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.stats.statuses[message["status"]] += 1
            await send(message)

        await self.kit.serve(
            endpoint,
            self._api,
            self._fault_answer,
            scope,
            receive,
            answer,
            fired=self.stats.faults,
            server_send=send,
        )

    def _fault_answer(self, status: int) -> JSONResponse:
        message = _PHRASES.get(status, "Gateway Timeout" if status == 504 else "Error")
        return JSONResponse(envelope(status, None, [problem("", message, status)]), status)

    async def _api(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            response = await self._handle(request)
        except ExpoError as exc:
            status = exc.status
            if self.knobs.errors_in_200 and status in (400, 404):
                status = 200  # the platform's quirk: the body's code tells the truth
            response = JSONResponse(exc.body(), status, exc.headers)
        await response(scope, receive, send)

    async def _handle(self, request: Request) -> Response:
        key = self.state.authenticate(request.headers.get("authorization"))
        parts = request.url.path.removeprefix(API_PREFIX).strip("/").split("/")
        state = self.state
        if len(parts) == 3 and parts[0] in LISTS and parts[2] == "list":
            if request.method not in _GETTER:
                raise ExpoError(404, "Invalid endpoint")
            state.spend(key)
            params = await _params(request)
            which, event_id = parts[0], parts[1]
            return JSONResponse(envelope(200, state.list_page(which, event_id, params)))
        route = (parts[0], parts[1]) if len(parts) == 2 else ("", "")
        methods, handler = ROUTES.get(route, ((), _none))
        if request.method not in methods:
            raise ExpoError(404, "Invalid endpoint")
        state.spend(key)
        params = await _params(request)
        return JSONResponse(envelope(200, handler(state, params)))

    # --- admin API (no auth, no faults) ------------------------------------------------------

    def _admin_api(self) -> FastAPI:
        api = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

        @api.get(ADMIN_PREFIX + "/state")
        async def dump() -> dict[str, Any]:
            return self.state.dump()

        @api.get(ADMIN_PREFIX + "/stats")
        async def stats() -> dict[str, Any]:
            return self.state.stats.as_dict()

        @api.patch(ADMIN_PREFIX + "/knobs")
        async def knobs(changes: dict[str, Any] = Body()) -> dict[str, Any]:
            self.state.knobs.update(**changes)
            return vars(self.state.knobs)

        @api.post(ADMIN_PREFIX + "/keys", status_code=201)
        async def add_key(body: dict[str, str] = Body()) -> dict[str, str]:
            self.state.add_key(body["key"])
            return {"key": body["key"]}

        @api.post(ADMIN_PREFIX + "/events", status_code=201)
        async def add_event(body: dict[str, str] = Body()) -> dict[str, Any]:
            event_id = self.state.add_event(
                body["name"],
                timezone=body.get("timezone", "UTC"),
                start_date=body.get("start_date", ""),
                end_date=body.get("end_date", ""),
            )
            return self.state.events[event_id]

        @api.post(ADMIN_PREFIX + "/events/{event_id}/contacts", status_code=201)
        async def add_contact(event_id: int, body: dict[str, str] = Body()) -> dict[str, Any]:
            values = dict(body)
            contact = self.state.add_contact(
                event_id,
                values.pop("email"),
                values.pop("first_name"),
                values.pop("last_name"),
                **values,
            )
            return {"id": contact}

        @api.post(ADMIN_PREFIX + "/delete/{table}/{row_id}", status_code=204)
        async def admin_delete(table: str, row_id: int) -> None:
            self.state.admin_delete(table, row_id)

        @api.post(ADMIN_PREFIX + "/faults", status_code=201)
        async def add_fault(body: dict[str, Any] = Body()) -> dict[str, Any]:
            return self.faults.add(FaultRule(**body)).as_dict()

        @api.delete(ADMIN_PREFIX + "/faults", status_code=204)
        async def clear_faults() -> None:
            self.faults.clear()
            self.release_hangs()

        return api


def _none(state: ExpoState, form: Form) -> Any:
    raise ExpoError(404, "Invalid endpoint")


def _template(path: str) -> str:
    """`/sessions/123/list` -> `/sessions/{event_id}/list`; other paths as they are."""
    parts = path.strip("/").split("/")
    if len(parts) == 3 and parts[0] in LISTS and parts[2] == "list":
        return f"/{parts[0]}/{{event_id}}/list"
    return path


def create_app(
    state: ExpoState | None = None, *, seed: int = 0, **knobs: Any
) -> ExpoPlatformSimulator:
    return ExpoPlatformSimulator(state, seed=seed, **knobs)


class ExpoPlatformSimulation(SimulationBase[ExpoPlatformSimulator]):
    """The ExpoPlatform simulator for the behaviour suite and `agendasync simulate`."""

    partner = "expoplatform"
    KEY = "demo-api-key"

    def __init__(self) -> None:
        self.simulator = ExpoPlatformSimulator()

    def credentials(self) -> dict[str, str]:
        self.simulator.state.add_key(self.KEY)
        return {"key": self.KEY}

    def base_url(self, server: str) -> str:
        return server  # the customer's host; paths add /api/v2

    def add_event(self, name: str, timezone: str, start: date, end: date) -> str:
        event_id = self.simulator.state.add_event(
            name, timezone=timezone, start_date=start.isoformat(), end_date=end.isoformat()
        )
        return str(event_id)

    def records(self, event_id: str, kind: str) -> list[dict[str, Any]]:
        return self.simulator.state.records(int(event_id), kind)

    def delete(self, event_id: str, kind: str, partner_id: str) -> None:
        self.simulator.state.admin_delete(kind, int(partner_id))
