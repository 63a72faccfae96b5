"""Failed sign-ins are counted per (email, address) and per address in the store, so that every
web process sees the same counts, and nobody can lock a person out from elsewhere."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agendasync.services.accounts import LoginThrottle, LoginThrottled
from agendasync.store import Store

HOME, ATTACKER = "203.0.113.7", "198.51.100.66"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2027, 5, 12, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_five_failures_per_email_and_address_in_fifteen_minutes_then_a_wait(
    store: Store,
) -> None:
    clock = Clock()
    throttle = LoginThrottle(store, clock=clock)
    for _ in range(5):
        throttle.check("ada@example.com", ATTACKER)
        throttle.failed("Ada@Example.com ", ATTACKER)  # the same email, however typed
    with pytest.raises(LoginThrottled) as refused:
        throttle.check("ada@example.com", ATTACKER)
    assert str(refused.value) == (
        "Too many failed sign-ins for this email. Try again in 15 minutes."
    )
    assert refused.value.retry_after_s == 15 * 60
    throttle.check("ada@example.com", HOME)  # Ada at home is not locked out
    throttle.check("grace@example.com", ATTACKER)  # nor others
    clock.now += timedelta(minutes=15, seconds=1)
    throttle.check("ada@example.com", ATTACKER)  # the oldest failure left the window


def test_the_count_is_shared_by_every_process_through_the_store(store: Store) -> None:
    clock = Clock()
    web_1, web_2 = LoginThrottle(store, clock=clock), LoginThrottle(store, clock=clock)
    for _ in range(3):
        web_1.failed("ada@example.com", ATTACKER)
    for _ in range(2):
        web_2.failed("ada@example.com", ATTACKER)
    with pytest.raises(LoginThrottled):
        web_1.check("ada@example.com", ATTACKER)
    with pytest.raises(LoginThrottled):
        web_2.check("ada@example.com", ATTACKER)


def test_one_address_trying_many_emails_is_throttled(store: Store) -> None:
    throttle = LoginThrottle(store, clock=Clock(), max_failures_per_address=10)
    for number in range(10):
        throttle.failed(f"person{number}@example.com", ATTACKER)
    with pytest.raises(LoginThrottled) as refused:
        throttle.check("someone.else@example.com", ATTACKER)
    assert str(refused.value) == (
        "Too many failed sign-ins for this address. Try again in 15 minutes."
    )
    throttle.check("someone.else@example.com", HOME)


def test_a_success_clears_the_failures(store: Store) -> None:
    throttle = LoginThrottle(store, clock=Clock())
    for _ in range(4):
        throttle.failed("ada@example.com", HOME)
    throttle.succeeded("ada@example.com", HOME)
    for _ in range(4):
        throttle.failed("ada@example.com", HOME)
    throttle.check("ada@example.com", HOME)
