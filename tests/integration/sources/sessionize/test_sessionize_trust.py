"""Imports organisers can trust (issue 15): no silent wipe, stable people, nothing dropped.

Each test runs a real import over HTTP against the simulator into both databases and checks
the stored records one by one.
"""

from __future__ import annotations

import pytest
from sessionize_world import (
    ENDPOINT,
    fixture,
    fixture_json,
    load,
    run,
    run_statuses,
    state_of,
)

from agendasync.domain.models import Event
from agendasync.sources.sessionize.exceptions import EndpointChanged
from agendasync.sources.sessionize.simulator import SessionizeState
from agendasync.store import Store
from agendasync.store.events import get_event, save_event

pytest_plugins = ["sessionize_world"]

OTHER = "othr2023"


# --- R-SZ-9: another endpoint ----------------------------------------------------------------


async def test_r_sz_9_another_endpoint_is_refused_naming_what_it_withdraws(
    store: Store, sim: SessionizeState, base_url: str, event: Event
) -> None:
    sim.load(ENDPOINT, fixture("all_2024.json"))
    sim.load(OTHER, fixture("all_2023.json"))
    await run(store, base_url)
    before = state_of(store, event)

    with pytest.raises(EndpointChanged) as refused:
        await run(store, base_url, endpoint_id=OTHER)
    assert (refused.value.sessions, refused.value.speakers) == (7, 4)
    assert str(refused.value) == (
        "This event was imported from Sessionize endpoint 'jl4ktls0'. Importing endpoint "
        "'othr2023' instead replaces it and withdraws 7 sessions and 4 speakers imported from "
        "'jl4ktls0'. Nothing was changed; ask to replace the endpoint to import it anyway."
    )
    assert state_of(store, event) == before
    with store.transaction() as connection:
        stored = get_event(connection, event.id)
    assert stored is not None
    assert stored.sessionize_endpoint_id == ENDPOINT
    assert run_statuses(store, event) == ["imported", "failed"]

    # The stored endpoint changed by hand: an import with it is refused just the same.
    with store.transaction() as connection:
        save_event(connection, stored.model_copy(update={"sessionize_endpoint_id": OTHER}))
    with pytest.raises(EndpointChanged):
        await run(store, base_url, endpoint_id=None)
    assert state_of(store, event)["sessions"] == before["sessions"]


async def test_r_sz_9_replacing_withdraws_what_the_new_feed_lacks_and_says_so(
    store: Store, sim: SessionizeState, base_url: str, event: Event
) -> None:
    sim.load(ENDPOINT, fixture("all_2024.json"))
    sim.load(OTHER, fixture("all_2023.json"))
    await run(store, base_url)

    preview = await run(store, base_url, endpoint_id=OTHER, dry_run=True)
    assert preview.replaced_endpoint == ENDPOINT
    assert (preview.sessions.withdrawn, preview.speakers.withdrawn) == (7, 4)

    report = await run(store, base_url, endpoint_id=OTHER, replace=True)
    assert report.replaced_endpoint == ENDPOINT
    assert (report.sessions.withdrawn, report.speakers.withdrawn) == (7, 4)
    assert report.to_json()["replaced_endpoint"] == ENDPOINT
    content = load(store, event)
    old_ids = {s["id"] for s in fixture_json("all_2024.json")["sessions"]}
    withdrawn = {s.sessionize_id for s in content.sessions if s.withdrawn}
    assert withdrawn == old_ids - {"880006"}  # 880006 was left out (outside the dates)
    with store.transaction() as connection:
        stored = get_event(connection, event.id)
    assert stored is not None
    assert stored.sessionize_endpoint_id == OTHER

    again = await run(store, base_url, endpoint_id=OTHER, force=True)  # now the event's own
    assert again.replaced_endpoint is None
