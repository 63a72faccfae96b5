"""R-MAP-6: removing a mapping to ExpoPlatform deletes from the partner event what the mapping
created there, and nothing it adopted or found there; the removal reports what it deleted."""

from __future__ import annotations

import httpx
import pytest

from agendasync.services.integrations import IntegrationError
from agendasync.services.mappings import remove_mapping
from agendasync.store import integrations as repo
from agendasync.sync.model import Origin
from agendasync.sync.retry import RetryPolicy
from conftest import ExpoWorld


async def test_removing_the_mapping_deletes_what_it_created_and_keeps_what_it_adopted_r_map_6(
    expo: ExpoWorld,
) -> None:
    await expo.connected()
    sessions, _ = expo.eligible()
    adopted = min(t.name for s in sessions for t in s.tracks)  # made by an admin, then used
    kept = expo.state.set_record("tracks", {"event_id": str(expo.partner_event), "name": adopted})
    before = expo.state.add_contact(expo.partner_event, "someone@else.example", "Some", "One")
    await expo.sync()
    assert expo.mapping is not None
    with expo.store.transaction() as connection:
        scope = repo.ledger_scope(connection, expo.mapping.id)
        ledger = repo.load_ledger(connection, scope)
    created = sum(e.origin is Origin.CREATED for e in ledger.values())

    async with httpx.AsyncClient(timeout=2) as http:
        removed = await remove_mapping(
            expo.store, expo.box, expo.mapping, http=http, allow_private=True
        )

    assert removed.purge is not None
    assert sum(c.deleted for c in removed.purge.counts.values()) == created
    assert removed.purge.failed == []
    assert expo.rows("sessions") == []
    assert [r["id"] for r in expo.rows("accounts")] == [before]
    assert [r["id"] for r in expo.state.records(expo.partner_event, "tracks")] == [kept["id"]]
    for kind in ("types", "tags", "halls"):
        assert expo.state.records(expo.partner_event, kind) == []
    with expo.store.transaction() as connection:
        assert repo.list_mappings(connection) == []
        left = repo.load_ledger(connection, scope)
    assert [e.partner_id for e in left.values()] == [str(kept["id"])]


async def test_a_partner_outage_keeps_the_mapping_so_removing_can_be_tried_again_r_map_6(
    expo: ExpoWorld,
) -> None:
    await expo.connected()
    await expo.sync()
    assert expo.mapping is not None
    expo.sim.faults.fail_next(100, status=503)

    async with httpx.AsyncClient(timeout=2) as http:
        with pytest.raises(IntegrationError) as refused:
            await remove_mapping(
                expo.store,
                expo.box,
                expo.mapping,
                http=http,
                retry=RetryPolicy(2, 0.01),
                allow_private=True,
            )

    assert "the mapping stays, so removing it can be tried again" in str(refused.value)
    with expo.store.transaction() as connection:
        assert [m.id for m in repo.list_mappings(connection)] == [expo.mapping.id]
