"""Signed-in browser sessions end for good: on signing out, on a password change, and when an
admin signs a member out; a copy of the cookie made before then lets nobody in. Sign-ins are
throttled per email and address, so nobody elsewhere can lock a person out."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from agendasync.cli import app as cli
from agendasync.cli.base import state
from agendasync.domain.accounts import Role
from conftest import PASSWORD, Api

NEW_PASSWORD = "another long enough password"


@pytest.fixture
async def browsers(app: FastAPI) -> AsyncIterator[list[httpx.AsyncClient]]:
    """Browsers of their own (cookie jars), each from its own address."""
    clients = [
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=(f"192.0.2.{n}", 50000)),
            base_url="http://testserver",
        )
        for n in (10, 20, 30)
    ]
    yield clients
    for client in clients:
        await client.aclose()


async def _sign_in(
    browser: httpx.AsyncClient, email: str, password: str = PASSWORD
) -> httpx.Response:
    page = await browser.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf, page.text
    return await browser.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf[1]}
    )


async def _signed_in(browser: httpx.AsyncClient, email: str) -> str:
    answer = await _sign_in(browser, email)
    assert answer.status_code == 303, answer.text
    session = await browser.get("/api/session")
    token: str = session.json()["csrf_token"]
    return token


def _cookie(browser: httpx.AsyncClient) -> str:
    value = browser.cookies.get("agendasync_session")
    assert value
    return value


async def _issue_token(browser: httpx.AsyncClient, csrf: str, cookie: str) -> httpx.Response:
    browser.cookies.set("agendasync_session", cookie)
    return await browser.post(
        "/api/orgs/acme/tokens",
        json={"name": "replayed", "scopes": ["read"]},
        headers={"X-CSRF-Token": csrf},
    )


async def test_cookie_replayed_after_logout_is_refused(
    api: Api, browsers: list[httpx.AsyncClient]
) -> None:
    browser, thief = browsers[0], browsers[1]
    csrf = await _signed_in(browser, api.acme.admin_email)
    copied = _cookie(browser)
    assert (await _issue_token(thief, csrf, copied)).status_code == 201  # works while signed in

    out = await browser.post("/logout", data={"csrf_token": csrf})
    assert out.status_code == 303

    thief.cookies.set("agendasync_session", copied)
    who = await thief.get("/api/session")
    assert who.status_code == 401
    assert (await _issue_token(thief, csrf, copied)).status_code == 401
    page = await thief.get("/orgs/acme")
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/orgs/acme"
    login = await thief.get("/login")  # a dead cookie does not send the login page away
    assert login.status_code == 200


async def test_a_password_change_ends_every_other_session(
    api: Api, browsers: list[httpx.AsyncClient]
) -> None:
    laptop, phone = browsers[0], browsers[1]
    csrf = await _signed_in(laptop, api.acme.admin_email)
    old_laptop_cookie = _cookie(laptop)
    await _signed_in(phone, api.acme.admin_email)

    wrong = await laptop.post(
        "/api/session/password",
        json={"current_password": "not it at all", "new_password": NEW_PASSWORD},
        headers={"X-CSRF-Token": csrf},
    )
    assert wrong.status_code == 403
    assert wrong.json()["problems"] == [
        {"field": "current_password", "message": "The current password is wrong."}
    ]
    assert (await phone.get("/api/session")).status_code == 200

    changed = await laptop.post(
        "/api/session/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers={"X-CSRF-Token": csrf},
    )
    assert changed.status_code == 204, changed.text
    assert (await phone.get("/api/session")).status_code == 401
    assert (await laptop.get("/api/session")).status_code == 200  # this browser goes on
    browsers[2].cookies.set("agendasync_session", old_laptop_cookie)
    assert (await browsers[2].get("/api/session")).status_code == 401
    assert (await _sign_in(phone, api.acme.admin_email, NEW_PASSWORD)).status_code == 303


async def test_wrong_current_passwords_are_throttled_in_the_api_too(
    api: Api, browsers: list[httpx.AsyncClient]
) -> None:
    laptop = browsers[0]
    csrf = await _signed_in(laptop, api.acme.admin_email)

    async def change(current: str) -> httpx.Response:
        return await laptop.post(
            "/api/session/password",
            json={"current_password": current, "new_password": NEW_PASSWORD},
            headers={"X-CSRF-Token": csrf},
        )

    assert [(await change("a guess")).status_code for _ in range(5)] == [403] * 5
    held = await change(PASSWORD)
    assert held.status_code == 429
    assert 890 <= int(held.headers["Retry-After"]) <= 901  # the 15 minutes, less the test's time
    assert held.json()["problems"] == [
        {
            "field": "current_password",
            "message": "Too many failed sign-ins for this email. Try again in 15 minutes.",
        }
    ]


async def test_an_admin_signs_a_member_out_everywhere(
    api: Api, browsers: list[httpx.AsyncClient]
) -> None:
    editor = "editor@acme.example"
    api.services.accounts.create_user(editor, PASSWORD, org="acme", role=Role.EDITOR)
    office, home, admin = browsers
    await _signed_in(office, editor)
    await _signed_in(home, editor)
    csrf = await _signed_in(admin, api.acme.admin_email)

    ended = await admin.delete(
        f"/api/orgs/acme/members/{editor.upper()}/sessions", headers={"X-CSRF-Token": csrf}
    )
    assert ended.status_code == 200, ended.text
    assert ended.json() == {"ended": 2}
    assert (await office.get("/api/session")).status_code == 401
    assert (await home.get("/api/session")).status_code == 401
    assert (await admin.get("/api/session")).status_code == 200

    # Rival's admin cannot reach Acme's people, nor an editor sign anyone out.
    rival_csrf = await _signed_in(home, api.rival.admin_email)
    foreign = await home.delete(
        f"/api/orgs/rival/members/{api.acme.admin_email}/sessions",
        headers={"X-CSRF-Token": rival_csrf},
    )
    assert foreign.status_code == 404
    editor_csrf = await _signed_in(office, editor)
    refused = await office.delete(
        f"/api/orgs/acme/members/{api.acme.admin_email}/sessions",
        headers={"X-CSRF-Token": editor_csrf},
    )
    assert refused.status_code == 403
    assert (await admin.get("/api/session")).status_code == 200


async def test_failed_sign_ins_elsewhere_do_not_lock_a_person_out(
    api: Api, browsers: list[httpx.AsyncClient]
) -> None:
    attacker, owner = browsers[0], browsers[1]
    for _ in range(5):
        refused = await _sign_in(attacker, api.acme.admin_email, "guessing")
        assert refused.status_code == 401
    throttled = await _sign_in(attacker, api.acme.admin_email)
    assert throttled.status_code == 429
    assert "Too many failed sign-ins for this email. Try again in 15 minutes." in throttled.text
    assert (await _sign_in(owner, api.acme.admin_email)).status_code == 303


def _cli(api: Api, *args: str, stdin: str | None = None) -> tuple[int, str]:
    state.store = api.store  # the command works on this test's store
    try:
        result = CliRunner().invoke(cli, list(args), input=stdin)
    finally:
        state.store = None
    return result.exit_code, result.stdout + result.stderr


async def test_the_operator_sets_a_password_or_signs_a_person_out_from_the_cli(
    api: Api, browsers: list[httpx.AsyncClient]
) -> None:
    laptop, phone = browsers[0], browsers[1]
    await _signed_in(laptop, api.acme.admin_email)
    await _signed_in(phone, api.acme.admin_email)

    code, out = _cli(
        api, "user", "set-password", api.acme.admin_email, "--password-stdin", stdin=NEW_PASSWORD
    )
    assert (code, out.strip()) == (0, "new password set; 2 signed-in session(s) ended")
    assert (await laptop.get("/api/session")).status_code == 401
    assert (await phone.get("/api/session")).status_code == 401

    await _signed_in_with(laptop, api.acme.admin_email, NEW_PASSWORD)
    code, out = _cli(api, "user", "sign-out", api.acme.admin_email)
    assert (code, out.strip()) == (0, f"{api.acme.admin_email}: 1 signed-in session(s) ended")
    assert (await laptop.get("/api/session")).status_code == 401
    code, out = _cli(api, "user", "sign-out", "nobody@acme.example")
    assert (code, out.strip()) == (1, "error: no user with email 'nobody@acme.example'")


async def _signed_in_with(browser: httpx.AsyncClient, email: str, password: str) -> None:
    assert (await _sign_in(browser, email, password)).status_code == 303
