"""The Swoogo simulator's common ground: the time-zone allow-list, Yii2's error answers, the
knobs and the accounting. Every other `simulator_*` module builds on this one.

Settled here (ASSUMPTIONs, where the notes leave it open):

- Time zones: `UTC`; `US/Eastern`, `US/Central`, `US/Mountain`, `US/Pacific`, `US/Alaska`,
  `US/Arizona`; any other IANA `Region/City` name (Africa, America, Antarctica, Arctic, Asia,
  Atlantic, Australia, Europe, Indian, Pacific), except the six `America/...` zones that have a
  `US/...` alias. Abbreviations, `Etc/...` and other `US/...` names are refused.
- 404 bodies say "Object not found: <id>"; a 422 lists one message per field, Yii2's
  `getFirstErrors()`.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from zoneinfo import available_timezones

TIMESTAMP = "%Y-%m-%d %H:%M:%S"

Row = dict[str, Any]
Form = dict[str, str | list[str]]

# --------------------------------------------------------------------------------------------
# Time zones
# --------------------------------------------------------------------------------------------

US_ZONES = frozenset(
    {"US/Eastern", "US/Central", "US/Mountain", "US/Pacific", "US/Alaska", "US/Arizona"}
)
REFUSED_ZONES = frozenset(
    {
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Los_Angeles",
        "America/Anchorage",
        "America/Phoenix",
    }
)
_REGIONS = frozenset(
    [
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    ]
)


@cache
def _iana_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def is_allowed_timezone(name: str) -> bool:
    """Swoogo's allow-list: `UTC`, `US/Eastern`-style US zones, other `Region/City` names."""
    if name == "UTC" or name in US_ZONES:
        return True
    if name in REFUSED_ZONES:
        return False
    region, slash, _ = name.partition("/")
    return bool(slash) and region in _REGIONS and name in _iana_zones()


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------

PHRASES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    415: "Unsupported Media Type",
    422: "Data Validation Failed.",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def error_body(status: int, message: str) -> dict[str, Any]:
    """Yii2's error shape for everything but 422."""
    return {
        "name": PHRASES.get(status, "Error"),
        "message": message,
        "code": 0,
        "status": status,
    }


class SwoogoError(Exception):
    """An error answer; `body()` is what goes on the wire."""

    def __init__(
        self, status: int, message: str, *, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message
        self.headers = dict(headers or {})

    def body(self) -> Any:
        return error_body(self.status, self.message)


class ValidationFailed(SwoogoError):
    """A 422; its body is `[{"field", "message"}, ...]`, one message per field."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__(422, "; ".join(f"{e['field']}: {e['message']}" for e in errors))
        self.errors = errors

    def body(self) -> Any:
        return self.errors


def not_found(object_id: object) -> SwoogoError:
    return SwoogoError(404, f"Object not found: {object_id}")


class FieldErrors:
    """Collects the first message per field, as Yii2's `getFirstErrors()`."""

    def __init__(self) -> None:
        self._messages: dict[str, str] = {}

    def add(self, name: str, message: str) -> None:
        self._messages.setdefault(name, message)

    def has(self, name: str) -> bool:
        return name in self._messages

    def raise_if_any(self) -> None:
        if self._messages:
            raise ValidationFailed([{"field": f, "message": m} for f, m in self._messages.items()])


# --------------------------------------------------------------------------------------------
# Knobs, stats, faults
# --------------------------------------------------------------------------------------------


@dataclass
class Knobs:
    """Everything tunable; change attributes directly or with `update(**changes)`."""

    budget: int = 2000  # credits per window per consumer key
    window_seconds: float = 600.0  # the rolling rate-limit window
    token_lifetime_seconds: float = 1800.0
    latency_ms: float = 0.0  # added to every API call
    image_max_bytes: int = 1024 * 1024
    max_per_page: int = 200

    def update(self, **changes: Any) -> None:
        known = {f.name for f in dataclasses.fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown knob(s): {', '.join(sorted(unknown))}")
        for name, value in changes.items():
            setattr(self, name, type(getattr(self, name))(value))

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class Stats:
    """Accounting for assertions. Endpoint keys look like `POST /sessions/create`."""

    credits_spent: Counter[str] = field(default_factory=Counter)  # per consumer key
    throttled: Counter[str] = field(default_factory=Counter)  # 429 answers per consumer key
    calls: Counter[str] = field(default_factory=Counter)  # API calls received per endpoint
    statuses: Counter[int] = field(default_factory=Counter)  # statuses of answers sent
    faults: Counter[str] = field(default_factory=Counter)  # injected: error, timeout, lost

    def reset(self) -> None:
        for counter in (self.credits_spent, self.throttled, self.calls, self.faults):
            counter.clear()
        self.statuses.clear()

    def as_dict(self) -> dict[str, Any]:
        return {
            "credits_spent": dict(self.credits_spent),
            "throttled": dict(self.throttled),
            "calls": dict(self.calls),
            "statuses": {str(k): v for k, v in self.statuses.items()},
            "faults": dict(self.faults),
        }
