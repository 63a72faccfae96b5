"""R-SYNC-8: a partner's rate budget is spent without ever being refused for it.

Time is a fake clock, and the budget's sleep advances it (injected: a patched `asyncio.sleep`
would be advanced by every other event loop of the process too, such as a server's thread).
"""

from __future__ import annotations

import asyncio

import pytest

from agendasync.sync.budget import Budgets, SlidingWindowBudget

WINDOW_S = 10.0
MARGIN_S = 0.5


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


def _budget(fake_time: FakeTime, limit: int = 3) -> SlidingWindowBudget:
    return SlidingWindowBudget(
        limit, WINDOW_S, margin_s=MARGIN_S, clock=fake_time.clock, sleep=fake_time.sleep
    )


async def test_spends_up_to_the_limit_without_waiting_r_sync_8(fake_time: FakeTime) -> None:
    budget = _budget(fake_time, limit=5)

    first = await budget.acquire(2)
    fake_time.now = 1.0
    second = await budget.acquire(3)

    assert fake_time.sleeps == []
    assert (first.at, first.cost) == (0.0, 2)
    assert (second.at, second.cost) == (1.0, 3)
    assert budget.spent == 5


async def test_next_acquire_waits_until_the_oldest_spend_leaves_the_window_r_sync_8(
    fake_time: FakeTime,
) -> None:
    budget = _budget(fake_time)
    await budget.acquire(2)  # at 0
    fake_time.now = 4.0
    await budget.acquire(1)  # at 4: the budget is full
    fake_time.now = 6.0

    third = await budget.acquire(1)  # waits until 0 + 10 (+ margin)
    fourth = await budget.acquire(2)  # 1 + 2 > 3: waits until 4 + 10 (+ margin)

    assert fake_time.sleeps == [4.5, 4.0]
    assert third.at == 10.5
    assert fourth.at == 14.5
    assert budget.spent == 6


async def test_a_spend_exactly_one_window_old_is_free_again_r_sync_8(
    fake_time: FakeTime,
) -> None:
    budget = _budget(fake_time, limit=1)
    await budget.acquire(1)
    fake_time.now = WINDOW_S

    await budget.acquire(1)

    assert fake_time.sleeps == []


async def test_settle_counts_the_spend_from_when_its_answer_came_r_sync_8(
    fake_time: FakeTime,
) -> None:
    budget = _budget(fake_time)
    spend = await budget.acquire(3)
    fake_time.now = 2.0

    budget.settle(spend)
    later = await budget.acquire(1)

    assert spend.at == 2.0
    assert fake_time.sleeps == [10.5]  # until 2 + 10 (+ margin), not 0 + 10
    assert later.at == 12.5


async def test_settle_never_moves_a_spend_earlier_r_sync_8(fake_time: FakeTime) -> None:
    budget = _budget(fake_time)
    fake_time.now = 5.0
    spend = await budget.acquire(1)
    fake_time.now = 3.0

    budget.settle(spend)

    assert spend.at == 5.0


async def test_refund_gives_the_credits_back_once_r_sync_8(fake_time: FakeTime) -> None:
    budget = _budget(fake_time)
    spend = await budget.acquire(3)

    budget.refund(spend)
    budget.refund(spend)  # a second refund gives nothing more
    await budget.acquire(3)
    assert fake_time.sleeps == []
    await budget.acquire(1)

    assert fake_time.sleeps == [10.5]
    assert budget.spent == 4


async def test_waiting_callers_served_in_order_r_sync_8(fake_time: FakeTime) -> None:
    budget = _budget(fake_time, limit=1)

    spends = await asyncio.gather(budget.acquire(1), budget.acquire(1), budget.acquire(1))

    assert [spend.at for spend in spends] == [0.0, 10.5, 21.0]
    assert fake_time.sleeps == [10.5, 10.5]


async def test_cost_above_the_limit_can_never_fit_r_sync_8(fake_time: FakeTime) -> None:
    budget = _budget(fake_time)

    with pytest.raises(ValueError, match=r"^a call of 4 credits can never fit a budget of 3$"):
        await budget.acquire(4)

    assert fake_time.sleeps == []
    assert budget.spent == 0


def test_budgets_shared_per_credential_r_sync_8() -> None:
    budgets = Budgets()

    first = budgets.get("swoogo:key-1", 2000, 600)

    assert budgets.get("swoogo:key-1", 2000, 600) is first
    assert budgets.get("swoogo:key-2", 2000, 600) is not first
    assert (first.limit, first.window_s) == (2000, 600)


@pytest.mark.parametrize(("limit", "window_s"), [(1000, 600), (2000, 60)])
def test_budget_replaced_when_the_partner_limit_changes_r_sync_8(
    limit: int, window_s: float
) -> None:
    budgets = Budgets()
    first = budgets.get("swoogo:key-1", 2000, 600)

    changed = budgets.get("swoogo:key-1", limit, window_s)

    assert changed is not first
    assert (changed.limit, changed.window_s) == (limit, window_s)
    assert budgets.get("swoogo:key-1", limit, window_s) is changed
