"""Syncing to Gleanin over real HTTP against its simulator (SPEC §4, §7, §8)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from gleanin_world import exhibitor_portal_page, portal_page, stored_links

from agendasync.domain.integrations import RunStatus
from agendasync.domain.models import SessionStatus
from agendasync.services.integrations import IntegrationError
from agendasync.store import tables as t
from agendasync.store.records import share_links_of_event


def _counts(run, kind: str) -> dict[str, int]:
    return run.report["counts"][kind]


async def test_content_sync_sends_sessions_and_speakers_once_and_resync_writes_nothing_r_sync_3(
    world,
) -> None:
    await world.connected()
    run = await world.sync()
    assert run.status is RunStatus.SUCCEEDED, run.report
    sessions, speakers = world.eligible()
    assert sorted(world.held("sessions")) == sorted(str(s.id) for s in sessions)
    assert sorted(world.held("speakers")) == sorted(str(p.id) for p in speakers)
    held = world.held("sessions")[str(sessions[0].id)]
    assert held["starts_at"] == sessions[0].starts_at  # the same instant, whatever the offset
    speaker_ids = {
        str(p.id): row["id"] for p in speakers for row in [world.held("speakers")[str(p.id)]]
    }
    on_session = [
        speaker_ids[str(p.speaker_id)]
        for p in sessions[0].people
        if str(p.speaker_id) in speaker_ids
    ]
    assert held["speaker_ids"] == list(dict.fromkeys(on_session))
    writes = world.writes()

    again = await world.sync()

    assert again.status is RunStatus.SUCCEEDED
    assert world.writes() == writes
    assert again.report["partner_calls"] == 0
    assert _counts(again, "sessions")["unchanged"] == len(sessions)
    assert _counts(again, "speakers")["unchanged"] == len(speakers)


async def test_one_edit_is_one_write_r_sync_3(world) -> None:
    await world.connected()
    await world.sync()
    writes = world.writes()
    content = world.content()
    session = next(s for s in content.sessions if s.status == "accepted" and s.starts_at)
    session.title = "Renamed on the hub"
    world.save(content)

    run = await world.sync()

    assert _counts(run, "sessions")["updated"] == 1
    assert world.writes() == writes + 1
    assert world.held("sessions")[str(session.id)]["title"] == "Renamed on the hub"


async def test_a_declined_session_is_deleted_on_gleanin_at_the_next_sync_r_elig_5(world) -> None:
    await world.connected()
    await world.sync()
    content = world.content()
    session = next(s for s in content.sessions if s.status == "accepted" and s.starts_at)
    session.status = SessionStatus.DECLINED
    world.save(content)
    _, speakers_after = world.eligible()

    run = await world.sync()

    assert run.status is RunStatus.SUCCEEDED, run.report
    assert _counts(run, "sessions")["deleted"] == 1
    assert str(session.id) not in world.held("sessions")
    # Speakers who spoke only there are no longer eligible: deleted too, links with them.
    assert sorted(world.held("speakers")) == sorted(str(p.id) for p in speakers_after)
    gone = {p.speaker_id for p in session.people} - {p.id for p in speakers_after}
    assert _counts(run, "speakers")["deleted"] == len(gone)
    assert not gone & set(stored_links(world))


async def test_a_speaker_an_admin_deleted_on_gleanin_is_created_again_r_elig_5(world) -> None:
    await world.connected()
    await world.sync()
    _, speakers = world.eligible()
    speaker = speakers[0]
    old = world.held("speakers")[str(speaker.id)]["id"]
    world.state.remove("speakers", old)
    content = world.content()
    edited = next(p for p in content.speakers if p.id == speaker.id)
    edited.job_title = "Chief Example Officer"
    world.save(content)

    run = await world.sync()

    assert _counts(run, "speakers")["created"] == 1
    again = world.held("speakers")[str(speaker.id)]
    assert again["id"] != old
    assert again["job_title"] == "Chief Example Officer"
    assert stored_links(world)[speaker.id][0][1].startswith("https://app.gleanin.test/share/")


async def test_a_speaker_whose_email_is_a_gleanin_contact_is_skipped_r_spk_1(world) -> None:
    world.state.add_token("x")
    await world.connected()
    _, speakers = world.eligible()
    clash = speakers[0]
    world.state.create(
        1,
        "speakers",
        {"event_id": world.partner_event, "name": "By Hand", "email": clash.email.upper()},
        None,
    )

    run = await world.sync()

    assert run.status is RunStatus.SUCCEEDED, run.report
    skipped = [p for p in run.report["skipped"] if p["record_id"] == str(clash.id)]
    assert len(skipped) == 1
    assert "belongs to a contact the hub did not create" in skipped[0]["reason"]
    assert str(clash.id) not in world.held("speakers")
    assert len(world.held("speakers")) == len(speakers)  # the others, and the hand-made one
    assert clash.id not in stored_links(world)


async def test_share_links_are_stored_and_shown_in_the_speaker_portal_r_spk_2(world) -> None:
    await world.connected()
    await world.sync()
    _, speakers = world.eligible()
    links = stored_links(world)
    assert sorted(links) == sorted(p.id for p in speakers)
    title, url = links[speakers[0].id][0]
    assert title == "Speak at Conf on Gleanin"
    with world.store.transaction() as connection:  # as `speaker list --json` shows them
        listed = share_links_of_event(connection, event_id=world.mapping.event_id)
    assert {p: [(k.title, k.url) for k in found] for p, found in listed.items()} == {
        p: [tuple(k) for k in found] for p, found in links.items()
    }

    page = await portal_page(world, speakers[0].id)

    assert "Share Your Attendance" in page
    assert f'href="{url.replace("&", "&amp;")}"' in page


async def test_links_that_arrive_late_are_fetched_by_a_later_run_r_spk_2(world) -> None:
    world.state.knobs.link_delay_reads = 1
    await world.connected()
    first = await world.sync()
    _, speakers = world.eligible()
    assert stored_links(world) == {}
    assert _counts(first, "speakers")["created"] == len(speakers)
    writes = world.writes()

    await world.sync()

    assert world.writes() == writes  # asked again with reads only
    assert sorted(stored_links(world)) == sorted(p.id for p in speakers)
    third = await world.sync()
    assert third.report["partner_calls"] == 0


async def test_a_5xx_after_a_stored_create_does_not_duplicate_r_sync_7(world) -> None:
    await world.connected()
    world.sim.faults.fail_after_next(2, status=502, match="POST /speakers")
    world.sim.faults.fail_after_next(1, status=503, match="POST /sessions")

    run = await world.sync()

    assert run.status is RunStatus.SUCCEEDED, run.report
    assert world.state.stats.faults["error_after"] == 3
    sessions, speakers = world.eligible()
    assert sorted(world.held("speakers")) == sorted(str(p.id) for p in speakers)
    assert sorted(world.held("sessions")) == sorted(str(s.id) for s in sessions)
    assert len(world.state.table("speakers")) == len(speakers)
    assert len(world.state.table("sessions")) == len(sessions)


async def test_exhibitors_and_team_members_sync_by_their_own_action_r_sync_1(world) -> None:
    await world.connected()
    content_run = await world.sync()
    assert "exhibitors" not in content_run.report["counts"]

    run = await world.sync("exhibitors")

    assert run.status is RunStatus.SUCCEEDED, run.report
    exhibitors = world.exhibitors()
    assert sorted(world.held("exhibitors")) == sorted(str(e.id) for e in exhibitors)
    team = world.held("team_members")
    people = sum(len(e.team) + (1 if e.primary_contact else 0) for e in exhibitors)
    assert len(team) == people
    links = stored_links(world)
    assert all(e.id in links for e in exhibitors)
    assert sum(1 for key in team if key in {str(k) for k in links}) == people
    again = await world.sync("exhibitors")
    assert again.report["partner_calls"] == 0

    exhibitor = next(e for e in exhibitors if e.team)
    assert exhibitor.primary_contact is not None
    page = await exhibitor_portal_page(world, exhibitor.primary_contact.id)
    assert "Share Your Attendance" in page
    for person in [exhibitor.primary_contact, *exhibitor.team]:
        assert f"<h3>{person.first_name} {person.last_name}</h3>" in page
        url = links[person.id][0][1]
        assert f'href="{url.replace("&", "&amp;")}"' in page


async def test_connect_checks_the_token_at_once_r_int_2(world) -> None:
    world.state.tokens.clear()
    with pytest.raises(IntegrationError) as refused:
        await world.connected()
    assert str(refused.value).startswith(
        "Gleanin refused the credentials: Gleanin refused the API token: a valid API token"
    )


async def test_only_active_gleanin_events_can_be_mapped_r_map_1(world) -> None:
    archived = world.state.add_event("Last year", state="archived")
    world.partner_event = archived
    with pytest.raises(IntegrationError, match=f"Gleanin has no event {archived}"):
        await world.connected()


async def test_an_event_archived_after_mapping_fails_the_run_with_a_clear_message(world) -> None:
    await world.connected()
    world.state.events[world.partner_event]["state"] = "archived"

    run = await world.sync()

    assert run.status is RunStatus.FAILED
    assert run.message == (
        "Gleanin: the Gleanin event 'Conf on Gleanin' is archived; activate it first"
    )
    assert world.writes() == 0


async def test_a_lost_answer_on_a_create_does_not_duplicate_r_sync_7(world) -> None:
    await world.connected()
    world.sim.faults.lose_next(match="POST /sessions")
    world.sim.faults.lose_next(match="POST /team_members")

    content = await world.sync(timeout=0.5)
    exhibitors = await world.sync("exhibitors", timeout=0.5)

    assert world.state.stats.faults["lost"] == 2
    assert content.status is RunStatus.SUCCEEDED, content.report
    assert exhibitors.status is RunStatus.SUCCEEDED, exhibitors.report
    sessions, _ = world.eligible()
    assert len(world.state.table("sessions")) == len(sessions)
    people = sum(len(e.team) + (1 if e.primary_contact else 0) for e in world.exhibitors())
    assert len(world.state.table("team_members")) == people


async def test_the_hubs_own_records_are_adopted_again_when_the_ledger_is_gone_r_int_6(
    world,
) -> None:
    await world.connected()
    await world.sync()
    await world.sync("exhibitors")
    held = {kind: len(world.state.table(kind)) for kind in world.state.tables}
    with world.store.transaction() as connection:
        connection.execute(sa.delete(t.sync_ledger))

    content = await world.sync()
    exhibitors = await world.sync("exhibitors")

    assert {kind: len(world.state.table(kind)) for kind in world.state.tables} == held
    for run in (content, exhibitors):
        assert run.status is RunStatus.SUCCEEDED, run.report
        assert not [p for p in run.report["skipped"] if "Gleanin" in p["reason"]]
        assert all(c["created"] == 0 for c in run.report["counts"].values())
