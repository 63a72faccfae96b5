"""What an ASP admin does by hand, over HTTP under `/_sim` (no auth, no faults), for a
simulator running in its own process (`agendasync simulate asp`), and the demo data it starts
with. Tests in the same process call `AspState` directly.

    GET    /_sim/state                                  sites, seminars, field slugs, counts
    POST   /_sim/{kind}/{uuid}/deactivate               made inactive in the back office
    DELETE /_sim/{kind}/{uuid}                          removed for good (the API then 404s)
    PUT    /_sim/seminars/{seminar}/customfields/{slug} {"Name", "Type", "Options"} added
    DELETE /_sim/seminars/{seminar}/customfields/{slug} removed
    POST   /_sim/expire-tokens                          every token stops working
    POST   /_sim/faults  {"kind", "count", "status", "match", ...}; DELETE /_sim/faults
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from agendasync.partners.asp.simulator_state import (
    FIELD_TYPES,
    KINDS,
    SEED_SLUGS,
    AspError,
    AspState,
)
from agendasync.simulators.faults import FaultKit, FaultRule

ADMIN_PREFIX = "/_sim"
DEMO_KEY, DEMO_SECRET = "demo-key", "demo-secret"


def demo_state(state: AspState | None = None) -> tuple[AspState, dict[str, str]]:
    """Demo credentials, a London site with a seminar holding the five seed slugs and one
    lacking `panel-moderator` and `chairperson`; answers the state and the ids by name."""
    state = state or AspState()
    state.add_credentials(DEMO_KEY, DEMO_SECRET)
    site = state.add_site("DevConf London", "Europe/London")
    full = state.add_seminar(site, "Main programme")
    partial = state.add_seminar(
        site, "Side stage", slugs=("sessionboard_id", "sessionboard-content", "levels-checkbox")
    )
    state.seed(full, "sessiontypes", Name="Keynote")
    return state, {"site": site, "seminar": full, "seminar_lacking_slugs": partial}


def _summary(state: AspState) -> dict[str, Any]:
    return {
        "sites": list(state.sites.values()),
        "seminars": [
            {**row, "CustomFields": [f["Slug"] for f in state.customfields[uuid]]}
            for uuid, row in state.seminars.items()
        ],
        "records": {
            kind: {
                "active": sum(1 for r in rows.values() if r["isActive"]),
                "inactive": sum(1 for r in rows.values() if not r["isActive"]),
            }
            for kind, rows in state.records.items()
        },
    }


_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("GET", re.compile(r"^/state$"), "state"),
    ("POST", re.compile(r"^/(?P<kind>\w+)/(?P<uuid>[^/]+)/deactivate$"), "deactivate"),
    ("DELETE", re.compile(r"^/seminars/(?P<seminar>[^/]+)/customfields/(?P<slug>[^/]+)$"), "drop"),
    ("PUT", re.compile(r"^/seminars/(?P<seminar>[^/]+)/customfields/(?P<slug>[^/]+)$"), "field"),
    ("DELETE", re.compile(r"^/(?P<kind>\w+)/(?P<uuid>[^/]+)$"), "remove"),
    ("POST", re.compile(r"^/expire-tokens$"), "expire"),
    ("POST", re.compile(r"^/faults$"), "add_fault"),
    ("DELETE", re.compile(r"^/faults$"), "clear_faults"),
]


class Admin:
    """The `/_sim` routes, over whichever state the simulator holds at the time."""

    def __init__(self, state: Callable[[], AspState], kit: FaultKit) -> None:
        self.state = state
        self.kit = kit

    async def answer(self, request: Request) -> Response:
        local = request.url.path.removeprefix(ADMIN_PREFIX)
        for method, pattern, name in _ROUTES:
            found = pattern.match(local)
            if found and method == request.method:
                handler: Callable[..., Awaitable[Response]] = getattr(self, f"_{name}")
                try:
                    return await handler(request, **found.groupdict())
                except AspError as exc:
                    return JSONResponse(exc.body(), exc.status)
                except (ValueError, TypeError, KeyError) as exc:
                    return JSONResponse({"error": "bad_request", "message": str(exc)}, 400)
        return JSONResponse({"error": "not_found", "message": f"no admin route {local}"}, 404)

    async def _state(self, request: Request) -> Response:
        return JSONResponse(_summary(self.state()))

    def _kind(self, kind: str) -> str:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        return kind

    async def _deactivate(self, request: Request, kind: str, uuid: str) -> Response:
        self.state().deactivate(self._kind(kind), uuid)
        return Response(status_code=204)

    async def _remove(self, request: Request, kind: str, uuid: str) -> Response:
        self.state().remove(self._kind(kind), uuid)
        return Response(status_code=204)

    async def _field(self, request: Request, seminar: str, slug: str) -> Response:
        body = json.loads(await request.body() or b"{}")
        kind = body.get("Type", "text")
        if kind not in FIELD_TYPES:
            raise ValueError(f"Type must be one of {', '.join(FIELD_TYPES)}")
        options = [(o["Value"], o["Label"]) for o in body.get("Options", [])]
        name = body.get("Name") or SEED_SLUGS.get(slug, (slug, kind))[0]
        self.state().add_custom_field(seminar, slug, name, kind, options)
        return Response(status_code=204)

    async def _drop(self, request: Request, seminar: str, slug: str) -> Response:
        self.state().remove_custom_field(seminar, slug)
        return Response(status_code=204)

    async def _expire(self, request: Request) -> Response:
        self.state().expire_tokens()
        return Response(status_code=204)

    async def _add_fault(self, request: Request) -> Response:
        rule = self.kit.plan.add(FaultRule(**json.loads(await request.body())))
        return JSONResponse(rule.as_dict(), 201)

    async def _clear_faults(self, request: Request) -> Response:
        self.kit.reset()
        return Response(status_code=204)
