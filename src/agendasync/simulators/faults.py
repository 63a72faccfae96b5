"""The fault kit every simulator's front door uses: errors, hangs and lost answers on demand.

    kit = FaultKit(seed=1)
    kit.plan.fail_next(2, status=503, match="POST /sessions*")   # two 503s, nothing stored
    kit.plan.fail_after_next(status=502, match="POST *")         # stored, then a 502
    kit.plan.lose_next(match="POST /speakers*")                  # stored, no answer at all
    kit.plan.hang_next(seconds=35)                               # a 504 after 35 s, nothing done

`FaultKit.serve` puts the chosen fault between the client and the simulator's app. Endpoint
keys are `METHOD /route-template`, matched by glob (`"POST /sessions/*"`, `"GET *"`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import fnmatch
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

FaultKind = Literal["error", "error_after", "timeout", "lost"]


@dataclass
class FaultRule:
    """One injected fault.

    `kind`: "error" answers `status` at once, doing nothing; "error_after" does the call, then
    answers `status` instead of its answer (a 5xx after the partner stored the write);
    "timeout" hangs `hang_seconds`, then answers 504 without doing the call; "lost" does the
    call, hangs `hang_seconds`, then closes the connection without an answer. `count` is how
    many more times it may fire (None: no limit), `probability` the chance it fires on a
    matching call (one draw per matching call), `match` a glob over the endpoint key.
    """

    kind: FaultKind
    count: int | None = 1
    probability: float = 1.0
    status: int = 500
    hang_seconds: float = 0.0
    match: str = "*"

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class FaultPlan:
    """The faults to inject, checked in order; the first that fires wins."""

    def __init__(self, seed: int = 0) -> None:
        self.rules: list[FaultRule] = []
        self.rng = random.Random(seed)

    def add(self, rule: FaultRule) -> FaultRule:
        self.rules.append(rule)
        return rule

    def fail_next(self, n: int = 1, *, status: int = 500, match: str = "*") -> FaultRule:
        return self.add(FaultRule("error", count=n, status=status, match=match))

    def fail_after_next(self, n: int = 1, *, status: int = 500, match: str = "*") -> FaultRule:
        return self.add(FaultRule("error_after", count=n, status=status, match=match))

    def fail_randomly(
        self, probability: float, *, status: int = 503, match: str = "*", count: int | None = None
    ) -> FaultRule:
        return self.add(
            FaultRule("error", count=count, probability=probability, status=status, match=match)
        )

    def hang_next(self, n: int = 1, *, seconds: float = 2.0, match: str = "*") -> FaultRule:
        return self.add(FaultRule("timeout", count=n, hang_seconds=seconds, match=match))

    def lose_next(self, n: int = 1, *, seconds: float = 0.0, match: str = "*") -> FaultRule:
        return self.add(FaultRule("lost", count=n, hang_seconds=seconds, match=match))

    def clear(self, seed: int | None = None) -> None:
        self.rules.clear()
        if seed is not None:
            self.rng.seed(seed)

    def pick(self, endpoint: str) -> FaultRule | None:
        for rule in list(self.rules):
            if rule.count is not None and rule.count <= 0:
                self.rules.remove(rule)
                continue
            if not fnmatch.fnmatchcase(endpoint, rule.match):
                continue
            if rule.probability < 1.0 and self.rng.random() >= rule.probability:
                continue
            if rule.count is not None:
                rule.count -= 1
                if rule.count == 0:
                    self.rules.remove(rule)
            return rule
        return None


async def drop_connection(send: Send) -> None:
    """Close the client's connection without an answer (uvicorn), else abort the request."""
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:
        raise ConnectionAbortedError("answer lost (simulated)")
    transport.close()
    for _ in range(3):  # let the server see the disconnect before the app returns
        await asyncio.sleep(0)


async def _swallow(message: Message) -> None:
    return None


ErrorResponse = Callable[[int], Response]


class FaultKit:
    """A plan of faults and the means to inject them in front of an ASGI app."""

    def __init__(self, seed: int = 0) -> None:
        self.plan = FaultPlan(seed)
        self._hang_generation = 0

    def reset(self, seed: int = 0) -> None:
        self.plan.clear(seed)
        self.release_hangs()

    def release_hangs(self) -> None:
        """End every hang in progress now (timeouts answer, lost answers drop)."""
        self._hang_generation += 1

    async def hang(self, seconds: float) -> None:
        generation = self._hang_generation
        deadline = time.monotonic() + seconds
        while generation == self._hang_generation and time.monotonic() < deadline:
            await asyncio.sleep(min(0.05, max(0.0, deadline - time.monotonic())))

    async def serve(
        self,
        endpoint: str,
        app: ASGIApp,
        error: ErrorResponse,
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        fired: Counter[str] | None = None,
        server_send: Send | None = None,
    ) -> None:
        """Serve one call through `app`, unless a fault of the plan fires for `endpoint`;
        `error(status)` is the partner's own error answer for an injected status, `fired`
        counts the faults injected by kind, `server_send` is the server's own `send` when
        `send` wraps it (a lost answer closes the server's connection)."""
        fault = self.plan.pick(endpoint)
        if fault is None:
            await app(scope, receive, send)
            return
        if fired is not None:
            fired[fault.kind] += 1
        if fault.kind == "error":
            await error(fault.status)(scope, receive, send)
        elif fault.kind == "error_after":
            await app(scope, receive, _swallow)
            await error(fault.status)(scope, receive, send)
        elif fault.kind == "timeout":
            await self.hang(fault.hang_seconds)
            await error(504)(scope, receive, send)
        else:
            await app(scope, receive, _swallow)
            await self.hang(fault.hang_seconds)
            await drop_connection(server_send or send)
