"""The rate budget workers share through PostgreSQL (R-SYNC-8): a batch of credits per
statement, handed out locally; never more than the limit in a window, whoever takes them."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from agendasync.store import Store
from agendasync.store.budgets import SharedBudget
from agendasync.sync.budget import BudgetExhausted

pytestmark = pytest.mark.postgres


@pytest.fixture
def store(postgres_store: Store) -> Store:
    with postgres_store.transaction() as connection:
        connection.execute(sa.text("DELETE FROM budget_windows"))
    return postgres_store


class Counted:
    """Statements and transactions the store sends."""

    def __init__(self, store: Store) -> None:
        self.statements = self.transactions = 0
        sa.event.listen(store.engine, "before_cursor_execute", self._statement)
        sa.event.listen(store.engine, "begin", self._begin)

    def _statement(self, *_: object) -> None:
        self.statements += 1

    def _begin(self, *_: object) -> None:
        self.transactions += 1


@pytest.fixture
def counted(store: Store) -> Iterator[Counted]:
    counter = Counted(store)
    yield counter
    sa.event.remove(store.engine, "before_cursor_execute", counter._statement)
    sa.event.remove(store.engine, "begin", counter._begin)


async def _calls(budget: SharedBudget, count: int) -> None:
    for _ in range(count):
        budget.settle(await budget.acquire(1))


async def test_forty_calls_take_two_batches_of_twenty_in_one_statement_each_r_sync_8(
    store: Store, counted: Counted
) -> None:
    budget = SharedBudget(store, "key", limit=2000, window_s=600, batch=20)

    await _calls(budget, 40)

    # The first batch also makes the credential's row, once.
    assert (counted.statements, counted.transactions) == (3, 2)


async def test_a_settled_batch_counts_what_it_used_and_gives_back_the_rest_r_sync_8(
    store: Store,
) -> None:
    budget = SharedBudget(store, "key", limit=50, window_s=600, batch=20)
    refunded = await budget.acquire(1)
    await _calls(budget, 3)
    budget.settle(refunded)  # as a client does for a 429: over, and free
    budget.refund(refunded)
    budget._current.taken_at -= budget.hold_s  # its hand-out time is over: next call settles it

    await _calls(budget, 1)

    with store.transaction() as connection:
        spends = connection.execute(sa.text("SELECT spends FROM budget_windows")).scalar_one()
    assert [spend["cost"] for spend in spends] == [3, 20]


async def test_a_full_window_makes_the_call_wait_no_longer_than_allowed_r_sync_8(
    store: Store,
) -> None:
    budget = SharedBudget(store, "key", limit=20, window_s=600, batch=20, max_wait_s=5)
    await _calls(budget, 20)

    with pytest.raises(BudgetExhausted):
        await budget.acquire(1)


def test_two_budgets_sharing_one_credential_never_exceed_its_limit_r_sync_8(
    store: Store,
) -> None:
    # Two workers (threads with event loops of their own) share 30 credits per window of 2 s.
    granted: list[list[float]] = [[], []]

    def worker(index: int) -> None:
        budget = SharedBudget(store, "key", limit=30, window_s=2, batch=7)

        async def run() -> None:
            for _ in range(45):
                spend = await budget.acquire(1)
                granted[index].append(spend.at)
                budget.settle(spend)

        asyncio.run(run())

    threads = [threading.Thread(target=worker, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert [len(calls) for calls in granted] == [45, 45]
    # Handed out by either worker, never more than 30 in any 2 s.
    times = sorted(granted[0] + granted[1])
    busiest = max(sum(start <= at < start + 2 for at in times) for start in times)
    assert busiest == 30
