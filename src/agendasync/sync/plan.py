"""Plan: compare each item with the ledger and decide what to send. Pure; a dry run stops here."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping

from agendasync.sync.model import Action, Item, LedgerEntry, LedgerState, Op


def plan(
    items: Iterable[Item],
    ledger: Mapping[tuple[str, uuid.UUID], LedgerEntry],
    *,
    deletes_propagate: bool = False,
    kinds: Iterable[str] = (),
    within: Collection[uuid.UUID] | None = None,
) -> list[Op]:
    """One op per item, plus deletes for ledger records of `kinds` no longer among the items
    (only records of `within` when the items are some of the event's, not all).

    - no ledger entry, or a create that never got its answer: create (the engine first looks
      for it on the partner, so nothing is created twice, R-SYNC-7)
    - deleted on the partner: blocked, never created again (R-SYNC-4)
    - synced with the same content hash: unchanged, no write (R-SYNC-3)
    - anything else (changed, or failed last time): update
    """
    ops: list[Op] = []
    for item in items:
        entry = ledger.get(item.key)
        if entry is None or entry.partner_id is None:
            action = Action.CREATE
        elif entry.state is LedgerState.DELETED_BY_PARTNER:
            action = Action.BLOCKED
        elif entry.state is LedgerState.SYNCED and entry.content_hash == item.content_hash:
            action = Action.UNCHANGED
        else:
            action = Action.UPDATE
        ops.append(Op(action, item.kind, item.record_id, item=item, entry=entry))
    if deletes_propagate:
        wanted = {op.key for op in ops}
        delete_kinds = set(kinds)
        for key, entry in ledger.items():
            gone = key not in wanted and entry.kind in delete_kinds
            gone = gone and (within is None or entry.record_id in within)
            if gone and entry.partner_id and entry.state is not LedgerState.DELETED_BY_PARTNER:
                ops.append(Op(Action.DELETE, entry.kind, entry.record_id, entry=entry))
    return ops
