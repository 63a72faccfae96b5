"""The admin pages over HTTP (the browser flow itself is in tests/e2e): CSRF on every form,
login throttling, session cookie flags, roles, other organisations' pages, secrets kept out of
pages, the speaker portal and its share links, and the sync flash messages."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from agendasync.domain.accounts import Role
from agendasync.domain.integrations import Mapping, RunStatus, SyncRun
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


def _tokens_count(api: Api) -> int:
    with api.store.transaction() as connection:
        return len(connection.execute(select(t.api_tokens.c.id)).all())


async def test_every_form_post_needs_the_sessions_csrf_token(api: Api) -> None:
    csrf = await api.login(api.acme.admin_email)
    tokens = _tokens_count(api)
    referer = {"referer": "http://testserver/orgs/acme/settings/tokens"}
    for data in ({}, {"csrf_token": "forged"}):
        answer = await api.client.post(
            "/orgs/acme/settings/tokens", data={"name": "x"} | data, headers=referer
        )
        # Nothing is made; the page the form was on comes back, fresh, with a word why.
        assert answer.status_code == 303
        assert answer.headers["location"] == "/orgs/acme/settings/tokens"
        back = await api.client.get(answer.headers["location"])
        assert "That form had expired, so nothing was changed: please try again." in back.text
        assert _tokens_count(api) == tokens
    made = await api.client.post(
        "/orgs/acme/settings/tokens", data={"name": "x", "csrf_token": csrf}
    )
    assert made.status_code == 303
    shown = await api.client.get(made.headers["location"])
    secret = re.search(r'class="secret-once">(agst_[\w-]+)<', shown.text)
    assert secret  # shown once, after the redirect
    assert shown.headers["cache-control"] == "no-store"
    listed = await api.client.get("/orgs/acme/settings/tokens")  # a reload
    assert secret[1] not in listed.text
    assert _tokens_count(api) == tokens + 1  # and no second token


async def test_an_expired_session_leads_to_sign_in_and_back_to_the_page(api: Api) -> None:
    await api.login(api.acme.admin_email)
    page = await api.client.get("/events/acme-conf/agenda")
    stale = _csrf(page)
    api.client.cookies.clear()  # the session expired while the page stayed open
    answer = await api.client.post(
        "/events/acme-conf/sync",
        data={"partner": "swoogo", "csrf_token": stale},
        headers={"referer": "http://testserver/events/acme-conf/agenda?status=accepted"},
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/events/acme-conf/agenda%3Fstatus%3Daccepted"
    login = await api.client.get(answer.headers["location"])
    assert "Your session had expired: sign in, then try again." in login.text
    signed_in = await api.client.post(
        "/login",
        data={
            "email": api.acme.admin_email,
            "password": PASSWORD,
            "next": "/events/acme-conf/agenda?status=accepted",
            "csrf_token": _csrf(login),
        },
    )
    assert signed_in.headers["location"] == "/events/acme-conf/agenda?status=accepted"
    # A referer from another site is never followed.
    api.client.cookies.clear()
    other = await api.client.post(
        "/events/acme-conf/sync",
        data={"partner": "swoogo", "csrf_token": stale},
        headers={"referer": "https://evil.example/phish"},
    )
    assert other.headers["location"] == "/login?next=/"


async def test_a_stale_sign_in_form_comes_back_with_its_next_page(api: Api) -> None:
    answer = await api.client.post(
        "/login",
        data={"email": "a@b.example", "password": "x", "next": "/orgs/acme", "csrf_token": "old"},
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/orgs/acme"
    page = await api.client.get(answer.headers["location"])
    assert "The sign-in form had expired: please sign in again." in page.text


async def test_pages_answer_html_errors_and_the_api_json(api: Api) -> None:
    await api.login(api.acme.admin_email)
    unknown = await api.client.get("/no/such/page")
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("text/html")
    assert "<h1>Page not found</h1>" in unknown.text
    bad = await api.client.get("/events/acme-conf/agenda?status=nonsense&offset=x")
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("text/html")
    assert "Check offset, status: the value given cannot be used here." in bad.text
    bad_run = await api.client.get("/events/acme-conf/runs/not-a-run")
    assert bad_run.status_code == 400
    assert "Check run_id: the value given cannot be used here." in bad_run.text
    wrong_method = await api.client.get("/events/acme-conf/sync")
    assert wrong_method.status_code == 405
    assert "<h1>Not available</h1>" in wrong_method.text
    api_unknown = await api.client.get("/api/no/such/thing")
    assert api_unknown.status_code == 404
    assert api_unknown.headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    "path",
    [
        "/orgs/acme",
        "/events/acme-conf/agenda",
        "/events/acme-conf/speakers",
        "/events/acme-conf/sponsors",
        "/events/acme-conf/exhibitors",
        "/events/acme-conf/runs",
    ],
)
async def test_a_negative_offset_is_a_bad_address_not_a_server_error(api: Api, path: str) -> None:
    # PostgreSQL refuses a negative OFFSET: the page says so before asking it.
    await api.login(api.acme.admin_email)
    bad = await api.client.get(f"{path}?offset=-1")
    assert bad.status_code == 400
    assert "Check offset: the value given cannot be used here." in bad.text


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
    assert "script-src 'self';" in page.headers["content-security-policy"]

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
        "/events/rival-conf/preview?partner=swoogo",
    ]:
        answer = await api.client.get(path)
        assert answer.status_code == 404, path
    for path, data in [
        ("/events/rival-conf/sync", {"partner": "swoogo"}),
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
    # Preview is a page of its own (an address to reload or share), open to a viewer.
    assert 'href="/events/acme-conf/preview?partner=swoogo&amp;action=content"' in agenda.text
    preview = await api.client.get("/events/acme-conf/preview?partner=swoogo&action=content")
    assert preview.status_code == 200
    assert "A preview: nothing was sent to Swoogo and nothing was recorded." in preview.text
    assert "Sync to Swoogo would sync 5 of 6 sessions, 5 of 6 speakers" in preview.text
    no_partner = await api.client.get("/events/acme-conf/preview")
    assert no_partner.status_code == 400
    assert "Check partner: the value given cannot be used here." in no_partner.text


async def test_sync_shows_progress_in_place_then_finishes_with_a_link_to_the_report(
    api: Api,
) -> None:
    await api.map_swoogo(api.acme)
    csrf = await api.login(api.acme.admin_email)
    started = await api.client.post(
        "/events/acme-conf/sync",
        data={"partner": "swoogo", "back": "/events/acme-conf/agenda", "csrf_token": csrf},
    )
    assert started.headers["location"] == "/events/acme-conf/agenda"
    page = await api.client.get("/events/acme-conf/agenda")
    assert "Sync to Swoogo started. Its progress shows above." in page.text
    assert 'http-equiv="refresh"' not in page.text  # never a reload
    # The progress area asks for itself again (htmx) while the sync has not finished.
    assert 'hx-get="/syncs/status" hx-trigger="every 2s" hx-swap="outerHTML"' in page.text
    # Waiting for its turn, or already under way, depending on the dispatcher's pace.
    assert re.search(r"Sync to Swoogo (is waiting to start|is running)", page.text)
    syncs = api.services.syncs
    assert isinstance(syncs, EmbeddedDispatcher)
    await syncs.drain()

    # The area's next answer says it finished, once, and asks for nothing more.
    area = await api.client.get("/syncs/status")
    assert area.status_code == 200
    assert "hx-trigger" not in area.text
    sentence = (
        "Sync to Swoogo finished with issues: 5 of 6 sessions, 5 of 6 speakers, 3 of 3 rooms, "
        "4 of 4 tracks, 5 of 5 speaker links and 5 of 5 headshots synced "
        "(2 need your attention)."
    )
    assert sentence in area.text
    assert '<span class="badge badge-partial">finished with issues</span>' in area.text
    report_link = re.search(r'href="(/events/acme-conf/runs/[0-9a-f-]+)"', area.text)
    assert report_link
    assert (await api.client.get("/syncs/status")).text == ""  # said once
    again = await api.client.get("/events/acme-conf/agenda")
    assert "finished" not in again.text

    report = await api.client.get(report_link[1])
    assert sentence in report.text
    assert '<span class="badge badge-partial">finished with issues</span>' in report.text
    assert "<h3>Needs your attention (2)</h3>" in report.text
    assert ">missing required field: email</td>" in report.text
    assert "Left out by design" not in report.text
    assert '<th data-label="Records" scope="row">speaker links</th>' in report.text
    runs = await api.client.get("/events/acme-conf/runs")
    assert runs.text.count('<span class="badge badge-partial">finished with issues</span>') == 1


async def test_a_finished_sync_is_flashed_on_the_next_full_page(api: Api) -> None:
    await api.map_swoogo(api.acme)
    csrf = await api.login(api.acme.admin_email)
    await api.client.post("/events/acme-conf/sync", data={"partner": "swoogo", "csrf_token": csrf})
    syncs = api.services.syncs
    assert isinstance(syncs, EmbeddedDispatcher)
    await syncs.drain()
    finished = await api.client.get("/events/acme-conf/speakers")
    assert '<div class="flash flash-warning">' in finished.text
    assert "Sync to Swoogo finished with issues: 5 of 6 sessions" in finished.text
    assert 'id="sync-status"' not in finished.text


@dataclass
class _HeldSyncs:
    """A starter that only records what it was asked (the sync runs elsewhere)."""

    asked: list[tuple[uuid.UUID, str, str]] = field(default_factory=list)

    def start(self, mapping: Mapping, *, action: str, trigger: str) -> None:
        self.asked.append((mapping.id, action, trigger))


async def test_a_running_sync_shows_records_done_per_kind_and_a_second_one_is_queued(
    api: Api,
) -> None:
    await api.map_swoogo(api.acme)
    csrf = await api.login(api.acme.admin_email)
    held = _HeldSyncs()
    api.services.syncs = held  # the workers of another process: nothing runs here
    with api.store.transaction() as connection:
        event = find_event(connection, "acme-conf")
        mapping = repo.find_mapping(connection, event.id, "swoogo")
        assert mapping is not None
        # A sync running in another process: its row holds its progress.
        run = SyncRun(
            mapping_id=mapping.id,
            event_id=event.id,
            partner="swoogo",
            action="content",
            trigger="web",
            dry_run=False,
            status=RunStatus.RUNNING,
            started_at=datetime.now(UTC) + timedelta(seconds=1),
            report={
                "progress": {
                    "sessions": {"done": 12, "total": 40},
                    "speakers": {"done": 0, "total": 70},
                }
            },
        )
        repo.insert_run(connection, run)
    second = await api.client.post(
        "/events/acme-conf/sync", data={"partner": "swoogo", "csrf_token": csrf}
    )
    assert second.status_code == 303
    page = await api.client.get("/events/acme-conf/agenda")
    assert (
        "Sync to Swoogo is queued behind the one running now: it starts when that one has "
        "finished, and sends what changed since."
    ) in page.text
    assert "Sync to Swoogo started" not in page.text
    assert held.asked == [(mapping.id, "content", "web")]
    area = await api.client.get("/syncs/status")
    assert "Sync to Swoogo is running: 12 of 40 sessions and 0 of 70 speakers done so far." in (
        area.text
    )
    assert '<progress max="40" value="12" aria-label="sessions"></progress>' in area.text
    assert '<span class="badge badge-running">running</span>' in area.text
    assert 'hx-trigger="every 2s"' in area.text
    runs = await api.client.get("/events/acme-conf/runs")
    assert "finished" not in runs.text
    api.client.cookies.clear()
    signed_out = await api.client.get("/syncs/status")
    assert signed_out.status_code == 286  # htmx stops asking


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
