"""Each record's state on its partners in the pages (the agenda, Speakers, Sponsors, the macro
record pages use), and a run's report naming the records it created, linked to their pages."""

from __future__ import annotations

import dataclasses
import html
import re
import uuid
from datetime import UTC, datetime

from markupsafe import escape

from agendasync.domain.integrations import RunStatus, SyncRun
from agendasync.domain.models import EventContent
from agendasync.domain.run_summary import by_design
from agendasync.services.sync_state import event_record_states
from agendasync.services.syncing import SyncSettings, run_sync
from agendasync.store import integrations as repo
from agendasync.store.content import load_event_content
from agendasync.store.events import find_event
from agendasync.web.render import TEMPLATES
from conftest import Api

LOOPBACK = SyncSettings(allow_private_urls=True)


async def _synced(api: Api, action: str = "content") -> SyncRun:
    with api.store.transaction() as connection:
        event = find_event(connection, api.acme.event)
        mapping = repo.find_mapping(connection, event.id, "swoogo")
    assert mapping is not None
    return await run_sync(api.store, api.services.box, mapping, action=action, settings=LOOPBACK)


def _content(api: Api) -> EventContent:
    with api.store.transaction() as connection:
        return load_event_content(connection, find_event(connection, api.acme.event).id)


def _text(value: str) -> str:
    """As the pages write it (a Markup added to a str would escape the str too)."""
    return str(escape(value))


_STATE = re.compile(r'<span class="sync-partner">([^<]+)</span> <span class="badge [^"]+">([^<]+)<')


def _badges(page: str) -> list[str]:
    """Each record's state on each partner, as "partner: state"."""
    return [f"{html.unescape(partner)}: {state}" for partner, state in _STATE.findall(page)]


async def test_the_agenda_speakers_and_sponsors_show_each_records_state_on_the_partner(
    api: Api,
) -> None:
    await api.map_swoogo(api.acme)
    run = await _synced(api)
    await api.login(api.acme.admin_email)
    content = _content(api)
    skipped = [p for p in run.report["skipped"] if p["kind"] == "sessions"]
    sent = [s for s in content.sessions if str(s.id) not in {p["record_id"] for p in skipped}]

    agenda = (await api.client.get("/events/acme-conf/agenda")).text
    speakers = (await api.client.get("/events/acme-conf/speakers")).text
    sponsors = (await api.client.get("/events/acme-conf/sponsors")).text

    assert len(content.sessions) == 6
    assert [by_design(p["reason"]) for p in skipped] == [False]  # no start or end time
    assert sorted(_badges(agenda)) == ["Swoogo: needs attention"] + ["Swoogo: sent"] * 5
    assert f'<span class="sync-why">{escape(skipped[0]["reason"])}</span>' in agenda
    assert len(sent) == run.report["counts"]["sessions"]["created"] == 5
    assert '<th scope="col">On partners</th>' in agenda
    sent_speakers = run.report["counts"]["speakers"]["created"]
    assert _badges(speakers).count("Swoogo: sent") == sent_speakers == 5
    # The picture host serves every headshot: no picture problem is shown.
    assert "picture:" not in speakers
    assert _badges(sponsors) == ["Swoogo: not sent yet"] * 6

    await _synced(api, "sponsors")
    sponsors = (await api.client.get("/events/acme-conf/sponsors")).text
    assert _badges(sponsors) == ["Swoogo: sent"] * 6


async def test_the_report_lists_the_records_created_linked_to_their_pages_r_sync_5(
    api: Api,
) -> None:
    await api.map_swoogo(api.acme)
    run = await _synced(api)
    await api.login(api.acme.admin_email)

    page = (await api.client.get(f"/events/acme-conf/runs/{run.id}")).text

    created = run.report["created"]
    assert f"<h3>Created ({len(created)})</h3>" in page
    sessions = [p for p in created if p["kind"] == "sessions"]
    assert len(sessions) == 5
    for session in sessions:
        link = f'<a href="/events/acme-conf/sessions/{session["record_id"]}">'
        assert link + _text(session["label"]) + "</a>" in page
    speaker = next(p for p in created if p["kind"] == "speaker_sessions")
    link = f'<a href="/events/acme-conf/speakers/{speaker["record_id"]}">'
    assert link + _text(f"{speaker['label']} (speaker links)") + "</a>" in page
    room = next(p for p in created if p["kind"] == "rooms")
    assert f"<li>{_text(room['label'])}</li>" in page  # rooms have no page of their own
    assert "<h3>Updated (" not in page


async def test_a_report_stored_before_records_were_named_still_shows(api: Api) -> None:
    await api.map_swoogo(api.acme)
    with api.store.transaction() as connection:
        event = find_event(connection, api.acme.event)
        mapping = repo.find_mapping(connection, event.id, "swoogo")
        assert mapping is not None
        old = SyncRun(
            mapping_id=mapping.id,
            event_id=event.id,
            partner="swoogo",
            action="content",
            trigger="manual",
            dry_run=False,
            status=RunStatus.SUCCEEDED,
            started_at=datetime.now(UTC),
            finished_at=datetime.now(UTC),
            report={"counts": {"sessions": {"attempted": 2, "created": 2}}, "skipped": []},
        )
        repo.insert_run(connection, old)
    await api.login(api.acme.admin_email)

    page = await api.client.get(f"/events/acme-conf/runs/{old.id}")

    assert page.status_code == 200
    assert "Sync to Swoogo finished: data has been synced (2 sessions)." in page.text
    assert "<h3>Created (" not in page.text


async def test_list_pages_take_the_same_queries_for_one_record_or_many(
    api: Api, query_counter
) -> None:
    await api.map_swoogo(api.acme)
    await _synced(api)
    await api.login(api.acme.admin_email)
    settings = api.services.settings

    async def count(path: str, page_size: int) -> int:
        api.services.settings = dataclasses.replace(settings, page_size=page_size)
        query_counter.count, query_counter.counting = 0, True
        answer = await api.client.get(path)
        query_counter.counting = False
        assert answer.status_code == 200
        return int(query_counter.count)

    try:
        for path in ("/events/acme-conf/agenda", "/events/acme-conf/speakers"):
            assert await count(path, 1) == await count(path, 100), path
        assert await count("/events/acme-conf/sponsors", 1) == await count(
            "/events/acme-conf/sponsors", 100
        )
    finally:
        api.services.settings = settings


async def test_the_record_page_macro_says_what_each_partner_holds(api: Api) -> None:
    await api.map_swoogo(api.acme)
    run = await _synced(api)
    content = _content(api)
    skipped = next(p for p in run.report["skipped"] if p["kind"] == "sessions")
    assert not by_design(skipped["reason"])
    sent = next(s for s in content.sessions if str(s.id) != skipped["record_id"])
    with api.store.transaction() as connection:
        states = event_record_states(connection, content.event.id)
    macro = TEMPLATES.env.from_string(
        '{% import "_sync_state.html" as s %}{{ s.sync_states_block(states, event) }}'
    )

    def block(record_id: uuid.UUID | str) -> str:
        shown = macro.render(
            states=states.of("sessions", uuid.UUID(str(record_id))), event=content.event
        )
        return " ".join(re.sub(r"<[^>]+>", " ", shown).split())

    sent_at = states.of("sessions", sent.id)[0].sent_at
    assert sent_at is not None
    when = sent_at.astimezone(content.event.tz).strftime("%d %b %Y %H:%M")
    assert block(sent.id) == f"On partners Swoogo Conf on Swoogo sent Last sent {when}."
    assert block(skipped["record_id"]) == (
        f"On partners Swoogo Conf on Swoogo needs attention {escape(skipped['reason'])}."
    )
    assert " ".join(macro.render(states=(), event=content.event).split()) == (
        '<section class="record-sync" aria-label="On partners"> <h2>On partners</h2> '
        '<p class="muted">No partner syncs this record: map the event to one '
        "(Settings: Integrations).</p> </section>"
    )


def _block(page: str) -> str:
    """The words of a record page's "On partners" section."""
    section = re.search(r'<section class="record-sync".*?</section>', page, re.S)
    assert section is not None
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", section.group())).split())


async def test_record_pages_say_what_each_partner_holds(api: Api) -> None:
    await api.map_swoogo(api.acme)
    run = await _synced(api)
    await api.login(api.acme.admin_email)
    content = _content(api)
    sent = next(p["record_id"] for p in run.report["created"] if p["kind"] == "speakers")
    speaker = next(s for s in content.speakers if str(s.id) == sent)
    sent = next(p["record_id"] for p in run.report["created"] if p["kind"] == "sessions")
    session = next(s for s in content.sessions if str(s.id) == sent)
    sponsor, exhibitor = content.sponsors[0], content.exhibitors[0]

    def page(kind: str, record_id: uuid.UUID) -> str:
        return f"/events/acme-conf/{kind}/{record_id}"

    shown = {
        kind: _block((await api.client.get(page(kind, record_id))).text)
        for kind, record_id in [
            ("sessions", session.id),
            ("speakers", speaker.id),
            ("sponsors", sponsor.id),
            ("exhibitors", exhibitor.id),
        ]
    }
    assert shown["sessions"].startswith("On partners Swoogo Conf on Swoogo sent Last sent ")
    assert shown["speakers"].startswith("On partners Swoogo Conf on Swoogo sent Last sent ")
    assert (
        shown["sponsors"]
        == "On partners Swoogo Conf on Swoogo not sent yet No sync has sent it yet."
    )
    # Swoogo takes no exhibitors: no partner syncs them.
    assert shown["exhibitors"] == (
        "On partners None of the partners this event is mapped to takes this kind of record."
    )
