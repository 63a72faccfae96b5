"""The REST API: a FastAPI app mounted at `/api` by `web.app.create_app`.

The OpenAPI document is at `/api/openapi.json` and its pages at `/api/docs`, both open to all;
every other call needs an API token or a logged-in session (`api.deps`). The docs page is
rendered here from the document, without the usual Swagger UI: that loads its scripts from a
CDN, and these pages must work on a machine without internet access.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from agendasync.api import (
    errors,
    routes_events,
    routes_fields,
    routes_orgs,
    routes_schedule,
    routes_syncs,
)
from agendasync.services.context import Services

DESCRIPTION = """\
Organisations, events and their sessions, speakers, sponsors, exhibitors and taxonomy;
integrations, event mappings, syncs and their reports; the Sessionize import.

**Authentication**: `Authorization: Bearer <token>` with an API token of the organisation
(admins issue them on the *API tokens* page, or `agendasync token create`), or the session
cookie of a signed-in person (then changes also need the `X-CSRF-Token` header).

**Records** have the shape of the event JSON format (sessions name their tags, tracks,
locations, levels and format by name, and their people by speaker id or email). **PATCH**
changes only the keys sent; a list sent replaces the list (`[]` clears it).

**Errors** are JSON: `{"error": code, "message": text, "problems": [{"field", "message"}]}`.
Another organisation's data answers 404, as if it did not exist.

**Field maps**: each mapping fills the partner's session and speaker fields from ours, starting
with the partner's defaults; pairs can be added (the partner is asked whether its field
exists) and those the partner does not require removed.
"""


def create_api(services: Services, templates: Jinja2Templates) -> FastAPI:
    api = FastAPI(
        title="agendasync API",
        version="1",
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    api.state.services = services
    errors.install(api)
    api.include_router(routes_orgs.router)
    api.include_router(routes_fields.router)
    api.include_router(routes_events.router)
    api.include_router(routes_syncs.router)
    api.include_router(routes_schedule.router)

    @api.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    def docs(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(
            request, "api_docs.html", {"doc": api.openapi(), "operations": _operations(api)}
        )

    return api


_METHODS = ("get", "post", "put", "patch", "delete")


def _operations(api: FastAPI) -> list[dict[str, Any]]:
    """The document's operations grouped by tag, in the order they were declared."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for path, item in api.openapi()["paths"].items():
        for method in _METHODS:
            if method in item:
                operation = item[method]
                tag = (operation.get("tags") or ["other"])[0]
                grouped.setdefault(tag, []).append(
                    {
                        "method": method.upper(),
                        "path": f"/api{path}",
                        "summary": operation.get("summary", ""),
                        "parameters": operation.get("parameters", []),
                        "body": _schema_name(operation.get("requestBody")),
                    }
                )
    return [{"tag": tag, "operations": ops} for tag, ops in grouped.items()]


def _schema_name(body: dict[str, Any] | None) -> str | None:
    if not body:
        return None
    schema = body.get("content", {}).get("application/json", {}).get("schema", {})
    reference = schema.get("$ref") or (schema.get("allOf") or [{}])[0].get("$ref")
    name = reference.rsplit("/", 1)[-1] if reference else schema.get("type")
    return str(name) if name else None
