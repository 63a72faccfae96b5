"""Retrying partner calls: 429s waited out as the partner says, 5xx and timeouts with backoff
(R-SYNC-8). Only for calls that are safe to repeat; creates go through the engine, which looks
a record up before sending its create again (R-SYNC-7)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from agendasync.sync.errors import RateLimited, Transient

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # per call, for 5xx, timeouts and lost answers
    first_delay_s: float = 0.5
    max_delay_s: float = 30.0
    max_rate_wait_s: float = 900.0  # a 429 asking for longer than this ends the attempt


@dataclass
class Retrier:
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    async def backoff(self, attempt: int) -> None:
        """Sleep before attempt `attempt + 1`: exponential, with jitter."""
        delay = min(self.policy.first_delay_s * 2 ** (attempt - 1), self.policy.max_delay_s)
        await self.sleep(delay * random.uniform(0.5, 1.0))

    async def rate_limited(self, call: Callable[[], Awaitable[T]]) -> T:
        """Call; on a 429 wait as long as the partner says, then call again."""
        while True:
            try:
                return await call()
            except RateLimited as limited:
                if limited.retry_after > self.policy.max_rate_wait_s:
                    raise
                await self.sleep(limited.retry_after)

    async def __call__(self, call: Callable[[], Awaitable[T]]) -> T:
        """Call; retry 5xx, timeouts and lost answers with exponential backoff."""
        for attempt in range(1, self.policy.attempts + 1):
            try:
                return await self.rate_limited(call)
            except Transient:
                if attempt == self.policy.attempts:
                    raise
                await self.backoff(attempt)
        raise AssertionError("unreachable")
