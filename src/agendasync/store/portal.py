"""The version of each speaker's portal link: bumping it makes their earlier links invalid
(a speaker declined, or a link that leaked)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Connection, delete, insert, select

from agendasync.store import tables as t


def portal_link_version(connection: Connection, speaker_id: uuid.UUID) -> int:
    version: int | None = connection.execute(
        select(t.portal_links.c.version).where(t.portal_links.c.speaker_id == speaker_id)
    ).scalar()
    return version or 0


def portal_link_versions(
    connection: Connection, speaker_ids: list[uuid.UUID]
) -> dict[uuid.UUID, int]:
    rows = connection.execute(
        select(t.portal_links.c.speaker_id, t.portal_links.c.version).where(
            t.portal_links.c.speaker_id.in_(speaker_ids)
        )
    )
    versions = {row.speaker_id: row.version for row in rows}
    return {speaker_id: versions.get(speaker_id, 0) for speaker_id in speaker_ids}


def bump_portal_links(connection: Connection, speaker_ids: Sequence[uuid.UUID]) -> None:
    """Make these speakers' earlier portal links invalid."""
    if not speaker_ids:
        return
    versions = portal_link_versions(connection, list(speaker_ids))
    connection.execute(
        delete(t.portal_links).where(t.portal_links.c.speaker_id.in_(list(speaker_ids)))
    )
    connection.execute(
        insert(t.portal_links),
        [{"speaker_id": sid, "version": versions[sid] + 1} for sid in speaker_ids],
    )
