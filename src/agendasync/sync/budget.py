"""Spending a partner's rate budget (R-SYNC-8) without ever being refused for it.

Partners such as Swoogo count credits per credential over a rolling window. A call is only sent
once its cost fits in the window; its credits are counted from the moment its answer arrived,
which is never earlier than the partner counted them, so our window frees credits no sooner than
the partner's does.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol


class BudgetExhausted(Exception):
    """The budget would not allow the call for longer than the run may wait: the run stops,
    as partial, and the next one goes on."""


@dataclass
class Spend:
    at: float
    cost: int


class RateBudget(Protocol):
    async def acquire(self, cost: int) -> Spend: ...

    def settle(self, spend: Spend) -> None: ...

    def refund(self, spend: Spend) -> None: ...


class BudgetSource(Protocol):
    def get(self, credential_key: str, limit: int, window_s: float) -> RateBudget: ...


class SlidingWindowBudget:
    """`limit` credits per rolling `window_s` seconds, shared by every call of one credential."""

    def __init__(
        self,
        limit: int,
        window_s: float,
        *,
        margin_s: float = 0.02,
        max_wait_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self.margin_s = margin_s
        self.max_wait_s = max_wait_s
        self.clock = clock
        self.sleep = sleep
        self.spent = 0  # credits spent since this budget was made
        self._window: deque[Spend] = deque()
        self._used = 0
        self._lock = asyncio.Lock()

    def _expire(self, now: float) -> None:
        while self._window and self._window[0].at + self.window_s <= now:
            self._used -= self._window.popleft().cost

    async def acquire(self, cost: int) -> Spend:
        """Wait until `cost` credits fit, then take them. Callers queue in order."""
        if cost > self.limit:
            raise ValueError(f"a call of {cost} credits can never fit a budget of {self.limit}")
        async with self._lock:
            waited = 0.0
            while True:
                now = self.clock()
                self._expire(now)
                if self._used + cost <= self.limit:
                    spend = Spend(now, cost)
                    self._window.append(spend)
                    self._used += cost
                    self.spent += cost
                    return spend
                wait = self._window[0].at + self.window_s - now + self.margin_s
                waited = _wait_allowed(waited, wait, self.max_wait_s)
                await self.sleep(wait)

    def settle(self, spend: Spend) -> None:
        """The call answered: its credits count from now (the partner counted them earlier)."""
        spend.at = max(spend.at, self.clock())

    def refund(self, spend: Spend) -> None:
        """The call was never sent (or the partner said it cost nothing, e.g. a 429)."""
        if spend in self._window:
            self._window.remove(spend)
            self._used -= spend.cost
            self.spent -= spend.cost


def _wait_allowed(waited: float, wait: float, max_wait_s: float | None) -> float:
    if max_wait_s is not None and waited + wait > max_wait_s:
        raise BudgetExhausted(
            f"the partner's rate budget is spent for the next {wait:.0f} s; "
            "the rest follows at the next sync"
        )
    return waited + wait


class Budgets:
    """One budget per credential in this process (shared by every sync using it)."""

    def __init__(self) -> None:
        self._budgets: dict[str, SlidingWindowBudget] = {}

    def clear(self) -> None:
        self._budgets.clear()

    def get(self, credential_key: str, limit: int, window_s: float) -> SlidingWindowBudget:
        budget = self._budgets.get(credential_key)
        if budget is None or (budget.limit, budget.window_s) != (limit, window_s):
            budget = self._budgets[credential_key] = SlidingWindowBudget(limit, window_s)
        return budget
