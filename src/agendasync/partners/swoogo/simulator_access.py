"""Who may call the Swoogo simulator and how much: API credentials, bearer tokens and each
consumer key's rolling credit budget. `SwoogoAccess` is the base of `SwoogoTables` (the data)
and so of `SwoogoState`; none of this touches a table.

Credits: 2,000 per rolling window (600 s) per consumer key; list calls ("get all") cost 10,
every other call 1, including the token call. Calls refused with 401 or 429 cost nothing.
`X-Rate-Limit-Limit` is the budget, `X-Rate-Limit-Remaining` what is left after this call,
`X-Rate-Limit-Reset` the whole seconds until the budget is full again (Yii2's meaning; 0 when
nothing is spent); on a 429 it is the seconds until the refused call's cost fits (at least 1).

Settled here (ASSUMPTIONs, where the notes leave it open):

- Token: bad credentials answer 401 "The client credentials are invalid". `expires_at` is
  UTC. Unknown or expired bearer: 401 "Your request was made with invalid credentials."
- Rate headers on an answer that cannot be tied to a credential (unknown bearer, unknown
  key) show the full budget and `Reset: 0`.
"""

from __future__ import annotations

import base64
import binascii
import math
import secrets
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import unquote_plus

from agendasync.partners.swoogo.simulator_rules import TIMESTAMP, Knobs, Stats, SwoogoError


@dataclass
class Token:
    key: str
    expires_at: float


@dataclass
class Credential:
    key: str
    secret: str
    user_id: int


class SwoogoAccess:
    """Credentials, tokens and the credit ledger; `SwoogoTables` adds the data."""

    def __init__(self, knobs: Knobs, clock: Callable[[], float]) -> None:
        self.knobs = knobs
        self.clock = clock
        self.stats = Stats()
        self._credentials: dict[str, Credential] = {}
        self._tokens: dict[str, Token] = {}
        self._ledger: dict[str, deque[tuple[float, int]]] = {}

    def has_credentials(self, key: str) -> bool:
        return key in self._credentials

    def expire_tokens(self) -> None:
        now = self.clock()
        for token in self._tokens.values():
            token.expires_at = min(token.expires_at, now)

    def authenticate_client(self, authorization: str | None) -> str:
        """`Basic base64(urlencode(key):urlencode(secret))` -> the consumer key, or 401."""
        pair = _basic_credentials(authorization)
        credential = self._credentials.get(pair[0]) if pair else None
        if (
            pair is None
            or credential is None
            or not secrets.compare_digest(credential.secret, pair[1])
        ):
            raise SwoogoError(401, "The client credentials are invalid")
        return credential.key

    def issue_token(self, key: str) -> dict[str, str]:
        token = secrets.token_hex(20)
        expires_at = self.clock() + self.knobs.token_lifetime_seconds
        self._tokens[token] = Token(key, expires_at)
        stamp = datetime.fromtimestamp(expires_at, UTC).strftime(TIMESTAMP)
        return {"access_token": token, "type": "bearer", "expires_at": stamp}

    def authenticate_bearer(self, authorization: str | None) -> str:
        """`Bearer <token>` -> the consumer key, or 401 (unknown or expired token)."""
        token = self._tokens.get(_bearer(authorization) or "")
        if token is None or self.clock() >= token.expires_at:
            raise SwoogoError(401, "Your request was made with invalid credentials.")
        return token.key

    def key_for(self, authorization: str | None) -> str | None:
        """The credential a request names (even with an expired token), for rate headers."""
        token = self._tokens.get(_bearer(authorization) or "")
        if token is not None:
            return token.key
        pair = _basic_credentials(authorization)
        return pair[0] if pair and pair[0] in self._credentials else None

    def user_id(self, key: str | None) -> int | None:
        credential = self._credentials.get(key or "")
        return credential.user_id if credential else None

    def charge(self, key: str, cost: int) -> None:
        """Spend `cost` credits of `key`'s window, or raise the 429."""
        if cost > self.credits_remaining(key):
            self.stats.throttled[key] += 1
            raise SwoogoError(
                429, "Rate limit exceeded.", headers=self.rate_headers(key, refused_cost=cost)
            )
        self._ledger.setdefault(key, deque()).append((self.clock(), cost))
        self.stats.credits_spent[key] += cost

    def credits_remaining(self, key: str) -> int:
        return max(0, self.knobs.budget - sum(c for _, c in self._window(key)))

    def rate_headers(self, key: str | None, *, refused_cost: int | None = None) -> dict[str, str]:
        budget = self.knobs.budget
        if key is None:
            return _rate(budget, budget, 0)
        return _rate(budget, self.credits_remaining(key), self._reset(key, refused_cost))

    def _window(self, key: str) -> deque[tuple[float, int]]:
        ledger = self._ledger.setdefault(key, deque())
        cutoff = self.clock() - self.knobs.window_seconds
        while ledger and ledger[0][0] <= cutoff:
            ledger.popleft()
        return ledger

    def _reset(self, key: str, refused_cost: int | None) -> int:
        ledger = self._window(key)
        if not ledger:
            return 0
        now, window = self.clock(), self.knobs.window_seconds
        if refused_cost is None:
            return max(1, math.ceil(ledger[-1][0] + window - now))
        deficit = refused_cost - self.credits_remaining(key)
        freed = 0
        for spent_at, cost in ledger:
            freed += cost
            if freed >= deficit:
                return max(1, math.ceil(spent_at + window - now))
        return max(1, math.ceil(window))  # more than a whole budget: never fits


def _rate(limit: int, remaining: int, reset: int) -> dict[str, str]:
    return {
        "X-Rate-Limit-Limit": str(limit),
        "X-Rate-Limit-Remaining": str(remaining),
        "X-Rate-Limit-Reset": str(reset),
    }


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    key, colon, secret = decoded.partition(":")
    return (unquote_plus(key), unquote_plus(secret)) if colon else None


def _bearer(authorization: str | None) -> str | None:
    scheme, _, value = (authorization or "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None
