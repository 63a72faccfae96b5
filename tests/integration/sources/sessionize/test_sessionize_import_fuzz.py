"""Malformed and mutated feeds over HTTP: a clear error, nothing half-written (SPEC R-SZ-4)."""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sessionize_world import (
    ASNE,
    fixture,
    fixture_json,
    load,
    make_event,
    run_statuses,
    state_of,
)

from agendasync.sources.sessionize.exceptions import (
    SessionizeError,
)
from agendasync.sources.sessionize.importer import (
    import_sessionize_feed,
)
from agendasync.sources.sessionize.report import (
    ImportReport,
    ImportStatus,
)
from agendasync.store import Store

pytest_plugins = ["sessionize_world"]


# --- R-SZ-4: malformed payloads, property-based ----------------------------------------------

FEED_2024 = fixture_json("all_2024.json")
EMAILS = json.loads(fixture("speakers_emails.json"))


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found.extend(_paths(child, (*prefix, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found.extend(_paths(child, (*prefix, index)))
    return found


nasty_strings = st.sampled_from(
    [
        "",
        "   ",
        "\x00",
        "a\x00b",
        "\ud800",
        "x" * 600,
        "y" * 120_000,
        "2027-05-12T10:00:00",
        "2027-05-12T10:00:00Z",
        "2027-05-14T10:00:00+02:00",
        "00000000-0000-0000-0000-000000000001",
        "880001",
        ASNE,
        "not an email",
        "asne@fjordtech.no",
        "Deutsch",
    ]
)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    nasty_strings,
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=8,
)


def _mutated(document: Any, mutations: list[tuple[tuple[Any, ...], Any]]) -> Any:
    data = copy.deepcopy(document)
    for path, value in mutations:
        target: Any = data
        try:
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation replaced part of this path
    return data


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    feed_mutations=st.lists(
        st.tuples(st.sampled_from(_paths(FEED_2024)), json_values), min_size=1, max_size=4
    ),
    email_mutations=st.none()
    | st.lists(st.tuples(st.sampled_from(_paths(EMAILS)), json_values), max_size=2),
)
def test_malformed_payloads_give_a_clear_error_or_a_clean_import_r_sz_4(
    store: Store,
    feed_mutations: list[tuple[tuple[Any, ...], Any]],
    email_mutations: list[tuple[tuple[Any, ...], Any]] | None,
) -> None:
    event = make_event(store, slug=f"h-{uuid.uuid4().hex[:12]}")
    body = json.dumps(_mutated(FEED_2024, feed_mutations)).encode("utf-8")
    emails = (
        None if email_mutations is None else json.dumps(_mutated(EMAILS, email_mutations)).encode()
    )
    before = state_of(store, event)
    try:
        outcome: ImportReport | SessionizeError = import_sessionize_feed(
            store, event.id, body, emails_body=emails
        )
    except SessionizeError as error:
        outcome = error
    if isinstance(outcome, SessionizeError):
        assert str(outcome).strip()
        assert state_of(store, event) == before  # never half-written
        assert run_statuses(store, event) == ["failed"]
        return
    assert outcome.status is ImportStatus.IMPORTED
    content = load(store, event)
    assert len(content.sessions) == outcome.sessions.created
    assert len(content.speakers) == outcome.speakers.created
    again = import_sessionize_feed(store, event.id, body, emails_body=emails, force=True)
    assert (again.sessions.written, again.speakers.written, again.taxonomy.created) == (0, 0, 0)
