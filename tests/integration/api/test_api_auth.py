"""Who may call the API: tokens and their scopes, the session cookie and its CSRF header, the
open OpenAPI document, and one error shape for every refusal."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from agendasync.store import tables as t
from conftest import Api, problem


async def test_openapi_document_and_its_pages_are_open(api: Api) -> None:
    document = await api.client.get("/api/openapi.json")
    assert document.status_code == 200
    paths = document.json()["paths"]
    assert "/orgs/{org}/events" in paths
    assert "/events/{event}/sessions/{record_id}" in paths
    docs = await api.client.get("/api/docs")
    assert docs.status_code == 200
    assert "/api/events/{event}/syncs" in docs.text
    assert "cdn" not in docs.text.lower()  # works without internet access


WITHOUT_ACCESS = [
    ({}, "sign in, or send an API token"),
    ({"Authorization": "Bearer agst_not-a-token"}, "not valid"),
    ({"Authorization": "Basic dXNlcjpwYXNz"}, "use 'Authorization: Bearer <token>'"),
]


async def test_calls_without_a_valid_token_or_session_are_refused(api: Api) -> None:
    for headers, says in WITHOUT_ACCESS:
        answer = await api.client.get("/api/orgs", headers=headers)
        assert answer.status_code == 401, headers
        assert answer.headers["WWW-Authenticate"] == "Bearer"
        assert api.acme.slug not in answer.text
        field, message = problem(answer)
        assert field is None
        assert says in message, (headers, message)


async def test_a_token_reaches_its_organisation_only(api: Api) -> None:
    answer = await api.client.get("/api/orgs", headers=api.acme.read)
    assert answer.status_code == 200
    assert [org["slug"] for org in answer.json()["items"]] == ["acme"]
    assert answer.json()["items"][0]["access"] == "read"


async def test_a_read_token_is_refused_every_write(api: Api) -> None:
    event = f"/api/events/{api.acme.event}"
    writes = [
        ("POST", f"{event}/sessions", {"title": "New"}),
        ("PATCH", event, {"name": "Renamed"}),
        ("DELETE", event, None),
        ("POST", f"{event}/syncs", {"partner": "swoogo"}),
        ("POST", f"{event}/sessionize/imports", {}),
    ]
    for method, path, body in writes:
        answer = await api.client.request(method, path, json=body, headers=api.acme.read)
        assert answer.status_code == 403, (method, path, answer.text)
        assert "read scope" in problem(answer)[1]


async def test_tokens_cannot_administer(api: Api) -> None:
    answer = await api.client.get(f"/api/orgs/{api.acme.slug}/tokens", headers=api.acme.write)
    assert answer.status_code == 403
    assert "API tokens cannot administer" in problem(answer)[1]


async def test_a_revoked_token_stops_working(api: Api) -> None:
    headers = await api.admin(api.acme)
    issued = await api.client.post(
        "/api/orgs/acme/tokens", json={"name": "ci", "scopes": ["read"]}, headers=headers
    )
    assert issued.status_code == 201
    secret = issued.json()["token"]
    bearer = {"Authorization": f"Bearer {secret}"}
    assert (await api.client.get("/api/orgs", headers=bearer)).status_code == 200

    revoked = await api.client.delete(
        f"/api/orgs/acme/tokens/{issued.json()['id']}", headers=headers
    )
    assert revoked.status_code == 204
    assert (await api.client.get("/api/orgs", headers=bearer)).status_code == 401


async def test_tokens_are_shown_once_and_stored_as_their_hash(api: Api) -> None:
    headers = await api.admin(api.acme)
    issued = await api.client.post(
        "/api/orgs/acme/tokens", json={"name": "site", "scopes": ["write"]}, headers=headers
    )
    secret = issued.json()["token"]
    listed = await api.client.get("/api/orgs/acme/tokens", headers=headers)
    assert secret not in listed.text
    assert {"name": "site", "scopes": ["write"]}.items() <= listed.json()[-1].items()
    with api.store.transaction() as connection:
        stored = connection.execute(select(t.api_tokens.c.token_hash)).scalars().all()
    assert hashlib.sha256(secret.encode()).hexdigest() in stored
    assert secret not in stored


async def test_token_scopes_are_checked(api: Api) -> None:
    headers = await api.admin(api.acme)
    answer = await api.client.post(
        "/api/orgs/acme/tokens", json={"name": "x", "scopes": ["root"]}, headers=headers
    )
    assert answer.status_code == 422
    field, message = problem(answer)
    assert field == "scopes.0"
    assert "'read' or 'write'" in message


async def test_the_session_cookie_works_and_changes_need_the_csrf_header(api: Api) -> None:
    csrf = await api.login(api.acme.admin_email)
    listed = await api.client.get("/api/orgs")
    assert listed.json()["items"][0]["access"] == "admin"

    path = f"/api/events/{api.acme.event}"
    refused = await api.client.patch(path, json={"name": "Renamed"})
    assert refused.status_code == 403
    assert problem(refused) == (
        "X-CSRF-Token",
        "a change made with the session cookie needs the X-CSRF-Token header",
    )
    wrong = await api.client.patch(path, json={"name": "Renamed"}, headers={"X-CSRF-Token": "x"})
    assert wrong.status_code == 403
    changed = await api.client.patch(path, json={"name": "Renamed"}, headers={"X-CSRF-Token": csrf})
    assert changed.status_code == 200
    assert changed.json()["name"] == "Renamed"


async def test_validation_errors_name_the_field(api: Api) -> None:
    answer = await api.client.get(
        f"/api/events/{api.acme.event}/sessions?limit=1000", headers=api.acme.read
    )
    assert answer.status_code == 422
    assert answer.json()["error"] == "invalid"
    assert problem(answer) == ("limit", "Input should be less than or equal to 200")
