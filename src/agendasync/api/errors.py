"""Every API error is one JSON shape, naming each field and its problem:

    {"error": "invalid", "message": "title: Field required",
     "problems": [{"field": "title", "message": "Field required"}]}

`field` is the body field, query parameter or path parameter at fault, dotted into nested
values (`people.0.speaker`), or null when no one field is (a missing token).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from agendasync.domain.exceptions import InvalidContent
from agendasync.services.access import Forbidden
from agendasync.services.integrations import IntegrationError
from agendasync.services.records import FieldConflict
from agendasync.sources.sessionize.exceptions import EndpointChanged, SessionizeError
from agendasync.store.exceptions import Conflict, NotFound


class ProblemOut(BaseModel):
    field: str | None
    message: str


class ErrorOut(BaseModel):
    error: str
    message: str
    problems: list[ProblemOut]


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        error: str,
        message: str,
        *,
        field: str | None = None,
        problems: Sequence[tuple[str | None, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.problems = list(problems) if problems is not None else [(field, message)]
        self.headers = headers


def unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


def _response(error: ApiError) -> JSONResponse:
    body = ErrorOut(
        error=error.error,
        message=error.message,
        problems=[ProblemOut(field=field, message=message) for field, message in error.problems],
    )
    return JSONResponse(body.model_dump(), status_code=error.status, headers=error.headers)


# How `InvalidContent` names a problem of the whole record rather than of one field.
_WHOLE = "(document)"


def _place(location: Sequence[Any]) -> str | None:
    # ("body", "people", 0, "speaker") -> "people.0.speaker"; ("query", "limit") -> "limit"
    parts = [str(part) for part in location]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or None


def invalid(problems: Sequence[tuple[str | None, str]]) -> ApiError:
    """422 naming each field; a problem of the whole record (an end before the start) names
    none."""
    named = [(None if field == _WHOLE else field, text) for field, text in problems]
    message = "; ".join(f"{field}: {text}" if field else text for field, text in named)
    return ApiError(422, "invalid", message, problems=named)


# One refusal -> one status; the message is the service's own, written for people.
_STATUS: list[tuple[type[Exception], int, str]] = [
    (NotFound, 404, "not_found"),
    (Forbidden, 403, "forbidden"),
    (Conflict, 409, "conflict"),
]


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return _response(exc)

    @app.exception_handler(RequestValidationError)
    async def request_invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _response(invalid([(_place(e["loc"]), e["msg"]) for e in exc.errors()]))

    @app.exception_handler(ValidationError)
    async def model_invalid(_: Request, exc: ValidationError) -> JSONResponse:
        return _response(invalid(InvalidContent.from_validation(exc).problems))

    @app.exception_handler(InvalidContent)
    async def content_invalid(_: Request, exc: InvalidContent) -> JSONResponse:
        return _response(invalid(exc.problems))

    @app.exception_handler(FieldConflict)
    async def field_conflict(_: Request, exc: FieldConflict) -> JSONResponse:
        return _response(ApiError(409, "conflict", str(exc), field=exc.field))

    for exception, status, error in _STATUS:

        async def refused(
            _: Request, exc: Exception, status: int = status, error: str = error
        ) -> JSONResponse:
            return _response(ApiError(status, error, str(exc)))

        app.add_exception_handler(exception, refused)

    @app.exception_handler(IntegrationError)
    async def partner_refused(_: Request, exc: IntegrationError) -> JSONResponse:
        # The partner's own verdict on credentials or events (R-INT-2), or a missing field.
        return _response(ApiError(422, "partner_refused", str(exc), field=exc.field))

    @app.exception_handler(EndpointChanged)
    async def sessionize_endpoint_changed(_: Request, exc: EndpointChanged) -> JSONResponse:
        # R-SZ-9: another endpoint than the event's is imported only when asked to replace.
        return _response(ApiError(409, exc.code, str(exc), field="replace"))

    @app.exception_handler(SessionizeError)
    async def sessionize_refused(_: Request, exc: SessionizeError) -> JSONResponse:
        # R-SZ-4: every import error is a 422 with its own code and message.
        return _response(ApiError(422, exc.code, str(exc), field="endpoint_id"))
