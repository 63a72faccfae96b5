"""Syncing to ASP Events end to end: services connect / add_mapping / run_sync, the connector
over real HTTP against the simulator, on both databases."""

from __future__ import annotations

from typing import Any

import pytest

from agendasync.domain.integrations import FieldSpec, RunStatus
from agendasync.partners.asp.payloads import SESSION_FIELDS, SPEAKER_FIELDS
from agendasync.services.integrations import IntegrationError


def notes(run: Any) -> list[str]:
    return [note["reason"] for note in run.report["notes"]]


def skipped(run: Any) -> list[tuple[str, str]]:
    return [(s["kind"], s["reason"]) for s in run.report["skipped"]]


async def test_connect_checks_key_and_secret_r_int_2(asp) -> None:
    asp.add_event()
    with pytest.raises(IntegrationError) as refused:
        await asp.connect(secret="wrong")
    assert str(refused.value) == (
        "ASP Events refused the credentials: ASP Events refused the API key and secret:"
        " Invalid API key or secret"
    )
    connected = await asp.connect()
    assert [(e.id, e.timezone) for e in connected.partner_events] == [(asp.site, "Europe/London")]


async def test_mapping_needs_the_seminar_id_r_map_7(asp) -> None:
    asp.add_event()
    await asp.connect()
    with pytest.raises(IntegrationError, match="a mapping to ASP Events needs: Seminar ID"):
        await asp.map(seminar="")


async def test_a_seminar_without_the_id_field_is_refused_when_mapped_r_map_7(asp) -> None:
    asp.add_event()
    await asp.connect()
    bare = asp.state.add_seminar(asp.site, "Side stage", slugs=("levels-checkbox",))

    with pytest.raises(IntegrationError) as refused:
        await asp.map(seminar=bare)

    assert str(refused.value) == (
        "ASP Events: seminar 'Side stage' has no custom field 'sessionboard_id': create a text"
        " custom field with the slug sessionboard_id on this seminar in ASP, then map again"
    )


async def test_first_sync_sends_everything_and_resync_writes_nothing_r_sync_3(
    asp,
) -> None:
    await asp.connected(sessions=20)
    first = await asp.sync()
    assert first.status is RunStatus.SUCCEEDED, first.report["failed"]
    asp.assert_all_on_asp_once()
    sessions, speakers = asp.eligible()
    assert first.report["counts"]["sessions"]["created"] == len(sessions)
    assert first.report["counts"]["speakers"]["created"] == len(speakers)
    before = asp.writes()

    again = await asp.sync()

    assert again.status is RunStatus.SUCCEEDED
    assert asp.writes() == before
    assert again.report["partner_calls"] == 0
    asp.assert_all_on_asp_once()


async def test_one_edit_is_one_write_r_sync_3(asp) -> None:
    await asp.connected()
    await asp.sync()
    content = asp.content()
    session = asp.eligible()[0][0]
    edited = next(s for s in content.sessions if s.id == session.id)
    edited.title = "Renamed in the hub"
    asp.save(content)
    before = asp.writes()

    run = await asp.sync()

    assert asp.writes() == before + 1
    assert run.report["counts"]["sessions"]["updated"] == 1
    assert asp.session_of(session)["Title"] == "Renamed in the hub"


async def test_times_carry_the_seminar_zones_offset_r_tx_1(asp) -> None:
    await asp.connected()
    await asp.sync()
    session = asp.eligible()[0][0]
    assert session.starts_at is not None
    row = asp.session_of(session)
    assert row["Start"] == session.starts_at.isoformat(timespec="seconds")


async def test_time_zone_check_compares_the_seminars_zone_r_map_8(asp) -> None:
    asp.add_event()
    await asp.connect()
    tokyo = asp.state.add_seminar(asp.site, "Tokyo stage", timezone="Asia/Tokyo")
    await asp.map(seminar=tokyo, confirmed=True)  # mapped despite the warning

    run = await asp.sync()

    assert run.status is RunStatus.FAILED
    assert run.message == (
        "time zones differ: ASP Events event 'Expo on ASP / Tokyo stage' is in Asia/Tokyo,"
        " event 'conf' is in Europe/London; make them the same before syncing"
    )
    assert asp.writes() == 0


async def test_format_without_matching_type_is_sent_as_session_with_a_note_r_tx_3(
    asp,
) -> None:
    keynote = asp.state.seed(asp.seminar, "sessiontypes", Name="keynote")
    fallback = next(iter(asp.state.records["sessiontypes"]))
    await asp.connected(sessions=30)

    run = await asp.sync()

    for session in asp.eligible()[0]:
        row = asp.session_of(session)
        expected = keynote if session.format and session.format.name == "Keynote" else fallback
        assert row["SessionTypeUuid"] == expected
    talks = [s for s in asp.eligible()[0] if s.format and s.format.name == "Talk"]
    assert notes(run).count("the seminar has no session type 'Talk'; sent as 'Session'") == len(
        talks
    )
    assert len(asp.state.records["sessiontypes"]) == 2  # never created


async def test_streams_carry_tag_colours_and_follow_a_colour_change_r_tx_4(
    asp,
) -> None:
    await asp.connected()
    await asp.sync()
    streams = {r["Name"]: r for r in asp.state.records["streams"].values()}
    content = asp.content()
    used = {t.name: t for s in asp.eligible()[0] for t in s.tags}
    assert {name: streams[name]["Colour"] for name in used} == {
        name: str(tag.colour).upper() for name, tag in used.items()
    }
    name = sorted(used)[0]
    for item in content.taxonomy:
        if item.name == name:
            item.colour = "#010203"
    asp.save(content)
    before = asp.writes()

    run = await asp.sync()

    assert asp.writes() == before + 1
    assert run.report["counts"]["streams"]["updated"] == 1
    assert streams[name]["Colour"] == "#010203"
    assert len(asp.state.records["streams"]) == len(used)


async def test_streams_already_there_are_adopted_by_name_r_tx_4(asp) -> None:
    existing = asp.state.seed(asp.seminar, "streams", Name="ai", Colour="#000000")
    await asp.connected(sessions=30)
    await asp.sync()
    ai = [r for r in asp.state.records["streams"].values() if r["Name"].lower() == "ai"]
    assert [r["Uuid"] for r in ai] == [existing]
    assert ai[0]["Colour"] == "#7C3AED"


async def test_a_slug_the_seminar_lacks_is_not_sent_and_reported_r_tx_6(asp) -> None:
    asp.state.remove_custom_field(asp.seminar, "panel-moderator")
    await asp.connected(sessions=20)

    run = await asp.sync()

    assert run.status is RunStatus.SUCCEEDED, run.report["failed"]
    with_moderators = [s for s in asp.eligible()[0] if any(p.role == "moderator" for p in s.people)]
    assert with_moderators
    for session in asp.eligible()[0]:
        assert "panel-moderator" not in asp.session_of(session)["CustomFields"]
    lacking = "the seminar has no custom field 'panel-moderator'; not sent"
    assert notes(run).count(lacking) == len(with_moderators)


async def test_slugs_present_are_filled_r_tx_6(asp) -> None:
    await asp.connected(sessions=20)
    await asp.sync()
    content = asp.content()
    speakers = {s.id: s for s in content.speakers}
    on_asp = {r["Email"]: r["Uuid"] for r in asp.state.records["speakers"].values()}
    for session in asp.eligible()[0]:
        custom = asp.session_of(session)["CustomFields"]
        assert custom["sessionboard_id"] == str(session.id)
        assert custom["levels-checkbox"] == [level.name.lower() for level in session.levels]
        moderators = [
            on_asp[str(speakers[p.speaker_id].email)]
            for p in session.people
            if p.role == "moderator" and str(speakers[p.speaker_id].email) in on_asp
        ]
        assert custom.get("panel-moderator", []) == moderators
        if session.files:
            newest = max(session.files, key=lambda f: f.uploaded_at)
            assert custom["sessionboard-content"] == newest.url


async def test_an_added_pair_reaches_asp_and_a_missing_slug_is_reported_r_fld_2_r_fld_1(
    asp,
) -> None:
    asp.state.add_custom_field(asp.seminar, "language", "Language")
    await asp.connected()
    assert asp.mapping is not None
    maps = {
        "sessions": (
            *SESSION_FIELDS,
            FieldSpec("language", "language"),
            FieldSpec("tracks", "gone-slug"),
        )
    }
    mapping = asp.mapping.model_copy(update={"field_maps": maps})

    run = await asp.sync(mapping)

    session = asp.eligible()[0][0]
    assert asp.session_of(session)["CustomFields"]["language"] == session.language
    gone = "partner field 'gone-slug' no longer exists; tracks was not sent there"
    assert notes(run).count(gone) == len(asp.eligible()[0])


async def test_a_session_without_client_session_id_is_skipped_r_elig_4(asp) -> None:
    asp.add_event()
    await asp.connect()
    await asp.map()
    content = asp.content()
    session = asp.eligible()[0][0]
    next(s for s in content.sessions if s.id == session.id).client_session_id = None
    asp.save(content)

    run = await asp.sync()

    assert ("sessions", "missing required field: client_session_id") in skipped(run)
    ours = [r["CustomFields"]["sessionboard_id"] for r in asp.sessions()]
    assert str(session.id) not in ours


async def test_a_deactivated_session_is_not_touched_again_r_sync_4(asp) -> None:
    await asp.connected()
    await asp.sync()
    session = asp.eligible()[0][0]
    row = asp.session_of(session)
    asp.state.deactivate("sessions", row["Uuid"])
    content = asp.content()
    next(s for s in content.sessions if s.id == session.id).title = "Edited after deletion"
    asp.save(content)
    before = asp.writes()

    run = await asp.sync()
    again = await asp.sync()

    assert asp.writes() == before
    assert ("sessions", "deleted on ASP Events; it is not created again") in skipped(run)
    assert ("sessions", "deleted on ASP Events; it is not created again") in skipped(again)
    assert asp.session_of(session)["Title"] != "Edited after deletion"
    assert asp.session_of(session)["isActive"] is False


async def test_a_session_an_admin_removed_for_good_is_not_recreated_r_sync_4(
    asp,
) -> None:
    await asp.connected()
    await asp.sync()
    session = asp.eligible()[0][0]
    asp.state.remove("sessions", asp.session_of(session)["Uuid"])
    content = asp.content()
    next(s for s in content.sessions if s.id == session.id).title = "Edited"
    asp.save(content)

    run = await asp.sync()

    assert ("sessions", "deleted on ASP Events; it is not created again") in skipped(run)
    ours = [r["CustomFields"]["sessionboard_id"] for r in asp.sessions(inactive=True)]
    assert str(session.id) not in ours


async def test_a_5xx_after_the_write_creates_no_duplicate_r_sync_7(asp) -> None:
    await asp.connected()
    asp.sim.faults.fail_after_next(2, status=502, match="POST /seminars/{seminar}/sessions")
    asp.sim.faults.fail_after_next(status=500, match="POST /speakers")

    run = await asp.sync()

    assert run.status is RunStatus.SUCCEEDED, run.report["failed"]
    assert asp.sim.stats.faults["error_after"] == 3
    asp.assert_all_on_asp_once()


async def test_a_lost_answer_creates_no_duplicate_r_sync_7(asp) -> None:
    await asp.connected()
    asp.sim.faults.lose_next(match="POST /seminars/{seminar}/sessions")

    run = await asp.sync()

    assert run.status is RunStatus.SUCCEEDED, run.report["failed"]
    asp.assert_all_on_asp_once()


async def test_a_speaker_already_on_the_site_is_updated_not_duplicated_r_int_6(
    asp,
) -> None:
    asp.add_event()
    await asp.connect()
    await asp.map()
    speaker = asp.eligible()[1][0]
    existing = asp.state.seed(
        asp.site, "speakers", FirstName="Old", LastName="Name", Email=str(speaker.email).upper()
    )

    run = await asp.sync()

    assert run.status is RunStatus.SUCCEEDED, run.report["failed"]
    row = asp.state.records["speakers"][existing]
    assert (row["FirstName"], row["LastName"]) == (speaker.first_name, speaker.last_name)
    emails = [r["Email"].lower() for r in asp.state.records["speakers"].values()]
    assert emails.count(str(speaker.email).lower()) == 1


async def test_expired_token_is_refreshed_once_r_sync_5(asp) -> None:
    await asp.connected()
    asp.state.knobs.token_ttl_s = 3600
    asp.state.expire_tokens()  # no token survives: the first call gets a 401, then a new one
    run = await asp.sync()
    assert run.status is RunStatus.SUCCEEDED
    asp.assert_all_on_asp_once()


async def test_429_is_waited_out_r_sync_8(asp) -> None:
    await asp.connected()
    asp.sim.faults.fail_next(2, status=429, match="POST /seminars/{seminar}/sessions")

    run = await asp.sync()

    assert run.status is RunStatus.SUCCEEDED, run.report["failed"]
    assert asp.sim.stats.faults["error"] == 2
    asp.assert_all_on_asp_once()


async def test_a_speaker_pair_fills_a_site_speaker_custom_field_r_fld_1(asp) -> None:
    asp.state.add_speaker_custom_field(asp.site, "speaker-tags", "Tags")
    await asp.connected(sessions=30)
    assert asp.mapping is not None
    maps = {"speakers": (*SPEAKER_FIELDS, FieldSpec("tags", "speaker-tags"))}

    run = await asp.sync(asp.mapping.model_copy(update={"field_maps": maps}))

    assert run.status is RunStatus.SUCCEEDED, run.report["failed"]
    by_email = {r["Email"]: r for r in asp.state.records["speakers"].values()}
    tagged = [p for p in asp.eligible()[1] if p.tags]
    assert tagged
    for speaker in asp.eligible()[1]:
        custom = by_email[str(speaker.email)]["CustomFields"]
        assert custom.get("speaker-tags", "") == ", ".join(t.name for t in speaker.tags)


async def test_a_removed_pair_leaves_that_attribute_alone_on_asp_r_fld_1(asp) -> None:
    await asp.connected()
    await asp.sync()
    session = next(s for s in asp.eligible()[0] if asp.session_of(s)["Speakers"])
    speakers_before = asp.session_of(session)["Speakers"]
    content = asp.content()
    edited = next(s for s in content.sessions if s.id == session.id)
    edited.title = "Edited"
    edited.people = []
    asp.save(content)
    without = tuple(p for p in SESSION_FIELDS if p.partner != "Speakers")
    assert asp.mapping is not None

    await asp.sync(asp.mapping.model_copy(update={"field_maps": {"sessions": without}}))

    row = asp.session_of(session)
    assert row["Title"] == "Edited"
    assert row["Speakers"] == speakers_before


async def test_a_stream_deleted_on_asp_is_created_again_when_its_colour_changes_r_tx_4(
    asp,
) -> None:
    await asp.connected()
    await asp.sync()
    name = sorted({t.name for s in asp.eligible()[0] for t in s.tags})[0]
    old = next(r for r in asp.state.records["streams"].values() if r["Name"] == name)
    asp.state.deactivate("streams", old["Uuid"])
    content = asp.content()
    next(t for t in content.taxonomy if t.name == name).colour = "#0A0B0C"
    asp.save(content)

    run = await asp.sync()

    assert run.status is RunStatus.SUCCEEDED, run.report["failed"]
    active = [r for r in asp.state.records["streams"].values() if r["isActive"]]
    again = [r for r in active if r["Name"] == name]
    assert [r["Colour"] for r in again] == ["#0A0B0C"]
    assert "was deleted on ASP Events; created again" in notes(run)


async def test_levels_are_sent_as_option_values_and_unknown_ones_noted_r_tx_6(asp) -> None:
    options = [("lvl-1", "Beginner"), ("advanced", "Expert")]
    asp.state.add_custom_field(asp.seminar, "levels-checkbox", "Levels", "checkbox", options)
    await asp.connected(sessions=30)

    run = await asp.sync()

    assert run.status is RunStatus.SUCCEEDED, run.report["failed"]
    values = {"Beginner": ["lvl-1"], "Advanced": ["advanced"], "Intermediate": []}
    for session in asp.eligible()[0]:
        level = session.levels[0].name
        assert asp.session_of(session)["CustomFields"]["levels-checkbox"] == values[level]
    middle = [s for s in asp.eligible()[0] if s.levels[0].name == "Intermediate"]
    lacking = "custom field 'levels-checkbox' has no option 'Intermediate'; not sent"
    assert notes(run).count(lacking) == len(middle) > 0


async def test_a_dry_run_writes_nothing_r_sync_9(asp) -> None:
    await asp.connected()

    run = await asp.sync(dry_run=True)

    assert run.status is RunStatus.SUCCEEDED
    assert asp.writes() == 0
    assert run.report["counts"]["sessions"]["created"] == len(asp.eligible()[0])


async def test_one_session_with_its_speakers_and_taxonomy_r_sync_2(asp) -> None:
    await asp.connected()
    session = next(s for s in asp.eligible()[0] if s.people and s.tags)

    run = await asp.sync(scope=session.id)

    assert run.status is RunStatus.SUCCEEDED, run.report["failed"]
    assert [r["CustomFields"]["sessionboard_id"] for r in asp.sessions()] == [str(session.id)]
    speakers = {p.id: p for p in asp.eligible()[1]}
    emails = {str(speakers[p.speaker_id].email) for p in session.people if p.speaker_id in speakers}
    assert sorted(r["Email"] for r in asp.state.records["speakers"].values()) == sorted(emails)
    assert sorted(r["Name"] for r in asp.state.records["streams"].values()) == sorted(
        t.name for t in session.tags
    )
