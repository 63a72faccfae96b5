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
  Its first characters are kept to tell tokens apart in lists (they reveal 36 of its bits);
  when it was last used is written at most once a minute, not at every request.
* An organisation keeps at least one admin: the last one can be neither demoted nor removed.
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
from sqlalchemy import Connection

from agendasync.domain.accounts import (
    ApiToken,
    Member,
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
TOKEN_SHOWN_LENGTH = len(TOKEN_PREFIX) + 6  # "agst_" and six of its random characters


class LoginRefused(Exception):
    """Wrong email or password (deliberately not saying which)."""


class LastAdmin(Exception):
    """The change would leave an organisation without an admin."""


class AmbiguousToken(Exception):
    """Several tokens start with what was given."""


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
    clock: Callable[[], datetime] = _now
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

    def add_member(self, org_id: uuid.UUID, email: str, role: Role, password: str) -> bool:
        """Give a person `role` in the organisation: a new account with `password`, or one
        that exists already (it keeps its own password). Answers whether the account is new.
        Someone who is a member already is refused (their role is changed in the list)."""
        try:
            user = User(email=email)
        except ValidationError as exc:
            raise InvalidContent([("email", _email_problem(exc))]) from exc
        with self.store.transaction() as connection:
            existing = repo.find_user(connection, user.email)
            if existing is not None and repo.role_in(connection, existing.id, org_id):
                raise InvalidContent(
                    [("email", "already a member here; change their role in the list instead")]
                )
            if existing is None:
                _check_password(password)
                existing = repo.create_user(connection, user, self.hasher.hash(password))
            repo.set_membership(
                connection, Membership(user_id=existing.id, org_id=org_id, role=role)
            )
        return existing.id == user.id

    def change_role(self, org_id: uuid.UUID, user_id: uuid.UUID, role: Role) -> Member:
        """Give a member another role; the last admin stays admin (`LastAdmin`)."""
        with self.store.transaction() as connection:
            member = self._member(connection, org_id, user_id)
            if role is not Role.ADMIN:
                self._keep_an_admin(connection, org_id, member)
            repo.set_membership(connection, Membership(user_id=user_id, org_id=org_id, role=role))
        return Member(member.user, role)

    def remove_member(self, org_id: uuid.UUID, user_id: uuid.UUID) -> Member:
        """Take a person out of the organisation (their account stays, for their other
        organisations); never the last admin (`LastAdmin`)."""
        with self.store.transaction() as connection:
            member = self._member(connection, org_id, user_id)
            self._keep_an_admin(connection, org_id, member)
            repo.delete_membership(connection, user_id, org_id)
        return member

    @staticmethod
    def _member(connection: Connection, org_id: uuid.UUID, user_id: uuid.UUID) -> Member:
        user = repo.get_user(connection, user_id)
        role = repo.role_in(connection, user_id, org_id) if user else None
        if user is None or role is None:
            raise NotFound(f"no member with id {user_id}")
        return Member(user, role)

    @staticmethod
    def _keep_an_admin(connection: Connection, org_id: uuid.UUID, member: Member) -> None:
        if member.role is Role.ADMIN and repo.lock_admins(connection, org_id) == [member.user.id]:
            raise LastAdmin(
                f"{member.user.email} is the only admin here; make someone else admin first."
            )

    def set_password(self, email: str, password: str) -> int:
        """Give the person a new password; every session of theirs ends (answers how many)."""
        _check_password(password)
        with self.store.transaction() as connection:
            user = repo.find_user(connection, email)
            if user is None:
                raise NotFound(f"no user with email {email!r}")
            repo.set_password_hash(connection, user.id, self.hasher.hash(password))
            return repo.end_browser_sessions_of(connection, user.id)

    def change_password(self, user: User, current: str, new: str, address: str = "") -> int:
        """A signed-in person changing their own password (the current one proves it is them);
        every session of theirs ends (answers how many, the caller's own among them). Wrong
        current passwords count as failed sign-ins: a stolen session cannot guess at leisure."""
        self.logins.check(user.email, address)
        with self.store.transaction() as connection:
            stored = repo.password_hash(connection, user.id)
        if stored is None or not self._verify(stored, current):
            self.logins.failed(user.email, address)
            raise LoginRefused("The current password is wrong.")
        self.logins.succeeded(user.email, address)
        return self.set_password(user.email, new)

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
        with self.store.transaction() as connection:
            repo.record_sign_in(connection, user.id, self.clock())
            if self.hasher.check_needs_rehash(stored):
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
        token = token.model_copy(update={"prefix": secret[:TOKEN_SHOWN_LENGTH]})
        with self.store.transaction() as connection:
            token = repo.create_token(connection, token, token_hash(secret))
        return IssuedToken(token, secret)

    def token_principal(self, secret: str) -> Principal | None:
        """The principal of a presented token, or None for an unknown (or revoked) one."""
        with self.store.transaction() as connection:
            token = repo.find_token(connection, token_hash(secret.strip()))
            if token is None:
                return None
            now = self.clock()
            if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_INTERVAL:
                repo.touch_token(connection, token.id, now)
        return Principal.for_token(token)

    def revoke_token(self, org_id: uuid.UUID, which: str) -> ApiToken:
        """Revoke the organisation's token with this id, or the one whose shown prefix starts
        with `which` (`AmbiguousToken` when several do)."""
        wanted = which.strip().rstrip(".…")  # as copied from a list that ends it with dots
        with self.store.transaction() as connection:
            tokens = repo.list_tokens(connection, org_id)
            found = [t for t in tokens if str(t.id) == wanted.lower()] or [
                t for t in tokens if t.prefix and wanted and t.prefix.startswith(wanted)
            ]
            if not found:
                raise NotFound(f"no API token with the prefix or id {wanted!r}")
            if len(found) > 1:
                raise AmbiguousToken(
                    f"{len(found)} tokens start with {wanted!r}; give more of the prefix, or the id"
                )
            repo.delete_token(connection, org_id, found[0].id)
        return found[0]


def _email_problem(error: ValidationError) -> str:
    return "; ".join(
        str(item["msg"]).removeprefix("Value error, ") for item in error.errors(include_url=False)
    )


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidContent(
            [("password", f"must be at least {MIN_PASSWORD_LENGTH} characters long")]
        )
