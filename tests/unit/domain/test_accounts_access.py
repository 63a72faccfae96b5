"""Who may do what: roles and token scopes on one scale, per organisation."""

from __future__ import annotations

import uuid

import pytest
from pydantic import ValidationError

from agendasync.domain.accounts import Access, ApiToken, Membership, Principal, Role, Scope, User

ORG, OTHER = uuid.UUID(int=1), uuid.UUID(int=2)


@pytest.mark.parametrize(
    ("role", "can_read", "can_write", "can_admin"),
    [
        (Role.VIEWER, True, False, False),
        (Role.EDITOR, True, True, False),
        (Role.ADMIN, True, True, True),
    ],
)
def test_roles_grant_access_in_their_organisation_only(
    role: Role, can_read: bool, can_write: bool, can_admin: bool
) -> None:
    user = User(email="Ada@Example.com")
    principal = Principal.for_user(user, [Membership(user_id=user.id, org_id=ORG, role=role)])
    assert user.email == "ada@example.com"
    assert [principal.can(ORG, a) for a in Access] == [can_read, can_write, can_admin]
    assert not principal.sees(OTHER)
    assert not any(principal.can(OTHER, a) for a in Access)


def test_tokens_read_or_write_but_never_administer() -> None:
    reader = Principal.for_token(ApiToken(org_id=ORG, name="r", scopes=[Scope.READ]))
    writer = Principal.for_token(ApiToken(org_id=ORG, name="w", scopes=[Scope.READ, Scope.WRITE]))
    assert reader.can(ORG, Access.READ)
    assert not reader.can(ORG, Access.WRITE)
    assert writer.can(ORG, Access.WRITE)
    assert not writer.can(ORG, Access.ADMIN)
    assert "read scope" in reader.refusal(Access.WRITE)
    assert "cannot administer" in writer.refusal(Access.ADMIN)
    with pytest.raises(ValidationError):
        ApiToken(org_id=ORG, name="none", scopes=[])
