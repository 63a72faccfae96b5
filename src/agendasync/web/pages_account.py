"""Signing in and out, the start page (the organisations one belongs to), and one's own
account (changing one's password)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from agendasync.domain.accounts import Access, Principal
from agendasync.domain.exceptions import InvalidContent
from agendasync.services.accounts import LoginRefused, LoginThrottled
from agendasync.services.browser_session import (
    Flash,
    client_address,
    flash,
    log_in,
    log_out,
    session_key_of,
)
from agendasync.store.events import list_organisations
from agendasync.web.forms import LOGIN_FIELDS, PASSWORD_FIELDS, FormField, refilled
from agendasync.web.render import App, User, redirect, render, safe_back

router = APIRouter()

_ROLE_NAMES = {Access.READ: "viewer", Access.WRITE: "editor", Access.ADMIN: "admin"}


def _login_page(
    request: Request,
    next_path: str,
    *,
    email: str = "",
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    fields = [
        FormField(**{**vars(LOGIN_FIELDS[0]), "value": email}),
        LOGIN_FIELDS[1],
    ]
    context = {"fields": fields, "next": next_path, "error": error}
    return render(request, "login.html", context, status_code=status)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, app: App, next: str = "/") -> Response:
    key = session_key_of(request)
    if key is not None and app.accounts.session_principal(key) is not None:
        return redirect(safe_back(next, "/"))
    return _login_page(request, safe_back(next, "/"))


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    app: App,
    email: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    back = safe_back(next, "/")
    try:
        user = app.accounts.authenticate(email, password, client_address(request))
    except LoginThrottled as exc:
        response = _login_page(request, back, email=email, error=str(exc), status=429)
        response.headers["Retry-After"] = str(int(exc.retry_after_s) + 1)
        return response
    except LoginRefused as exc:
        return _login_page(request, back, email=email, error=str(exc), status=401)
    log_in(request, app.accounts.start_session(user.id, app.settings.session_max_age_s))
    return redirect(back)


@router.post("/logout")
def logout(request: Request, app: App) -> RedirectResponse:
    key = session_key_of(request)
    if key is not None:
        app.accounts.end_session(key)  # a copy of the cookie no longer signs anyone in
    log_out(request)
    return redirect("/login")


@router.get("/", response_class=HTMLResponse)
def home(request: Request, app: App, principal: User) -> Response:
    with app.store.transaction() as connection:
        orgs = [org for org in list_organisations(connection) if principal.sees(org.id)]
    if len(orgs) == 1:
        return redirect(f"/orgs/{orgs[0].slug}")
    roles = {org.id: _ROLE_NAMES[principal.grants[org.id]] for org in orgs}
    return render(request, "home.html", {"orgs": orgs, "roles": roles}, principal=principal)


# --- one's own account -------------------------------------------------------------------------


def _account_page(
    request: Request,
    app: App,
    principal: Principal,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    with app.store.transaction() as connection:
        orgs = [org for org in list_organisations(connection) if principal.sees(org.id)]
    context = {
        "orgs": orgs,
        "roles": {org.id: _ROLE_NAMES[principal.grants[org.id]] for org in orgs},
        "fields": refilled(PASSWORD_FIELDS, {}, errors or {}),
    }
    status = 422 if errors else 200
    return render(request, "account.html", context, principal=principal, status_code=status)


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, app: App, principal: User) -> Response:
    return _account_page(request, app, principal)


@router.post("/account/password", response_class=HTMLResponse)
def change_password(
    request: Request,
    app: App,
    principal: User,
    current_password: Annotated[str, Form()] = "",
    new_password: Annotated[str, Form()] = "",
    new_password_again: Annotated[str, Form()] = "",
) -> Response:
    user = principal.user
    assert user is not None  # pages are for people; tokens never reach them
    if new_password != new_password_again:
        errors = {"new_password_again": "this is not the same as the new password above"}
        return _account_page(request, app, principal, errors)
    try:
        ended = app.accounts.change_password(
            user, current_password, new_password, client_address(request)
        )
    except (LoginRefused, LoginThrottled) as exc:
        return _account_page(request, app, principal, {"current_password": str(exc)})
    except InvalidContent as exc:
        return _account_page(request, app, principal, {"new_password": str(exc.problems[0][1])})
    # Every session of theirs ended; this browser goes on with a new one.
    log_in(request, app.accounts.start_session(user.id, app.settings.session_max_age_s))
    others = ended - 1
    elsewhere = f"; {others} other browser(s) signed out" if others else ""
    flash(request, Flash("success", f"Password changed{elsewhere}."))
    return redirect("/account")
