"""Exhibitors' primary contacts and team members get stable ids (share links are kept by them).

Existing people get the id the domain derives for a person without one: uuid5 of the
exhibitor's id and "person:<email, else first and last name>" in lower case, numbered
("#1", "#2", ...) when two people of one exhibitor would share it, in position order.

Revision ID: 0006
Revises: 0005
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import agendasync.store.tables

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PEOPLE = sa.table(
    "exhibitor_people",
    sa.column("exhibitor_id", agendasync.store.tables.Id()),
    sa.column("position", sa.Integer()),
    sa.column("id", agendasync.store.tables.Id()),
    sa.column("first_name", sa.String()),
    sa.column("last_name", sa.String()),
    sa.column("email", sa.String()),
)


def _derived(exhibitor_id: uuid.UUID, key: str, taken: set[uuid.UUID]) -> uuid.UUID:
    # A copy of `domain.models.derived_person_id` as it was at this revision.
    found = uuid.uuid5(exhibitor_id, f"person:{key}")
    number = 1
    while found in taken:
        found = uuid.uuid5(exhibitor_id, f"person:{key}#{number}")
        number += 1
    return found


def upgrade() -> None:
    with op.batch_alter_table("exhibitor_people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("id", agendasync.store.tables.Id(), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(
            _PEOPLE.c.exhibitor_id,
            _PEOPLE.c.position,
            _PEOPLE.c.first_name,
            _PEOPLE.c.last_name,
            _PEOPLE.c.email,
        ).order_by(_PEOPLE.c.exhibitor_id, _PEOPLE.c.position)
    ).all()
    taken: dict[uuid.UUID, set[uuid.UUID]] = {}
    for row in rows:
        key = (row.email or f"{row.first_name} {row.last_name}").strip().lower()
        mine = taken.setdefault(row.exhibitor_id, set())
        person_id = _derived(row.exhibitor_id, key, mine)
        mine.add(person_id)
        connection.execute(
            sa.update(_PEOPLE)
            .where(_PEOPLE.c.exhibitor_id == row.exhibitor_id, _PEOPLE.c.position == row.position)
            .values(id=person_id)
        )
    with op.batch_alter_table("exhibitor_people", schema=None) as batch_op:
        batch_op.alter_column("id", existing_type=agendasync.store.tables.Id(), nullable=False)
        batch_op.create_index(batch_op.f("ix_exhibitor_people_id"), ["id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("exhibitor_people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exhibitor_people_id"))
        batch_op.drop_column("id")
