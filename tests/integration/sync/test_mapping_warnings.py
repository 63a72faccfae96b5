"""What a mapping warns of before it is made, through the service, on SQLite and PostgreSQL:
time zones that differ, and a partner event that already holds another event's records. Either
stops Add Mapping until it is confirmed."""

from __future__ import annotations

import uuid

import pytest

from agendasync.services.integrations import ConfirmationNeeded, MappingWarning
from agendasync.services.mappings import remove_mapping
from agendasync.store import integrations as repo
from agendasync.store import tables as t
from agendasync.store.events import find_event
from agendasync.sync.model import LedgerEntry, LedgerState, Origin


def _mappings(world) -> list[str]:
    with world.store.transaction() as connection:
        return sorted(m.partner_event_name for m in repo.list_mappings(connection))


async def test_differing_time_zones_are_named_before_mapping_and_need_a_confirmation_r_map_8(
    world,
) -> None:
    world.add_event(timezone="Asia/Tokyo", name="Tokyo Summit")
    await world.connect()

    with pytest.raises(ConfirmationNeeded) as warned:
        await world.map()
    assert _mappings(world) == []
    mapping = await world.map(confirmed=True)

    assert warned.value.warnings == (
        MappingWarning(
            "event",
            "Time zones differ: Swoogo event 'Conf on Swoogo' is in Europe/Berlin, Tokyo Summit "
            "is in Asia/Tokyo. Syncs are refused until both are the same.",
        ),
    )
    assert mapping.partner_event_name == "Conf on Swoogo"
    assert _mappings(world) == ["Conf on Swoogo"]


async def test_zones_of_the_same_rules_map_without_a_question_r_map_8(world) -> None:
    world.add_event(timezone="America/New_York")
    world.partner_event = world.sim.state.add_event("NY", timezone="US/Eastern")
    await world.connect()

    mapping = await world.map()

    assert mapping.partner_event_name == "NY"


async def test_a_partner_event_holding_another_events_records_names_it_and_needs_a_confirmation(
    world,
) -> None:
    world.add_event("first", name="First Conf")
    world.add_event("second", seed=2, name="Second Conf")
    await world.connect()
    first = await world.map("first")
    await world.sync(first)
    await remove_mapping(world.store, world.box, first)

    with pytest.raises(ConfirmationNeeded) as warned:
        await world.map("second")
    assert _mappings(world) == []
    again = await world.map("first")  # its own records: found again, nothing to confirm

    assert warned.value.warnings == (
        MappingWarning(
            "partner_event_id",
            "Swoogo event 'Conf on Swoogo' already holds records of First Conf: a sync of "
            "Second Conf adds its own beside them.",
        ),
    )
    assert warned.value.field == "partner_event_id"
    assert again.event_id == first.event_id


def _entry(record_id: uuid.UUID, state: LedgerState, partner_id: str | None) -> LedgerEntry:
    return LedgerEntry(
        kind="sessions",
        record_id=record_id,
        state=state,
        partner_id=partner_id,
        content_hash="h",
        detail=None,
        extra={},
        origin=Origin.CREATED,
    )


async def test_the_events_a_partner_event_holds_are_read_from_the_ledger(world) -> None:
    names = {"a": "Alpha", "b": "Beta", "c": "Gamma", "d": "Delta", "e": "Epsilon"}
    for seed, (slug, name) in enumerate(names.items(), start=1):
        world.add_event(slug, sessions=2, seed=seed, name=name)
    with world.store.transaction() as connection:
        events = {slug: find_event(connection, slug) for slug in names}
        org = events["a"].org_id
        sessions = {
            slug: connection.execute(
                t.sessions.select().where(t.sessions.c.event_id == event.id)
            ).first()
            for slug, event in events.items()
        }
        held = [
            # A seminar of the site (its parameters after ';') is the site's too.
            ("site-1;seminar_id=9", "b", LedgerState.SYNCED, "p1"),
            ("site-1", "c", LedgerState.CREATING, None),  # an answer still awaited
            ("site-1", "d", LedgerState.DELETED_BY_PARTNER, "p2"),  # gone from there
            ("site-1", "e", LedgerState.FAILED, None),  # never got there
            ("site-10", "e", LedgerState.SYNCED, "p3"),  # another partner event
            ("site-1", "a", LedgerState.SYNCED, "p4"),  # the event asking
        ]
        for partner_event, slug, state, partner_id in held:
            scope = repo.LedgerScope(org, "swoogo", partner_event)
            repo.save_ledger_entries(
                connection, scope, [_entry(sessions[slug].id, state, partner_id)]
            )

        holders = repo.events_held_by(
            connection, org, "swoogo", "site-1", other_than=events["a"].id
        )
        of_wildcard = repo.events_held_by(
            connection, org, "swoogo", "site-%", other_than=events["a"].id
        )
        of_another_partner = repo.events_held_by(
            connection, org, "gleanin", "site-1", other_than=events["a"].id
        )

    assert holders == ["Beta", "Gamma"]
    assert of_wildcard == []
    assert of_another_partner == []
