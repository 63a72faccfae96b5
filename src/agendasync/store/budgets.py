"""Rate budgets shared through PostgreSQL by every worker that syncs with one credential.

A worker takes credits a batch at a time, in one statement, and hands them out to its calls
itself: the database sees one statement per batch, not two transactions per call (R-SYNC-8).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert

from agendasync.store import Store
from agendasync.store import tables as t
from agendasync.sync.budget import Spend, _wait_allowed

BATCH = 20  # credits taken per statement (fewer when the window holds fewer)
HOLD_S = 5.0  # how long a batch's credits are handed out before a new batch is taken
CALL_TIMEOUT_S = 30.0  # the longest a partner call lasts (the HTTP client's timeout)

# One statement, serialised per credential by the row's lock (a concurrent taker waits, then
# works on the row as the other left it). It settles the batches the worker closed (their
# credits count from their last answer, unused ones are given back), forgets what left the
# window, and adds a batch of what fits (at most :wanted, at least :least, or none).
_TAKE = text(
    """
UPDATE budget_windows AS w
SET checked_at = clock_timestamp(),
    spends = (
        SELECT k.spends || CASE WHEN g.granted > 0 THEN jsonb_build_array(jsonb_build_object(
            'id', CAST(:batch_id AS text), 'at', k.now + :lag_s, 'cost', g.granted))
            ELSE '[]'::jsonb END
        FROM (
            SELECT extract(epoch FROM clock_timestamp()) AS now, (
                SELECT coalesce(jsonb_agg(coalesce(f.value, e.value)), '[]'::jsonb)
                FROM jsonb_array_elements(w.spends) AS e
                LEFT JOIN jsonb_array_elements(CAST(:settled AS jsonb)) AS f
                    ON f.value->>'id' = e.value->>'id'
                WHERE (coalesce(f.value, e.value)->>'cost')::int > 0
                  AND (coalesce(f.value, e.value)->>'at')::float8 + :window_s
                      > extract(epoch FROM clock_timestamp())
            ) AS spends
        ) AS k,
        LATERAL (
            SELECT coalesce(sum((x.value->>'cost')::int), 0) AS used
            FROM jsonb_array_elements(k.spends) AS x
        ) AS u,
        LATERAL (
            SELECT CASE WHEN least(:wanted, :limit - u.used) >= :least
                   THEN least(:wanted, :limit - u.used) ELSE 0 END AS granted
        ) AS g
    )
WHERE w.credential = :credential
RETURNING extract(epoch FROM w.checked_at) AS now, w.spends
"""
)


@dataclass(eq=False)
class _Batch:
    """Credits taken in one statement, handed out to calls by this worker."""

    id: str
    credits: int
    db_at: float  # the database's clock when taken (epoch seconds)
    taken_at: float  # this worker's clock then
    used: int = 0  # handed out and not refunded
    in_flight: int = 0
    last_answer: float | None = None  # this worker's clock

    def settled(self) -> dict[str, Any]:
        """As the window should keep it once closed: what was used, from its last answer."""
        answered = self.taken_at if self.last_answer is None else self.last_answer
        return {"id": self.id, "at": self.db_at + (answered - self.taken_at), "cost": self.used}


@dataclass(eq=False)
class _BatchSpend(Spend):
    batch: _Batch | None = None


class SharedBudget:
    """`limit` credits per rolling `window_s` seconds, shared through PostgreSQL by every
    process that syncs with one credential (R-SYNC-8). Times are the database's clock, so
    workers on several machines agree.

    A batch counts in the window from when its last call could have reached the partner (its
    hand-out time plus the call timeout, or a tenth of a short window), until this worker
    settles it in its next statement: then from its last answer, and only what it used."""

    def __init__(
        self,
        store: Store,
        credential_key: str,
        limit: int,
        window_s: float,
        *,
        batch: int = BATCH,
        hold_s: float = HOLD_S,
        margin_s: float = 0.02,
        max_wait_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.store = store
        self.credential = credential_key
        self.limit = limit
        self.window_s = window_s
        self.batch = min(batch, limit)
        self.hold_s = min(hold_s, window_s / 10)
        self.lag_s = self.hold_s + min(CALL_TIMEOUT_S, window_s / 10)
        self.margin_s = margin_s
        self.max_wait_s = max_wait_s
        self.clock = clock
        self.sleep = sleep
        self._current: _Batch | None = None
        self._closed: list[_Batch] = []  # to settle in the next statement
        self._row_made = False
        self._lock = asyncio.Lock()

    async def acquire(self, cost: int) -> Spend:
        if cost > self.limit:
            raise ValueError(f"a call of {cost} credits can never fit a budget of {self.limit}")
        async with self._lock:
            waited = 0.0
            while True:
                now = self.clock()
                batch = self._current
                if (
                    batch
                    and batch.credits - batch.used >= cost
                    and now < batch.taken_at + self.hold_s
                ):
                    batch.used += cost
                    batch.in_flight += 1
                    return _BatchSpend(now, cost, batch=batch)
                if batch is not None:
                    self._closed.append(batch)
                    self._current = None
                taken = self._take(cost)
                if isinstance(taken, _Batch):
                    self._current = taken
                    continue
                waited = _wait_allowed(waited, taken, self.max_wait_s)
                await self.sleep(taken)

    def settle(self, spend: Spend) -> None:
        """The call is over (every call is settled, refunded or not): its batch counts from
        its last answer once settled in the window."""
        batch = _batch_of(spend)
        batch.in_flight -= 1
        batch.last_answer = max(batch.last_answer or 0.0, self.clock())

    def refund(self, spend: Spend) -> None:
        """The call was never sent (or cost nothing): its credits go back to the batch."""
        _batch_of(spend).used -= spend.cost

    def _take(self, least: int) -> _Batch | float:
        """One statement: a new batch, or how long to wait before `least` credits fit."""
        settling = [b for b in self._closed if b.in_flight == 0]
        batch_id = uuid.uuid4().hex
        taken_at = self.clock()  # before the statement: settled times err late, never early
        with self.store.transaction() as connection:
            if not self._row_made:
                connection.execute(
                    insert(t.budget_windows)
                    .values(credential=self.credential, spends=[], checked_at=text("now()"))
                    .on_conflict_do_nothing()
                )
                self._row_made = True
            now, spends = connection.execute(
                _TAKE,
                {
                    "credential": self.credential,
                    "settled": json.dumps([b.settled() for b in settling]),
                    "batch_id": batch_id,
                    "wanted": max(least, self.batch),
                    "least": least,
                    "limit": self.limit,
                    "window_s": self.window_s,
                    "lag_s": self.lag_s,
                },
            ).one()
        self._closed = [b for b in self._closed if b not in settling]
        mine = next((s for s in spends if s["id"] == batch_id), None)
        if mine is not None:
            return _Batch(batch_id, int(mine["cost"]), float(now), taken_at)
        oldest = min(float(s["at"]) for s in spends)
        return max(0.0, oldest + self.window_s - float(now)) + self.margin_s


def _batch_of(spend: Spend) -> _Batch:
    assert isinstance(spend, _BatchSpend)
    assert spend.batch is not None
    return spend.batch


class SharedBudgets:
    """The budgets of every credential, kept in PostgreSQL for all workers; one per credential
    in this process, so that its runs share the batch in hand."""

    def __init__(self, store: Store, *, max_wait_s: float | None = None) -> None:
        self.store = store
        self.max_wait_s = max_wait_s
        self._budgets: dict[tuple[str, int, float], SharedBudget] = {}

    def get(self, credential_key: str, limit: int, window_s: float) -> SharedBudget:
        key = (credential_key, limit, window_s)
        if key not in self._budgets:
            self._budgets[key] = SharedBudget(
                self.store, credential_key, limit, window_s, max_wait_s=self.max_wait_s
            )
        return self._budgets[key]
