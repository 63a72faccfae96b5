"""Settings -> Users, the Account page and the API tokens list over HTTP (the browser flow is in
tests/e2e/test_account_pages.py): refusals shown at their field with the typed values kept, the
last admin kept, roles enforced, password changes signing other browsers out, token prefixes
and last use."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import lxml.html
import pytest
from fastapi import FastAPI
from sqlalchemy import insert

from agendasync.domain.accounts import Role
from agendasync.store import accounts as repo
from agendasync.store import tables as t
from agendasync.store.events import find_organisation
from conftest import PASSWORD, Api

NEW_PASSWORD = "another long enough password"


def _csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found[1]


def _at_field(page: httpx.Response, label: str) -> tuple[str, str]:
    """The value and the error shown at the field labelled `label` (its `aria-describedby`
    names the error, and it is marked invalid)."""
    html = lxml.html.fromstring(page.text)
    labels = [e for e in html.iter("label") if _words(e).removesuffix(" (optional)") == label]
    (label_element,) = labels
    (control,) = html.xpath(f'//*[@id="{label_element.get("for")}"]')
    value = (control.get("value") if control.tag == "input" else control.value) or ""
    if control.get("aria-invalid") != "true":
        return value, ""
    error_id = control.get("aria-describedby").split()[0]
    (error,) = html.xpath(f'//*[@id="{error_id}"]')
    return value, error.text_content().strip()


def _words(element: lxml.html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def _flash(page: httpx.Response) -> list[str]:
    html = lxml.html.fromstring(page.text)
    return [_words(e) for e in html.find_class("flash")]


def _members(api: Api) -> list[tuple[str, Role]]:
    with api.store.transaction() as connection:
        acme = find_organisation(connection, "acme")
        return [(m.user.email, m.role) for m in repo.list_members(connection, acme.id)]


def _user_id(api: Api, email: str) -> uuid.UUID:
    with api.store.transaction() as connection:
        user = repo.find_user(connection, email)
    assert user is not None
    return user.id


async def _post(api: Api, path: str, data: dict[str, str]) -> httpx.Response:
    page = await api.client.get("/account")
    return await api.client.post(path, data=data | {"csrf_token": _csrf(page)})


# --- Settings -> Users -------------------------------------------------------------------------


async def test_an_admin_adds_a_person_refusals_at_the_field(api: Api) -> None:
    await api.login(api.acme.admin_email)
    users = await api.client.get("/orgs/acme/settings/users")
    assert users.status_code == 200
    rows = lxml.html.fromstring(users.text).xpath("//tbody/tr")
    assert [[td.text_content().split()[0] for td in row.xpath("td")[:1]] for row in rows] == [
        ["admin@acme.example"]
    ]
    assert "not yet" not in users.text  # the admin signed in just now

    refused = await _post(
        api,
        "/orgs/acme/settings/users",
        {"email": "ada@", "role": "viewer", "password": PASSWORD},
    )
    assert refused.status_code == 422
    assert _at_field(refused, "Email") == ("ada@", "'ada@' is not an email address.")
    assert _at_field(refused, "Role")[0] == "viewer"  # as chosen
    short = await _post(
        api,
        "/orgs/acme/settings/users",
        {"email": "ada@acme.example", "role": "editor", "password": "short"},
    )
    assert short.status_code == 422
    assert _at_field(short, "Email") == ("ada@acme.example", "")
    assert _at_field(short, "Initial password") == ("", "Must be at least 8 characters long.")
    assert _members(api) == [(api.acme.admin_email, Role.ADMIN)]

    added = await _post(
        api,
        "/orgs/acme/settings/users",
        {"email": "Ada@Acme.example", "role": "editor", "password": PASSWORD},
    )
    assert added.status_code == 303
    page = await api.client.get(added.headers["location"])
    assert _flash(page) == ["ada@acme.example added as editor."]
    assert _members(api) == [("ada@acme.example", Role.EDITOR), (api.acme.admin_email, Role.ADMIN)]
    assert "not yet" in page.text  # Ada has not signed in yet
    again = await _post(
        api,
        "/orgs/acme/settings/users",
        {"email": "ada@acme.example", "role": "viewer", "password": ""},
    )
    assert _at_field(again, "Email") == (
        "ada@acme.example",
        "Already a member here; change their role in the list instead.",
    )
    # Rival's admin joins Acme with the account (and password) they have.
    rival = await _post(
        api,
        "/orgs/acme/settings/users",
        {"email": api.rival.admin_email, "role": "viewer", "password": ""},
    )
    page = await api.client.get(rival.headers["location"])
    assert _flash(page) == [
        f"{api.rival.admin_email} added as viewer "
        "(with the account and password they have already)."
    ]
    await api.login("ada@acme.example")
    assert (await api.client.get("/orgs/acme")).status_code == 200


async def test_the_last_admin_is_refused_at_their_row(api: Api) -> None:
    await api.login(api.acme.admin_email)
    admin = _user_id(api, api.acme.admin_email)
    demoted = await _post(api, f"/orgs/acme/settings/users/{admin}/role", {"role": "viewer"})
    assert demoted.status_code == 422
    only = "admin@acme.example is the only admin here; make someone else admin first."
    assert _at_field(demoted, f"Role of {api.acme.admin_email}") == ("admin", only)
    removed = await _post(api, f"/orgs/acme/settings/users/{admin}/remove", {})
    assert removed.status_code == 422
    assert _at_field(removed, f"Role of {api.acme.admin_email}") == ("admin", only)
    assert _members(api) == [(api.acme.admin_email, Role.ADMIN)]


async def test_an_admin_changes_a_role_and_removes_a_person(api: Api) -> None:
    api.services.accounts.create_user("ed@acme.example", PASSWORD, org="acme", role=Role.EDITOR)
    ed = _user_id(api, "ed@acme.example")
    await api.login(api.acme.admin_email)
    changed = await _post(api, f"/orgs/acme/settings/users/{ed}/role", {"role": "admin"})
    assert changed.headers["location"] == "/orgs/acme/settings/users"
    page = await api.client.get(changed.headers["location"])
    assert _flash(page) == ["ed@acme.example is now admin."]
    assert _at_field(page, "Role of ed@acme.example") == ("admin", "")
    nonsense = await _post(api, f"/orgs/acme/settings/users/{ed}/role", {"role": "owner"})
    assert _at_field(nonsense, "Role of ed@acme.example") == (
        "admin",
        "choose viewer, editor or admin",
    )
    # An admin stepping down goes to the organisation's page (Users is no longer theirs).
    admin = _user_id(api, api.acme.admin_email)
    stepped = await _post(api, f"/orgs/acme/settings/users/{admin}/role", {"role": "editor"})
    assert stepped.headers["location"] == "/orgs/acme"
    assert (await api.client.get("/orgs/acme/settings/users")).status_code == 403
    await api.login("ed@acme.example")
    removed = await _post(api, f"/orgs/acme/settings/users/{admin}/remove", {})
    page = await api.client.get(removed.headers["location"])
    assert _flash(page) == ["admin@acme.example removed from Acme."]
    assert _members(api) == [("ed@acme.example", Role.ADMIN)]


async def test_only_admins_reach_users_and_only_their_organisations(api: Api) -> None:
    api.services.accounts.create_user("ed@acme.example", PASSWORD, org="acme", role=Role.EDITOR)
    rival_admin = _user_id(api, api.rival.admin_email)
    await api.login("ed@acme.example")
    org_page = await api.client.get("/orgs/acme")
    assert "/settings/users" not in org_page.text  # no Users in the menu
    page = await api.client.get("/orgs/acme/settings/users")
    assert page.status_code == 403
    assert "your role does not allow this; it needs the admin role" in page.text
    added = await _post(
        api,
        "/orgs/acme/settings/users",
        {"email": "eve@acme.example", "role": "admin", "password": PASSWORD},
    )
    assert added.status_code == 403
    admin = _user_id(api, api.acme.admin_email)
    assert (await _post(api, f"/orgs/acme/settings/users/{admin}/remove", {})).status_code == 403
    # Acme's admin cannot reach Rival's people, even by their id.
    await api.login(api.acme.admin_email)
    assert "/orgs/acme/settings/users" in (await api.client.get("/orgs/acme")).text
    assert (await api.client.get("/orgs/rival/settings/users")).status_code == 404
    foreign = await _post(api, f"/orgs/acme/settings/users/{rival_admin}/remove", {})
    assert foreign.status_code == 404
    assert _members(api) == [(api.acme.admin_email, Role.ADMIN), ("ed@acme.example", Role.EDITOR)]


# --- the Account page ---------------------------------------------------------------------------


@pytest.fixture
async def phone(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A second browser of the same person."""
    transport = httpx.ASGITransport(app=app, client=("192.0.2.44", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def _signed_in(browser: httpx.AsyncClient, email: str) -> None:
    page = await browser.get("/login")
    answer = await browser.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": _csrf(page)}
    )
    assert answer.status_code == 303


async def test_changing_ones_password_refusals_at_the_field_then_others_signed_out(
    api: Api, phone: httpx.AsyncClient
) -> None:
    api.services.accounts.create_user("vi@acme.example", PASSWORD, org="acme", role=Role.VIEWER)
    await api.login("vi@acme.example")
    await _signed_in(phone, "vi@acme.example")
    account = await api.client.get("/orgs/acme")
    assert 'href="/account"' in account.text  # from the user menu, on every page
    page = await api.client.get("/account")
    assert page.status_code == 200
    assert "Signed in as <strong>vi@acme.example</strong>" in page.text

    wrong = "The current password is wrong."
    differs = "This is not the same as the new password above."
    short = "Must be at least 8 characters long."
    cases = [
        (["not it", NEW_PASSWORD, NEW_PASSWORD], "Current password", wrong),
        ([PASSWORD, NEW_PASSWORD, "typo"], "New password again", differs),
        ([PASSWORD, "short", "short"], "New password", short),
    ]
    for (current, new, again), label, error in cases:
        refused = await _post(
            api,
            "/account/password",
            {"current_password": current, "new_password": new, "new_password_again": again},
        )
        assert refused.status_code == 422
        assert _at_field(refused, label) == ("", error)  # a password is never sent back
    assert (await phone.get("/api/session")).status_code == 200

    changed = await _post(
        api,
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD,
        },
    )
    assert changed.headers["location"] == "/account"
    page = await api.client.get("/account")
    assert page.status_code == 200  # this browser stays signed in
    assert _flash(page) == ["Password changed; 1 other browser(s) signed out."]
    assert (await phone.get("/api/session")).status_code == 401
    assert api.services.accounts.authenticate("vi@acme.example", NEW_PASSWORD).email == (
        "vi@acme.example"
    )


async def test_wrong_current_passwords_are_throttled_like_sign_ins(api: Api) -> None:
    api.services.accounts.create_user("vi@acme.example", PASSWORD, org="acme", role=Role.VIEWER)
    await api.login("vi@acme.example")
    attempt = {"new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}
    for _ in range(5):  # the sign-in allowance: five per email and address in 15 minutes
        refused = await _post(api, "/account/password", {**attempt, "current_password": "guess"})
        assert _at_field(refused, "Current password") == ("", "The current password is wrong.")
    # Even the right password waits now: a stolen session cannot guess at leisure.
    held = await _post(api, "/account/password", {**attempt, "current_password": PASSWORD})
    assert held.status_code == 422
    assert _at_field(held, "Current password") == (
        "",
        "Too many failed sign-ins for this email. Try again in 15 minutes.",
    )
    assert api.services.accounts.authenticate("vi@acme.example", PASSWORD, "elsewhere").email == (
        "vi@acme.example"
    )  # nothing changed


# --- API tokens: prefix and last use -----------------------------------------------------------


async def test_tokens_are_listed_with_their_prefix_and_last_use(api: Api) -> None:
    with api.store.transaction() as connection:
        acme = find_organisation(connection, "acme")
        connection.execute(
            insert(t.api_tokens).values(
                id=uuid.uuid4(),
                org_id=acme.id,
                name="read",  # the same name as a newer one
                token_hash="0" * 64,
                scopes=["read"],
                created_at=datetime(2026, 1, 5, 8, 30, tzinfo=UTC),
            )
        )
        tokens = {token.name: token for token in repo.list_tokens(connection, acme.id)}
    assert (await api.client.get("/api/orgs/acme/events", headers=api.acme.read)).status_code == 200
    await api.login(api.acme.admin_email)
    page = await api.client.get("/orgs/acme/settings/tokens")
    rows = [
        {td.get("data-label"): td.text_content().strip() for td in row.xpath("td")}
        for row in lxml.html.fromstring(page.text).xpath("//tbody/tr")
    ]
    assert (
        [(r["Name"], r["Starts with"]) for r in rows]
        == [
            ("read", "\N{EN DASH}"),  # made before prefixes were kept
            ("read", f"{api.acme.read['Authorization'][7:18]}…"),
            ("write", f"{tokens['write'].prefix}…"),
        ]
    )
    assert rows[0]["Created"] == "05 Jan 2026 08:30 UTC"
    assert [r["Last used"] == "never" for r in rows] == [True, False, True]
    assert re.fullmatch(r"\d\d \w{3} \d{4} \d\d:\d\d UTC", rows[1]["Last used"])
    listed = await api.client.get("/api/orgs/acme/tokens", headers=await api.admin(api.acme))
    assert [token["prefix"] for token in listed.json()] == [
        None,
        api.acme.read["Authorization"][7:18],
        tokens["write"].prefix,
    ]
