"""Accounts: people and their passwords, logging in, API tokens (what the CLI, API and pages
call).

* Passwords are hashed with argon2id (argon2-cffi's defaults); a hash made with older
  parameters is upgraded at the next successful login.
* Logging in is throttled per email *and* address: after `LoginThrottle.max_failures`
  failures for one email from one address within its window, further attempts from there are
  refused without checking the password until the oldest failure leaves the window (so nobody
  elsewhere can lock a person out); one address trying many emails is refused after
  `max_failures_per_address`. The counts are kept in the store, shared by every web process; an
  unknown email counts like a wrong password, so the refusal says nothing about who has an
  account.
* A signed-in browser holds a session key that the store knows (as its sha256): signing out
  ends it, a password change ends all of that person's sessions, and so can an admin.
* An API token is shown once, when issued, and stored as its sha256 (a token is 256 random
  bits, so a fast hash is as safe as a slow one and lets every request look it up by hash).
"""

from __future__ import annotations

import hashlib
import math
import secrets
import uuid
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
    def __init__(self, retry_after_s: float, *, whose: str = "this email") -> None:
        self.retry_after_s = retry_after_s
        minutes = max(1, math.ceil(retry_after_s / 60))
        super().__init__(
            f"Too many failed sign-ins for {whose}. "
            f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."
        )


def _now() -> datetime:
    return datetime.now(UTC)


def _key(*parts: str) -> str:
    # Stored hashed: the table says how often, never who or from where.
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


@dataclass
class LoginThrottle:
    """At most `max_failures` failed logins per (email, address), and
    `max_failures_per_address` per address, within `window_s` seconds; counted in the store."""

    store: Store
    max_failures: int = 5
    max_failures_per_address: int = 50
    window_s: float = 15 * 60
    clock: Callable[[], datetime] = _now

    def _keys(self, email: str, address: str) -> tuple[str, str]:
        return _key("pair", email.strip().lower(), address), _key("address", address)

    def check(self, email: str, address: str) -> None:
        """Raise `LoginThrottled` while this email from this address (or this address) has used
        up its failures."""
        pair, by_address = self._keys(email, address)
        now = self.clock()
        window = timedelta(seconds=self.window_s)
        with self.store.transaction() as connection:
            counts = repo.count_login_failures(connection, [pair, by_address], now - window)
        for key, limit, whose in (
            (pair, self.max_failures, "this email"),
            (by_address, self.max_failures_per_address, "this address"),
        ):
            count, oldest = counts[key]
            if count >= limit and oldest is not None:
                raise LoginThrottled((oldest + window - now).total_seconds(), whose=whose)

    def failed(self, email: str, address: str) -> None:
        now = self.clock()
        with self.store.transaction() as connection:
            repo.add_login_failure(
                connection,
                list(self._keys(email, address)),
                now,
                prune=now - timedelta(seconds=self.window_s),
            )

    def succeeded(self, email: str, address: str) -> None:
        with self.store.transaction() as connection:
            repo.clear_login_failures(connection, self._keys(email, address)[0])


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


def session_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass
class Accounts:
    store: Store
    hasher: PasswordHasher = field(default_factory=PasswordHasher)
    throttle: LoginThrottle | None = None  # default: five per email and address in 15 min
    # Verified against for unknown emails, so that they take as long as known ones.
    _decoy_hash: str | None = None

    def __post_init__(self) -> None:
        if self.throttle is None:
            self.throttle = LoginThrottle(self.store)

    @property
    def logins(self) -> LoginThrottle:
        assert self.throttle is not None
        return self.throttle

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

    def set_password(self, email: str, password: str) -> int:
        """Give the person a new password; every session of theirs ends (answers how many)."""
        _check_password(password)
        with self.store.transaction() as connection:
            user = repo.find_user(connection, email)
            if user is None:
                raise NotFound(f"no user with email {email!r}")
            repo.set_password_hash(connection, user.id, self.hasher.hash(password))
            return repo.end_browser_sessions_of(connection, user.id)

    def change_password(self, user: User, current: str, new: str) -> None:
        """A signed-in person changing their own password (the current one proves it is them);
        every session of theirs ends."""
        with self.store.transaction() as connection:
            stored = repo.password_hash(connection, user.id)
        if stored is None or not self._verify(stored, current):
            raise LoginRefused("The current password is wrong.")
        self.set_password(user.email, new)

    def authenticate(self, email: str, password: str, address: str = "") -> User:
        """The user, if the password is theirs; raises `LoginThrottled` or `LoginRefused`.
        `address` is where the attempt comes from (the client's IP address)."""
        self.logins.check(email, address)
        with self.store.transaction() as connection:
            user = repo.find_user(connection, email)
            stored = repo.password_hash(connection, user.id) if user else None
        if user is None or stored is None or not self._verify(stored, password):
            if user is None:
                self._verify(self._decoy(), password)
            self.logins.failed(email, address)
            raise LoginRefused("Wrong email or password.")
        self.logins.succeeded(email, address)
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

    # --- browser sessions ------------------------------------------------------------------

    def start_session(self, user_id: uuid.UUID, max_age_s: int) -> str:
        """A new session for the person: its key (for the signed cookie; stored hashed)."""
        key = secrets.token_urlsafe(32)
        expires = datetime.now(UTC) + timedelta(seconds=max_age_s)
        with self.store.transaction() as connection:
            repo.add_browser_session(connection, session_key_hash(key), user_id, expires)
        return key

    def session_principal(self, key: str) -> Principal | None:
        """The person behind a session key, or None once it ended or expired (or the person
        no longer exists)."""
        with self.store.transaction() as connection:
            user_id = repo.browser_session_user(connection, session_key_hash(key))
            user = repo.get_user(connection, user_id) if user_id else None
            if user is None:
                return None
            return Principal.for_user(user, repo.memberships_of(connection, user.id))

    def end_session(self, key: str) -> None:
        with self.store.transaction() as connection:
            repo.end_browser_session(connection, session_key_hash(key))

    def end_sessions(self, email: str, *, org_id: uuid.UUID | None = None) -> int:
        """Sign a person out everywhere (answers how many sessions ended). With `org_id`, only
        a member of that organisation (what its admin may do); others are not found."""
        with self.store.transaction() as connection:
            user = repo.find_user(connection, email)
            member = user is not None and (
                org_id is None
                or any(m.org_id == org_id for m in repo.memberships_of(connection, user.id))
            )
            if user is None or not member:
                raise NotFound(f"no user with email {email!r}")
            return repo.end_browser_sessions_of(connection, user.id)

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
