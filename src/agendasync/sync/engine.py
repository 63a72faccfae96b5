"""Execute a plan against a partner: kind by kind, with bounded concurrency, retries and
idempotent recovery; every outcome is written to the ledger as it lands (R-SYNC-3..8).

The engine knows no partner: it calls the `Connector` of the partner interface and acts on the
`partners.exceptions` tree.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass, replace
from typing import Any, Protocol, TypeVar

from agendasync.partners.base import Adopt, Connector, KindSpec
from agendasync.partners.exceptions import (
    AuthFailed,
    OutcomeUnknown,
    PartnerError,
    RateLimited,
    RemoteNotFound,
    Transient,
)
from agendasync.sync.model import (
    Action,
    Item,
    LedgerEntry,
    LedgerState,
    Op,
    Ref,
    Resolved,
    SyncReport,
)

T = TypeVar("T")


class LedgerWriter(Protocol):
    def save(self, entry: LedgerEntry) -> None: ...

    def save_many(self, entries: list[LedgerEntry]) -> None: ...

    def forget(self, entry: LedgerEntry) -> None: ...


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # per call, for 5xx, timeouts and lost answers
    first_delay_s: float = 0.5
    max_delay_s: float = 30.0
    max_rate_wait_s: float = 900.0  # a 429 asking for longer than this ends the attempt


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
        policy: RetryPolicy | None = None,
        progress: Progress | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.connector = connector
        self.ledger = ledger
        self.writer = writer
        self.report = report
        self.partner = partner_title
        self.recreate_deleted = recreate_deleted
        self.concurrency = concurrency
        self.policy = policy or RetryPolicy()
        self.progress = progress
        self.sleep = sleep
        self._found: dict[str, Mapping[tuple[str, str], Resolved]] = {}

    async def run(self, ops: list[Op], kinds: Iterable[KindSpec]) -> None:
        """Send `ops` kind by kind (a kind may point at the ones before it)."""
        semaphore = asyncio.Semaphore(self.concurrency)
        for kind in kinds:
            of_kind = [op for op in ops if op.kind == kind.name]
            if not of_kind:
                continue
            counts = self.report.kind(kind.name)
            counts.attempted += sum(op.action is not Action.DELETE for op in of_kind)
            await self._prepare_creates(kind, of_kind)
            tally = _Tally(kind.name, len(of_kind), self.progress)

            async def one(op: Op, tally: _Tally = tally) -> None:
                async with semaphore:
                    await self._run_op(op)
                tally.one_done()

            # A refused credential (AuthFailed) cancels the rest of the kind and ends the run.
            async with asyncio.TaskGroup() as group:
                for op in of_kind:
                    group.create_task(one(op))

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
            self._found[kind.name] = await self._retrying(lambda: self.connector.index(kind.name))
        # Write-ahead, one transaction for the kind: should an answer be lost (crash, kill,
        # timeout), the next attempt or run looks for the record before creating it again.
        self.writer.save_many(
            [LedgerEntry(op.kind, op.record_id, LedgerState.CREATING) for op in creates]
        )

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
                await self._send(op)
        except _Unresolved as problem:
            if problem.deleted:
                self._skip(op, str(problem))
            else:
                self._fail(op, str(problem))
        except AuthFailed:
            raise
        except PartnerError as problem:
            self._fail(op, str(problem), uncertain=isinstance(problem, OutcomeUnknown))

    async def _send(self, op: Op) -> None:
        assert op.item is not None
        item, partial = self._resolve(op.item)
        entry = op.entry
        if op.action is Action.CREATE:
            adopted = self._adopted(item) or await self._recover(op, item)
            if adopted is None:
                resolved = await self._create(op, item)
                self._record(op, resolved, partial)
                self.report.kind(op.kind).created += 1
                return
            entry = self._record(op, adopted, partial=True)  # the hash is unknown: update it
        assert entry is not None
        try:
            resolved = await self._retrying(lambda: self.connector.update(item, entry))
        except RemoteNotFound:
            if not self.recreate_deleted:
                self.writer.save(replace(entry, state=LedgerState.DELETED_BY_PARTNER))
                self.ledger[entry.key] = replace(entry, state=LedgerState.DELETED_BY_PARTNER)
                self._skip(op, f"deleted on {self.partner}; it is not created again")
                return
            resolved = await self._create(op, item)
            self._record(op, resolved, partial)
            self.report.kind(op.kind).created += 1
            return
        self._record(op, resolved, partial)
        self.report.kind(op.kind).updated += 1

    def _adopted(self, item: Item) -> Resolved | None:
        found = self._found.get(item.kind, {})
        return next((found[key] for key in item.lookup if key in found), None)

    async def _recover(self, op: Op, item: Item) -> Resolved | None:
        """A create sent earlier whose answer never came: find it before sending it again."""
        if op.entry is None or op.entry.state is not LedgerState.CREATING:
            return None
        if op.kind in self._found:  # the partner was listed: not there means not created
            return None
        return await self._retrying(lambda: self.connector.find(item))

    async def _create(self, op: Op, item: Item) -> Resolved:
        delay = self.policy.first_delay_s
        for attempt in range(1, self.policy.attempts + 1):
            try:
                return await self._rate_limited(lambda: self.connector.create(item))
            except OutcomeUnknown:
                if attempt == self.policy.attempts:
                    raise
                await self._backoff(delay)
                delay = min(delay * 2, self.policy.max_delay_s)
                found = await self._retrying(lambda: self.connector.find(item))
                if found is not None:
                    return found
            except Transient:
                if attempt == self.policy.attempts:
                    raise
                await self._backoff(delay)
                delay = min(delay * 2, self.policy.max_delay_s)
        raise AssertionError("unreachable")

    async def _delete(self, op: Op) -> None:
        assert op.entry is not None
        entry = op.entry
        with contextlib.suppress(RemoteNotFound):  # already gone: the goal is met
            await self._retrying(lambda: self.connector.delete(entry))
        self.writer.forget(entry)
        self.ledger.pop(entry.key, None)
        self.report.kind(op.kind).deleted += 1

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

    def _record(self, op: Op, resolved: Resolved, partial: bool) -> LedgerEntry:
        assert op.item is not None
        entry = LedgerEntry(
            kind=op.kind,
            record_id=op.record_id,
            state=LedgerState.SYNCED,
            partner_id=resolved.partner_id,
            content_hash=None if partial else op.item.content_hash,
            extra=dict(resolved.extra),
        )
        self.writer.save(entry)
        self.ledger[entry.key] = entry
        for note in op.item.notes:
            self.report.note(op.item, note)
        return entry

    def _fail(self, op: Op, reason: str, *, uncertain: bool = False) -> None:
        self.report.fail(op, reason)
        current = self.ledger.get((op.kind, op.record_id), op.entry)
        if current is None or current.partner_id is None:
            # Never created; a create whose outcome stays unknown stays `creating`, so the next
            # run looks for it before creating it.
            unknown = uncertain or (current is not None and current.state is LedgerState.CREATING)
            state = LedgerState.CREATING if unknown else LedgerState.FAILED
            failed = LedgerEntry(op.kind, op.record_id, state, detail=reason)
        else:
            failed = replace(current, state=LedgerState.FAILED, detail=reason)
        self.writer.save(failed)
        self.ledger[failed.key] = failed

    def _skip(self, op: Op, reason: str) -> None:
        self.report.skip_op(op, reason)

    # --- retrying -----------------------------------------------------------------------------

    async def _backoff(self, delay: float) -> None:
        await self.sleep(delay * random.uniform(0.5, 1.0))

    async def _rate_limited(self, call: Callable[[], Awaitable[T]]) -> T:
        """Call; on a 429 wait as long as the partner says, then call again."""
        while True:
            try:
                return await call()
            except RateLimited as limited:
                if limited.retry_after > self.policy.max_rate_wait_s:
                    raise
                await self.sleep(limited.retry_after)

    async def _retrying(self, call: Callable[[], Awaitable[T]]) -> T:
        """Call; retry 5xx, timeouts and lost answers with exponential backoff.

        Only for calls that are safe to repeat (reads, updates, deletes, idempotent adds)."""
        delay = self.policy.first_delay_s
        for attempt in range(1, self.policy.attempts + 1):
            try:
                return await self._rate_limited(call)
            except Transient:
                if attempt == self.policy.attempts:
                    raise
                await self._backoff(delay)
                delay = min(delay * 2, self.policy.max_delay_s)
        raise AssertionError("unreachable")
