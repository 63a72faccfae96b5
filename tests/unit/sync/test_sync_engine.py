"""The sync engine against an in-memory partner: what it sends, what it writes to the ledger and
what it reports (R-SYNC-3..8, R-SPK-1, R-SPK-2, R-ELIG-5, R-MAP-6, R-TX-7).

Each run plans from the ledger as a store would hold it after the run before, then runs a fresh
`Engine`, as the sync service does. Retries never wait: the retrier's sleep only records.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

import pytest
from memory_connector import MemoryConnector, MemoryLedger

from agendasync.sync.engine import SENT_LOOKUP, Engine
from agendasync.sync.errors import (
    AuthFailed,
    OutcomeUnknown,
    PartnerError,
    RateLimited,
    Rejected,
    Transient,
)
from agendasync.sync.model import (
    Action,
    Item,
    KindCounts,
    LedgerEntry,
    LedgerState,
    Op,
    Origin,
    Problem,
    Ref,
    Resolved,
    ShareLink,
    SyncReport,
)
from agendasync.sync.partner import Adopt, KindSpec
from agendasync.sync.plan import plan
from agendasync.sync.retry import Retrier, RetryPolicy

PARTNER = "Partner"
ROOMS = KindSpec("rooms", Adopt.ALWAYS)
SESSIONS = KindSpec("sessions")
SPEAKERS = KindSpec("speakers")
KINDS = (ROOMS, SESSIONS, SPEAKERS)

ROOM_ID = uuid.UUID(int=1)
OTHER_ROOM_ID = uuid.UUID(int=2)
SESSION_ID = uuid.UUID(int=3)
OTHER_SESSION_ID = uuid.UUID(int=4)
SPEAKER_ID = uuid.UUID(int=5)
OTHER_SPEAKER_ID = uuid.UUID(int=6)

BLOCKED_REASON = f"deleted on {PARTNER}; it is not created again"


# --- items and ledger entries ----------------------------------------------------------------


def room(name: str = "Main hall", record_id: uuid.UUID = ROOM_ID) -> Item:
    return Item("rooms", record_id, name, {"name": name}, lookup=(("name", name.lower()),))


def session(
    title: str = "Opening keynote",
    record_id: uuid.UUID = SESSION_ID,
    *,
    room_id: uuid.UUID | None = None,
    notes: tuple[str, ...] = (),
) -> Item:
    """A session on a partner that cannot hold the hub's id: found again by its name."""
    payload: dict[str, Any] = {"title": title}
    if room_id is not None:
        payload["room"] = Ref("rooms", room_id)
    return Item("sessions", record_id, title, payload, (("name", title.lower()),), notes)


def speaker(
    email: str = "ada@example.org",
    record_id: uuid.UUID = SPEAKER_ID,
    *,
    sessions: Iterable[uuid.UUID] = (),
) -> Item:
    """A speaker, found again by email, linked to the sessions of it that are on the partner."""
    payload = {
        "name": "Ada Lovelace",
        "email": email,
        "sessions": [Ref("sessions", session_id, optional=True) for session_id in sessions],
    }
    return Item("speakers", record_id, "Ada Lovelace", payload, (("email", email),))


_ITS_HASH = "its own hash"


def synced(
    item: Item,
    partner_id: str,
    *,
    content_hash: str | None = _ITS_HASH,
    origin: Origin = Origin.CREATED,
) -> LedgerEntry:
    stored = item.content_hash if content_hash == _ITS_HASH else content_hash
    return LedgerEntry(
        item.kind, item.record_id, LedgerState.SYNCED, partner_id, stored, origin=origin
    )


def creating(item: Item, *sent: Item, detail: str | None = None) -> LedgerEntry:
    """A create sent and not answered, with the keys of every version of it that was sent."""
    keys = [list(pair) for version in (sent or (item,)) for pair in version.lookup]
    return LedgerEntry(
        item.kind, item.record_id, LedgerState.CREATING, detail=detail, extra={SENT_LOOKUP: keys}
    )


def problem(item: Item, reason: str) -> Problem:
    return Problem(item.kind, str(item.record_id), item.label, reason)


# --- the hub: a ledger, a partner, runs --------------------------------------------------------


class Hub:
    def __init__(self) -> None:
        self.partner = MemoryConnector()
        self.ledger = MemoryLedger()
        self.sleeps: list[float] = []

    def seed(
        self,
        item: Item,
        *,
        state: LedgerState = LedgerState.SYNCED,
        origin: Origin = Origin.CREATED,
    ) -> LedgerEntry:
        """The item sent by an earlier run: on the partner, and in the ledger."""
        partner_id = self.partner.put(item)
        entry = replace(synced(item, partner_id, origin=origin), state=state)
        self.ledger.rows[entry.key] = entry
        return entry

    def pending(self, item: Item) -> str:
        """The item's create landed in an earlier run, and its answer never came."""
        partner_id = self.partner.put(item)
        entry = creating(item)
        self.ledger.rows[entry.key] = entry
        return partner_id

    def plan(self, *items: Item, deletes_propagate: bool = False) -> list[Op]:
        kinds = [kind.name for kind in KINDS]
        return plan(items, self.ledger.rows, deletes_propagate=deletes_propagate, kinds=kinds)

    def engine(self, report: SyncReport, *, recreate_deleted: bool = False) -> Engine:
        async def sleep(seconds: float) -> None:
            self.sleeps.append(seconds)

        return Engine(
            self.partner,
            dict(self.ledger.rows),
            self.ledger,
            report,
            partner_title=PARTNER,
            recreate_deleted=recreate_deleted,
            retrier=Retrier(RetryPolicy(attempts=4, first_delay_s=0), sleep=sleep),
        )

    async def sync(
        self,
        *items: Item,
        kinds: tuple[KindSpec, ...] = KINDS,
        recreate_deleted: bool = False,
        deletes_propagate: bool = False,
    ) -> SyncReport:
        self.report = SyncReport()
        ops = self.plan(*items, deletes_propagate=deletes_propagate)
        engine = self.engine(self.report, recreate_deleted=recreate_deleted)
        await engine.run(ops, kinds)
        assert engine.ledger == self.ledger.rows  # what it kept is what it wrote
        return self.report

    async def purge(self) -> SyncReport:
        report = SyncReport()
        await self.engine(report).purge(list(self.ledger.rows.values()), KINDS)
        return report


def only(hub: Hub, kind: str) -> str:
    """The partner id of the one record of `kind` on the partner."""
    [record] = hub.partner.of_kind(kind)
    return record.partner_id


# --- R-SYNC-3: create, update, unchanged ------------------------------------------------------


async def test_new_item_is_written_ahead_then_created_r_sync_3() -> None:
    hub = Hub()
    item = session()

    report = await hub.sync(item)

    partner_id = only(hub, "sessions")
    assert hub.partner.records[partner_id].payload == {"title": "Opening keynote"}
    # The first sync of a kind looks for what the partner holds already (R-INT-6).
    assert hub.partner.log == [("index", "sessions"), ("create", "sessions")]
    assert hub.ledger.saves == [[creating(item)], [synced(item, partner_id)]]
    assert hub.ledger.rows == {item.key: synced(item, partner_id)}
    assert report.counts == {"sessions": KindCounts(attempted=1, created=1)}
    assert (report.skipped, report.failed, report.notes) == ([], [], [])


async def test_changed_item_is_updated_r_sync_3() -> None:
    hub = Hub()
    entry = hub.seed(session("Opening"))
    item = session("Opening keynote")

    report = await hub.sync(item)

    assert hub.partner.log == [("update", "sessions")]
    assert hub.partner.records[str(entry.partner_id)].payload == {"title": "Opening keynote"}
    assert hub.ledger.rows == {item.key: synced(item, "sessions-1")}
    assert report.counts == {"sessions": KindCounts(attempted=1, updated=1)}


async def test_unchanged_item_makes_no_call_r_sync_3() -> None:
    hub = Hub()
    entry = hub.seed(session())

    report = await hub.sync(session())

    assert hub.partner.log == []
    assert hub.ledger.saves == []
    assert hub.ledger.rows == {entry.key: entry}
    assert report.counts == {"sessions": KindCounts(attempted=1, unchanged=1)}


# --- R-SYNC-4: deleted on the partner ---------------------------------------------------------


async def test_item_deleted_on_the_partner_is_skipped_without_a_call_r_sync_4() -> None:
    hub = Hub()
    entry = hub.seed(session("Opening"), state=LedgerState.DELETED_BY_PARTNER)
    hub.partner.remove("sessions-1")
    item = session("Opening keynote")

    report = await hub.sync(item)

    assert hub.partner.log == []
    assert hub.partner.records == {}
    assert hub.ledger.rows == {item.key: entry}
    assert report.skipped == [problem(item, BLOCKED_REASON)]
    assert report.counts == {"sessions": KindCounts(attempted=1, skipped=1)}


async def test_update_answering_not_found_marks_it_deleted_by_partner_r_sync_4() -> None:
    hub = Hub()
    entry = hub.seed(session("Opening"))
    hub.partner.remove("sessions-1")
    item = session("Opening keynote")

    report = await hub.sync(item)

    assert hub.partner.log == [("update", "sessions")]
    assert hub.partner.records == {}
    assert hub.ledger.rows == {item.key: replace(entry, state=LedgerState.DELETED_BY_PARTNER)}
    assert report.skipped == [problem(item, BLOCKED_REASON)]
    assert report.counts == {"sessions": KindCounts(attempted=1, skipped=1)}
    assert [op.action for op in hub.plan(item)] == [Action.BLOCKED]  # and stays away


async def test_with_recreate_deleted_an_update_answering_not_found_creates_again_r_sync_4() -> None:
    hub = Hub()
    hub.seed(session("Opening"))
    hub.partner.remove("sessions-1")
    item = session("Opening keynote")

    report = await hub.sync(item, recreate_deleted=True)

    partner_id = only(hub, "sessions")
    assert partner_id != "sessions-1"
    assert hub.partner.log == [("update", "sessions"), ("create", "sessions")]
    assert hub.ledger.saves == [[creating(item)], [synced(item, partner_id)]]
    assert hub.ledger.rows == {item.key: synced(item, partner_id)}
    assert report.counts == {"sessions": KindCounts(attempted=1, created=1)}
    assert report.skipped == []


# --- R-ELIG-5: deletes ------------------------------------------------------------------------


@pytest.mark.parametrize("gone_already", [False, True], ids=["on-partner", "gone-already"])
async def test_record_gone_from_the_hub_is_deleted_and_forgotten_r_elig_5(
    gone_already: bool,
) -> None:
    hub = Hub()
    kept = hub.seed(session())
    gone = hub.seed(session("Closing remarks", OTHER_SESSION_ID))
    if gone_already:  # deleted there too: the goal is met
        hub.partner.remove(str(gone.partner_id))

    report = await hub.sync(session(), deletes_propagate=True)

    assert hub.partner.log == [("delete", "sessions")]
    assert list(hub.partner.records) == [kept.partner_id]
    assert hub.ledger.forgotten == [gone]
    assert hub.ledger.rows == {kept.key: kept}
    assert report.counts == {"sessions": KindCounts(attempted=1, unchanged=1, deleted=1)}


# --- R-SYNC-7: answers that did not arrive intact ---------------------------------------------


@pytest.mark.parametrize(
    ("error", "after_write", "log"),
    [
        (
            Transient("502 Bad Gateway"),
            True,
            ["index", "create", "find"],
        ),
        (
            OutcomeUnknown("the connection dropped after sending"),
            True,
            ["index", "create", "find"],
        ),
        (
            Transient("503 Service Unavailable"),
            False,
            ["index", "create", "find", "create"],
        ),
    ],
    ids=["5xx-after-write", "lost-answer", "5xx-before-write"],
)
async def test_5xx_after_write_is_looked_up_not_duplicated_r_sync_7(
    error: PartnerError, after_write: bool, log: list[str]
) -> None:
    hub = Hub()
    item = session()
    hub.partner.fail_next("create", error, after_write=after_write)

    report = await hub.sync(item)

    partner_id = only(hub, "sessions")  # exactly one record
    assert hub.partner.log == [(method, "sessions") for method in log]
    assert hub.ledger.rows == {item.key: synced(item, partner_id)}
    assert report.counts == {"sessions": KindCounts(attempted=1, created=1)}
    assert report.failed == []


async def test_create_harmless_to_repeat_is_sent_again_without_a_lookup_r_sync_7() -> None:
    links = KindSpec("links", Adopt.NEVER)
    hub = Hub()
    item = Item("links", SESSION_ID, "Ada: Opening keynote", {"url": "https://example.org/a"})
    hub.partner.fail_next("create", Transient("504 Gateway Timeout"))

    report = await hub.sync(item, kinds=(links,))

    partner_id = only(hub, "links")
    assert hub.partner.log == [("create", "links"), ("create", "links")]
    assert hub.ledger.saves == [[synced(item, partner_id)]]  # no write-ahead either
    assert report.counts == {"links": KindCounts(attempted=1, created=1)}


def _lost_answer_then_outage(partner: MemoryConnector) -> None:
    partner.lose_next_answer()
    partner.fail_next("find", Transient("503 Service Unavailable"), times=4)


def _every_attempt_timed_out(partner: MemoryConnector) -> None:
    partner.fail_next("create", Transient("503 Service Unavailable"), times=4)


@pytest.mark.parametrize(
    ("arrange", "log", "landed"),
    [
        (_lost_answer_then_outage, ["index", "create", "find", "find", "find", "find"], 1),
        (
            _every_attempt_timed_out,
            ["index", "create", "find", "create", "find", "create", "find", "create"],
            0,
        ),
    ],
    ids=["lost-answer-then-lookup-outage", "every-attempt-5xx"],
)
async def test_create_that_may_have_landed_stays_creating_with_its_sent_keys_r_sync_7(
    arrange: Callable[[MemoryConnector], None], log: list[str], landed: int
) -> None:
    hub = Hub()
    item = session()
    arrange(hub.partner)

    report = await hub.sync(item)

    assert hub.partner.log == [(method, "sessions") for method in log]
    assert len(hub.partner.of_kind("sessions")) == landed
    reason = "503 Service Unavailable"
    assert hub.ledger.rows == {item.key: creating(item, detail=reason)}  # not failed
    assert report.failed == [problem(item, reason)]
    assert report.counts == {"sessions": KindCounts(attempted=1, failed=1)}

    # The outage is over: the next run looks for it before creating it.
    report = await hub.sync(item)

    partner_id = only(hub, "sessions")
    assert hub.partner.log[len(log)] == ("find", "sessions")
    assert hub.ledger.rows == {item.key: synced(item, partner_id)}
    assert report.failed == []


@pytest.mark.parametrize(
    ("versions", "log"),
    [
        (
            [(session("Opening"), session("Opening keynote"))],
            [("find", "sessions"), ("update", "sessions")],
        ),
        (
            [(speaker("ada@exmaple.org"), speaker("ada@example.org"))],
            [("find", "speakers"), ("update", "speakers")],
        ),
        (  # several unanswered creates: one listing costs less than a search each
            [
                (session("Opening"), session("Opening keynote")),
                (session("Close", OTHER_SESSION_ID), session("Closing remarks", OTHER_SESSION_ID)),
            ],
            [("index", "sessions"), ("update", "sessions"), ("update", "sessions")],
        ),
    ],
    ids=["session-renamed", "speaker-email-corrected", "two-renamed-one-listing"],
)
async def test_pending_create_renamed_since_is_found_by_the_keys_it_was_sent_with_r_sync_7(
    versions: list[tuple[Item, Item]], log: list[tuple[str, str]]
) -> None:
    hub = Hub()
    partner_ids = {sent.key: hub.pending(sent) for sent, _ in versions}
    items = [now for _, now in versions]

    report = await hub.sync(*items)

    assert hub.partner.log == log  # found, never created again
    assert {key: record.payload for key, record in _by_key(hub).items()} == {
        item.key: item.payload for item in items
    }
    assert hub.ledger.rows == {item.key: synced(item, partner_ids[item.key]) for item in items}
    kind = items[0].kind
    assert report.counts == {kind: KindCounts(attempted=len(items), updated=len(items))}


def _by_key(hub: Hub) -> dict[tuple[str, uuid.UUID], Any]:
    records = hub.partner.records.values()
    assert len({(r.kind, r.record_id) for r in records}) == len(records)  # no duplicates
    return {(record.kind, record.record_id): record for record in records}


@pytest.mark.parametrize(
    "items",
    [
        [session(), session("Closing remarks", OTHER_SESSION_ID)],
        [room()],
    ],
    ids=["two-sessions-one-listing", "room-listed-by-name"],
)
async def test_pending_create_found_in_a_listing_is_recorded_as_created_r_map_6(
    items: list[Item],
) -> None:
    """A create the hub sent, found again in a listing rather than by a search, is still the
    hub's: recorded as created, so a purge deletes it (R-SYNC-7)."""
    hub = Hub()
    partner_ids = {item.key: hub.pending(item) for item in items}

    await hub.sync(*items)

    assert hub.partner.count("create") == 0
    assert {key: entry.origin for key, entry in hub.ledger.rows.items()} == {
        item.key: Origin.CREATED for item in items
    }
    assert hub.ledger.rows == {item.key: synced(item, partner_ids[item.key]) for item in items}


# --- R-SPK-1: clash ---------------------------------------------------------------------------


@pytest.mark.parametrize("sent_before", [False, True], ids=["create", "update"])
async def test_clash_is_a_skip_and_leaves_the_ledger_as_it_was_r_spk_1(sent_before: bool) -> None:
    hub = Hub()
    before = {}
    if sent_before:
        entry = hub.seed(speaker("ada@old.example.org"))
        before = {entry.key: entry}
    hub.partner.clash_emails.add("ada@example.org")
    item = speaker("ada@example.org")
    on_partner = dict(hub.partner.records)

    report = await hub.sync(item)

    assert hub.ledger.rows == before
    assert hub.partner.records == on_partner
    reason = "ada@example.org belongs to a contact made on the partner"
    assert report.skipped == [problem(item, reason)]
    assert report.failed == []
    assert report.counts == {"speakers": KindCounts(attempted=1, skipped=1)}


# --- R-SYNC-5 and R-SPK-2: what comes back beside the id --------------------------------------


@pytest.mark.parametrize("sent_before", [False, True], ids=["create", "update"])
async def test_item_notes_and_partner_notes_reach_the_report_r_sync_5(sent_before: bool) -> None:
    hub = Hub()
    if sent_before:
        hub.seed(session("Opening"))
    item = session(notes=("no track: the session has none",))
    hub.partner.answer(SESSION_ID, notes=("the abstract was cut to 2,000 characters",))

    report = await hub.sync(item)

    assert report.notes == [
        problem(item, "no track: the session has none"),
        problem(item, "the abstract was cut to 2,000 characters"),
    ]
    assert hub.ledger.rows == {item.key: synced(item, only(hub, "sessions"))}


@pytest.mark.parametrize("sent_before", [False, True], ids=["create", "update"])
async def test_share_links_reach_the_ledger_writer_r_spk_2(sent_before: bool) -> None:
    hub = Hub()
    if sent_before:
        hub.seed(speaker("ada@old.example.org"))
    links = (
        ShareLink("Opening keynote", "https://share.example/ada/opening"),
        ShareLink("Closing remarks", "https://share.example/ada/closing"),
    )
    hub.partner.answer(SPEAKER_ID, share_links=links)
    item = speaker()

    await hub.sync(item)

    assert hub.ledger.links == {SPEAKER_ID: links}
    assert hub.ledger.rows == {item.key: synced(item, only(hub, "speakers"))}


async def test_incomplete_answer_records_no_hash_so_the_next_run_updates_it_r_spk_2() -> None:
    hub = Hub()
    item = speaker()
    hub.partner.answer(SPEAKER_ID, complete=False)  # share links not made yet

    await hub.sync(item)

    partner_id = only(hub, "speakers")
    assert hub.ledger.rows == {item.key: synced(item, partner_id, content_hash=None)}
    assert hub.ledger.links == {}
    assert [op.action for op in hub.plan(item)] == [Action.UPDATE]

    links = (ShareLink("Opening keynote", "https://share.example/ada/opening"),)
    hub.partner.answer(SPEAKER_ID, share_links=links)
    report = await hub.sync(item)

    assert hub.ledger.rows == {item.key: synced(item, partner_id)}
    assert hub.ledger.links == {SPEAKER_ID: links}
    assert report.counts == {"speakers": KindCounts(attempted=1, updated=1)}


# --- refs -------------------------------------------------------------------------------------


async def test_required_ref_to_an_item_not_on_the_partner_fails_the_item() -> None:
    hub = Hub()
    item = session(room_id=ROOM_ID)  # its room was never sent

    report = await hub.sync(item)

    reason = f"its room {ROOM_ID} is not on {PARTNER} yet"
    assert hub.partner.count("create") == 0
    assert report.failed == [problem(item, reason)]
    assert report.counts == {"sessions": KindCounts(attempted=1, failed=1)}
    # Never sent, so not `creating`: the next run has nothing to look for.
    assert hub.ledger.rows == {
        item.key: LedgerEntry("sessions", SESSION_ID, LedgerState.FAILED, detail=reason)
    }


async def test_required_ref_to_an_item_deleted_on_the_partner_skips_the_item_r_sync_4() -> None:
    hub = Hub()
    hall = room()
    room_entry = hub.seed(hall, state=LedgerState.DELETED_BY_PARTNER)
    hub.partner.remove(str(room_entry.partner_id))
    item = session(room_id=ROOM_ID)

    report = await hub.sync(hall, item)

    assert hub.partner.count("create") == 0
    assert report.skipped == [
        problem(hall, BLOCKED_REASON),
        problem(item, f"its room was deleted on {PARTNER}"),
    ]
    assert report.failed == []
    assert hub.ledger.rows == {hall.key: room_entry}  # a skip: the ledger as it was


@pytest.mark.parametrize(
    ("on_partner", "complete"),
    [
        ((SESSION_ID, OTHER_SESSION_ID), True),
        ((SESSION_ID,), False),
    ],
    ids=["every-session-sent", "one-left-out"],
)
async def test_optional_ref_not_on_the_partner_is_left_out_and_no_hash_recorded(
    on_partner: tuple[uuid.UUID, ...], complete: bool
) -> None:
    hub = Hub()
    sent = [hub.seed(session(f"Session {sid.int}", sid)) for sid in on_partner]
    item = speaker(sessions=(SESSION_ID, OTHER_SESSION_ID))

    await hub.sync(item)

    partner_id = only(hub, "speakers")
    assert hub.partner.records[partner_id].payload["sessions"] == [
        Resolved(str(entry.partner_id)) for entry in sent
    ]
    content_hash = _ITS_HASH if complete else None
    assert hub.ledger.rows[item.key] == synced(item, partner_id, content_hash=content_hash)


async def test_rejected_create_fails_the_item_and_is_not_left_creating() -> None:
    hub = Hub()
    item = session()
    hub.partner.fail_next("create", Rejected("title: too long", [("title", "too long")]))

    report = await hub.sync(item)

    assert hub.partner.log == [("index", "sessions"), ("create", "sessions")]
    assert hub.partner.records == {}
    assert hub.ledger.rows == {
        item.key: LedgerEntry("sessions", SESSION_ID, LedgerState.FAILED, detail="title: too long")
    }
    assert report.failed == [problem(item, "title: too long")]


# --- R-SYNC-8: retries ------------------------------------------------------------------------


async def test_transient_update_is_retried_until_it_lands_r_sync_8() -> None:
    hub = Hub()
    hub.seed(session("Opening"))
    hub.partner.fail_next("update", Transient("502 Bad Gateway"), times=3)
    item = session()

    report = await hub.sync(item)

    assert hub.partner.log == [("update", "sessions")] * 4
    assert hub.sleeps == [0.0] * 3
    assert hub.ledger.rows == {item.key: synced(item, "sessions-1")}
    assert report.counts == {"sessions": KindCounts(attempted=1, updated=1)}


async def test_update_failing_every_attempt_fails_and_keeps_the_partner_id_r_sync_8() -> None:
    hub = Hub()
    entry = hub.seed(session("Opening"))
    hub.partner.fail_next("update", Transient("502 Bad Gateway"), times=4)
    item = session()

    report = await hub.sync(item)

    assert hub.partner.log == [("update", "sessions")] * 4
    assert hub.ledger.rows == {
        item.key: replace(entry, state=LedgerState.FAILED, detail="502 Bad Gateway")
    }
    assert report.failed == [problem(item, "502 Bad Gateway")]
    assert [op.action for op in hub.plan(item)] == [Action.UPDATE]


async def test_rate_limited_create_waits_as_told_and_is_not_looked_up_r_sync_8() -> None:
    hub = Hub()
    item = session()
    hub.partner.fail_next("create", RateLimited("429 Too Many Requests", retry_after=7.0))

    await hub.sync(item)

    assert hub.sleeps == [7.0]
    # A 429 was refused, not written: sent again after the wait, with no lookup.
    assert hub.partner.log == [("index", "sessions"), *[("create", "sessions")] * 2]
    assert hub.ledger.rows == {item.key: synced(item, only(hub, "sessions"))}


# --- R-TX-7 and R-INT-6: records already on the partner ---------------------------------------


async def test_taxonomy_on_the_partner_is_matched_by_name_not_created_r_tx_7() -> None:
    hub = Hub()
    foyer = room("Foyer", OTHER_ROOM_ID)
    hub.seed(foyer)  # not the first sync of rooms: taxonomy is listed every time
    theirs = hub.partner.put(room("MAIN HALL"))
    item = room("Main Hall")

    report = await hub.sync(foyer, item)

    assert hub.partner.log == [("index", "rooms"), ("update", "rooms")]
    assert len(hub.partner.of_kind("rooms")) == 2
    assert hub.ledger.rows[item.key] == synced(item, theirs, origin=Origin.ADOPTED)
    assert report.counts == {"rooms": KindCounts(attempted=2, updated=1, unchanged=1)}


async def test_first_sync_adopts_what_the_partner_holds_r_int_6() -> None:
    hub = Hub()
    theirs = hub.partner.put(session(record_id=uuid.UUID(int=99)))
    item = session()

    report = await hub.sync(item)

    assert hub.partner.log == [("index", "sessions"), ("update", "sessions")]
    assert hub.ledger.rows == {item.key: synced(item, theirs, origin=Origin.ADOPTED)}
    assert report.counts == {"sessions": KindCounts(attempted=1, updated=1)}


async def test_later_sync_creates_without_listing_r_int_6() -> None:
    hub = Hub()
    closing = hub.seed(session("Closing remarks", OTHER_SESSION_ID))
    hub.partner.put(session(record_id=uuid.UUID(int=99)))  # a namesake made on the partner
    item = session()

    report = await hub.sync(item)

    assert hub.partner.log == [("create", "sessions")]
    created = hub.partner.of_kind("sessions")[-1].partner_id
    assert hub.ledger.rows == {closing.key: closing, item.key: synced(item, created)}
    assert report.counts == {"sessions": KindCounts(attempted=1, created=1)}


@pytest.mark.parametrize("remade_by_name", [False, True], ids=["gone", "remade-by-name"])
async def test_taxonomy_deleted_on_the_partner_is_created_again_and_the_session_sent_r_tx_7(
    remade_by_name: bool,
) -> None:
    hub = Hub()
    hall = room()
    room_entry = hub.seed(hall)
    session_entry = hub.seed(session("Opening", room_id=ROOM_ID))
    hub.partner.remove(str(room_entry.partner_id))
    if remade_by_name:
        hub.partner.put(room("MAIN HALL"))
    item = session(room_id=ROOM_ID)

    report = await hub.sync(hall, item)

    new_room = only(hub, "rooms")
    assert hub.partner.records[str(session_entry.partner_id)].payload == {
        "title": "Opening keynote",
        "room": Resolved(new_room),
    }
    create = [] if remade_by_name else [("create", "rooms")]
    assert hub.partner.log == [
        ("update", "sessions"),  # Rejected: its room is gone
        ("index", "rooms"),
        *create,
        ("update", "sessions"),
    ]
    origin = Origin.ADOPTED if remade_by_name else Origin.CREATED
    assert hub.ledger.rows == {
        hall.key: synced(hall, new_room, origin=origin),
        item.key: synced(item, str(session_entry.partner_id)),
    }
    again = "found again by name" if remade_by_name else "created again"
    assert report.notes == [problem(hall, f"was deleted on {PARTNER}; {again}")]
    assert report.counts["sessions"] == KindCounts(attempted=1, updated=1)
    assert report.counts["rooms"].created == (0 if remade_by_name else 1)
    assert report.failed == []


async def test_taxonomy_deleted_under_two_sessions_is_created_again_once_r_tx_7() -> None:
    hub = Hub()
    hall = room()
    room_entry = hub.seed(hall)
    hub.seed(session("Opening", room_id=ROOM_ID))
    hub.seed(session("Close", OTHER_SESSION_ID, room_id=ROOM_ID))
    hub.partner.remove(str(room_entry.partner_id))
    items = [
        session(room_id=ROOM_ID),
        session("Closing remarks", OTHER_SESSION_ID, room_id=ROOM_ID),
    ]

    report = await hub.sync(hall, *items)

    assert hub.partner.count("create", "rooms") == 1  # not one per session
    new_room = only(hub, "rooms")
    assert hub.ledger.rows[hall.key] == synced(hall, new_room)
    for record in hub.partner.of_kind("sessions"):
        assert record.payload["room"] == Resolved(new_room)
    assert report.notes == [problem(hall, f"was deleted on {PARTNER}; created again")]
    assert report.counts["sessions"] == KindCounts(attempted=2, updated=2)


async def test_rejected_update_with_its_taxonomy_in_place_fails_without_a_second_send() -> None:
    hub = Hub()
    hall = room()
    hub.seed(hall)
    entry = hub.seed(session("Opening", room_id=ROOM_ID))
    hub.partner.fail_next("update", Rejected("title: too long"))
    item = session(room_id=ROOM_ID)

    report = await hub.sync(hall, item)

    assert hub.partner.log == [("update", "sessions"), ("index", "rooms")]
    assert hub.ledger.rows[item.key] == replace(
        entry, state=LedgerState.FAILED, detail="title: too long"
    )
    assert report.failed == [problem(item, "title: too long")]
    assert report.notes == []


# --- R-MAP-6: purge ---------------------------------------------------------------------------


async def test_purge_deletes_only_what_the_hub_created_dependants_first_r_map_6() -> None:
    hub = Hub()
    made_room = hub.seed(room())
    their_room = hub.seed(room("Foyer", OTHER_ROOM_ID), origin=Origin.ADOPTED)
    made_session = hub.seed(session(room_id=ROOM_ID))
    their_session = hub.seed(session("Partner's own", OTHER_SESSION_ID), origin=Origin.ADOPTED)
    made_speaker = hub.seed(speaker(sessions=(SESSION_ID,)))
    never_answered = creating(speaker("grace@example.org", OTHER_SPEAKER_ID))
    hub.ledger.rows[never_answered.key] = never_answered

    report = await hub.purge()

    assert hub.partner.log == [("delete", "speakers"), ("delete", "sessions"), ("delete", "rooms")]
    assert set(hub.partner.records) == {their_room.partner_id, their_session.partner_id}
    assert hub.ledger.forgotten == [made_speaker, made_session, made_room]
    assert hub.ledger.rows == {
        entry.key: entry for entry in (their_room, their_session, never_answered)
    }
    assert report.counts == {
        "speakers": KindCounts(deleted=1),
        "sessions": KindCounts(deleted=1),
        "rooms": KindCounts(deleted=1),
    }


# --- AuthFailed -------------------------------------------------------------------------------


@pytest.mark.parametrize("sent_before", [False, True], ids=["create", "update"])
async def test_auth_failed_ends_the_run(sent_before: bool) -> None:
    hub = Hub()
    item = session()
    if sent_before:
        entry = hub.seed(session("Opening"))
        expected = {entry.key: entry}  # as it was
    else:
        expected = {item.key: creating(item)}  # written ahead; looked for next run
    hub.partner.fail_next(
        "update" if sent_before else "create", AuthFailed("the API key was revoked")
    )

    with pytest.raises(ExceptionGroup) as raised:
        await hub.sync(item, speaker())

    assert [type(error) for error in raised.value.exceptions] == [AuthFailed]
    assert "speakers" not in {kind for _, kind in hub.partner.log}  # the run ended there
    assert hub.ledger.rows == expected
    assert hub.report.failed == []


async def test_auth_failed_while_listing_ends_the_run() -> None:
    hub = Hub()
    hub.partner.fail_next("index", AuthFailed("the API key was revoked"))

    caught: list[BaseException] = []
    try:  # as the sync service catches it
        await hub.sync(session(), speaker())
    except* AuthFailed as group:
        caught.extend(group.exceptions)

    assert [type(error) for error in caught] == [AuthFailed]
    assert hub.partner.log == [("index", "sessions")]
    assert hub.ledger.rows == {}
