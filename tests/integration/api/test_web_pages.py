"""The admin pages over HTTP (the browser flow itself is in tests/e2e): CSRF on every form,
login throttling, session cookie flags, roles, other organisations' pages, secrets kept out of
pages, the speaker portal and its share links, and the sync flash messages."""

from __future__ import annotations

import re

import httpx
from cryptography.fernet import Fernet
from sqlalchemy import select

from agendasync.domain.accounts import Role
from agendasync.jobs.embedded import EmbeddedDispatcher
from agendasync.server import create_app
from agendasync.services.context import WebSettings
from agendasync.store import integrations as repo
from agendasync.store import tables as t
from agendasync.store.events import find_event
from agendasync.store.records import save_share_links
from agendasync.store.secrets import SecretBox
from conftest import PASSWORD, Api


def _csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found[1]


async def test_pages_need_a_login_and_bring_you_back(api: Api) -> None:
    answer = await api.client.get("/events/acme-conf/agenda")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/events/acme-conf/agenda"
    page = await api.client.get("/login?next=/events/acme-conf/agenda")
    signed_in = await api.client.post(
        "/login",
        data={
            "email": api.acme.admin_email.upper(),
            "password": PASSWORD,
            "next": "/events/acme-conf/agenda",
            "csrf_token": _csrf(page),
        },
    )
    assert signed_in.headers["location"] == "/events/acme-conf/agenda"


async def test_every_form_post_needs_the_sessions_csrf_token(api: Api) -> None:
    csrf = await api.login(api.acme.admin_email)
    for data in ({}, {"csrf_token": "forged"}):
        answer = await api.client.post("/orgs/acme/settings/tokens", data={"name": "x"} | data)
        assert answer.status_code == 403
        assert "The form has expired" in answer.text
    made = await api.client.post(
        "/orgs/acme/settings/tokens", data={"name": "x", "csrf_token": csrf}
    )
    assert made.status_code == 200
    secret = re.search(r"agst_[\w-]+", made.text)
    assert secret  # shown once, in this answer
    listed = await api.client.get("/orgs/acme/settings/tokens")
    assert secret[0] not in listed.text


async def test_login_is_throttled_after_five_failures(api: Api) -> None:
    page = await api.client.get("/login")
    data = {"email": api.acme.admin_email, "password": "wrong", "csrf_token": _csrf(page)}
    for _ in range(5):
        refused = await api.client.post("/login", data=data)
        assert refused.status_code == 401
        assert "Wrong email or password." in refused.text
    throttled = await api.client.post("/login", data=data | {"password": PASSWORD})
    assert throttled.status_code == 429
    assert "Too many failed sign-ins for this email. Try again in 15 minutes." in throttled.text
    assert int(throttled.headers["Retry-After"]) > 800
    other = await api.client.post(
        "/login", data=data | {"email": api.rival.admin_email, "password": PASSWORD}
    )
    assert other.status_code == 303  # only that email waits


async def test_session_cookie_flags_and_security_headers(api: Api) -> None:
    page = await api.client.get("/login")
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie
    assert page.headers["x-frame-options"] == "DENY"
    assert "script-src 'none'" in page.headers["content-security-policy"]

    secure = create_app(
        api.store,
        SecretBox([Fernet.generate_key().decode()]),
        settings=WebSettings(secure_cookies=True),
    )
    transport = httpx.ASGITransport(app=secure)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        answer = await client.get("/login")
    assert "; secure" in answer.headers["set-cookie"].lower()


async def test_another_organisations_pages_are_not_found(api: Api) -> None:
    await api.map_swoogo(api.rival)
    with api.store.transaction() as connection:
        mapping = connection.execute(select(t.mappings.c.id)).scalar_one()
    csrf = await api.login(api.acme.admin_email)
    for path in [
        "/orgs/rival",
        "/orgs/rival/settings/integrations",
        "/orgs/rival/settings/integrations/swoogo",
        "/events/rival-conf/agenda",
        "/events/rival-conf/speakers",
        "/events/rival-conf/sponsors",
        "/events/rival-conf/runs",
        "/events/rival-conf/settings/sessionize",
    ]:
        answer = await api.client.get(path)
        assert answer.status_code == 404, path
    for path, data in [
        ("/events/rival-conf/sync", {"partner": "swoogo"}),
        ("/events/rival-conf/preview", {"partner": "swoogo"}),
        ("/orgs/rival/settings/integrations/swoogo/disconnect", {}),
        (f"/orgs/rival/settings/integrations/swoogo/mappings/{mapping}/remove", {}),
        (f"/orgs/acme/settings/integrations/swoogo/mappings/{mapping}/remove", {}),
    ]:
        answer = await api.client.post(path, data=data | {"csrf_token": csrf})
        assert answer.status_code == 404, path
    with api.store.transaction() as connection:
        assert connection.execute(select(t.mappings.c.id)).scalar_one() == mapping


async def test_a_viewer_sees_the_agenda_but_cannot_sync(api: Api) -> None:
    await api.map_swoogo(api.acme)
    api.services.accounts.create_user("viewer@acme.example", PASSWORD, org="acme", role=Role.VIEWER)
    csrf = await api.login("viewer@acme.example")
    agenda = await api.client.get("/events/acme-conf/agenda")
    assert agenda.status_code == 200
    assert "Sync to Swoogo" not in agenda.text
    assert "Preview sync" in agenda.text
    refused = await api.client.post(
        "/events/acme-conf/sync", data={"partner": "swoogo", "csrf_token": csrf}
    )
    assert refused.status_code == 403
    integrations = await api.client.get("/orgs/acme/settings/integrations")
    assert "Disconnect Integration" not in integrations.text


async def test_sync_flashes_started_then_finished_with_a_link_to_the_report(api: Api) -> None:
    await api.map_swoogo(api.acme)
    csrf = await api.login(api.acme.admin_email)
    started = await api.client.post(
        "/events/acme-conf/sync",
        data={"partner": "swoogo", "back": "/events/acme-conf/agenda", "csrf_token": csrf},
    )
    assert started.headers["location"] == "/events/acme-conf/agenda"
    page = await api.client.get("/events/acme-conf/agenda")
    assert "Sync to Swoogo started." in page.text
    syncs = api.services.syncs
    assert isinstance(syncs, EmbeddedDispatcher)
    await syncs.drain()

    finished = await api.client.get("/events/acme-conf/agenda")
    assert re.search(r"Sync to Swoogo finished with issues: \d+ of \d+ sessions", finished.text)
    report_link = re.search(r'href="(/events/acme-conf/runs/[0-9a-f-]+)"', finished.text)
    assert report_link
    report = await api.client.get(report_link[1])
    assert re.search(r"<h3>Skipped \(\d+\)</h3>", report.text)
    again = await api.client.get("/events/acme-conf/agenda")
    assert "finished" not in again.text  # said once


async def test_no_secret_reaches_a_page_r_int_4(api: Api) -> None:
    await api.map_swoogo(api.acme)
    await api.login(api.acme.admin_email)
    for path in ["/orgs/acme/settings/integrations", "/orgs/acme/settings/integrations/swoogo"]:
        page = await api.client.get(path)
        assert page.status_code == 200
        assert "api-secret-987654" not in page.text
        assert "api-key-123456" not in page.text


async def test_the_portal_shows_a_speakers_sessions_and_share_links_r_spk_2(api: Api) -> None:
    await api.login(api.acme.admin_email)
    speakers = await api.client.get("/events/acme-conf/speakers")
    link = re.search(r'href="(/portal/speakers/[^"]+)"', speakers.text)
    assert link
    api.client.cookies.clear()  # a personal link needs no account
    portal = await api.client.get(link[1])
    assert portal.status_code == 200
    assert "Share Your Attendance" in portal.text
    assert "appear here once the event's marketing partner provides them" in portal.text
    assert portal.headers["referrer-policy"] == "no-referrer"

    with api.store.transaction() as connection:
        speaker = (
            connection.execute(
                select(t.speakers.c.id).join(t.events).where(t.events.c.slug == "acme-conf")
            )
            .scalars()
            .all()
        )
        token = api.services.portal.token(speaker[0])
        event = find_event(connection, "acme-conf")
        integration = repo.create_integration(
            connection,
            org_id=event.org_id,
            partner="swoogo",
            base_url="https://api.example",
            sealed_credentials="sealed",
            credentials_hint="key ••••",
        )
        mapping = repo.add_mapping(
            connection,
            integration,
            event_id=event.id,
            event_slug=event.slug,
            partner_event_id="8",
            partner_event_name="Acme on the partner",
            params={},
            continuous=False,
        )
        save_share_links(
            connection, mapping.id, speaker[0], [("Share on LinkedIn", "https://share.example/ada")]
        )
    shared = await api.client.get(f"/portal/speakers/{token}")
    assert 'href="https://share.example/ada"' in shared.text
    assert (await api.client.get("/portal/speakers/forged")).status_code == 404
