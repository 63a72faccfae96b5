"""Reconciliation: what listing the partner says about the ledger. Pure.

A run that reconciles lists what the partner holds of each kind of record; ledger entries the
hub believes synced whose partner id is no longer there were deleted on the partner: blocked
(R-SYNC-4), or forgotten so that they are created again where the partner's records mirror the
hub (Gleanin)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Set
from dataclasses import dataclass, field, replace

from agendasync.sync.model import LedgerEntry, LedgerState


@dataclass
class Reconciled:
    blocked: list[LedgerEntry] = field(default_factory=list)  # to save as deleted_by_partner
    forgotten: list[LedgerEntry] = field(default_factory=list)  # to forget: created again
    deleted_on_partner: dict[str, int] = field(default_factory=dict)  # per kind


def reconcile(
    ledger: Mapping[tuple[str, uuid.UUID], LedgerEntry],
    listed: Mapping[str, Set[str]],
    *,
    recreate_deleted: bool,
) -> Reconciled:
    """`listed`: the partner ids the partner holds, per kind that was listed."""
    found = Reconciled()
    for entry in ledger.values():
        present = listed.get(entry.kind)
        if present is None or entry.state is not LedgerState.SYNCED or entry.partner_id is None:
            continue
        if entry.partner_id in present:
            continue
        found.deleted_on_partner[entry.kind] = found.deleted_on_partner.get(entry.kind, 0) + 1
        if recreate_deleted:
            found.forgotten.append(entry)
        else:
            found.blocked.append(replace(entry, state=LedgerState.DELETED_BY_PARTNER))
    return found
