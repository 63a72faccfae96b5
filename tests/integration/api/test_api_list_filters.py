"""The API's session and speaker lists offer the filters the Agenda and Speakers pages have,
with the same meaning: a day in the event's time zone, unscheduled only, a track, text search,
and speakers by their sessions; a bad value is refused naming the parameter. On SQLite and
PostgreSQL, over the demo event (6 sessions, 9 speakers, the same whatever the date)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from conftest import IN_A_MONTH, Api, problem

FIRST_DAY, SECOND_DAY = IN_A_MONTH, IN_A_MONTH + timedelta(days=1)


async def _titles(api: Api, kind: str, query: str) -> list[str]:
    answer = await api.client.get(
        f"/api/events/{api.acme.event}/{kind}?limit=200&{query}", headers=api.acme.read
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["total"] == len(body["items"])
    key = (lambda s: s["title"]) if kind == "sessions" else (lambda s: s["last_name"])
    return [key(item) for item in body["items"]]


async def test_sessions_by_day_in_the_events_time_zone_unscheduled_track_and_text(
    api: Api,
) -> None:
    # Half past midnight in Berlin on the second day is still the first day in UTC.
    late = await api.client.post(
        f"/api/events/{api.acme.event}/sessions",
        json={
            "title": "Night Owls",
            "starts_at": f"{SECOND_DAY}T00:30:00+01:00",
            "ends_at": f"{SECOND_DAY}T01:00:00+01:00",
            "tracks": ["Leadership"],
        },
        headers=api.acme.write,
    )
    assert late.status_code == 201, late.text

    assert await _titles(api, "sessions", f"day={FIRST_DAY}") == [
        "Incident Response at Scale",
        "Type Systems: Myths and Realities",
        "Design Systems: Myths and Realities",
    ]
    assert await _titles(api, "sessions", f"day={SECOND_DAY}") == [
        "Night Owls",
        "Building Teams around WebAssembly",
        "A Practical Guide to Privacy Engineering",
    ]
    assert await _titles(api, "sessions", f"day={SECOND_DAY + timedelta(days=1)}") == []
    assert await _titles(api, "sessions", "unscheduled=true") == [
        "Postgres in Production: Lessons Learned"
    ]
    assert len(await _titles(api, "sessions", "unscheduled=false")) == 7
    assert len(await _titles(api, "sessions", "track=leadership")) == 4
    assert await _titles(api, "sessions", f"track=+Leadership+&day={SECOND_DAY}") == [
        "Night Owls",
        "A Practical Guide to Privacy Engineering",
    ]
    assert await _titles(api, "sessions", "q=+systems+") == [
        "Type Systems: Myths and Realities",
        "Design Systems: Myths and Realities",
    ]
    assert await _titles(api, "sessions", f"q=systems&day={SECOND_DAY}") == []


async def test_speakers_by_track_and_by_their_sessions(api: Api) -> None:
    base = f"/api/events/{api.acme.event}/sessions"
    sessions = (await api.client.get(base, headers=api.acme.read)).json()["items"]
    privacy = next(s for s in sessions if s["title"].startswith("A Practical Guide"))
    declined = await api.client.patch(
        f"{base}/{privacy['id']}", json={"status": "declined"}, headers=api.acme.write
    )
    assert declined.status_code == 200, declined.text

    assert len(await _titles(api, "speakers", "")) == 9
    assert await _titles(api, "speakers", "sessions=none") == ["Dubois", "Tanaka"]
    assert await _titles(api, "speakers", "sessions=declined") == ["Ritchie"]
    assert len(await _titles(api, "speakers", "sessions=accepted")) == 6
    assert await _titles(api, "speakers", "sessions=waitlisted") == []
    assert await _titles(api, "speakers", "track=Leadership") == ["Allen", "Ritchie", "Wilson"]
    assert await _titles(api, "speakers", "track=leadership&sessions=accepted") == [
        "Allen",
        "Wilson",
    ]
    # On no Frontend session: all but the three who speak on one.
    assert len(await _titles(api, "speakers", "track=Frontend&sessions=none")) == 6
    assert await _titles(api, "speakers", "q=+olusegun+&sessions=none") == []
    assert await _titles(api, "speakers", "q=olusegun&status=invited") == ["Allen"]


@pytest.mark.parametrize(
    ("kind", "query", "field", "message"),
    [
        ("sessions", "day=someday", "day", "Input should be a valid date"),
        ("sessions", "day=2027-02-30", "day", "Input should be a valid date"),
        ("sessions", "unscheduled=maybe", "unscheduled", "Input should be a valid boolean"),
        (
            "speakers",
            "sessions=some",
            "sessions",
            "Input should be 'none', 'submitted', 'accepted', 'declined', 'waitlisted' or "
            "'cancelled'",
        ),
    ],
)
async def test_a_bad_filter_is_refused_naming_the_parameter(
    api: Api, kind: str, query: str, field: str, message: str
) -> None:
    answer = await api.client.get(
        f"/api/events/{api.acme.event}/{kind}?{query}", headers=api.acme.read
    )
    assert answer.status_code == 422
    found_field, found_message = problem(answer)
    assert found_field == field
    assert found_message.startswith(message), found_message


async def test_the_filters_are_described_in_plain_words(api: Api) -> None:
    schema: dict[str, Any] = (await api.client.get("/api/openapi.json")).json()

    def described(path: str) -> dict[str, str]:
        parameters = schema["paths"][path]["get"]["parameters"]
        return {p["name"]: p.get("description", "") for p in parameters}

    sessions = described("/events/{event}/sessions")
    assert sessions["day"] == (
        "Sessions starting on this day (YYYY-MM-DD) in the event's time zone."
    )
    assert sessions["unscheduled"] == "Only sessions without a start or an end time."
    speakers = described("/events/{event}/speakers")
    assert speakers["track"] == "On a session of this track (by the track's name)."
    assert speakers["sessions"] == (
        "'none': on no session (of the track, when one is given); a session status "
        "(submitted, accepted, declined, waitlisted, cancelled): on a session with that status."
    )
    assert "R-" not in str(sessions) + str(speakers)
