"""The content store on SQLite and PostgreSQL: loading, saving, uniqueness, transactions."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from agendasync.domain.event_json import EventDocument, SpeakerEntry
from agendasync.domain.exceptions import InvalidContent
from agendasync.sources.demo_data import demo_event
from agendasync.sources.eventfile import ImportResult, import_document
from agendasync.store import Store
from agendasync.store.content import load_event_content
from agendasync.store.events import create_organisation, find_event, find_organisation
from agendasync.store.exceptions import Conflict, NotFound
from agendasync.store.tables import metadata, speakers

TODAY = date(2027, 5, 11)


def _import(store: Store, document: EventDocument, org: str = "Acme Events") -> ImportResult:
    with store.transaction() as connection:
        try:
            owner = find_organisation(connection, org)
        except NotFound:
            owner = create_organisation(connection, org)
        return import_document(connection, document, org=owner)


# SQLite cannot reflect the expression index on lower(email); PostgreSQL compares it.
@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_migrations_create_exactly_the_declared_schema(store: Store) -> None:
    with store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []


@pytest.mark.parametrize("sessions", [1, 50])
def test_loading_an_event_takes_the_same_queries_whatever_its_size(
    store: Store, query_counter, sessions: int
) -> None:
    result = _import(store, demo_event(slug="conf", sessions=sessions, today=TODAY))

    with store.transaction() as connection:
        query_counter.counting = True
        content = load_event_content(connection, result.event.id)
        query_counter.counting = False

    assert len(content.sessions) == sessions
    assert query_counter.count == 11


def test_reimport_updates_and_creates_nothing_twice_r_mod_6(store: Store) -> None:
    document = demo_event(slug="conf", sessions=20, today=TODAY)
    first = _import(store, document)
    document.sessions[0].title = "A New Title"
    second = _import(store, document)

    assert first.event_created is True
    assert second.event_created is False
    assert second.summary.counts["sessions"].created == 0
    assert second.summary.counts["sessions"].updated == 1
    assert second.summary.counts["sessions"].unchanged == 19
    assert second.summary.total("created") == 0
    with store.transaction() as connection:
        content = load_event_content(connection, first.event.id)
    assert len(content.sessions) == 20
    assert len(content.speakers) == len(document.speakers)


def test_speaker_email_unique_within_event_case_insensitively_r_mod_3(store: Store) -> None:
    document = demo_event(slug="conf", sessions=3, today=TODAY)
    _import(store, document)
    clash = document.speakers[0].email.upper()
    newcomer = SpeakerEntry(first_name="New", last_name="Person", email=clash)
    second = document.model_copy(update={"speakers": [*document.speakers, newcomer]})

    with pytest.raises(InvalidContent) as refused:
        _import(store, second)

    assert refused.value.problems == [
        (f"speakers.{len(document.speakers)}.email", f"{clash!r} is used by another speaker")
    ]


def test_email_of_a_stored_speaker_refused_for_another_speaker_r_mod_3(store: Store) -> None:
    document = demo_event(slug="conf", sessions=3, today=TODAY)
    _import(store, document)
    taken = document.speakers[0].email
    only_newcomer = document.model_copy(
        update={
            "speakers": [
                SpeakerEntry(
                    id=uuid.uuid4(), first_name="New", last_name="Person", email=taken.title()
                )
            ],
            "sessions": [],
        }
    )

    with pytest.raises(Conflict, match="is already used by speaker"):
        _import(store, only_newcomer)


def test_database_refuses_a_second_speaker_with_the_same_email_r_mod_3(store: Store) -> None:
    result = _import(store, demo_event(slug="conf", sessions=1, today=TODAY))
    row = {
        "event_id": result.event.id,
        "first_name": "A",
        "last_name": "B",
        "biography": "",
        "status": "invited",
        "withdrawn": False,
        "created_at": datetime.now(UTC),
        "updated_at": datetime.now(UTC),
    }

    with pytest.raises(IntegrityError), store.transaction() as connection:
        connection.execute(
            insert(speakers),
            [row | {"id": uuid.uuid4(), "email": e} for e in ("x@example.com", "X@Example.com")],
        )


def test_failed_import_writes_nothing(store: Store) -> None:
    document = demo_event(slug="conf", sessions=5, today=TODAY)
    _import(store, document)
    changed = document.model_copy(deep=True)
    changed.sessions[0].title = "Changed before the failure"
    other_event = demo_event(slug="other", sessions=5, seed=2, today=TODAY)
    # The same session id in another event is refused after the first session was written.
    changed.sessions.append(other_event.sessions[0].model_copy(update={"people": []}))
    _import(store, other_event, org="Other Org")

    with pytest.raises(Conflict, match="already belongs to another event"):
        _import(store, changed)

    with store.transaction() as connection:
        content = load_event_content(connection, find_event(connection, "conf").id)
    assert document.sessions[0].title in {s.title for s in content.sessions}
    assert "Changed before the failure" not in {s.title for s in content.sessions}


def test_event_of_another_organisation_is_not_overwritten(store: Store) -> None:
    _import(store, demo_event(slug="conf", sessions=2, today=TODAY), org="First")

    with pytest.raises(Conflict, match="belongs to another organisation"):
        _import(store, demo_event(slug="conf", sessions=2, seed=9, today=TODAY), org="Second")


def test_sponsors_keep_tier_logo_and_website_r_mod_4(store: Store) -> None:
    document = demo_event(slug="conf", sessions=1, today=TODAY)
    result = _import(store, document)

    with store.transaction() as connection:
        sponsors = load_event_content(connection, result.event.id).sponsors

    assert sorted((s.name, s.tier, s.website, s.logo_url) for s in sponsors) == sorted(
        (s.name, s.tier, s.website, s.logo_url) for s in document.sponsors
    )


def test_exhibitors_keep_primary_contact_and_team_in_order_r_mod_5(store: Store) -> None:
    document = demo_event(slug="conf", sessions=1, today=TODAY)
    result = _import(store, document)

    with store.transaction() as connection:
        exhibitors = load_event_content(connection, result.event.id).exhibitors

    by_name = {e.name: e for e in exhibitors}
    for expected in document.exhibitors:
        stored = by_name[expected.name]
        assert stored.primary_contact == expected.primary_contact
        assert stored.team == expected.team
