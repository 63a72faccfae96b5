"""The agenda's search and filters over HTTP: each filter, their values kept in the address and
in paging, how many sessions match, and a fixed number of queries whatever the page holds; on
SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import html
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from agendasync.domain.models import EventContent, Session
from agendasync.store.content import load_event_content
from agendasync.store.events import find_event
from conftest import IN_A_MONTH, Api

AGENDA = "/events/acme-conf/agenda"


def _content(api: Api) -> EventContent:
    with api.store.transaction() as connection:
        return load_event_content(connection, find_event(connection, "acme-conf").id)


def _in_time_order(sessions: list[Session]) -> list[str]:
    """As the agenda lists them: scheduled ones by time, then the unscheduled."""
    far = datetime.max.replace(tzinfo=UTC)
    ordered = sorted(sessions, key=lambda s: (s.starts_at is None, s.starts_at or far, s.title))
    return [str(s.id) for s in ordered]


async def _shown(api: Api, query: str) -> tuple[list[str], str]:
    """The sessions an agenda address lists, in order, and its count sentence."""
    page = await api.client.get(f"{AGENDA}?{query}")
    assert page.status_code == 200, page.text
    ids = re.findall(r'<a href="/events/acme-conf/sessions/([-\w]+)">', page.text)
    count = re.search(r'<p class="count" role="status">\s*([^<]*?)\s*</p>', page.text)
    assert count
    return ids, count[1]


async def test_each_filter_keeps_its_sessions_and_says_how_many(api: Api) -> None:
    await api.login(api.acme.admin_email)
    content = _content(api)
    sessions = content.sessions
    tz = content.event.tz

    def expect(chosen: list[Session]) -> list[str]:
        return _in_time_order(chosen)

    everything, sentence = await _shown(api, "")
    assert (everything, sentence) == (expect(sessions), f"{len(sessions)} sessions.")

    word = sessions[0].title.split()[-1]
    titled = [s for s in sessions if word.lower() in s.title.lower()]
    assert await _shown(api, f"q={word.upper()}") == (
        expect(titled),
        f"{len(titled)} session{'s' if len(titled) != 1 else ''} match"
        + ("es" if len(titled) == 1 else "")
        + " the search.",
    )
    accepted = [s for s in sessions if s.status.value == "accepted"]
    assert (await _shown(api, "status=accepted"))[0] == expect(accepted)
    track = next(s.tracks[0].name for s in sessions if s.tracks)
    on_track = [s for s in sessions if track in {t.name for t in s.tracks}]
    assert (await _shown(api, f"track={track}"))[0] == expect(on_track)
    first_day = [
        s for s in sessions if s.starts_at and s.starts_at.astimezone(tz).date() == IN_A_MONTH
    ]
    assert first_day  # the demo's first day has sessions
    assert (await _shown(api, f"day={IN_A_MONTH}"))[0] == expect(first_day)
    unscheduled = [s for s in sessions if s.starts_at is None or s.ends_at is None]
    assert (await _shown(api, "unscheduled=on"))[0] == expect(unscheduled)
    # The form sends every field: empty ones are no filter.
    assert (await _shown(api, "q=&status=&track=&day="))[0] == expect(sessions)
    nothing = await api.client.get(f"{AGENDA}?q=no+such+title")
    assert "No sessions match." in nothing.text
    assert (await _shown(api, "q=no+such+title")) == ([], "0 sessions match the search.")


async def test_filters_stay_in_the_form_and_in_paging(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    await api.login(api.acme.admin_email)
    monkeypatch.setattr(
        api.services, "settings", dataclasses.replace(api.services.settings, page_size=2)
    )
    content = _content(api)
    scheduled = [s for s in content.sessions if s.starts_at]
    day = IN_A_MONTH.isoformat()
    page = await api.client.get(f"{AGENDA}?q=&status=&day={day}")
    assert f'<option value="{day}" selected>' in page.text
    next_page = re.search(r'<a href="([^"]+)">Next</a>', page.text)
    assert next_page
    assert next_page[1] == f"{AGENDA}?day={day}&amp;offset=2"
    second, _ = await _shown(api, f"day={day}&offset=2")
    first, _ = await _shown(api, f"day={day}")
    on_day = [
        s
        for s in scheduled
        if s.starts_at and s.starts_at.astimezone(content.event.tz).date() == IN_A_MONTH
    ]
    assert first + second == _in_time_order(on_day)[:4]
    searched = await api.client.get(f"{AGENDA}?q=a+%26+b&unscheduled=on")
    assert 'value="a &amp; b"' in searched.text
    assert re.search(r'name="unscheduled" value="on" checked', searched.text)


async def test_paging_keeps_a_search_with_ampersands_spaces_and_accents(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    for part in ("one", "two"):
        added = await api.client.post(
            "/api/events/acme-conf/sessions",
            json={"title": f"Café & Crème, part {part}"},
            headers=api.acme.write,
        )
        assert added.status_code == 201, added.text
    await api.login(api.acme.admin_email)
    monkeypatch.setattr(
        api.services, "settings", dataclasses.replace(api.services.settings, page_size=1)
    )
    first = await api.client.get(AGENDA, params={"q": "Café & Crème", "unscheduled": "on"})
    assert first.status_code == 200
    next_page = re.search(r'<a href="([^"]+)">Next</a>', first.text)
    assert next_page
    # Each value encoded, and the "&" between parameters written as HTML wants it.
    assert next_page[1] == f"{AGENDA}?q=Caf%C3%A9+%26+Cr%C3%A8me&amp;unscheduled=on&amp;offset=1"
    second = await api.client.get(html.unescape(next_page[1]))
    assert "Café &amp; Crème, part two" in second.text
    assert "Café &amp; Crème, part one" not in second.text
    assert "2 sessions match the search." in second.text
    previous = re.search(r'<a href="([^"]+)">Previous</a>', second.text)
    assert previous
    assert previous[1] == f"{AGENDA}?q=Caf%C3%A9+%26+Cr%C3%A8me&amp;unscheduled=on&amp;offset=0"


def _pagination(page: str) -> tuple[list[str], list[tuple[str, str]]]:
    """What the pagination says, and its links (address, text)."""
    nav = re.search(r'<nav class="pagination"[^>]*>(.*?)</nav>', page, re.S)
    assert nav
    return re.findall(r"<span>([^<]*)</span>", nav[1]), re.findall(
        r'<a href="([^"]+)">(\w+)</a>', nav[1]
    )


async def test_an_address_past_the_last_page_leads_back_to_it(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    await api.login(api.acme.admin_email)
    monkeypatch.setattr(
        api.services, "settings", dataclasses.replace(api.services.settings, page_size=4)
    )
    past = await api.client.get(f"{AGENDA}?status=accepted&offset=40")
    assert past.status_code == 200
    assert _pagination(past.text) == (
        ["6 in all"],
        [(f"{AGENDA}?status=accepted&amp;offset=4", "Previous")],
    )
    # Part way into a page: the rest is shown, and the first page is one step back.
    between = await api.client.get(f"{AGENDA}?offset=3")
    assert _pagination(between.text) == (["4\u20136 of 6"], [(f"{AGENDA}?offset=0", "Previous")])


async def test_a_bad_filter_answers_a_page_naming_it(api: Api) -> None:
    await api.login(api.acme.admin_email)
    bad = await api.client.get(f"{AGENDA}?day=someday&status=maybe")
    assert bad.status_code == 400
    assert "Check day, status: the value given cannot be used here." in bad.text


async def test_the_agenda_takes_the_same_queries_for_one_session_or_many(
    api: Api, query_counter: Any
) -> None:
    await api.login(api.acme.admin_email)
    content = _content(api)
    one = next(s for s in content.sessions if s.people and s.tracks and s.locations)

    async def count(query: str, shown: int) -> int:
        query_counter.count, query_counter.counting = 0, True
        page = await api.client.get(f"{AGENDA}?{query}")
        query_counter.counting = False
        assert page.text.count('<a href="/events/acme-conf/sessions/') == shown
        return int(query_counter.count)

    many = len(content.sessions)
    assert many == 6
    assert await count(f"q={one.title}", 1) == await count("", many)
    assert await count("", many) == await count("status=&track=&day=", many)
    assert await count("", many) == 19
