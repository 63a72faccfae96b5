"""Accounts: people and their passwords, logging in, API tokens (what the CLI, API and pages
call).

* Passwords are hashed with argon2id (argon2-cffi's defaults); a hash made with older
  parameters is upgraded at the next successful login.
* Logging in is throttled per email: after `LoginThrottle.max_failures` failures within its
  window, further attempts are refused without checking the password until the oldest failure
  leaves the window. The count is kept in this process (the web process is the only one that
  serves logins); an unknown email counts like a wrong password, so the refusal says nothing
  about who has an account.
* An API token is shown once, when issued, and stored as its sha256 (a token is 256 random
  bits, so a fast hash is as safe as a slow one and lets every request look it up by hash).
"""

from __future__ import annotations

import hashlib
import math
import secrets
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import ValidationError

from agendasync.domain.accounts import (
    ApiToken,
    Membership,
    Principal,
    Role,
    Scope,
    User,
)
from agendasync.domain.exceptions import InvalidContent
from agendasync.store import Store
from agendasync.store import accounts as repo
from agendasync.store.events import find_organisation
from agendasync.store.exceptions import NotFound

MIN_PASSWORD_LENGTH = 8
TOKEN_PREFIX = "agst_"  # makes a leaked token recognisable to secret scanners and people
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)  # `last_used_at` is written at most this often


class LoginRefused(Exception):
    """Wrong email or password (deliberately not saying which)."""


class LoginThrottled(Exception):
    def __init__(self, retry_after_s: float) -> None:
        self.retry_after_s = retry_after_s
        minutes = max(1, math.ceil(retry_after_s / 60))
        super().__init__(
            "Too many failed sign-ins for this email. "
            f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."
        )


@dataclass
class LoginThrottle:
    """At most `max_failures` failed logins per email within `window_s` seconds."""

    max_failures: int = 5
    window_s: float = 15 * 60
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= now - self.window_s:
            failures.popleft()
        return failures

    def check(self, email: str) -> None:
        """Raise `LoginThrottled` while this email has used up its failures."""
        key = email.strip().lower()
        with self._lock:
            now = self.clock()
            failures = self._recent(key, now)
            if len(failures) >= self.max_failures:
                raise LoginThrottled(failures[0] + self.window_s - now)

    def failed(self, email: str) -> None:
        key = email.strip().lower()
        with self._lock:
            self._recent(key, self.clock()).append(self.clock())

    def succeeded(self, email: str) -> None:
        with self._lock:
            self._failures.pop(email.strip().lower(), None)


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


@dataclass
class Accounts:
    store: Store
    hasher: PasswordHasher = field(default_factory=PasswordHasher)
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
    # Verified against for unknown emails, so that they take as long as known ones.
    _decoy_hash: str | None = None

    # --- people ----------------------------------------------------------------------------

    def create_user(self, email: str, password: str, *, org: str, role: Role) -> User:
        """A new user with `role` in the organisation (name or slug); or, for an existing
        user, that role given to them (their password stays)."""
        try:
            user = User(email=email)
        except ValidationError as exc:
            raise InvalidContent.from_validation(exc) from exc
        with self.store.transaction() as connection:
            owner = find_organisation(connection, org)
            existing = repo.find_user(connection, user.email)
            if existing is None:
                _check_password(password)
                existing = repo.create_user(connection, user, self.hasher.hash(password))
            repo.set_membership(
                connection, Membership(user_id=existing.id, org_id=owner.id, role=role)
            )
        return existing

    def set_password(self, email: str, password: str) -> None:
        _check_password(password)
        with self.store.transaction() as connection:
            user = repo.find_user(connection, email)
            if user is None:
                raise NotFound(f"no user with email {email!r}")
            repo.set_password_hash(connection, user.id, self.hasher.hash(password))

    def authenticate(self, email: str, password: str) -> User:
        """The user, if the password is theirs; raises `LoginThrottled` or `LoginRefused`."""
        self.throttle.check(email)
        with self.store.transaction() as connection:
            user = repo.find_user(connection, email)
            stored = repo.password_hash(connection, user.id) if user else None
        if user is None or stored is None or not self._verify(stored, password):
            if user is None:
                self._verify(self._decoy(), password)
            self.throttle.failed(email)
            raise LoginRefused("Wrong email or password.")
        self.throttle.succeeded(email)
        if self.hasher.check_needs_rehash(stored):
            with self.store.transaction() as connection:
                repo.set_password_hash(connection, user.id, self.hasher.hash(password))
        return user

    def _verify(self, stored: str, password: str) -> bool:
        try:
            return self.hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    def _decoy(self) -> str:
        if self._decoy_hash is None:
            self._decoy_hash = self.hasher.hash(secrets.token_urlsafe(16))
        return self._decoy_hash

    def user_principal(self, user_id: uuid.UUID) -> Principal | None:
        """The person behind a session, or None if they no longer exist."""
        with self.store.transaction() as connection:
            user = repo.get_user(connection, user_id)
            if user is None:
                return None
            return Principal.for_user(user, repo.memberships_of(connection, user.id))

    # --- API tokens ------------------------------------------------------------------------

    def issue_token(self, org_id: uuid.UUID, name: str, scopes: Sequence[Scope]) -> IssuedToken:
        try:
            token = ApiToken(org_id=org_id, name=name, scopes=sorted(set(scopes)))
        except ValidationError as exc:
            raise InvalidContent.from_validation(exc) from exc
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.store.transaction() as connection:
            token = repo.create_token(connection, token, token_hash(secret))
        return IssuedToken(token, secret)

    def token_principal(self, secret: str) -> Principal | None:
        """The principal of a presented token, or None for an unknown (or revoked) one."""
        with self.store.transaction() as connection:
            token = repo.find_token(connection, token_hash(secret.strip()))
            if token is None:
                return None
            now = datetime.now(UTC)
            if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_INTERVAL:
                repo.touch_token(connection, token.id, now)
        return Principal.for_token(token)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidContent(
            [("password", f"must be at least {MIN_PASSWORD_LENGTH} characters long")]
        )
