"""An in-memory partner and ledger writer for the engine's unit suite.

`MemoryConnector` implements the `Connector` protocol over a dict of records per kind. It
counts every call, and can be told to misbehave the way real partners do: fail the next calls
of a method (before or after the write landed), refuse an email that belongs to someone else
(`Clash`), answer notes, share links or an incomplete record, and forget records deleted on its
side (`RemoteNotFound`). A payload pointing at a partner id it does not hold is `Rejected`, as
a partner refuses a session whose room is gone.

`MemoryLedger` implements the engine's `LedgerWriter`: `rows` is what a store would hold after
the run, `saves`, `forgotten` and `links` what was written, in order.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from agendasync.sync.errors import (
    AuthFailed,
    Clash,
    OutcomeUnknown,
    PartnerError,
    Rejected,
    RemoteNotFound,
)
from agendasync.sync.model import Item, LedgerEntry, Resolved, ShareLink
from agendasync.sync.partner import PartnerEvent


@dataclass
class Record:
    """One record the partner holds."""

    partner_id: str
    kind: str
    record_id: uuid.UUID
    payload: Mapping[str, Any]
    keys: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class _Fault:
    error: PartnerError
    after_write: bool  # the partner did the write, then the answer failed


@dataclass(frozen=True)
class _Answer:
    notes: tuple[str, ...] = ()
    share_links: tuple[ShareLink, ...] = ()
    complete: bool = True


def _resolved_ids(value: Any) -> list[str]:
    if isinstance(value, Resolved):
        return [value.partner_id]
    if isinstance(value, Mapping):
        return [pid for inner in value.values() for pid in _resolved_ids(inner)]
    if isinstance(value, list | tuple):
        return [pid for inner in value for pid in _resolved_ids(inner)]
    return []


class MemoryConnector:
    """A partner event held in memory (see the module docstring)."""

    def __init__(self) -> None:
        self.records: dict[str, Record] = {}  # by partner id, in the order they were made
        self.log: list[tuple[str, str]] = []  # (method, kind) of every call, in order
        self.clash_emails: set[str] = set()
        self._faults: dict[str, deque[_Fault]] = {}
        self._answers: dict[uuid.UUID, _Answer] = {}
        self._next_id = 0

    # --- arranging ----------------------------------------------------------------------------

    def put(self, item: Item) -> str:
        """A record on the partner already (made by an earlier run, or by the partner's
        users); no call is counted. Answers its partner id."""
        return self._store(item, None)

    def remove(self, partner_id: str) -> None:
        """The partner's users delete a record."""
        del self.records[partner_id]

    def fail_next(
        self, method: str, error: PartnerError, times: int = 1, *, after_write: bool = False
    ) -> None:
        """The next `times` calls of `method` raise `error`; with `after_write` the create,
        update or delete lands first (a 502 after the write)."""
        queue = self._faults.setdefault(method, deque())
        queue.extend(_Fault(error, after_write) for _ in range(times))

    def lose_next_answer(self, times: int = 1) -> None:
        """The next creates land, and their answers never come."""
        self.fail_next("create", OutcomeUnknown("no answer"), times, after_write=True)

    def answer(
        self,
        record_id: uuid.UUID,
        *,
        notes: tuple[str, ...] = (),
        share_links: tuple[ShareLink, ...] = (),
        complete: bool = True,
    ) -> None:
        """What creates and updates of the record answer beside its id."""
        self._answers[record_id] = _Answer(notes, share_links, complete)

    # --- looking at it ------------------------------------------------------------------------

    def of_kind(self, kind: str) -> list[Record]:
        return [record for record in self.records.values() if record.kind == kind]

    def count(self, method: str, kind: str | None = None) -> int:
        return sum(m == method and kind in (None, k) for m, k in self.log)

    @property
    def methods(self) -> Counter[str]:
        return Counter(method for method, _ in self.log)

    # --- the Connector protocol ---------------------------------------------------------------

    @property
    def calls(self) -> int:
        return len(self.log)

    @property
    def credits(self) -> int:
        return len(self.log)

    async def event(self) -> PartnerEvent:
        await self._call("event", "")
        return PartnerEvent("ev-1", "Memory event", "Europe/London")

    async def create(self, item: Item) -> Resolved:
        fault = await self._call("create", item.kind)
        if fault is not None and not fault.after_write:
            raise fault.error
        self._check(item)
        partner_id = self._store(item, None)
        if fault is not None:
            raise fault.error
        return self._answer(self.records[partner_id])

    async def update(self, item: Item, entry: LedgerEntry) -> Resolved:
        fault = await self._call("update", item.kind)
        if fault is not None and not fault.after_write:
            raise fault.error
        if entry.partner_id not in self.records:
            raise RemoteNotFound(f"{item.kind} {entry.partner_id} does not exist")
        self._check(item)
        self._store(item, entry.partner_id)
        if fault is not None:
            raise fault.error
        return self._answer(self.records[entry.partner_id])

    async def delete(self, entry: LedgerEntry) -> None:
        fault = await self._call("delete", entry.kind)
        if fault is not None and not fault.after_write:
            raise fault.error
        if entry.partner_id not in self.records:
            raise RemoteNotFound(f"{entry.kind} {entry.partner_id} does not exist")
        del self.records[entry.partner_id]
        if fault is not None:
            raise fault.error

    async def find(self, item: Item) -> Resolved | None:
        fault = await self._call("find", item.kind)
        if fault is not None:
            raise fault.error
        for key in item.lookup:
            for record in self.of_kind(item.kind):
                if key in record.keys:
                    return Resolved(record.partner_id)
        return None

    async def index(self, kind: str) -> Mapping[tuple[str, str], Resolved]:
        fault = await self._call("index", kind)
        if fault is not None:
            raise fault.error
        found: dict[tuple[str, str], Resolved] = {}
        for record in self.of_kind(kind):
            for key in record.keys:
                found.setdefault(key, Resolved(record.partner_id))
        return found

    async def fields(self, kind: str) -> frozenset[str]:
        await self._call("fields", kind)
        return frozenset()

    # --- inside -------------------------------------------------------------------------------

    async def _call(self, method: str, kind: str) -> _Fault | None:
        self.log.append((method, kind))
        await asyncio.sleep(0)  # let concurrent calls interleave, as over a network
        queue = self._faults.get(method)
        fault = queue.popleft() if queue else None
        if fault is not None and isinstance(fault.error, AuthFailed):
            queue = self._faults[method]
            queue.appendleft(fault)  # a refused credential stays refused
        return fault

    def _check(self, item: Item) -> None:
        for key, value in item.lookup:
            if key == "email" and value in self.clash_emails:
                raise Clash(f"{value} belongs to a contact made on the partner")
        missing = [pid for pid in _resolved_ids(item.payload) if pid not in self.records]
        if missing:
            raise Rejected(f"no record {', '.join(missing)}", [("ref", pid) for pid in missing])

    def _store(self, item: Item, partner_id: str | None) -> str:
        if partner_id is None:
            self._next_id += 1
            partner_id = f"{item.kind}-{self._next_id}"
        self.records[partner_id] = Record(
            partner_id, item.kind, item.record_id, item.payload, item.lookup
        )
        return partner_id

    def _answer(self, record: Record) -> Resolved:
        answer = self._answers.get(record.record_id, _Answer())
        return Resolved(
            record.partner_id,
            notes=answer.notes,
            share_links=answer.share_links,
            complete=answer.complete,
        )


@dataclass
class MemoryLedger:
    """The engine's `LedgerWriter`, remembering what was written."""

    rows: dict[tuple[str, uuid.UUID], LedgerEntry] = field(default_factory=dict)
    saves: list[list[LedgerEntry]] = field(default_factory=list)
    forgotten: list[LedgerEntry] = field(default_factory=list)
    links: dict[uuid.UUID, tuple[ShareLink, ...]] = field(default_factory=dict)

    @classmethod
    def holding(cls, entries: Iterable[LedgerEntry]) -> MemoryLedger:
        return cls(rows={entry.key: entry for entry in entries})

    def save(self, entries: list[LedgerEntry]) -> None:
        self.saves.append(list(entries))
        self.rows.update((entry.key, entry) for entry in entries)

    def forget(self, entries: list[LedgerEntry]) -> None:
        self.forgotten.extend(entries)
        for entry in entries:
            self.rows.pop(entry.key, None)

    def share_links(self, record_id: uuid.UUID, links: tuple[ShareLink, ...]) -> None:
        self.links[record_id] = links
