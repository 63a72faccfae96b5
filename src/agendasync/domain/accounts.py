"""Accounts and access: users, their roles in organisations, API tokens; no I/O.

Who may do what is one ordered scale, `Access`: reading, writing content (records, syncs,
imports, mappings) and administering an organisation (integrations and their credentials, API
tokens, the organisation itself). A person's role and a token's scopes each grant a level of it
per organisation, so the API and the pages ask one question: `principal.can(org_id, needed)`.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from agendasync.domain.models import Email


class Access(enum.IntEnum):
    READ = 1
    WRITE = 2
    ADMIN = 3


class Role(enum.StrEnum):
    """A person's role in an organisation."""

    ADMIN = "admin"
    EDITOR = "editor"
    VIEWER = "viewer"

    @property
    def access(self) -> Access:
        return _ROLE_ACCESS[self]


class Scope(enum.StrEnum):
    """What an API token may do; tokens never administer (that takes a person)."""

    READ = "read"
    WRITE = "write"

    @property
    def access(self) -> Access:
        return _SCOPE_ACCESS[self]


_ROLE_ACCESS = {Role.ADMIN: Access.ADMIN, Role.EDITOR: Access.WRITE, Role.VIEWER: Access.READ}
_SCOPE_ACCESS = {Scope.READ: Access.READ, Scope.WRITE: Access.WRITE}


def _lower(value: str) -> str:
    # Emails identify people whatever the letter case (people type them both ways).
    return value.lower()


UserEmail = Annotated[Email, AfterValidator(_lower)]


class User(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    email: UserEmail
    created_at: datetime | None = None
    last_signed_in_at: datetime | None = None


class Membership(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: uuid.UUID
    org_id: uuid.UUID
    role: Role


@dataclass(frozen=True)
class Member:
    """A person of an organisation with their role there, as its Users page lists them."""

    user: User
    role: Role


TokenName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class ApiToken(BaseModel):
    """A token of one organisation. Its secret is shown once, when issued; the store keeps
    only its sha256."""

    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    org_id: uuid.UUID
    name: TokenName
    scopes: list[Scope] = Field(min_length=1)
    # The secret's first characters, shown to tell tokens apart; None for tokens issued before
    # prefixes were kept.
    prefix: str | None = None
    created_at: datetime | None = None
    last_used_at: datetime | None = None

    @property
    def access(self) -> Access:
        return max(scope.access for scope in self.scopes)


@dataclass(frozen=True)
class Principal:
    """Who is calling: a logged-in person, or an API token; and the access granted per
    organisation."""

    grants: Mapping[uuid.UUID, Access] = field(default_factory=dict)
    user: User | None = None
    token: ApiToken | None = None

    @classmethod
    def for_user(cls, user: User, memberships: Iterable[Membership]) -> Principal:
        return cls(grants={m.org_id: m.role.access for m in memberships}, user=user)

    @classmethod
    def for_token(cls, token: ApiToken) -> Principal:
        return cls(grants={token.org_id: token.access}, token=token)

    def access(self, org_id: uuid.UUID) -> Access | None:
        return self.grants.get(org_id)

    def sees(self, org_id: uuid.UUID) -> bool:
        """Whether the organisation exists for this caller at all (others' are "not found")."""
        return org_id in self.grants

    def can(self, org_id: uuid.UUID, needed: Access) -> bool:
        granted = self.grants.get(org_id)
        return granted is not None and granted >= needed

    def refusal(self, needed: Access) -> str:
        """Why a caller who sees an organisation may not do this in it, in words."""
        if self.token is not None:
            if needed is Access.ADMIN:
                return "API tokens cannot administer an organisation; sign in as an admin"
            return "this token has the read scope; writing needs a token with the write scope"
        return f"your role does not allow this; it needs the {_ROLE_NEEDED[needed]} role"


_ROLE_NEEDED = {Access.READ: "viewer", Access.WRITE: "editor", Access.ADMIN: "admin"}
