"""Users, memberships and API tokens in the store."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select, update

from agendasync.domain.accounts import ApiToken, Membership, Role, Scope, User
from agendasync.store import tables as t
from agendasync.store.exceptions import Conflict, NotFound


def _now() -> datetime:
    return datetime.now(UTC)


def _user(row: Row[Any]) -> User:
    return User.model_construct(id=row.id, email=row.email, created_at=row.created_at)


def _token(row: Row[Any]) -> ApiToken:
    return ApiToken.model_construct(
        id=row.id,
        org_id=row.org_id,
        name=row.name,
        scopes=[Scope(scope) for scope in row.scopes],
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


# --- API tokens ----------------------------------------------------------------------------


def create_token(connection: Connection, token: ApiToken, token_hash: str) -> ApiToken:
    token = token.model_copy(update={"created_at": _now()})
    connection.execute(
        insert(t.api_tokens).values(
            id=token.id,
            org_id=token.org_id,
            name=token.name,
            token_hash=token_hash,
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
