"""The ASP Events simulator as an ASGI app (`serve_in_thread(AspSimulator())`).

Written from the decisions in `shared/partners/README.md` ("ASP Events decisions") and the
contract of `asp_gleanin.md` §1.4: token exchange, Bearer calls, JSON bodies with unknown
attributes refused, `O/L/S/Q/IncludeInactive` lists with `X-Records-*` and `Link`, soft
deletes, `429` with `Retry-After`, and the shared fault kit at the front door. The data and
rules live in `simulator_state.AspState`; `AspSimulation` is what the harness drives.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from agendasync.partners.asp.simulator_admin import ADMIN_PREFIX, Admin
from agendasync.partners.asp.simulator_state import (
    ATTRIBUTES,
    KINDS,
    SEED_SLUGS,
    SEMINAR_KINDS,
    AspError,
    AspState,
    Detail,
    Row,
    bad_request,
)
from agendasync.simulators.faults import FaultKit, FaultPlan
from agendasync.simulators.harness import SimulationBase

PREFIX = "/public"
LIST_PARAMS = frozenset({"O", "L", "S", "Q", "IncludeInactive"})
MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
_PHRASES = {500: "Internal server error", 502: "Bad gateway", 503: "Service unavailable"}
# What `Q` searches, per collection.
_SEARCHED = ("Name", "Title", "FirstName", "LastName", "Email", "ClientSessionId")

Handler = Callable[[Request, dict[str, str]], Awaitable[Response]]


@dataclass(frozen=True)
class Route:
    method: str
    template: str  # "/seminars/{seminar}/sessions", without the /public prefix
    handler: Handler
    public: bool = False  # no Bearer needed (the token exchange)

    @property
    def pattern(self) -> re.Pattern[str]:
        return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.template) + "$")


@dataclass
class Stats:
    calls: Counter[str]
    faults: Counter[str]


class AspSimulator:
    """`state` holds the data (`sim.state.seminars`), `faults` the injected faults."""

    def __init__(self, state: AspState | None = None, *, seed: int = 0) -> None:
        self.state = state if state is not None else AspState(seed=seed)
        self.kit = FaultKit(seed)
        self.faults: FaultPlan = self.kit.plan
        self.stats = Stats(Counter(), Counter())
        self.routes = self._routes()
        self.admin = Admin(lambda: self.state, self.kit)

    def reset(self, state: AspState | None = None, *, seed: int = 0) -> AspState:
        self.state = state if state is not None else AspState(seed=seed)
        self.kit.reset(seed)
        self.stats = Stats(Counter(), Counter())
        return self.state

    def writes(self) -> int:
        """Calls that change something (not reads, not the token exchange)."""
        return sum(
            n for call, n in self.stats.calls.items() if not call.startswith(("GET", "POST /token"))
        )

    # --- the front door --------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        if path.startswith(ADMIN_PREFIX + "/"):  # the admin's back office: no auth, no faults
            response = await self.admin.answer(Request(scope, receive))
            await response(scope, receive, send)
            return
        endpoint = f"{scope['method']} {path.removeprefix(PREFIX)}"
        route, _ = self._match(scope["method"], path)
        if route is not None:
            endpoint = f"{route.method} {route.template}"
        self.stats.calls[endpoint] += 1
        await self.kit.serve(
            endpoint,
            self._api,
            self._fault_answer,
            scope,
            receive,
            send,
            fired=self.stats.faults,
            server_send=send,
        )

    def _fault_answer(self, status: int) -> Response:
        error = "rate_limit_exceeded" if status == 429 else "server_error"
        message = _PHRASES.get(status, "Server error")
        headers = {"Retry-After": "1"} if status == 429 else {}
        return _error(AspError(status, error, message, headers=headers))

    async def _api(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            response = await self._dispatch(request)
        except AspError as exc:
            response = _error(exc)
        await response(scope, receive, send)

    def _match(self, method: str, path: str) -> tuple[Route | None, dict[str, str]]:
        if not path.startswith(PREFIX + "/"):
            return None, {}
        local = path.removeprefix(PREFIX)
        for route in self.routes:
            found = route.pattern.match(local)
            if found and route.method == method:
                return route, found.groupdict()
        return None, {}

    async def _dispatch(self, request: Request) -> Response:
        route, params = self._match(request.method, request.url.path)
        if route is None:
            local = request.url.path.removeprefix(PREFIX)
            if any(r.pattern.match(local) for r in self.routes):
                raise AspError(405, "method_not_allowed", f"{request.method} is not allowed here")
            raise AspError(404, "not_found", f"No such endpoint: {request.url.path}")
        if not route.public:
            key = self.state.key_of_token(_bearer(request.headers.get("authorization")))
            self.state.charge(key)
        return await route.handler(request, params)

    # --- routes ----------------------------------------------------------------------------

    def _routes(self) -> list[Route]:
        routes = [
            Route("POST", "/token", self._token, public=True),
            Route("GET", "/sites", self._sites),
            Route("GET", "/sites/{site}", self._site),
            Route("GET", "/sites/{site}/speakercustomfields", self._speaker_fields),
            Route("GET", "/seminars", self._seminars),
            Route("GET", "/seminars/{seminar}", self._seminar),
            Route("GET", "/seminars/{seminar}/customfields", self._custom_fields),
            Route("GET", "/speakers", self._list_speakers),
            Route("POST", "/speakers", self._create_speaker),
        ]
        for kind in SEMINAR_KINDS:
            routes.append(Route("GET", f"/seminars/{{seminar}}/{kind}", self._lister(kind)))
            routes.append(Route("POST", f"/seminars/{{seminar}}/{kind}", self._creator(kind)))
        for kind in KINDS:
            routes.append(Route("GET", f"/{kind}/{{uuid}}", self._getter(kind)))
            routes.append(Route("PUT", f"/{kind}/{{uuid}}", self._updater(kind)))
            routes.append(Route("DELETE", f"/{kind}/{{uuid}}", self._deleter(kind)))
        return routes

    async def _token(self, request: Request, params: dict[str, str]) -> Response:
        _no_params(request)
        key, secret = _basic(request.headers.get("authorization"))
        token = self.state.issue_token(key, secret)
        self.state.charge(str(key))
        headers = {"Authentication-Info": f"expires-in={self.state.knobs.token_ttl_s}"}
        return JSONResponse(token, headers=headers)

    async def _sites(self, request: Request, params: dict[str, str]) -> Response:
        return _listing(request, list(self.state.sites.values()), set())

    async def _site(self, request: Request, params: dict[str, str]) -> Response:
        _no_params(request)
        return JSONResponse(self.state.site(params["site"]))

    async def _speaker_fields(self, request: Request, params: dict[str, str]) -> Response:
        _no_params(request)
        return JSONResponse(self.state.field_defs("speakers", params["site"]))

    async def _seminars(self, request: Request, params: dict[str, str]) -> Response:
        site = request.query_params.get("SiteUuid")
        rows = [
            r for r in self.state.seminars.values() if site is None or r["SiteUuid"] == site.upper()
        ]
        return _listing(request, rows, {"SiteUuid"})

    async def _seminar(self, request: Request, params: dict[str, str]) -> Response:
        _no_params(request)
        return JSONResponse(self.state.seminar(params["seminar"]))

    async def _custom_fields(self, request: Request, params: dict[str, str]) -> Response:
        _no_params(request)
        return JSONResponse(self.state.field_defs("sessions", params["seminar"]))

    def _lister(self, kind: str) -> Handler:
        async def handler(request: Request, params: dict[str, str]) -> Response:
            seminar = self.state.seminar(params["seminar"])["Uuid"]
            rows = [r for r in self.state.records[kind].values() if r["SeminarUuid"] == seminar]
            if kind == "sessions":
                rows = _custom_filter(request, rows, self.state.field_defs(kind, seminar))
                return _listing(request, rows, _custom_params(request))
            return _listing(request, rows, set())

        return handler

    async def _list_speakers(self, request: Request, params: dict[str, str]) -> Response:
        site = request.query_params.get("SiteUuid")
        if not site:
            raise bad_request("SiteUuid is required", "SiteUuid")
        site = self.state.site(site)["Uuid"]
        rows = [r for r in self.state.records["speakers"].values() if r["SiteUuid"] == site]
        email = request.query_params.get("Email")
        if email is not None:
            rows = [r for r in rows if str(r["Email"]).lower() == email.lower()]
        rows = _custom_filter(request, rows, self.state.field_defs("speakers", site))
        return _listing(request, rows, {"SiteUuid", "Email", *_custom_params(request)})

    def _creator(self, kind: str) -> Handler:
        async def handler(request: Request, params: dict[str, str]) -> Response:
            _no_params(request)
            seminar = self.state.seminar(params["seminar"])["Uuid"]
            row = self.state.create(kind, seminar, await _body(request))
            return JSONResponse(_view(row), 201)

        return handler

    async def _create_speaker(self, request: Request, params: dict[str, str]) -> Response:
        _no_params(request)
        row = self.state.create("speakers", None, await _body(request))
        return JSONResponse(_view(row), 201)

    def _getter(self, kind: str) -> Handler:
        async def handler(request: Request, params: dict[str, str]) -> Response:
            _no_params(request)
            return JSONResponse(_view(self.state.record(kind, params["uuid"])))

        return handler

    def _updater(self, kind: str) -> Handler:
        async def handler(request: Request, params: dict[str, str]) -> Response:
            _no_params(request)
            row = self.state.update(kind, params["uuid"], await _body(request))
            return JSONResponse(_view(row))

        return handler

    def _deleter(self, kind: str) -> Handler:
        async def handler(request: Request, params: dict[str, str]) -> Response:
            _no_params(request)
            self.state.delete(kind, params["uuid"])
            return Response(status_code=204)

        return handler


# --- helpers --------------------------------------------------------------------------------


def _error(exc: AspError) -> Response:
    return JSONResponse(exc.body(), exc.status, exc.headers)


def _view(row: Row) -> Row:
    return {k: v for k, v in row.items() if not k.startswith("_")}


def _basic(authorization: str | None) -> tuple[str | None, str | None]:
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() != "basic":
        return None, None
    try:
        pair = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    key, sep, secret = pair.partition(":")
    return (key, secret) if sep else (None, None)


def _bearer(authorization: str | None) -> str | None:
    scheme, _, value = (authorization or "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def _no_params(request: Request, allowed: frozenset[str] = frozenset()) -> None:
    unknown = [name for name in request.query_params if name not in allowed]
    if unknown:
        raise AspError(
            400,
            "bad_request",
            f"Unknown query parameter: {unknown[0]}",
            [Detail(name, "unknown query parameter") for name in unknown],
        )


async def _body(request: Request) -> Any:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json":
        raise bad_request("The body must be JSON (Content-Type: application/json)")
    try:
        return json.loads(await request.body())
    except ValueError:
        raise bad_request("The body is not valid JSON") from None


_CUSTOM = re.compile(r"^CustomField\[(.+)\]$")


def _custom_params(request: Request) -> set[str]:
    return {name for name in request.query_params if _CUSTOM.match(name)}


def _custom_filter(request: Request, rows: list[Row], defs: list[Row]) -> list[Row]:
    slugs = {d["Slug"] for d in defs}
    for name, value in request.query_params.items():
        found = _CUSTOM.match(name)
        if not found:
            continue
        slug = found.group(1)
        if slug not in slugs:
            raise bad_request(f"Unknown custom field {slug!r}", name)
        rows = [r for r in rows if str(r["CustomFields"].get(slug, "")) == value]
    return rows


def _int(request: Request, name: str, default: int, low: int, high: int) -> int:
    text = request.query_params.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise bad_request(f"{name} must be a whole number", name) from None
    if not low <= value <= high:
        raise bad_request(f"{name} must be between {low} and {high}", name)
    return value


def _listing(request: Request, rows: list[Row], extra: set[str]) -> Response:
    """A page of `rows` as ASP answers a list: a JSON array and `X-Records-*`, `Link`."""
    _no_params(request, LIST_PARAMS | extra)
    offset = _int(request, "O", 0, 0, 10**9)
    limit = _int(request, "L", DEFAULT_LIMIT, 1, MAX_LIMIT)
    flag = request.query_params.get("IncludeInactive", "0").lower()
    if flag not in ("0", "1", "true", "false"):
        raise bad_request("IncludeInactive must be 0 or 1", "IncludeInactive")
    if flag in ("0", "false"):
        rows = [r for r in rows if r.get("isActive", True)]
    total = len(rows)
    query = (request.query_params.get("Q") or "").lower()
    if query:
        rows = [r for r in rows if any(query in str(r.get(n) or "").lower() for n in _SEARCHED)]
    sort = request.query_params.get("S")
    if sort:
        name = sort.lstrip("-+")
        if rows and name not in rows[0]:
            raise bad_request(f"Cannot sort by {name!r}", "S")
        rows = sorted(rows, key=lambda r: str(r.get(name) or "").lower(), reverse=sort[0] == "-")
    page = rows[offset : offset + limit]
    headers = {
        "X-Records-Total": str(total),
        "X-Records-Filtered": str(len(rows)),
        "X-Records-Page": str(offset // limit + 1),
    }
    if offset + limit < len(rows):
        query_params = dict(request.query_params) | {"O": str(offset + limit), "L": str(limit)}
        url = request.url.replace(query=urlencode(query_params))
        headers["Link"] = f'<{url}>; rel="next"'
    return JSONResponse([_view(r) for r in page], headers=headers)


# --- for the behaviour suite and `agendasync simulate asp` ----------------------------------


class AspSimulation(SimulationBase[AspSimulator]):
    """The ASP simulator as the harness drives it: each event is a site with one seminar that
    has the five seed slugs and a "Session" type."""

    partner = "asp"
    KEY, SECRET = "demo-key", "demo-secret"

    def __init__(self) -> None:
        self.simulator = AspSimulator()
        self.seminar_of: dict[str, str] = {}

    @property
    def state(self) -> AspState:
        return self.simulator.state

    def reset(self) -> None:
        super().reset()
        self.seminar_of.clear()

    def credentials(self) -> dict[str, str]:
        if self.KEY not in self.state.credentials:
            self.state.add_credentials(self.KEY, self.SECRET)
        return {"key": self.KEY, "secret": self.SECRET}

    def base_url(self, server: str) -> str:
        return server

    def add_event(self, name: str, timezone: str, start: date, end: date) -> str:
        site = self.state.add_site(name, timezone, start.isoformat(), end.isoformat())
        self.seminar_of[site] = self.state.add_seminar(site, f"{name} programme", slugs=SEED_SLUGS)
        return site

    def mapping_params(self, event_id: str) -> dict[str, str]:
        return {"seminar_id": self.seminar_of[event_id]}

    def records(self, event_id: str, kind: str) -> list[dict[str, Any]]:
        site = self.state.site(event_id)["Uuid"]
        if kind == "speakers":
            rows = [r for r in self.state.records["speakers"].values() if r["SiteUuid"] == site]
        elif kind in SEMINAR_KINDS:
            seminars = {u for u, s in self.state.seminars.items() if s["SiteUuid"] == site}
            rows = [r for r in self.state.records[kind].values() if r["SeminarUuid"] in seminars]
        else:
            return []
        return [{**_view(r), "id": r["Uuid"]} for r in rows if r["isActive"]]

    def delete(self, event_id: str, kind: str, partner_id: str) -> None:
        """An ASP admin deletes in the back office: the record becomes inactive."""
        self.state.deactivate(kind, partner_id)


__all__ = ["ATTRIBUTES", "AspSimulation", "AspSimulator", "AspState"]
