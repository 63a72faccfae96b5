"""Settings -> Users: an organisation's admins add people, change their roles and take them out
(through `Accounts`, which keeps at least one admin)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from agendasync.domain.accounts import Access, Principal, Role
from agendasync.domain.exceptions import InvalidContent
from agendasync.domain.models import Organisation
from agendasync.services import access
from agendasync.services.accounts import LastAdmin
from agendasync.services.browser_session import Flash, flash
from agendasync.store import accounts as accounts_repo
from agendasync.web.forms import MEMBER_FIELDS, ROLE_OPTIONS, refilled
from agendasync.web.render import App, User, redirect, render

router = APIRouter()


def _users_page(
    request: Request,
    app: App,
    principal: Principal,
    org: Organisation,
    *,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    row_error: tuple[uuid.UUID, str] | None = None,
) -> HTMLResponse:
    """The list and the Add form; a refusal shows at its field (`errors` of the Add form, or
    `row_error` at one person's role)."""
    with app.store.transaction() as connection:
        members = accounts_repo.list_members(connection, org.id)
    context = {
        "org": org,
        "members": members,
        "fields": refilled(MEMBER_FIELDS, typed or {}, errors or {}),
        "roles": ROLE_OPTIONS,
        "row_error": row_error,
        "section": "users",
        "event": None,
    }
    refused = errors or row_error
    return render(
        request, "users.html", context, principal=principal, status_code=422 if refused else 200
    )


def _admin_org(app: App, principal: Principal, org: str) -> Organisation:
    with app.store.transaction() as connection:
        return access.organisation(connection, principal, org, Access.ADMIN)


@router.get("/orgs/{org}/settings/users", response_class=HTMLResponse)
def users_page(request: Request, org: str, app: App, principal: User) -> Response:
    return _users_page(request, app, principal, _admin_org(app, principal, org))


@router.post("/orgs/{org}/settings/users", response_class=HTMLResponse)
def add_user(
    request: Request,
    org: str,
    app: App,
    principal: User,
    email: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    found = _admin_org(app, principal, org)
    typed = {"email": email, "role": role}
    try:
        new = app.accounts.add_member(found.id, email, _role(role), password)
    except InvalidContent as exc:
        return _users_page(request, app, principal, found, typed=typed, errors=dict(exc.problems))
    account = "" if new else " (with the account and password they have already)"
    flash(request, Flash("success", f"{email.strip().lower()} added as {role}{account}."))
    return redirect(f"/orgs/{found.slug}/settings/users")


@router.post("/orgs/{org}/settings/users/{user_id}/role", response_class=HTMLResponse)
def change_role(
    request: Request,
    org: str,
    user_id: uuid.UUID,
    app: App,
    principal: User,
    role: Annotated[str, Form()] = "",
) -> Response:
    found = _admin_org(app, principal, org)
    try:
        member = app.accounts.change_role(found.id, user_id, _role(role))
    except (LastAdmin, InvalidContent) as exc:
        return _users_page(request, app, principal, found, row_error=(user_id, _reason(exc)))
    flash(request, Flash("success", f"{member.user.email} is now {member.role.value}."))
    if _is_me(principal, user_id) and member.role is not Role.ADMIN:
        return redirect(f"/orgs/{found.slug}")  # the Users page is no longer theirs
    return redirect(f"/orgs/{found.slug}/settings/users")


@router.post("/orgs/{org}/settings/users/{user_id}/remove", response_class=HTMLResponse)
def remove_user(
    request: Request, org: str, user_id: uuid.UUID, app: App, principal: User
) -> Response:
    found = _admin_org(app, principal, org)
    try:
        member = app.accounts.remove_member(found.id, user_id)
    except LastAdmin as exc:
        return _users_page(request, app, principal, found, row_error=(user_id, str(exc)))
    flash(request, Flash("success", f"{member.user.email} removed from {found.name}."))
    if _is_me(principal, user_id):
        return redirect("/")
    return redirect(f"/orgs/{found.slug}/settings/users")


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise InvalidContent([("role", "choose viewer, editor or admin")]) from None


def _reason(error: Exception) -> str:
    if isinstance(error, InvalidContent):
        return "; ".join(message for _, message in error.problems)
    return str(error)


def _is_me(principal: Principal, user_id: uuid.UUID) -> bool:
    return principal.user is not None and principal.user.id == user_id
