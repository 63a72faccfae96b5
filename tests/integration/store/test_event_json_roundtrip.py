"""The event JSON format round-trips without loss, on SQLite and PostgreSQL (hypothesis)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agendasync.domain.event_json import (
    EventDocument,
    EventHeader,
    ExhibitorEntry,
    PersonEntry,
    SessionEntry,
    SpeakerEntry,
    SponsorEntry,
    TaxonomyEntry,
    TaxonomyLists,
)
from agendasync.domain.models import ContentFile, Person, Role, SessionStatus, SpeakerStatus
from agendasync.sources.eventfile import export_document, import_document
from agendasync.store import Store
from agendasync.store.events import create_organisation
from agendasync.store.tables import metadata

ZONES = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Pacific/Chatham", "UTC"]

text = st.text(st.characters(exclude_categories=("Cs", "Cc", "Zl", "Zp")), max_size=40)
names = text.map(str.strip).filter(bool)
optional = st.none() | names
colours = st.none() | st.from_regex(r"#[0-9A-F]{6}", fullmatch=True)
instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1))
stamps = st.none() | instants.map(lambda value: value.replace(tzinfo=UTC))


@st.composite
def documents(draw: st.DrawFn) -> EventDocument:
    zone = draw(st.sampled_from(ZONES))
    start = draw(
        st.dates(min_value=datetime(2020, 1, 1).date(), max_value=datetime(2040, 1, 1).date())
    )

    def entries(unique_names: list[str]) -> list[TaxonomyEntry]:
        return [
            TaxonomyEntry(id=draw(st.none() | st.uuids()), name=name, colour=draw(colours))
            for name in unique_names
        ]

    taxonomy = TaxonomyLists(
        **{
            kind: entries(draw(st.lists(names, max_size=4, unique=True)))
            for kind in ("tags", "tracks", "locations", "levels", "formats")
        }
    )
    emails = draw(st.lists(st.emails(), max_size=6, unique_by=str.lower))
    speakers = [
        SpeakerEntry(
            id=draw(st.uuids()),
            first_name=draw(names),
            last_name=draw(names),
            email=draw(st.none() | st.just(email)),
            job_title=draw(optional),
            company=draw(optional),
            biography=draw(text),
            headshot_url=draw(st.none() | st.just("https://img.example/a.png")),
            tags=draw(st.lists(names, max_size=2, unique=True)),
            status=draw(st.sampled_from(SpeakerStatus)),
            created_at=draw(stamps),
        )
        for email in emails
    ]

    def session() -> SessionEntry:
        starts = draw(st.none() | instants.map(lambda v: v.replace(tzinfo=ZoneInfo(zone))))
        minutes = draw(st.integers(min_value=1, max_value=60 * 24 * 3))
        people = (
            draw(
                st.lists(
                    st.tuples(st.sampled_from(speakers), st.sampled_from(Role)),
                    max_size=4,
                    unique_by=lambda pair: (pair[0].id, pair[1]),
                )
            )
            if speakers
            else []
        )
        return SessionEntry(
            id=draw(st.uuids()),
            title=draw(names),
            description=draw(text),
            starts_at=starts,
            ends_at=starts + timedelta(minutes=minutes) if starts else None,
            status=draw(st.sampled_from(SessionStatus)),
            language=draw(st.none() | st.sampled_from(["en", "de", "fr"])),
            format=draw(st.none() | names),
            tags=draw(st.lists(names, max_size=3, unique=True)),
            tracks=draw(st.lists(names, max_size=2, unique=True)),
            locations=draw(st.lists(names, max_size=2, unique=True)),
            levels=draw(st.lists(names, max_size=1, unique=True)),
            files=[
                ContentFile(
                    url=f"https://files.example/{i}.pdf",
                    uploaded_at=draw(instants).replace(tzinfo=UTC),
                )
                for i in range(draw(st.integers(0, 2)))
            ],
            client_session_id=draw(optional),
            people=[PersonEntry(speaker=str(s.id), role=role) for s, role in people],
        )

    person = st.builds(Person, first_name=names, last_name=names, email=st.none() | st.emails())
    return EventDocument(
        event=EventHeader(
            slug="round-trip",
            name=draw(names),
            timezone=zone,
            start_date=start,
            end_date=start + timedelta(days=draw(st.integers(0, 5))),
        ),
        taxonomy=taxonomy,
        speakers=speakers,
        sessions=[session() for _ in range(draw(st.integers(0, 5)))],
        sponsors=[
            SponsorEntry(
                id=draw(st.uuids()), name=draw(names), tier=draw(optional), description=draw(text)
            )
            for _ in range(draw(st.integers(0, 3)))
        ],
        exhibitors=[
            ExhibitorEntry(
                id=draw(st.uuids()),
                name=draw(names),
                primary_contact=draw(st.none() | person),
                team=draw(st.lists(person, max_size=3)),
            )
            for _ in range(draw(st.integers(0, 2)))
        ],
    )


def _empty(store: Store) -> None:
    with store.transaction() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())


def _import_and_export(store: Store, document: EventDocument) -> dict:
    _empty(store)
    with store.transaction() as connection:
        org = create_organisation(connection, "Round Trip")
        import_document(connection, document, org=org)
        return json.loads(export_document(connection, document.event.slug).model_dump_json())


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def shared_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    if request.param == "postgresql":
        yield request.getfixturevalue("postgres_store")
        return
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('roundtrip') / 'rt.db'}")
    yield store
    store.close()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(document=documents())
def test_export_import_export_is_lossless(shared_store: Store, document: EventDocument) -> None:
    first = _import_and_export(shared_store, document)
    second = _import_and_export(shared_store, EventDocument.model_validate(first))

    assert second == first
    assert len(first["sessions"]) == len(document.sessions)
    assert len(first["speakers"]) == len(document.speakers)
