"""Users, memberships and API tokens in the store."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select, update

from agendasync.domain.accounts import ApiToken, Member, Membership, Role, Scope, User
from agendasync.store import tables as t
from agendasync.store.exceptions import Conflict, NotFound


def _now() -> datetime:
    return datetime.now(UTC)


def _user(row: Row[Any]) -> User:
    return User.model_construct(
        id=row.id,
        email=row.email,
        created_at=row.created_at,
        last_signed_in_at=row.last_signed_in_at,
    )


def _token(row: Row[Any]) -> ApiToken:
    return ApiToken.model_construct(
        id=row.id,
        org_id=row.org_id,
        name=row.name,
        scopes=[Scope(scope) for scope in row.scopes],
        prefix=row.prefix,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
    )


# --- users ---------------------------------------------------------------------------------


def create_user(connection: Connection, user: User, password_hash: str) -> User:
    if find_user(connection, user.email) is not None:
        raise Conflict(f"a user with email {user.email!r} exists already")
    now = _now()
    user = user.model_copy(update={"created_at": now})
    connection.execute(
        insert(t.users).values(
            id=user.id,
            email=user.email,
            password_hash=password_hash,
            created_at=now,
            updated_at=now,
        )
    )
    return user


def find_user(connection: Connection, email: str) -> User | None:
    row = connection.execute(
        select(t.users).where(func.lower(t.users.c.email) == email.strip().lower())
    ).first()
    return _user(row) if row else None


def get_user(connection: Connection, user_id: uuid.UUID) -> User | None:
    row = connection.execute(select(t.users).where(t.users.c.id == user_id)).first()
    return _user(row) if row else None


def password_hash(connection: Connection, user_id: uuid.UUID) -> str | None:
    value: str | None = connection.execute(
        select(t.users.c.password_hash).where(t.users.c.id == user_id)
    ).scalar()
    return value


def set_password_hash(connection: Connection, user_id: uuid.UUID, value: str) -> None:
    connection.execute(
        update(t.users)
        .where(t.users.c.id == user_id)
        .values(password_hash=value, updated_at=_now())
    )


def record_sign_in(connection: Connection, user_id: uuid.UUID, when: datetime) -> None:
    connection.execute(
        update(t.users).where(t.users.c.id == user_id).values(last_signed_in_at=when)
    )


# --- memberships ---------------------------------------------------------------------------


def set_membership(connection: Connection, membership: Membership) -> None:
    """Give the user this role in the organisation (replacing a role they had there)."""
    connection.execute(
        delete(t.memberships).where(
            t.memberships.c.user_id == membership.user_id,
            t.memberships.c.org_id == membership.org_id,
        )
    )
    connection.execute(insert(t.memberships).values(**membership.model_dump()))


def memberships_of(connection: Connection, user_id: uuid.UUID) -> list[Membership]:
    rows = connection.execute(select(t.memberships).where(t.memberships.c.user_id == user_id))
    return [
        Membership.model_construct(user_id=row.user_id, org_id=row.org_id, role=Role(row.role))
        for row in rows
    ]


def role_in(connection: Connection, user_id: uuid.UUID, org_id: uuid.UUID) -> Role | None:
    value = connection.execute(
        select(t.memberships.c.role).where(
            t.memberships.c.user_id == user_id, t.memberships.c.org_id == org_id
        )
    ).scalar()
    return Role(value) if value else None


def list_members(connection: Connection, org_id: uuid.UUID) -> list[Member]:
    """The organisation's people and their roles, by email (one query)."""
    rows = connection.execute(
        select(t.users, t.memberships.c.role)
        .join(t.memberships, t.memberships.c.user_id == t.users.c.id)
        .where(t.memberships.c.org_id == org_id)
        .order_by(t.users.c.email)
    )
    return [Member(_user(row), Role(row.role)) for row in rows]


def lock_admins(connection: Connection, org_id: uuid.UUID) -> list[uuid.UUID]:
    """The organisation's admins, their rows locked until the transaction ends (PostgreSQL):
    two admins demoting each other at once cannot both pass the last-admin check."""
    rows = connection.execute(
        select(t.memberships.c.user_id)
        .where(t.memberships.c.org_id == org_id, t.memberships.c.role == Role.ADMIN.value)
        .with_for_update()
    )
    return [row.user_id for row in rows]


def delete_membership(connection: Connection, user_id: uuid.UUID, org_id: uuid.UUID) -> None:
    connection.execute(
        delete(t.memberships).where(
            t.memberships.c.user_id == user_id, t.memberships.c.org_id == org_id
        )
    )


def memberships_by_email(
    connection: Connection, org_id: uuid.UUID | None = None
) -> list[tuple[str, str | None, Role | None]]:
    """(email, organisation slug, role) of every membership by email then organisation, and
    people of no organisation with None; with `org_id`, that organisation's only."""
    query = (
        select(t.users.c.email, t.organisations.c.slug, t.memberships.c.role)
        .outerjoin(t.memberships, t.memberships.c.user_id == t.users.c.id)
        .outerjoin(t.organisations, t.organisations.c.id == t.memberships.c.org_id)
        .order_by(t.users.c.email, t.organisations.c.slug)
    )
    if org_id is not None:
        query = query.where(t.memberships.c.org_id == org_id)
    rows = connection.execute(query)
    return [(row.email, row.slug, Role(row.role) if row.role else None) for row in rows]


# --- API tokens ----------------------------------------------------------------------------


def create_token(connection: Connection, token: ApiToken, token_hash: str) -> ApiToken:
    token = token.model_copy(update={"created_at": _now()})
    connection.execute(
        insert(t.api_tokens).values(
            id=token.id,
            org_id=token.org_id,
            name=token.name,
            token_hash=token_hash,
            prefix=token.prefix,
            scopes=[scope.value for scope in token.scopes],
            created_at=token.created_at,
        )
    )
    return token


def find_token(connection: Connection, token_hash: str) -> ApiToken | None:
    row = connection.execute(
        select(t.api_tokens).where(t.api_tokens.c.token_hash == token_hash)
    ).first()
    return _token(row) if row else None


def list_tokens(connection: Connection, org_id: uuid.UUID) -> list[ApiToken]:
    rows = connection.execute(
        select(t.api_tokens)
        .where(t.api_tokens.c.org_id == org_id)
        .order_by(t.api_tokens.c.created_at)
    )
    return [_token(row) for row in rows]


def delete_token(connection: Connection, org_id: uuid.UUID, token_id: uuid.UUID) -> None:
    deleted = connection.execute(
        delete(t.api_tokens).where(t.api_tokens.c.org_id == org_id, t.api_tokens.c.id == token_id)
    )
    if deleted.rowcount == 0:
        raise NotFound(f"no API token with id {token_id}")


def touch_token(connection: Connection, token_id: uuid.UUID, when: datetime) -> None:
    connection.execute(
        update(t.api_tokens).where(t.api_tokens.c.id == token_id).values(last_used_at=when)
    )


# --- browser sessions ----------------------------------------------------------------------


def add_browser_session(
    connection: Connection, key_hash: str, user_id: uuid.UUID, expires_at: datetime
) -> None:
    now = _now()
    # Expired sessions of anyone are dropped on the way (they no longer let anyone in).
    connection.execute(delete(t.browser_sessions).where(t.browser_sessions.c.expires_at <= now))
    connection.execute(
        insert(t.browser_sessions).values(
            key_hash=key_hash, user_id=user_id, created_at=now, expires_at=expires_at
        )
    )


def browser_session_user(connection: Connection, key_hash: str) -> uuid.UUID | None:
    """The user of an unexpired session, or None (ended, expired or never started)."""
    user_id: uuid.UUID | None = connection.execute(
        select(t.browser_sessions.c.user_id).where(
            t.browser_sessions.c.key_hash == key_hash,
            t.browser_sessions.c.expires_at > _now(),
        )
    ).scalar()
    return user_id


def end_browser_session(connection: Connection, key_hash: str) -> None:
    connection.execute(delete(t.browser_sessions).where(t.browser_sessions.c.key_hash == key_hash))


def end_browser_sessions_of(connection: Connection, user_id: uuid.UUID) -> int:
    ended = connection.execute(
        delete(t.browser_sessions).where(t.browser_sessions.c.user_id == user_id)
    )
    return ended.rowcount or 0


# --- failed sign-ins -----------------------------------------------------------------------


def count_login_failures(
    connection: Connection, keys: list[str], since: datetime
) -> dict[str, tuple[int, datetime | None]]:
    """Per key: the failures since `since`, and the oldest of them."""
    rows = connection.execute(
        select(
            t.login_failures.c.key,
            func.count(),
            func.min(t.login_failures.c.failed_at),
        )
        .where(t.login_failures.c.key.in_(keys), t.login_failures.c.failed_at > since)
        .group_by(t.login_failures.c.key)
    )
    found = {row[0]: (int(row[1]), row[2]) for row in rows}
    oldest: dict[str, tuple[int, datetime | None]] = dict.fromkeys(keys, (0, None))
    for key, (count, first) in found.items():
        # SQLite answers min() of the stored text; read it back as a time.
        oldest[key] = (count, t.UTCDateTime().process_result_value(first, connection.dialect))
    return oldest


def add_login_failure(
    connection: Connection, keys: list[str], when: datetime, prune: datetime
) -> None:
    connection.execute(delete(t.login_failures).where(t.login_failures.c.failed_at <= prune))
    connection.execute(insert(t.login_failures), [{"key": k, "failed_at": when} for k in keys])


def clear_login_failures(connection: Connection, key: str) -> None:
    connection.execute(delete(t.login_failures).where(t.login_failures.c.key == key))
