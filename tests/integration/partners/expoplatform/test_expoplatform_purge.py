"""R-MAP-6 at the connector: the engine's purge, over what a real sync left in the ledger,
deletes from the ExpoPlatform event what the hub created there and nothing it adopted.

(Removing the mapping through the services, with its confirmation and report, is the
services' part; this proves the connector deletes every kind it creates.)"""

from __future__ import annotations

import uuid

import httpx

from agendasync.partners.expoplatform import SPEC, ExpoPlatform
from agendasync.services.syncing import load
from agendasync.sync.engine import Engine
from agendasync.sync.model import LedgerEntry, Origin, ShareLink, SyncReport
from agendasync.sync.partner import Target
from conftest import ExpoWorld


class _Forgotten:
    def __init__(self) -> None:
        self.entries: list[LedgerEntry] = []

    def save(self, entries: list[LedgerEntry]) -> None:
        return None

    def forget(self, entries: list[LedgerEntry]) -> None:
        self.entries += entries

    def share_links(self, record_id: uuid.UUID, links: tuple[ShareLink, ...]) -> None:
        return None


async def test_r_map_6_purge_deletes_what_the_mapping_created_and_keeps_what_it_adopted(
    expo: ExpoWorld,
) -> None:
    await expo.connected()
    sessions, _ = expo.eligible()
    adopted = min(t.name for s in sessions for t in s.tracks)  # made by an admin, then used
    kept = expo.state.set_record("tracks", {"event_id": str(expo.partner_event), "name": adopted})
    before = expo.state.add_contact(expo.partner_event, "someone@else.example", "Some", "One")
    await expo.sync()
    assert expo.mapping is not None
    loaded = load(expo.store, expo.box, expo.mapping, "content")
    [adopted_entry] = [e for e in loaded.ledger.values() if e.partner_id == str(kept["id"])]
    assert adopted_entry.origin is Origin.ADOPTED
    created = [e for e in loaded.ledger.values() if e.origin is Origin.CREATED]
    writer = _Forgotten()
    report = SyncReport()
    async with httpx.AsyncClient(timeout=2) as http:
        connector = ExpoPlatform().connector(
            http, loaded.credentials, expo.url, Target(str(expo.partner_event)), budget=None
        )
        engine = Engine(connector, loaded.ledger, writer, report, partner_title=SPEC.title)
        await engine.purge(list(loaded.ledger.values()), SPEC.kinds("content"))

    assert expo.rows("sessions") == []
    assert [r["id"] for r in expo.rows("accounts")] == [before]
    assert [r["id"] for r in expo.state.records(expo.partner_event, "tracks")] == [kept["id"]]
    for kind in ("types", "tags", "halls"):
        assert expo.state.records(expo.partner_event, kind) == []
    assert report.total_failed == 0
    assert sorted(e.key for e in writer.entries) == sorted(e.key for e in created)
