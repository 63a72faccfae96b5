"""Who is calling the API, and the parameters every list shares.

A call is made with `Authorization: Bearer <token>`, or from a browser with the session cookie
of a logged-in person. A cookie is sent by the browser on its own, so a cookie-authenticated
call that changes something must also carry the session's CSRF token in `X-CSRF-Token`.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Query, Request

from agendasync.api.errors import ApiError, unauthorized
from agendasync.domain.accounts import Principal
from agendasync.services.browser_session import CSRF_HEADER, csrf_token_of, session_key_of
from agendasync.services.context import Services, services
from agendasync.store.records import PageRequest

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def caller(request: Request, app: Annotated[Services, Depends(services)]) -> Principal:
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise unauthorized("use 'Authorization: Bearer <token>'")
        principal = app.accounts.token_principal(secret)
        if principal is None:
            raise unauthorized("the API token is not valid (or was revoked)")
        return principal
    key = session_key_of(request)
    principal = app.accounts.session_principal(key) if key else None
    if principal is None:
        raise unauthorized(
            "sign in, or send an API token in the header 'Authorization: Bearer <token>'"
        )
    if request.method not in _SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        expected = csrf_token_of(request)
        if not expected or not hmac.compare_digest(sent, expected):
            raise ApiError(
                403,
                "csrf",
                f"a change made with the session cookie needs the {CSRF_HEADER} header",
                field=CSRF_HEADER,
            )
    return principal


Caller = Annotated[Principal, Depends(caller)]
App = Annotated[Services, Depends(services)]


def page_request(
    limit: Annotated[int, Query(ge=1, le=200, description="Items per page.")] = 50,
    offset: Annotated[int, Query(ge=0, description="Items to skip.")] = 0,
) -> PageRequest:
    return PageRequest(limit=limit, offset=offset)


Paging = Annotated[PageRequest, Depends(page_request)]
