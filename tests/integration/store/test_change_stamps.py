"""Change stamps: any change that can alter what a partner receives moves the event's content
version, in the same transaction; reading or saving what is already there does not."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Connection

from agendasync.domain.models import Event, EventContent
from agendasync.services import records
from agendasync.sources.demo_data import demo_event
from agendasync.sources.eventfile import import_document
from agendasync.store import Store
from agendasync.store import tables as t
from agendasync.store.content import load_event_content, save_event_content
from agendasync.store.events import content_version, create_organisation, find_event

TODAY = date(2027, 5, 11)


@pytest.fixture
def event(store: Store) -> Event:
    document = demo_event(slug="conf", sessions=6, seed=1, today=TODAY)
    with store.transaction() as connection:
        import_document(connection, document, org=create_organisation(connection, "Acme"))
        return find_event(connection, "conf")


def _content(connection: Connection, event: Event) -> EventContent:
    return load_event_content(connection, event.id, sponsors=True, exhibitors=True)


def _edit_session(connection: Connection, event: Event) -> None:
    content = _content(connection, event)
    content.sessions[0].title = "Another title"
    save_event_content(connection, content.model_copy(update={"sessions": content.sessions[:1]}))


def _edit_speaker(connection: Connection, event: Event) -> None:
    content = _content(connection, event)
    content.speakers[0].job_title = "Chief Listener"
    save_event_content(connection, content.model_copy(update={"speakers": content.speakers[:1]}))


def _rename_taxonomy(connection: Connection, event: Event) -> None:
    content = _content(connection, event)
    content.taxonomy[0].name = "Renamed"
    save_event_content(connection, content.model_copy(update={"taxonomy": content.taxonomy[:1]}))


def _edit_sponsor(connection: Connection, event: Event) -> None:
    sponsor = _content(connection, event).sponsors[0]
    records.update_record(connection, event, records.SPONSORS, sponsor.id, {"tier": "Diamond"})


def _edit_exhibitor(connection: Connection, event: Event) -> None:
    exhibitor = _content(connection, event).exhibitors[0]
    records.update_record(
        connection, event, records.EXHIBITORS, exhibitor.id, {"description": "New stand"}
    )


def _delete_session(connection: Connection, event: Event) -> None:
    session = _content(connection, event).sessions[0]
    records.delete_record(connection, event, records.SESSIONS, session.id)


def _delete_taxonomy(connection: Connection, event: Event) -> None:
    item = _content(connection, event).taxonomy[0]
    records.delete_taxonomy_item(connection, event, item.id)


def _edit_event(connection: Connection, event: Event) -> None:
    records.update_event(connection, event, {"timezone": "Europe/London"})


CHANGES: dict[str, Callable[[Connection, Event], Any]] = {
    "session edited": _edit_session,
    "speaker edited": _edit_speaker,
    "taxonomy renamed": _rename_taxonomy,
    "sponsor edited": _edit_sponsor,
    "exhibitor edited": _edit_exhibitor,
    "session deleted": _delete_session,
    "taxonomy deleted": _delete_taxonomy,
    "event edited": _edit_event,
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_every_change_a_partner_could_receive_moves_the_stamp(
    store: Store, event: Event, change: str
) -> None:
    with store.transaction() as connection:
        before = content_version(connection, event.id)
    with store.transaction() as connection:
        CHANGES[change](connection, event)
    with store.transaction() as connection:
        assert content_version(connection, event.id) == before + 1


def test_saving_what_is_already_there_leaves_the_stamp(store: Store, event: Event) -> None:
    with store.transaction() as connection:
        before = content_version(connection, event.id)
        save_event_content(connection, _content(connection, event))
        assert content_version(connection, event.id) == before


# --- record stamps: what a check of changes only loads ----------------------------------------


def _stamps(connection: Connection, event: Event) -> dict[str, Any]:
    """The sessions and speakers written after the event's version of now, and whether its
    structure moved with it."""
    version = content_version(connection, event.id)
    stamped = {
        table.name: {
            row.id
            for row in connection.execute(
                sa.select(table.c.id).where(
                    table.c.event_id == event.id, table.c.changed_version == version
                )
            )
        }
        for table in (t.sessions, t.speakers)
    }
    structure = connection.execute(
        sa.select(t.events.c.structure_version).where(t.events.c.id == event.id)
    ).scalar_one()
    return {**stamped, "structure moved": structure == version}


@pytest.mark.parametrize(
    ("change", "structure"),
    [
        ("session edited", False),
        ("speaker edited", False),
        ("sponsor edited", False),
        ("exhibitor edited", False),
        ("taxonomy renamed", True),
        ("session deleted", True),
        ("taxonomy deleted", True),
        ("event edited", True),
    ],
)
def test_a_change_stamps_its_records_or_the_events_structure(
    store: Store, event: Event, change: str, structure: bool
) -> None:
    with store.transaction() as connection:
        content = _content(connection, event)
        CHANGES[change](connection, event)
        stamps = _stamps(connection, event)

    edited = {
        "session edited": ({content.sessions[0].id}, set()),
        "speaker edited": (set(), {content.speakers[0].id}),
    }.get(change, (set(), set()))
    assert (stamps["sessions"], stamps["speakers"]) == edited
    assert stamps["structure moved"] is structure


def test_a_speaker_taken_off_a_session_is_stamped_with_it(store: Store, event: Event) -> None:
    with store.transaction() as connection:
        content = _content(connection, event)
        session = next(s for s in content.sessions if len(s.people) >= 2)
        kept, gone = session.people[0], session.people[1]
        session.people = [kept]
        save_event_content(connection, content.model_copy(update={"sessions": [session]}))
        stamps = _stamps(connection, event)

    assert stamps == {
        "sessions": {session.id},
        "speakers": {gone.speaker_id},
        "structure moved": False,
    }
