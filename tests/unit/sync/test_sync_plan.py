"""Plan: what each item needs on the partner (R-SYNC-3, R-SYNC-4, R-SYNC-7, R-ELIG-5), and the
values the sync stages pass along (items, content hashes, refs, the report)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from types import MappingProxyType

import pytest

from agendasync.sync.model import (
    Action,
    Item,
    LedgerEntry,
    LedgerState,
    Op,
    Ref,
    Skip,
    SyncReport,
)
from agendasync.sync.plan import plan

SESSION_ID = uuid.UUID(int=1)
SPEAKER_ID = uuid.UUID(int=2)
ROOM_ID = uuid.UUID(int=3)


def _item(kind: str = "sessions", record_id: uuid.UUID = SESSION_ID, **payload: object) -> Item:
    return Item(kind, record_id, f"{kind} {record_id.int}", payload or {"name": "Opening"})


def _ledger(*entries: LedgerEntry) -> dict[tuple[str, uuid.UUID], LedgerEntry]:
    return {entry.key: entry for entry in entries}


# --- one op per item -------------------------------------------------------------------------


def test_item_without_ledger_entry_is_created_r_sync_3() -> None:
    item = _item()

    ops = plan([item], {})

    assert ops == [Op(Action.CREATE, "sessions", SESSION_ID, item=item, entry=None)]


SAME = "same"  # stands for the item's own content hash


@pytest.mark.parametrize(
    ("state", "partner_id", "content_hash", "action"),
    [
        # R-SYNC-7: a create whose answer was lost is a create (the engine looks for it first).
        (LedgerState.CREATING, None, None, Action.CREATE),
        (LedgerState.FAILED, None, None, Action.CREATE),
        # R-SYNC-4: deleted on the partner, never created again there.
        (LedgerState.DELETED_BY_PARTNER, "p-1", SAME, Action.BLOCKED),
        (LedgerState.DELETED_BY_PARTNER, "p-1", "old", Action.BLOCKED),
        # R-SYNC-3: unchanged synced fields cause no write; changed ones are updated.
        (LedgerState.SYNCED, "p-1", SAME, Action.UNCHANGED),
        (LedgerState.SYNCED, "p-1", "old", Action.UPDATE),
        (LedgerState.SYNCED, "p-1", None, Action.UPDATE),  # sent partially last time
        (LedgerState.FAILED, "p-1", SAME, Action.UPDATE),
        (LedgerState.FAILED, "p-1", "old", Action.UPDATE),
    ],
)
def test_action_follows_the_ledger_entry_r_sync_3(
    state: LedgerState, partner_id: str | None, content_hash: str | None, action: Action
) -> None:
    item = _item()
    stored_hash = item.content_hash if content_hash == SAME else content_hash
    entry = LedgerEntry("sessions", SESSION_ID, state, partner_id, stored_hash)

    ops = plan([item], _ledger(entry))

    assert ops == [Op(action, "sessions", SESSION_ID, item=item, entry=entry)]


def test_a_changed_value_turns_unchanged_into_update_r_sync_3() -> None:
    before, after = _item(name="Opening"), _item(name="Opening keynote")
    entry = LedgerEntry("sessions", SESSION_ID, LedgerState.SYNCED, "p-1", before.content_hash)

    ops = plan([before, after], _ledger(entry))

    assert [op.action for op in ops] == [Action.UNCHANGED, Action.UPDATE]


def test_ledger_entries_are_matched_by_kind_and_id_r_sync_3() -> None:
    session = _item("sessions", SESSION_ID)
    links = _item("speaker_sessions", SESSION_ID)
    entry = LedgerEntry("sessions", SESSION_ID, LedgerState.SYNCED, "p-1", session.content_hash)

    ops = plan([session, links], _ledger(entry))

    assert [(op.action, op.kind) for op in ops] == [
        (Action.UNCHANGED, "sessions"),
        (Action.CREATE, "speaker_sessions"),
    ]


# --- R-ELIG-5: deletes -----------------------------------------------------------------------


def _synced(kind: str, record_id: uuid.UUID, partner_id: str | None = "p-9") -> LedgerEntry:
    return LedgerEntry(kind, record_id, LedgerState.SYNCED, partner_id, "h")


def test_deletes_propagate_for_ledger_records_gone_from_the_items_r_elig_5() -> None:
    kept = _item("sessions", SESSION_ID)
    gone_session = _synced("sessions", uuid.UUID(int=10))
    gone_speaker = LedgerEntry("speakers", uuid.UUID(int=11), LedgerState.FAILED, "p-11")
    ledger = _ledger(_synced("sessions", SESSION_ID), gone_session, gone_speaker)

    ops = plan([kept], ledger, deletes_propagate=True, kinds=("sessions", "speakers"))

    assert ops[1:] == [
        Op(Action.DELETE, "sessions", uuid.UUID(int=10), item=None, entry=gone_session),
        Op(Action.DELETE, "speakers", uuid.UUID(int=11), item=None, entry=gone_speaker),
    ]
    assert ops[1].label == f"sessions {uuid.UUID(int=10)}"


def test_no_deletes_where_deletes_do_not_propagate_r_elig_5() -> None:
    ledger = _ledger(_synced("sessions", uuid.UUID(int=10)))

    ops = plan([], ledger, kinds=("sessions",))

    assert ops == []


def test_a_plan_of_some_records_deletes_only_among_them_r_elig_5() -> None:
    declined = _synced("sessions", uuid.UUID(int=10))
    not_loaded = _synced("sessions", uuid.UUID(int=12))
    ledger = _ledger(_synced("sessions", SESSION_ID), declined, not_loaded)

    ops = plan(
        [_item("sessions", SESSION_ID)],
        ledger,
        deletes_propagate=True,
        kinds=("sessions",),
        within={SESSION_ID, uuid.UUID(int=10)},
    )

    assert ops[1:] == [Op(Action.DELETE, "sessions", uuid.UUID(int=10), entry=declined)]


@pytest.mark.parametrize(
    "entry",
    [
        _synced("tracks", uuid.UUID(int=10)),  # a kind not named
        LedgerEntry("sessions", uuid.UUID(int=10), LedgerState.DELETED_BY_PARTNER, "p-10"),
        LedgerEntry("sessions", uuid.UUID(int=10), LedgerState.CREATING),  # never got an id
    ],
    ids=["other-kind", "deleted-by-partner", "no-partner-id"],
)
def test_no_delete_for_entries_that_cannot_or_must_not_be_deleted_r_elig_5(
    entry: LedgerEntry,
) -> None:
    ops = plan([], _ledger(entry), deletes_propagate=True, kinds=("sessions",))

    assert ops == []


# --- Item: content hash and refs -------------------------------------------------------------


def test_content_hash_does_not_depend_on_key_order_r_sync_3() -> None:
    first = Item("sessions", SESSION_ID, "a", {"name": "A", "extra": {"x": 1, "y": [1, 2]}})
    second = Item("sessions", SESSION_ID, "b", {"extra": {"y": [1, 2], "x": 1}, "name": "A"})

    assert first.content_hash == second.content_hash
    assert len(first.content_hash) == 64


@pytest.mark.parametrize(
    "changed",
    [
        {"name": "B", "extra": {"x": 1, "y": [1, 2]}},
        {"name": "A", "extra": {"x": 2, "y": [1, 2]}},
        {"name": "A", "extra": {"x": 1, "y": [2, 1]}},
        {"name": "A", "extra": {"x": 1, "y": [1, 2]}, "more": ""},
    ],
    ids=["top-level", "nested", "list-order", "new-key"],
)
def test_content_hash_changes_when_a_value_changes_r_sync_3(changed: dict[str, object]) -> None:
    original = Item("sessions", SESSION_ID, "a", {"name": "A", "extra": {"x": 1, "y": [1, 2]}})

    assert Item("sessions", SESSION_ID, "a", changed).content_hash != original.content_hash


def test_ref_hashes_by_kind_and_record_id_only_r_sync_3() -> None:
    def hashed(ref: Ref) -> str:
        return Item("sessions", SESSION_ID, "a", {"room": ref}).content_hash

    base = hashed(Ref("rooms", ROOM_ID))

    assert hashed(Ref("rooms", ROOM_ID, optional=True)) == base
    assert hashed(Ref("rooms", uuid.UUID(int=4))) != base
    assert hashed(Ref("tracks", ROOM_ID)) != base


def test_item_refs_found_at_any_depth_in_order() -> None:
    speaker, room = Ref("speakers", SPEAKER_ID), Ref("rooms", ROOM_ID)
    first, second = Ref("sessions", uuid.UUID(int=5), True), Ref("sessions", uuid.UUID(int=6))
    item = Item(
        "speaker_sessions",
        SPEAKER_ID,
        "links",
        {"speaker": speaker, "sessions": [first, {"deep": (second,)}], "room": room, "n": 1},
    )

    assert item.refs() == [speaker, first, second, room]
    assert item.key == ("speaker_sessions", SPEAKER_ID)


def test_item_without_refs_has_none() -> None:
    assert _item(name="A", tags=["x", "y"]).refs() == []


# --- R-SYNC-5: the report --------------------------------------------------------------------


def test_report_as_dict_shape_r_sync_5() -> None:
    report = SyncReport(partner_calls=7, credits_used=12)
    session = _item()
    report.created_one(Op(Action.CREATE, "sessions", SESSION_ID, item=session))
    report.skip(Skip("speakers", SPEAKER_ID, "speaker Ada Lovelace", "missing field: email"))
    report.fail(Op(Action.UPDATE, "sessions", SESSION_ID, item=session), "refused: name")
    report.note(session, "spans several days")

    assert report.as_dict() == {
        "counts": {
            "sessions": {
                "attempted": 0,
                "created": 1,
                "updated": 0,
                "unchanged": 0,
                "deleted": 0,
                "skipped": 0,
                "failed": 1,
            },
            "speakers": {
                "attempted": 0,
                "created": 0,
                "updated": 0,
                "unchanged": 0,
                "deleted": 0,
                "skipped": 1,
                "failed": 0,
            },
        },
        "skipped": [
            {
                "kind": "speakers",
                "record_id": str(SPEAKER_ID),
                "label": "speaker Ada Lovelace",
                "reason": "missing field: email",
            }
        ],
        "failed": [
            {
                "kind": "sessions",
                "record_id": str(SESSION_ID),
                "label": "sessions 1",
                "reason": "refused: name",
            }
        ],
        "notes": [
            {
                "kind": "sessions",
                "record_id": str(SESSION_ID),
                "label": "sessions 1",
                "reason": "spans several days",
            }
        ],
        "created": [{"kind": "sessions", "record_id": str(SESSION_ID), "label": "sessions 1"}],
        "updated": [],
        "partner_calls": 7,
        "credits_used": 12,
        "incomplete": 0,
        "deleted_on_partner": {},
    }
    assert report.total_failed == 1
    assert report.writes == 1


def test_skip_of_an_op_without_item_is_labelled_by_kind_and_id_r_sync_5() -> None:
    report = SyncReport()

    report.skip_op(Op(Action.BLOCKED, "sessions", SESSION_ID), "deleted on Swoogo")

    assert report.as_dict()["skipped"] == [
        {
            "kind": "sessions",
            "record_id": str(SESSION_ID),
            "label": f"sessions {SESSION_ID}",
            "reason": "deleted on Swoogo",
        }
    ]


def test_an_items_hash_is_the_one_every_ledger_holds_r_sync_3() -> None:
    # Pinned: a different hash for the same payload would send every record again once.
    payload = {
        "title": "Keynote",
        "room": Ref("rooms", uuid.UUID(int=1)),
        "when": datetime(2026, 5, 1, 9, 0, tzinfo=UTC),
        "tags": ("a", "b"),
        "n": 3,
        "ok": True,
        "id": uuid.UUID(int=7),
        "extra": MappingProxyType({1: "x"}),
    }

    item = Item("sessions", uuid.UUID(int=2), "Keynote", payload)

    assert item.content_hash == "ab918cd1a0f24f139df59b3aa5b812470c083c293352eff2eed6c74bb4d5fb55"
