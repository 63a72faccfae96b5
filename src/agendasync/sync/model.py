"""The values the sync stages pass along: items to send, the ledger, the plan, the report.

A partner's transform turns eligible records into `Item`s: the payload the partner should hold
for one record of one kind (a session, a room, a speaker's session links, a headshot...). A
payload may point at another item with a `Ref`; the engine resolves it to that item's partner
id when it sends. The content hash of an item is taken over the payload with refs by hub id, so
it does not change when nothing in the hub changed.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class LedgerState(enum.StrEnum):
    CREATING = "creating"  # a create was sent; its answer has not been recorded yet
    SYNCED = "synced"
    FAILED = "failed"
    DELETED_BY_PARTNER = "deleted_by_partner"


class Action(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    BLOCKED = "blocked"  # deleted on the partner: never created again there (R-SYNC-4)
    DELETE = "delete"  # gone from the hub, on a partner where deletes propagate


@dataclass(frozen=True)
class Ref:
    """A pointer from one item's payload to another item, sent as that item's partner id.

    An optional ref whose item is not on the partner is left out (a speaker is linked to the
    sessions that made it); a required one fails the item until it can be resolved.
    """

    kind: str
    record_id: uuid.UUID
    optional: bool = False


class Origin(enum.StrEnum):
    """Whether the hub created a record on the partner or found it there (a purge deletes only
    what the hub created)."""

    CREATED = "created"
    ADOPTED = "adopted"


@dataclass(frozen=True)
class ShareLink:
    """A personal share link a partner made for a person (Gleanin campaigns, R-SPK-2)."""

    title: str
    url: str


@dataclass(frozen=True)
class Resolved:
    """What a partner answered for one record: its partner id, what the ledger keeps beside it,
    notes for the report, share links for the person, and whether it is complete (False asks
    for the record again next run, e.g. share links not made yet)."""

    partner_id: str
    extra: Mapping[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    share_links: tuple[ShareLink, ...] = ()
    complete: bool = True


def _hashable(value: Any) -> Any:
    """What `json` cannot write itself: a ref by hub id, mapping keys as text, the rest as
    text (the hashes in every ledger were taken this way: keep it)."""
    if isinstance(value, Ref):
        return f"ref:{value.kind}:{value.record_id}"
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items()}
    return str(value)


_HASH_ENCODER = json.JSONEncoder(sort_keys=True, default=_hashable)


@dataclass(frozen=True)
class Item:
    """One record as one partner should hold it."""

    kind: str
    record_id: uuid.UUID
    label: str
    payload: Mapping[str, Any]
    # Keys by which the record can be found on the partner again: ("uuid", ...), ("email", ...).
    lookup: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = ()

    @functools.cached_property
    def content_hash(self) -> str:
        # Encoded as it stands, without a canonical copy first: a check hashes every item.
        text = _HASH_ENCODER.encode(self.payload)
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def key(self) -> tuple[str, uuid.UUID]:
        return (self.kind, self.record_id)

    def refs(self) -> list[Ref]:
        found: list[Ref] = []

        def walk(value: Any) -> None:
            if isinstance(value, Ref):
                found.append(value)
            elif isinstance(value, Mapping):
                for inner in value.values():
                    walk(inner)
            elif isinstance(value, list | tuple):
                for inner in value:
                    walk(inner)

        walk(self.payload)
        return found


@dataclass(frozen=True)
class Skip:
    """A record left out of a sync, and why (R-ELIG-*, R-SPK-1)."""

    kind: str
    record_id: uuid.UUID
    label: str
    reason: str


@dataclass(frozen=True)
class LedgerEntry:
    """What the partner holds for one record of one mapping, as far as the hub knows."""

    kind: str
    record_id: uuid.UUID
    state: LedgerState
    partner_id: str | None = None
    content_hash: str | None = None
    detail: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    origin: Origin = Origin.CREATED

    @property
    def key(self) -> tuple[str, uuid.UUID]:
        return (self.kind, self.record_id)


@dataclass(frozen=True)
class Op:
    action: Action
    kind: str
    record_id: uuid.UUID
    item: Item | None = None
    entry: LedgerEntry | None = None

    @property
    def key(self) -> tuple[str, uuid.UUID]:
        return (self.kind, self.record_id)

    @property
    def label(self) -> str:
        if self.item is not None:
            return self.item.label
        return f"{self.kind} {self.record_id}"


@dataclass
class KindCounts:
    attempted: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    skipped: int = 0
    failed: int = 0


@dataclass
class Problem:
    kind: str
    record_id: str
    label: str
    reason: str


@dataclass
class Sent:
    """A record a run created or updated on the partner, by name (the report lists them)."""

    kind: str
    record_id: str
    label: str


@dataclass
class SyncReport:
    """R-SYNC-5: what a run did, per kind of record, with every skip and failure explained."""

    counts: dict[str, KindCounts] = field(default_factory=dict)
    skipped: list[Problem] = field(default_factory=list)
    failed: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    created: list[Sent] = field(default_factory=list)
    updated: list[Sent] = field(default_factory=list)
    partner_calls: int = 0
    credits_used: int = 0
    # Records sent without all they need yet (share links not made, optional refs left out):
    # the next run sends them again, so the run is not complete.
    incomplete: int = 0
    # What listing the partner found (reconciliation): deleted there, per kind.
    deleted_on_partner: dict[str, int] = field(default_factory=dict)

    def kind(self, kind: str) -> KindCounts:
        return self.counts.setdefault(kind, KindCounts())

    def skip(self, skip: Skip) -> None:
        self.kind(skip.kind).skipped += 1
        self.skipped.append(Problem(skip.kind, str(skip.record_id), skip.label, skip.reason))

    def skip_op(self, op: Op, reason: str) -> None:
        self.skip(Skip(op.kind, op.record_id, op.label, reason))

    def fail(self, op: Op, reason: str) -> None:
        self.kind(op.kind).failed += 1
        self.failed.append(Problem(op.kind, str(op.record_id), op.label, reason))

    def created_one(self, op: Op) -> None:
        self.kind(op.kind).created += 1
        self.created.append(Sent(op.kind, str(op.record_id), op.label))

    def updated_one(self, op: Op) -> None:
        self.kind(op.kind).updated += 1
        self.updated.append(Sent(op.kind, str(op.record_id), op.label))

    def note(self, item: Item, text: str) -> None:
        self.notes.append(Problem(item.kind, str(item.record_id), item.label, text))

    @property
    def total_failed(self) -> int:
        return sum(c.failed for c in self.counts.values())

    @property
    def writes(self) -> int:
        return sum(c.created + c.updated + c.deleted for c in self.counts.values())

    def as_dict(self, *, summary: bool = False) -> dict[str, Any]:
        """The report as stored; a `summary` (a run that sent nothing) keeps the counts and
        leaves out the list of what was skipped, which the previous run already holds."""
        return {
            "counts": {kind: vars(counts) for kind, counts in self.counts.items()},
            "skipped": [] if summary else [vars(p) for p in self.skipped],
            "failed": [vars(p) for p in self.failed],
            "notes": [vars(p) for p in self.notes],
            "created": [vars(s) for s in self.created],
            "updated": [vars(s) for s in self.updated],
            "partner_calls": self.partner_calls,
            "credits_used": self.credits_used,
            "incomplete": self.incomplete,
            "deleted_on_partner": dict(self.deleted_on_partner),
        }
