"""The Speakers tab's search: by name, email or company, by status, and by their sessions (a
track, a session status, or none at all). Its values live in the page's address."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Connection

from agendasync.domain.models import SessionStatus, SpeakerStatus, TaxonomyKind
from agendasync.store import records as rows
from agendasync.web.forms import FormField

_WITHOUT = "none"


@dataclass(frozen=True)
class SpeakerSearch:
    q: str = ""
    status: str = ""
    track: str = ""
    sessions: str = ""  # "none", or a session status their sessions have

    @property
    def filter(self) -> rows.SpeakerFilter:
        # A value no option offers (an edited address) filters nothing rather than failing.
        statuses = {s.value for s in SessionStatus}
        return rows.SpeakerFilter(
            q=self.q.strip() or None,
            status=self.status if self.status in {s.value for s in SpeakerStatus} else None,
            track=self.track.strip() or None,
            session_status=self.sessions if self.sessions in statuses else None,
            without_sessions=self.sessions == _WITHOUT,
        )

    @property
    def params(self) -> dict[str, str]:
        """The search as the address holds it (for the pages' links)."""
        given = {"q": self.q, "status": self.status, "track": self.track}
        return {name: value for name, value in given.items() if value} | (
            {"sessions": self.sessions} if self.sessions else {}
        )


def speaker_search(
    q: str = "", status: str = "", track: str = "", sessions: str = ""
) -> SpeakerSearch:
    return SpeakerSearch(q=q, status=status, track=track, sessions=sessions)


def track_names(connection: Connection, event_id: uuid.UUID) -> list[str]:
    tracks = rows.page_taxonomy(
        connection, event_id, rows.PageRequest(1000, 0), kind=TaxonomyKind.TRACK
    )
    return [item.name for item in tracks.items]


def _with_a(status: SessionStatus) -> str:
    article = "an" if status.value[0] in "aeiou" else "a"
    return f"With {article} {status.value} session"


def search_fields(search: SpeakerSearch, tracks: list[str]) -> list[FormField]:
    """The choices beside the search box (a search box is no optional field: the template
    draws it)."""
    return [
        FormField(
            name="status",
            label="Speaker status",
            kind="select",
            value=search.status,
            options=[("", "Any status"), *((s.value, s.value.capitalize()) for s in SpeakerStatus)],
        ),
        FormField(
            name="track",
            label="Track",
            kind="select",
            value=search.track,
            options=[("", "Any track"), *((name, name) for name in tracks)],
        ),
        FormField(
            name="sessions",
            label="Sessions",
            kind="select",
            value=search.sessions,
            options=[
                ("", "Any"),
                (_WITHOUT, "Without sessions"),
                *((s.value, _with_a(s)) for s in SessionStatus),
            ],
        ),
    ]
