"""Execute a plan against a partner: kind by kind, with bounded concurrency, retries and
idempotent recovery; every outcome is written to the ledger as it lands (R-SYNC-3..8).

The engine knows no partner: it calls the `Connector` of the partner interface and acts on the
`sync.errors` tree. Any create whose answer did not arrive intact (a lost answer, a timeout, a
5xx, a dropped connection) may have landed: it is looked up by the keys it was sent with before
it is sent again, in this run or the next (R-SYNC-7).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from agendasync.sync.errors import (
    AuthFailed,
    Clash,
    PartnerError,
    Rejected,
    RemoteNotFound,
    Transient,
)
from agendasync.sync.model import (
    Action,
    Item,
    LedgerEntry,
    LedgerState,
    Op,
    Origin,
    Ref,
    Resolved,
    ShareLink,
    SyncReport,
)
from agendasync.sync.partner import Adopt, Connector, KindSpec
from agendasync.sync.retry import Retrier

# The keys a create was sent with, kept in its write-ahead entry: a record renamed (or its
# email corrected) after a lost create is still found by what the partner got (R-SYNC-7).
SENT_LOOKUP = "sent_lookup"


class LedgerWriter(Protocol):
    def save(self, entries: list[LedgerEntry]) -> None: ...

    def forget(self, entries: list[LedgerEntry]) -> None: ...

    def share_links(self, record_id: uuid.UUID, links: tuple[ShareLink, ...]) -> None: ...


class _Unresolved(Exception):
    def __init__(self, message: str, *, deleted: bool = False) -> None:
        super().__init__(message)
        self.deleted = deleted


Progress = Callable[[str, int, int], None]


@dataclass
class _Tally:
    kind: str
    total: int
    progress: Progress | None
    done: int = 0

    def one_done(self) -> None:
        self.done += 1
        if self.progress:
            self.progress(self.kind, self.done, self.total)


class Engine:
    def __init__(
        self,
        connector: Connector,
        ledger: MutableMapping[tuple[str, uuid.UUID], LedgerEntry],
        writer: LedgerWriter,
        report: SyncReport,
        *,
        partner_title: str,
        recreate_deleted: bool = False,
        concurrency: int = 8,
        retrier: Retrier | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.connector = connector
        self.ledger = ledger
        self.writer = writer
        self.report = report
        self.partner = partner_title
        self.recreate_deleted = recreate_deleted
        self.concurrency = concurrency
        self.retrying = retrier or Retrier()
        self.progress = progress
        self._found: dict[str, Mapping[tuple[str, str], Resolved]] = {}
        self._kinds: dict[str, KindSpec] = {}
        self._items: dict[tuple[str, uuid.UUID], Item] = {}
        self._healing = asyncio.Lock()
        self._healed: set[tuple[str, uuid.UUID]] = set()

    async def run(self, ops: list[Op], kinds: Iterable[KindSpec]) -> None:
        """Send `ops` kind by kind (a kind may point at the ones before it)."""
        semaphore = asyncio.Semaphore(self.concurrency)
        self._items.update({op.item.key: op.item for op in ops if op.item is not None})
        for kind in kinds:
            self._kinds[kind.name] = kind
            of_kind = [op for op in ops if op.kind == kind.name]
            if not of_kind:
                continue
            counts = self.report.kind(kind.name)
            counts.attempted += sum(op.action is not Action.DELETE for op in of_kind)
            await self._prepare_creates(kind, of_kind)
            tally = _Tally(kind.name, len(of_kind), self.progress)
            to_send: list[Op] = []
            for op in of_kind:  # nothing to send: no task, no await
                if op.action is Action.UNCHANGED:
                    counts.unchanged += 1
                elif op.action is Action.BLOCKED:
                    self._skip(op, f"deleted on {self.partner}; it is not created again")
                else:
                    to_send.append(op)
                    continue
                tally.one_done()

            async def one(op: Op, tally: _Tally = tally) -> None:
                async with semaphore:
                    await self._run_op(op)
                tally.one_done()

            # A refused credential (AuthFailed) cancels the rest of the kind and ends the run.
            async with asyncio.TaskGroup() as group:
                for op in to_send:
                    group.create_task(one(op))

    async def purge(self, entries: Iterable[LedgerEntry], kinds: Iterable[KindSpec]) -> None:
        """Delete from the partner what the hub created there (R-MAP-6), dependants first;
        what the hub adopted stays."""
        mine = [e for e in entries if e.origin is Origin.CREATED and e.partner_id]
        for kind in reversed(list(kinds)):
            for entry in (e for e in mine if e.kind == kind.name):
                op = Op(Action.DELETE, entry.kind, entry.record_id, entry=entry)
                await self._run_op(op)

    async def _prepare_creates(self, kind: KindSpec, ops: list[Op]) -> None:
        """Look for records already on the partner, then write ahead every create of the kind.

        The partner is listed once when its records are matched by name (R-TX-7), when this
        mapping holds none of the kind yet (R-INT-6), or when several creates of an earlier run
        never got their answers (one listing costs less than a search each, R-SYNC-7)."""
        creates = [op for op in ops if op.action is Action.CREATE]
        if not creates or kind.adopt is Adopt.NEVER:  # creating twice is harmless
            return
        first_sync = not any(key[0] == kind.name for key in self.ledger)
        unanswered = sum(
            op.entry is not None and op.entry.state is LedgerState.CREATING for op in creates
        )
        adopt = kind.adopt is Adopt.ALWAYS or (kind.adopt is Adopt.FIRST_SYNC and first_sync)
        if adopt or unanswered > 1:
            self._found[kind.name] = await self._index(kind.name)
        # Write-ahead, one transaction for the kind: should an answer be lost (crash, kill,
        # timeout), the next attempt or run looks for the record before creating it again.
        ahead = [_write_ahead(op) for op in creates]
        self.writer.save(ahead)
        self.ledger.update((entry.key, entry) for entry in ahead)

    # --- one op -------------------------------------------------------------------------------

    async def _run_op(self, op: Op) -> None:
        try:
            if op.action is Action.UNCHANGED:
                self.report.kind(op.kind).unchanged += 1
            elif op.action is Action.BLOCKED:
                self._skip(op, f"deleted on {self.partner}; it is not created again")
            elif op.action is Action.DELETE:
                await self._delete(op)
            else:
                try:
                    await self._send(op)
                except Rejected:
                    if not await self._heal_refs(op):
                        raise
                    await self._send(op)
        except _Unresolved as problem:  # nothing was sent
            if problem.deleted:
                self._leave_ledger(op, str(problem))
            else:
                self._fail(op, str(problem), sent=False)
        except Clash as clash:
            self._clash(op, str(clash))
        except AuthFailed:
            raise
        except PartnerError as problem:
            self._fail(op, str(problem), sent=not isinstance(problem, Rejected))

    async def _send(self, op: Op) -> None:
        assert op.item is not None
        item, partial = self._resolve(op.item)
        entry = self.ledger.get(op.key) if op.action is Action.CREATE else op.entry
        if op.action is Action.CREATE:
            kind = self._kinds.get(op.kind, KindSpec(op.kind))
            # A create of an earlier run that landed is ours (a purge deletes it), not adopted.
            recovered = await self._recover(op, item, kind)
            adopted = None if recovered else self._adopted(item)
            if adopted is None and recovered is None:
                resolved = await self._create(item, kind)
                self._record(op, resolved, partial, Origin.CREATED)
                self.report.created_one(op)
                return
            found = adopted or recovered
            assert found is not None
            origin = Origin.CREATED if recovered else Origin.ADOPTED
            entry = self._record(op, found, partial=True, origin=origin)  # hash unknown: update
        assert entry is not None
        current = entry
        try:
            resolved = await self.retrying(lambda: self.connector.update(item, current))
        except RemoteNotFound:
            if not self.recreate_deleted:
                blocked = replace(current, state=LedgerState.DELETED_BY_PARTNER)
                self._save(blocked)
                self._skip(op, f"deleted on {self.partner}; it is not created again")
                return
            self._save(_write_ahead(op))
            resolved = await self._create(item, self._kinds.get(op.kind, KindSpec(op.kind)))
            self._record(op, resolved, partial, Origin.CREATED)
            self.report.created_one(op)
            return
        self._record(op, resolved, partial, current.origin)
        self.report.updated_one(op)

    def _adopted(self, item: Item) -> Resolved | None:
        found = self._found.get(item.kind, {})
        return next((found[key] for key in item.lookup if key in found), None)

    def _with_sent_keys(self, item: Item) -> Item:
        """The item, looked up by the keys its create was sent with as well as today's."""
        entry = self.ledger.get(item.key)
        sent = entry.extra.get(SENT_LOOKUP, ()) if entry else ()
        keys = [(str(pair[0]), str(pair[1])) for pair in sent if len(pair) == 2]
        return replace(item, lookup=tuple(dict.fromkeys([*keys, *item.lookup])))

    async def _recover(self, op: Op, item: Item, kind: KindSpec) -> Resolved | None:
        """A create sent earlier whose answer never came: find it before sending it again."""
        if op.entry is None or op.entry.state is not LedgerState.CREATING:
            return None
        if kind.adopt is Adopt.NEVER:
            return None
        if op.kind in self._found:  # the partner was listed: look there
            return self._adopted(self._with_sent_keys(item))
        return await self._find_sent(item)

    async def _find_sent(self, item: Item) -> Resolved | None:
        sent = self._with_sent_keys(item)
        return await self.retrying(lambda: self.connector.find(sent))

    async def _create(self, item: Item, kind: KindSpec) -> Resolved:
        """Create; after any answer that did not arrive intact, look the record up before
        sending it again (unless creating it twice is harmless)."""
        for attempt in range(1, self.retrying.policy.attempts + 1):
            try:
                return await self.retrying.rate_limited(lambda: self.connector.create(item))
            except Transient:
                if attempt == self.retrying.policy.attempts:
                    raise
                await self.retrying.backoff(attempt)
                if kind.adopt is Adopt.NEVER:
                    continue
                found = await self._find_sent(item)
                if found is not None:
                    return found
        raise AssertionError("unreachable")

    async def _delete(self, op: Op) -> None:
        assert op.entry is not None
        entry = op.entry
        with contextlib.suppress(RemoteNotFound):  # already gone: the goal is met
            await self.retrying(lambda: self.connector.delete(entry))
        self.writer.forget([entry])
        self.ledger.pop(entry.key, None)
        self.report.kind(op.kind).deleted += 1

    async def _heal_refs(self, op: Op) -> bool:
        """Taxonomy the item points at that was deleted on the partner is created again by
        name (or adopted, if one of that name is there), so its records can be sent again.
        True if anything was healed."""
        assert op.item is not None
        async with self._healing:  # two sessions in one deleted room heal it once
            return await self._heal(op.item)

    async def _heal(self, item: Item) -> bool:
        healed = False
        for ref in item.refs():
            if (ref.kind, ref.record_id) in self._healed:
                healed = True
                continue
            kind = self._kinds.get(ref.kind)
            entry = self.ledger.get((ref.kind, ref.record_id))
            target = self._items.get((ref.kind, ref.record_id))
            if kind is None or kind.adopt is not Adopt.ALWAYS or target is None:
                continue
            if entry is None or entry.partner_id is None:
                continue
            listed = await self._index(ref.kind)
            if entry.partner_id in {found.partner_id for found in listed.values()}:
                continue
            self._found[ref.kind] = listed
            taxonomy_op = Op(Action.CREATE, ref.kind, ref.record_id, item=target)
            adopted = self._adopted(target)
            resolved = adopted or await self._create(target, kind)
            origin = Origin.ADOPTED if adopted else Origin.CREATED
            self._record(taxonomy_op, resolved, False, origin)
            if adopted:
                self.report.note(target, f"was deleted on {self.partner}; found again by name")
            else:
                self.report.created_one(taxonomy_op)
                self.report.note(target, f"was deleted on {self.partner}; created again")
            self._healed.add((ref.kind, ref.record_id))
            healed = True
        return healed

    async def _index(self, kind: str) -> Mapping[tuple[str, str], Resolved]:
        return await self.retrying(lambda: self.connector.index(kind))

    # --- refs, ledger, report ----------------------------------------------------------------

    def _resolve(self, item: Item) -> tuple[Item, bool]:
        """The item with its refs replaced by partner ids; `partial` if optional ones were left
        out (its hash is then not recorded, so the next run sends it again)."""
        partial = False

        def resolve(value: Any) -> Any:
            nonlocal partial
            if isinstance(value, Ref):
                entry = self.ledger.get((value.kind, value.record_id))
                if entry and entry.partner_id and entry.state is LedgerState.SYNCED:
                    return Resolved(entry.partner_id, entry.extra)
                if value.optional:
                    partial = True
                    return None
                what = value.kind.removesuffix("s")
                if entry and entry.state is LedgerState.DELETED_BY_PARTNER:
                    raise _Unresolved(f"its {what} was deleted on {self.partner}", deleted=True)
                raise _Unresolved(f"its {what} {value.record_id} is not on {self.partner} yet")
            if isinstance(value, Mapping):
                return {k: resolve(v) for k, v in value.items()}
            if isinstance(value, list | tuple):
                return [r for r in (resolve(v) for v in value) if r is not None]
            return value

        return replace(item, payload=resolve(item.payload)), partial

    def _save(self, entry: LedgerEntry) -> None:
        self.writer.save([entry])
        self.ledger[entry.key] = entry

    def _record(
        self, op: Op, resolved: Resolved, partial: bool, origin: Origin = Origin.CREATED
    ) -> LedgerEntry:
        assert op.item is not None
        complete = resolved.complete and not partial
        if not complete:
            self.report.incomplete += 1
        entry = LedgerEntry(
            kind=op.kind,
            record_id=op.record_id,
            state=LedgerState.SYNCED,
            partner_id=resolved.partner_id,
            content_hash=op.item.content_hash if complete else None,
            extra=dict(resolved.extra),
            origin=origin,
        )
        self._save(entry)
        if resolved.share_links:
            self.writer.share_links(op.record_id, resolved.share_links)
        for note in (*op.item.notes, *resolved.notes):
            self.report.note(op.item, note)
        return entry

    def _fail(self, op: Op, reason: str, *, sent: bool = True) -> None:
        self.report.fail(op, reason)
        current = self.ledger.get(op.key, op.entry)
        if current is None or current.partner_id is None:
            # Never created. A create that may have been sent (now, or by an earlier run) stays
            # `creating`, so the next run looks for it before creating it; others just failed.
            earlier = op.entry is not None and op.entry.state is LedgerState.CREATING
            pending = (
                current is not None and current.state is LedgerState.CREATING and (sent or earlier)
            )
            failed = (
                replace(current, detail=reason)
                if pending and current is not None
                else LedgerEntry(op.kind, op.record_id, LedgerState.FAILED, detail=reason)
            )
        else:
            failed = replace(current, state=LedgerState.FAILED, detail=reason)
        self._save(failed)

    def _clash(self, op: Op, reason: str) -> None:
        """R-SPK-1: skipped, and the ledger as it was before this run."""
        self._leave_ledger(op, reason)

    def _leave_ledger(self, op: Op, reason: str) -> None:
        """Skipped, nothing sent: the ledger as it was before this run's write-ahead."""
        self.report.skip_op(op, reason)
        if op.entry is not None:
            self._save(op.entry)
        elif op.key in self.ledger:
            self.writer.forget([self.ledger.pop(op.key)])

    def _skip(self, op: Op, reason: str) -> None:
        self.report.skip_op(op, reason)


def _write_ahead(op: Op) -> LedgerEntry:
    """A `creating` entry with every key the record was sent with, this time and before."""
    before = op.entry
    lookup: list[list[str]] = []
    if before is not None and before.state is LedgerState.CREATING:
        lookup = [list(pair) for pair in before.extra.get(SENT_LOOKUP, ())]
    for pair in op.item.lookup if op.item else ():
        if list(pair) not in lookup:
            lookup.append(list(pair))
    return LedgerEntry(op.kind, op.record_id, LedgerState.CREATING, extra={SENT_LOOKUP: lookup})
