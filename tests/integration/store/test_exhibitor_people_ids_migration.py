"""Migration 0006 gives existing exhibitor contacts and team members the ids the domain would
derive for them, so share links kept by those ids survive a reload (R-SPK-2)."""

from __future__ import annotations

import uuid
from pathlib import Path

import sqlalchemy as sa
from alembic import command

from agendasync.domain.models import Exhibitor, Person
from agendasync.sources.demo_data import demo_event
from agendasync.sources.eventfile import import_document
from agendasync.store import Store
from agendasync.store.content import load_event_content
from agendasync.store.db import alembic_config
from agendasync.store.events import create_organisation, find_event


def _migrate(store: Store, revision: str) -> None:
    config = alembic_config(store.url)
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        if revision == "head":
            command.upgrade(config, "head")
        else:
            command.downgrade(config, revision)


def test_people_stored_before_ids_get_the_derived_ones(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'old.db'}")
    with store.transaction() as connection:
        org = create_organisation(connection, "Acme")
        import_document(connection, demo_event(slug="conf", sessions=2, seed=5), org=org)
        event = find_event(connection, "conf")
        before = load_event_content(connection, event.id, exhibitors=True).exhibitors
    _migrate(store, "0005")
    with store.transaction() as connection:
        columns = {c["name"] for c in sa.inspect(connection).get_columns("exhibitor_people")}
    assert "id" not in columns
    _migrate(store, "head")

    with store.transaction() as connection:
        after = load_event_content(connection, event.id, exhibitors=True).exhibitors
    # Derived again by the migration exactly as the domain derived them on import.
    assert [[p.id for p in [e.primary_contact, *e.team] if p] for e in after] == [
        [p.id for p in [e.primary_contact, *e.team] if p] for e in before
    ]
    store.close()


def test_two_people_with_one_name_and_no_email_get_two_ids() -> None:
    twins = [Person(first_name="Sam", last_name="Lee"), Person(first_name="Sam", last_name="Lee")]
    exhibitor = Exhibitor(id=uuid.UUID(int=5), name="Booth", team=twins)
    assert len({p.id for p in exhibitor.team}) == 2
