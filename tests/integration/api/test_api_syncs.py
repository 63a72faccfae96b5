"""Syncs, dry runs and run reports through the API (Swoogo simulator), and the Sessionize
import (its simulator): R-MAP-3, R-SYNC-5, R-SYNC-9, R-SZ-4 over HTTP."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import lxml.html
import pytest

from agendasync.jobs.embedded import EmbeddedDispatcher
from agendasync.simulators.server import serve_in_thread
from agendasync.sources.sessionize.simulator import SessionizeState, create_app
from agendasync.store.events import find_event
from conftest import Api, problem

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sessionize"
ENDPOINT = "jl4ktls0"


async def test_a_sync_needs_a_mapping_r_map_3(api: Api) -> None:
    answer = await api.client.post(
        "/api/events/acme-conf/syncs", json={"partner": "swoogo"}, headers=api.acme.write
    )
    assert answer.status_code == 409
    assert answer.json()["error"] == "not_mapped"
    assert problem(answer) == (
        "partner",
        "event 'acme-conf' is not mapped to Swoogo; add a mapping first",
    )


async def test_a_bad_sync_request_names_the_field(api: Api) -> None:
    await api.map_swoogo(api.acme)
    for body, field in [
        ({"partner": "myspace"}, "partner"),
        ({"partner": "swoogo", "action": "exhibitors"}, "action"),
        ({"partner": "swoogo", "dry_run": "maybe"}, "dry_run"),
        ({"partner": "swoogo", "session": "not-a-uuid"}, "session"),
    ]:
        answer = await api.client.post(
            "/api/events/acme-conf/syncs", json=body, headers=api.acme.write
        )
        assert answer.status_code == 422, (body, answer.text)
        assert problem(answer)[0] == field, body


async def test_a_dry_run_reports_and_sends_nothing_r_sync_9(api: Api) -> None:
    await api.map_swoogo(api.acme)
    answer = await api.client.post(
        "/api/events/acme-conf/syncs",
        json={"partner": "swoogo", "dry_run": True},
        headers=api.acme.read,  # a preview only reads
    )
    assert answer.status_code == 200
    run = answer.json()
    assert run["dry_run"] is True
    assert run["status"] == "succeeded"
    assert run["report"]["counts"]["sessions"]["created"] > 0
    assert api.swoogo.state.sessions == {}
    runs = await api.client.get("/api/events/acme-conf/runs", headers=api.acme.read)
    assert runs.json()["total"] == 0  # not recorded


async def test_a_sync_starts_in_the_background_and_its_report_is_kept_r_sync_5(api: Api) -> None:
    await api.map_swoogo(api.acme)
    started = await api.client.post(
        "/api/events/acme-conf/syncs", json={"partner": "swoogo"}, headers=api.acme.write
    )
    assert started.status_code == 202
    assert started.json() == {
        "status": "started",
        "partner": "swoogo",
        "action": "content",
        "runs": "/api/events/acme-conf/runs?partner=swoogo",
    }
    syncs = api.services.syncs
    assert isinstance(syncs, EmbeddedDispatcher)
    await syncs.drain()

    runs = await api.client.get(started.json()["runs"], headers=api.acme.read)
    assert runs.json()["total"] == 1
    run = runs.json()["items"][0]
    assert (run["status"], run["trigger"]) == ("succeeded", "api")
    report = run["report"]
    assert report["counts"]["sessions"]["created"] == len(api.swoogo.state.sessions) > 0
    assert all(p["reason"] for p in report["skipped"])  # every skip says why

    one = await api.client.get(f"/api/events/acme-conf/runs/{run['id']}", headers=api.acme.read)
    assert one.json() == run
    assert "api-secret" not in one.text


async def test_a_waited_sync_answers_with_its_run_and_sponsors_have_their_own_r_sync_1(
    api: Api,
) -> None:
    await api.map_swoogo(api.acme)
    content = await api.client.post(
        "/api/events/acme-conf/syncs",
        json={"partner": "swoogo", "wait": True},
        headers=api.acme.write,
    )
    assert content.status_code == 200
    assert content.json()["status"] == "succeeded"
    sponsors = await api.client.post(
        "/api/events/acme-conf/syncs",
        json={"partner": "swoogo", "action": "sponsors", "wait": True},
        headers=api.acme.write,
    )
    assert sponsors.json()["report"]["counts"]["sponsors"]["created"] > 0
    failed = await api.client.get("/api/events/acme-conf/runs?status=failed", headers=api.acme.read)
    assert failed.json()["total"] == 0
    both = await api.client.get("/api/events/acme-conf/runs?limit=1", headers=api.acme.read)
    assert both.json()["total"] == 2
    assert [r["action"] for r in both.json()["items"]] == ["sponsors"]  # newest first


async def test_one_session_syncs_on_its_own_r_sync_2(api: Api) -> None:
    await api.map_swoogo(api.acme)
    sessions = await api.client.get(
        "/api/events/acme-conf/sessions?status=accepted&limit=1", headers=api.acme.read
    )
    session = sessions.json()["items"][0]
    answer = await api.client.post(
        "/api/events/acme-conf/syncs",
        json={"partner": "swoogo", "session": session["id"]},
        headers=api.acme.write,
    )
    assert answer.json()["scope"] == session["id"]
    assert [row["name"] for row in api.swoogo.state.sessions.values()] == [session["title"]]


async def test_another_organisations_syncs_and_runs_are_out_of_reach(api: Api) -> None:
    await api.map_swoogo(api.rival)
    run = await api.client.post(
        "/api/events/rival-conf/syncs",
        json={"partner": "swoogo", "wait": True},
        headers=api.rival.write,
    )
    run_id = run.json()["id"]
    for method, path, body in [
        ("POST", "/api/events/rival-conf/syncs", {"partner": "swoogo"}),
        ("POST", "/api/events/rival-conf/syncs", {"partner": "swoogo", "dry_run": True}),
        ("GET", "/api/events/rival-conf/runs", None),
        ("GET", f"/api/events/rival-conf/runs/{run_id}", None),
        ("GET", f"/api/events/acme-conf/runs/{run_id}", None),  # their run under our event
        ("GET", "/api/events/rival-conf/sessionize", None),
        ("POST", "/api/events/rival-conf/sessionize/imports", {"endpoint_id": ENDPOINT}),
        ("GET", "/api/events/rival-conf/sessionize/imports", None),
    ]:
        answer = await api.client.request(method, path, json=body, headers=api.acme.write)
        assert answer.status_code == 404, (method, path, answer.text)


# --- Sessionize ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sessionize() -> Iterator[tuple[SessionizeState, str]]:
    state = SessionizeState()
    with serve_in_thread(create_app(state)) as url:
        yield state, url


@pytest.fixture
def sessionize_url(api: Api, sessionize: tuple[SessionizeState, str]) -> Iterator[str]:
    state, url = sessionize
    state.endpoints.clear()
    state.load(ENDPOINT, (FIXTURES / "all_2024.json").read_bytes())
    settings = api.services.settings
    api.services.settings = settings.__class__(**{**vars(settings), "sessionize_base_url": url})
    yield url
    api.services.settings = settings


async def _may_2027_event(api: Api) -> None:
    created = await api.client.post(
        "/api/orgs/acme/events",
        json={
            "slug": "meetup-27",
            "name": "Meetup",
            "timezone": "Europe/Berlin",
            "start_date": "2027-05-11",
            "end_date": "2027-05-13",
        },
        headers=api.acme.write,
    )
    assert created.status_code == 201


async def test_sessionize_import_reports_and_remembers_the_endpoint_r_sz_1(
    api: Api, sessionize_url: str
) -> None:
    await _may_2027_event(api)
    imported = await api.client.post(
        "/api/events/meetup-27/sessionize/imports",
        json={"endpoint_id": f"https://sessionize.com/api/v2/{ENDPOINT}/view/All"},
        headers=api.acme.write,
    )
    assert imported.status_code == 200, imported.text
    report = imported.json()
    assert report["status"] == "imported"
    assert report["counts"]["sessions"]["created"] == 8
    settings = await api.client.get("/api/events/meetup-27/sessionize", headers=api.acme.read)
    assert settings.json()["endpoint_id"] == ENDPOINT
    assert settings.json()["last_import"]["status"] == "imported"

    again = await api.client.post(
        "/api/events/meetup-27/sessionize/imports", json={}, headers=api.acme.write
    )
    assert again.json()["status"] == "unchanged"
    history = await api.client.get(
        "/api/events/meetup-27/sessionize/imports", headers=api.acme.read
    )
    assert [r["status"] for r in history.json()] == ["unchanged", "imported"]


async def test_sessionize_import_errors_are_422_with_their_code_r_sz_4(
    api: Api, sessionize_url: str
) -> None:
    await _may_2027_event(api)
    for endpoint_id, error in [
        ("nothere1", "sessionize.endpoint_not_found"),
        ("not an id", "sessionize.invalid_endpoint_id"),
        (None, "sessionize.endpoint_id_missing"),
    ]:
        answer = await api.client.post(
            "/api/events/meetup-27/sessionize/imports",
            json={"endpoint_id": endpoint_id},
            headers=api.acme.write,
        )
        assert answer.status_code == 422, (endpoint_id, answer.text)
        assert answer.json()["error"] == error
        assert problem(answer)[0] == "endpoint_id"


async def test_sessionize_another_endpoint_is_409_until_replace_r_sz_9(
    api: Api, sessionize: tuple[SessionizeState, str], sessionize_url: str
) -> None:
    await _may_2027_event(api)
    sessionize[0].load("othr2023", (FIXTURES / "all_2023.json").read_bytes())
    path = "/api/events/meetup-27/sessionize/imports"
    first = await api.client.post(path, json={"endpoint_id": ENDPOINT}, headers=api.acme.write)
    assert first.status_code == 200, first.text

    refused = await api.client.post(path, json={"endpoint_id": "othr2023"}, headers=api.acme.write)
    assert refused.status_code == 409
    assert refused.json()["error"] == "sessionize.endpoint_changed"
    assert problem(refused) == ("replace", refused.json()["message"])
    assert "withdraws 8 sessions and 4 speakers" in refused.json()["message"]

    replaced = await api.client.post(
        path, json={"endpoint_id": "othr2023", "replace": True}, headers=api.acme.write
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["replaced_endpoint"] == ENDPOINT
    assert replaced.json()["counts"]["sessions"]["withdrawn"] == 8


async def test_sessionize_page_asks_to_confirm_replacing_with_the_number_r_sz_9(
    api: Api, sessionize: tuple[SessionizeState, str], sessionize_url: str
) -> None:
    await _may_2027_event(api)
    sessionize[0].load("othr2023", (FIXTURES / "all_2023.json").read_bytes())
    csrf = await api.login(api.acme.admin_email)
    settings = "/events/meetup-27/settings/sessionize"
    sync = "/events/meetup-27/sessionize/sync"
    for endpoint in (ENDPOINT, "othr2023"):
        saved = await api.client.post(settings, data={"endpoint_id": endpoint, "csrf_token": csrf})
        assert saved.status_code == 303
        synced = await api.client.post(sync, data={"csrf_token": csrf})
        assert synced.headers["location"] == settings
    page = await api.client.get(settings)
    assert "Sessionize was not imported: This event was imported from" in page.text
    assert "Replace and withdraw 12 records" in page.text
    assert 'name="replace" value="1"' in page.text

    replaced = await api.client.post(sync, data={"csrf_token": csrf, "replace": "1"})
    assert replaced.status_code == 303
    page = await api.client.get(settings)
    assert "Endpoint jl4ktls0 replaced. Sessionize imported:" in page.text
    assert "8 withdrawn" in page.text
    assert "Replace and withdraw" not in page.text


async def test_withdrawn_and_placeholder_records_show_in_the_pages_r_sz_5_r_sz_11(
    api: Api, sessionize: tuple[SessionizeState, str], sessionize_url: str
) -> None:
    await _may_2027_event(api)
    path = "/api/events/meetup-27/sessionize/imports"
    await api.client.post(path, json={"endpoint_id": ENDPOINT}, headers=api.acme.write)
    feed = json.loads((FIXTURES / "all_2024.json").read_bytes())
    feed["sessions"] = [s for s in feed["sessions"] if s["id"] != "880005"]
    feed["speakers"].append({"id": "tba-1", "fullName": "Speaker TBA", "sessions": [880001]})
    sessionize[0].load(ENDPOINT, feed)
    answer = await api.client.post(path, json={}, headers=api.acme.write)
    assert answer.status_code == 200, answer.text
    assert [f["flag"] for f in answer.json()["flagged"]] == ["placeholder"]

    await api.login(api.acme.admin_email)
    agenda = await api.client.get("/events/meetup-27/agenda")
    row = re.search(r"<tr>(?:(?!</tr>).)*Opening keynote(?:(?!</tr>).)*</tr>", agenda.text, re.S)
    assert row is not None
    assert '<span class="badge badge-withdrawn">withdrawn</span>' in row[0]
    speakers = await api.client.get("/events/meetup-27/speakers")
    row = re.search(r"<tr>(?:(?!</tr>).)*Speaker TBA(?:(?!</tr>).)*</tr>", speakers.text, re.S)
    assert row is not None
    assert '<span class="badge badge-placeholder">placeholder</span>' in row[0]


async def test_sessionize_category_map_on_the_page_and_in_the_api_r_sz_2(
    api: Api, sessionize_url: str
) -> None:
    await _may_2027_event(api)
    csrf = await api.login(api.acme.admin_email)
    settings = "/events/meetup-27/settings/sessionize"
    refused = await api.client.post(
        settings, data={"csrf_token": csrf, "endpoint_id": "", "category_map": "Level=speed"}
    )
    assert refused.status_code == 422
    assert (
        '<p class="field-error" id="field-sessionize-category_map-error">&#39;Level=speed&#39;: '
        in refused.text
    )
    saved = await api.client.post(
        settings,
        data={
            "csrf_token": csrf,
            "endpoint_id": "",
            "category_map": "Topics=tracks\r\n\r\nLevel=ignore\r\n",
        },
    )
    assert saved.status_code == 303
    page = await api.client.get(settings)
    assert "No Sessionize API ID; the next import applies the category map." in page.text
    assert "Level=ignore\nTopics=tracks</textarea>" in page.text

    answer = await api.client.get("/api/events/meetup-27/sessionize", headers=api.acme.read)
    assert answer.json()["category_map"] == {"Topics": "tracks", "Level": "ignore"}
    patched = await api.client.patch(
        "/api/events/meetup-27",
        json={"sessionize_category_map": {"Technology stack": "tags"}},
        headers=api.acme.write,
    )
    assert patched.status_code == 200, patched.text
    answer = await api.client.get("/api/events/meetup-27/sessionize", headers=api.acme.read)
    assert answer.json()["category_map"] == {"Technology stack": "tags"}


def _field(page: str, name: str) -> tuple[str, str | None]:
    """The value of a field of the Sessionize form as shown, and what is said beside it (only
    when the field is marked invalid and points to it)."""
    form = lxml.html.fromstring(page)
    (field,) = form.xpath(f".//form[@id='sessionize-form']//*[@name='{name}']")
    value = field.text_content() if field.tag == "textarea" else field.get("value", "")
    if field.get("aria-invalid") != "true":
        return value, None
    (said,) = form.xpath(f".//*[@id='{field.get('id')}-error']")
    assert said.get("id") in field.get("aria-describedby").split()
    return value, said.text_content().strip()


def _saved_endpoint(api: Api) -> str | None:
    with api.store.transaction() as connection:
        return find_event(connection, "meetup-27").sessionize_endpoint_id


async def test_sync_sessionize_imports_the_id_as_typed_saving_it_first_r_sz_1(
    api: Api, sessionize_url: str
) -> None:
    await _may_2027_event(api)
    csrf = await api.login(api.acme.admin_email)
    typed = f"https://sessionize.com/api/v2/{ENDPOINT}/view/All"

    synced = await api.client.post(
        "/events/meetup-27/sessionize/sync",
        data={"csrf_token": csrf, "endpoint_id": typed, "category_map": "Level=ignore"},
    )
    page = await api.client.get("/events/meetup-27/settings/sessionize")

    assert synced.status_code == 303
    assert _saved_endpoint(api) == ENDPOINT
    assert "Sessionize imported: sessions 8 new" in page.text
    assert _field(page.text, "endpoint_id") == (ENDPOINT, None)
    assert _field(page.text, "category_map") == ("Level=ignore", None)


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        (
            "not an id!",
            "'not an id!' is not a Sessionize endpoint id (an id has exactly 8 lowercase letters "
            "and digits). Enter the 8-character id that Sessionize shows on the event's API / "
            "Embed page (e.g. 'jl4ktls0'), or paste an endpoint URL such as "
            "https://sessionize.com/api/v2/jl4ktls0/view/All.",
        ),
        (
            "nothere1",
            "Sessionize was not imported: Sessionize has no endpoint 'nothere1' (HTTP 404). Check "
            "the id on the event's API / Embed page in Sessionize; an endpoint that was deleted "
            "there is gone.",
        ),
    ],
)
async def test_a_refused_id_stays_as_typed_with_the_reason_at_the_field_r_sz_4(
    api: Api, sessionize_url: str, typed: str, said: str
) -> None:
    await _may_2027_event(api)
    csrf = await api.login(api.acme.admin_email)

    refused = await api.client.post(
        "/events/meetup-27/sessionize/sync",
        data={"csrf_token": csrf, "endpoint_id": typed, "category_map": "Level=ignore"},
    )

    assert refused.status_code == 422
    assert _field(refused.text, "endpoint_id") == (typed, said)
    assert _field(refused.text, "category_map") == ("Level=ignore", None)
