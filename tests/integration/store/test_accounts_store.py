"""The accounts an organisation's admin manages, on SQLite and PostgreSQL: people added with a
role, roles changed and people removed (never the last admin), sign-ins remembered, API tokens
kept with a visible prefix and their last use written at most once a minute."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import insert

from agendasync.domain.accounts import Role, Scope
from agendasync.domain.exceptions import InvalidContent
from agendasync.services.accounts import (
    TOKEN_SHOWN_LENGTH,
    Accounts,
    AmbiguousToken,
    LastAdmin,
    LoginRefused,
)
from agendasync.store import Store
from agendasync.store import accounts as repo
from agendasync.store import tables as t
from agendasync.store.events import create_organisation
from agendasync.store.exceptions import NotFound

PASSWORD = "a long enough password"
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2027, 5, 12, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def accounts(store: Store, clock: Clock) -> Accounts:
    return Accounts(store, hasher=CHEAP, clock=clock)


def _org(store: Store, name: str = "Acme") -> uuid.UUID:
    with store.transaction() as connection:
        return create_organisation(connection, name).id


def _user_id(store: Store, email: str) -> uuid.UUID:
    with store.transaction() as connection:
        user = repo.find_user(connection, email)
    assert user is not None
    return user.id


def _roles(store: Store, org_id: uuid.UUID) -> list[tuple[str, Role]]:
    with store.transaction() as connection:
        return [(m.user.email, m.role) for m in repo.list_members(connection, org_id)]


# --- people and roles --------------------------------------------------------------------------


def test_an_admin_adds_people_new_and_existing(store: Store, accounts: Accounts) -> None:
    acme, rival = _org(store), _org(store, "Rival")
    assert accounts.add_member(acme, " Ada@Example.com ", Role.ADMIN, PASSWORD) is True
    assert accounts.add_member(acme, "grace@example.com", Role.VIEWER, PASSWORD) is True
    # Ada, already known, joins Rival with the password she has (the one typed is not used).
    assert accounts.add_member(rival, "ada@example.com", Role.EDITOR, "ignored password") is False
    assert _roles(store, acme) == [
        ("ada@example.com", Role.ADMIN),
        ("grace@example.com", Role.VIEWER),
    ]
    assert _roles(store, rival) == [("ada@example.com", Role.EDITOR)]
    assert accounts.authenticate("ada@example.com", PASSWORD).email == "ada@example.com"


def test_adding_refuses_at_the_field_and_writes_nothing(store: Store, accounts: Accounts) -> None:
    acme = _org(store)
    accounts.add_member(acme, "ada@example.com", Role.ADMIN, PASSWORD)
    refusals = [
        ("not an email", PASSWORD, [("email", "'not an email' is not an email address")]),
        ("grace@example.com", "short", [("password", "must be at least 8 characters long")]),
        (
            "ADA@example.com",
            PASSWORD,
            [("email", "already a member here; change their role in the list instead")],
        ),
    ]
    for email, password, problems in refusals:
        with pytest.raises(InvalidContent) as refused:
            accounts.add_member(acme, email, Role.EDITOR, password)
        assert refused.value.problems == problems
    assert _roles(store, acme) == [("ada@example.com", Role.ADMIN)]
    with store.transaction() as connection:
        assert repo.find_user(connection, "grace@example.com") is None


def test_the_last_admin_can_be_neither_demoted_nor_removed(
    store: Store, accounts: Accounts
) -> None:
    acme = _org(store)
    accounts.add_member(acme, "ada@example.com", Role.ADMIN, PASSWORD)
    accounts.add_member(acme, "grace@example.com", Role.EDITOR, PASSWORD)
    ada, grace = _user_id(store, "ada@example.com"), _user_id(store, "grace@example.com")
    only = "ada@example.com is the only admin here; make someone else admin first."
    for attempt in (
        lambda: accounts.change_role(acme, ada, Role.EDITOR),
        lambda: accounts.remove_member(acme, ada),
    ):
        with pytest.raises(LastAdmin) as refused:
            attempt()
        assert str(refused.value) == only
    assert _roles(store, acme) == [
        ("ada@example.com", Role.ADMIN),
        ("grace@example.com", Role.EDITOR),
    ]
    # With a second admin, the first may step down; the second is then the last one.
    assert accounts.change_role(acme, ada, Role.ADMIN).role is Role.ADMIN  # stays admin: fine
    accounts.change_role(acme, grace, Role.ADMIN)
    assert accounts.change_role(acme, ada, Role.VIEWER).role is Role.VIEWER
    with pytest.raises(LastAdmin):
        accounts.remove_member(acme, grace)
    assert accounts.remove_member(acme, ada).user.email == "ada@example.com"
    assert _roles(store, acme) == [("grace@example.com", Role.ADMIN)]
    # The account itself stays (for other organisations, or to be added again).
    assert _user_id(store, "ada@example.com") == ada


def test_another_organisations_person_is_not_found(store: Store, accounts: Accounts) -> None:
    acme, rival = _org(store), _org(store, "Rival")
    accounts.add_member(rival, "rita@rival.example", Role.VIEWER, PASSWORD)
    rita = _user_id(store, "rita@rival.example")
    with pytest.raises(NotFound):
        accounts.change_role(acme, rita, Role.ADMIN)
    with pytest.raises(NotFound):
        accounts.remove_member(acme, rita)
    assert _roles(store, rival) == [("rita@rival.example", Role.VIEWER)]


def test_a_sign_in_is_remembered(store: Store, accounts: Accounts, clock: Clock) -> None:
    acme = _org(store)
    accounts.add_member(acme, "ada@example.com", Role.ADMIN, PASSWORD)
    with store.transaction() as connection:
        assert repo.list_members(connection, acme)[0].user.last_signed_in_at is None
    with pytest.raises(LoginRefused):
        accounts.authenticate("ada@example.com", "wrong password")
    with store.transaction() as connection:
        assert repo.list_members(connection, acme)[0].user.last_signed_in_at is None
    accounts.authenticate("ada@example.com", PASSWORD)
    with store.transaction() as connection:
        assert repo.list_members(connection, acme)[0].user.last_signed_in_at == clock.now


def test_the_people_list_is_one_query(store: Store, accounts: Accounts, query_counter: Any) -> None:
    acme = _org(store)
    for number in range(5):
        accounts.add_member(acme, f"person{number}@example.com", Role.VIEWER, PASSWORD)
    query_counter.counting = True
    with store.transaction() as connection:
        members = repo.list_members(connection, acme)
    query_counter.counting = False
    assert len(members) == 5
    assert query_counter.count == 1


def test_every_membership_by_email_and_people_of_none(store: Store, accounts: Accounts) -> None:
    acme, rival = _org(store), _org(store, "Rival")
    accounts.add_member(acme, "ada@example.com", Role.ADMIN, PASSWORD)
    accounts.add_member(rival, "ada@example.com", Role.VIEWER, PASSWORD)
    accounts.add_member(rival, "bob@example.com", Role.EDITOR, PASSWORD)
    accounts.remove_member(rival, _user_id(store, "bob@example.com"))
    with store.transaction() as connection:
        everyone = repo.memberships_by_email(connection)
        of_rival = repo.memberships_by_email(connection, rival)
    assert everyone == [
        ("ada@example.com", "acme", Role.ADMIN),
        ("ada@example.com", "rival", Role.VIEWER),
        ("bob@example.com", None, None),
    ]
    assert of_rival == [("ada@example.com", "rival", Role.VIEWER)]


# --- API tokens ---------------------------------------------------------------------------------


def test_a_token_keeps_its_visible_prefix_never_itself(store: Store, accounts: Accounts) -> None:
    acme = _org(store)
    issued = accounts.issue_token(acme, "website", [Scope.READ])
    assert TOKEN_SHOWN_LENGTH == 11
    assert issued.token.prefix == issued.secret[:11]
    assert issued.token.prefix.startswith("agst_")
    with store.transaction() as connection:
        listed = repo.list_tokens(connection, acme)
        row = connection.execute(t.api_tokens.select()).one()
    assert [(token.name, token.prefix) for token in listed] == [("website", issued.secret[:11])]
    assert issued.secret not in [str(value) for value in row]


def _old_token(store: Store, org_id: uuid.UUID) -> uuid.UUID:
    """A token issued before prefixes were kept."""
    token_id = uuid.uuid4()
    with store.transaction() as connection:
        connection.execute(
            insert(t.api_tokens).values(
                id=token_id,
                org_id=org_id,
                name="website",
                token_hash="0" * 64,
                scopes=["read"],
                created_at=datetime(2026, 1, 5, tzinfo=UTC),
            )
        )
    return token_id


def test_an_older_token_has_no_prefix(store: Store, accounts: Accounts) -> None:
    acme = _org(store)
    _old_token(store, acme)
    with store.transaction() as connection:
        assert [token.prefix for token in repo.list_tokens(connection, acme)] == [None]


def test_a_tokens_last_use_is_written_at_most_once_a_minute(
    store: Store, accounts: Accounts, clock: Clock, query_counter: Any
) -> None:
    acme = _org(store)
    secret = accounts.issue_token(acme, "website", [Scope.READ]).secret

    def used() -> tuple[datetime | None, int]:
        query_counter.count, query_counter.counting = 0, True
        assert accounts.token_principal(secret) is not None
        query_counter.counting = False
        with store.transaction() as connection:
            return repo.list_tokens(connection, acme)[0].last_used_at, query_counter.count

    first = clock.now
    assert used() == (first, 2)  # looked up, and its use written
    clock.now += timedelta(seconds=59)
    assert used() == (first, 1)  # looked up only: no write within the minute
    clock.now += timedelta(seconds=2)
    assert used() == (clock.now, 2)
    assert accounts.token_principal("agst_not-a-token") is None


def test_a_token_is_revoked_by_its_prefix_or_id(store: Store, accounts: Accounts) -> None:
    acme, rival = _org(store), _org(store, "Rival")
    one = accounts.issue_token(acme, "website", [Scope.READ]).token
    two = accounts.issue_token(acme, "website", [Scope.READ]).token
    theirs = accounts.issue_token(rival, "website", [Scope.READ]).token
    old = _old_token(store, acme)
    assert one.prefix
    assert theirs.prefix
    with pytest.raises(AmbiguousToken) as ambiguous:
        accounts.revoke_token(acme, "agst_")
    assert str(ambiguous.value) == (
        "2 tokens start with 'agst_'; give more of the prefix, or the id"
    )
    with pytest.raises(NotFound) as unknown:
        accounts.revoke_token(acme, theirs.prefix)  # another organisation's
    assert str(unknown.value) == f"no API token with the prefix or id {theirs.prefix!r}"
    assert accounts.revoke_token(acme, f" {one.prefix}… ").id == one.id  # as copied from a page
    assert accounts.revoke_token(acme, str(old)).id == old
    with store.transaction() as connection:
        assert [token.id for token in repo.list_tokens(connection, acme)] == [two.id]
        assert [token.id for token in repo.list_tokens(connection, rival)] == [theirs.id]
