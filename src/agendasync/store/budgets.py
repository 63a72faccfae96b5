"""Rate budgets shared through PostgreSQL by every worker that syncs with one credential."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, text, update

from agendasync.store import Store
from agendasync.store import tables as t
from agendasync.sync.budget import Spend, _wait_allowed


class SharedBudget:
    """`limit` credits per rolling `window_s` seconds, shared through PostgreSQL by every
    process that syncs with one credential (R-SYNC-8): each spend is a row, and taking one is
    serialised per credential by an advisory lock. Times are the database's clock, so workers
    on several machines agree."""

    def __init__(
        self,
        store: Store,
        credential_key: str,
        limit: int,
        window_s: float,
        *,
        margin_s: float = 0.02,
        max_wait_s: float | None = None,
    ) -> None:
        self.store = store
        self.credential = credential_key
        self.limit = limit
        self.window_s = window_s
        self.margin_s = margin_s
        self.max_wait_s = max_wait_s

    async def acquire(self, cost: int) -> Spend:
        if cost > self.limit:
            raise ValueError(f"a call of {cost} credits can never fit a budget of {self.limit}")
        waited = 0.0
        while True:
            taken = self._take(cost)
            if isinstance(taken, Spend):
                return taken
            waited = _wait_allowed(waited, taken, self.max_wait_s)
            await asyncio.sleep(taken)

    def _take(self, cost: int) -> Spend | float:
        """The spend, or how long to wait before it can fit."""
        spends = t.budget_spends
        with self.store.transaction() as connection:
            connection.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                {"key": f"agendasync-budget:{self.credential}"},
            )
            now: datetime = connection.execute(text("SELECT clock_timestamp()")).scalar_one()
            start = now - timedelta(seconds=self.window_s)
            mine = spends.c.credential == self.credential
            connection.execute(delete(spends).where(mine, spends.c.spent_at <= start))
            used, oldest = connection.execute(
                select(
                    func.coalesce(func.sum(spends.c.cost), 0), func.min(spends.c.spent_at)
                ).where(mine)
            ).one()
            if used + cost <= self.limit:
                row_id = connection.execute(
                    insert(spends)
                    .values(credential=self.credential, spent_at=now, cost=cost)
                    .returning(spends.c.id)
                ).scalar_one()
                return Spend(now.timestamp(), cost, row_id)
            oldest_at: Any = oldest
            return float((oldest_at - start).total_seconds()) + self.margin_s

    def settle(self, spend: Spend) -> None:
        with self.store.transaction() as connection:
            connection.execute(
                update(t.budget_spends)
                .where(t.budget_spends.c.id == spend.row_id)
                .values(spent_at=func.clock_timestamp())
            )

    def refund(self, spend: Spend) -> None:
        with self.store.transaction() as connection:
            connection.execute(delete(t.budget_spends).where(t.budget_spends.c.id == spend.row_id))


class SharedBudgets:
    """The budgets of every credential, kept in PostgreSQL for all workers."""

    def __init__(self, store: Store, *, max_wait_s: float | None = None) -> None:
        self.store = store
        self.max_wait_s = max_wait_s

    def get(self, credential_key: str, limit: int, window_s: float) -> SharedBudget:
        return SharedBudget(self.store, credential_key, limit, window_s, max_wait_s=self.max_wait_s)
