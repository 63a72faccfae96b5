"""Values that look plausible but must be refused from the API, naming the field, with the
store unchanged: a `javascript:` URL, a number as a time, a year-9999 date."""

from __future__ import annotations

import uuid

import pytest

from conftest import Api, problem

URL_FIELDS = [
    ("sponsors", {"name": "Cyberdyne"}, "website"),
    ("sponsors", {"name": "Cyberdyne"}, "logo_url"),
    ("exhibitors", {"name": "Tyrell"}, "website"),
    ("speakers", {"first_name": "Ada", "last_name": "L"}, "website"),
    ("speakers", {"first_name": "Ada", "last_name": "L"}, "headshot_url"),
    ("speakers", {"first_name": "Ada", "last_name": "L"}, "linkedin_url"),
    ("speakers", {"first_name": "Ada", "last_name": "L"}, "twitter_url"),
    ("speakers", {"first_name": "Ada", "last_name": "L"}, "facebook_url"),
]


async def _count(api: Api, kind: str) -> int:
    answer = await api.client.get(f"/api/events/{api.acme.event}/{kind}", headers=api.acme.read)
    total: int = answer.json()["total"]
    return total


async def test_javascript_url_refused_as_sponsor_website(api: Api) -> None:
    before = await _count(api, "sponsors")
    answer = await api.client.post(
        f"/api/events/{api.acme.event}/sponsors",
        json={"name": "Cyberdyne", "website": "javascript:alert(document.cookie)"},
        headers=api.acme.write,
    )
    assert answer.status_code == 422, answer.text
    assert problem(answer) == (
        "website",
        "Value error, 'javascript:alert(document.cookie)' is not a web address; "
        "it must start with http:// or https://",
    )
    assert await _count(api, "sponsors") == before


@pytest.mark.parametrize("bad", ["javascript:alert(1)", "data:text/html,<b>x</b>", "vbscript:x"])
async def test_only_web_urls_are_taken_in_every_url_field(api: Api, bad: str) -> None:
    for kind, body, field in URL_FIELDS:
        answer = await api.client.post(
            f"/api/events/{api.acme.event}/{kind}",
            json={**body, field: bad},
            headers=api.acme.write,
        )
        assert answer.status_code == 422, (kind, field, answer.text)
        assert problem(answer)[0] == field
    session = await api.client.post(
        f"/api/events/{api.acme.event}/sessions",
        json={"title": "T", "files": [{"url": bad, "uploaded_at": "2027-01-01T10:00:00Z"}]},
        headers=api.acme.write,
    )
    assert session.status_code == 422, session.text
    assert problem(session)[0] == "files.0.url"


async def test_a_web_address_without_scheme_is_taken_as_https(api: Api) -> None:
    answer = await api.client.post(
        f"/api/events/{api.acme.event}/sponsors",
        json={"name": "Cyberdyne", "website": "www.cyberdyne.example/about", "logo_url": ""},
        headers=api.acme.write,
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["website"] == "https://www.cyberdyne.example/about"
    assert answer.json()["logo_url"] is None


@pytest.mark.parametrize("number", [1767261600, "1767261600", 1767261600.5])
async def test_a_number_as_starts_at_is_refused_from_the_api(
    api: Api, number: int | str | float
) -> None:
    before = await _count(api, "sessions")
    answer = await api.client.post(
        f"/api/events/{api.acme.event}/sessions",
        json={"title": "Unix time", "starts_at": number, "ends_at": "2027-01-01T10:00:00"},
        headers=api.acme.write,
    )
    assert answer.status_code == 422, answer.text
    assert problem(answer) == (
        "starts_at",
        "Value error, must be a date written out, such as 2027-05-04T09:30:00; not a number",
    )
    assert await _count(api, "sessions") == before


async def test_a_year_9999_date_is_refused_from_the_api(api: Api) -> None:
    before = await _count(api, "sessions")
    answer = await api.client.post(
        f"/api/events/{api.acme.event}/sessions",
        json={
            "title": "Far future",
            "starts_at": "9999-12-31T22:00:00-05:00",
            "ends_at": "9999-12-31T23:00:00-05:00",
        },
        headers=api.acme.write,
    )
    assert answer.status_code == 422, answer.text
    assert problem(answer) == (
        "starts_at",
        "Value error, the year must be between 1900 and 2999",
    )
    assert await _count(api, "sessions") == before
    event = await api.client.patch(
        f"/api/events/{api.acme.event}",
        json={"end_date": "9999-12-31"},
        headers=api.acme.write,
    )
    assert event.status_code == 422, event.text
    assert problem(event) == ("end_date", "Value error, the year must be between 1900 and 2999")


async def test_a_sync_naming_a_session_not_in_the_event_is_refused(api: Api) -> None:
    await api.map_swoogo(api.acme)
    rival = await api.client.get("/api/events/rival-conf/sessions?limit=1", headers=api.rival.read)
    foreign = rival.json()["items"][0]["id"]
    unknown = str(uuid.uuid4())
    for field, record_id in (("session", foreign), ("session", unknown), ("speaker", unknown)):
        for dry_run in (False, True):
            answer = await api.client.post(
                f"/api/events/{api.acme.event}/syncs",
                json={"partner": "swoogo", field: record_id, "dry_run": dry_run},
                headers=api.acme.write,
            )
            assert answer.status_code == 404, answer.text
            assert problem(answer) == (field, f"this event has no {field} with id {record_id}")
    runs = await api.client.get(f"/api/events/{api.acme.event}/runs", headers=api.acme.read)
    assert runs.json()["total"] == 0
