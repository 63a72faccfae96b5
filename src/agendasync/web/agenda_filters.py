"""The agenda's search and filters: a GET form whose values stay in the address (so a filtered
agenda can be shared, reloaded and paged), read into the store's `SessionFilter`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated

from pydantic import BeforeValidator
from sqlalchemy import Connection

from agendasync.domain.models import Event, SessionStatus, TaxonomyKind
from agendasync.store.editing import event_taxonomy
from agendasync.store.records import SessionFilter
from agendasync.web.forms import FormField


def _blank_is_none(value: object) -> object:
    return None if value == "" else value


# The form sends every field: an empty one is no filter. Other values are checked as FastAPI
# checks every parameter (a bad one answers the pages' "This address is not right").
EMPTY_IS_NONE = BeforeValidator(_blank_is_none)


@dataclass(frozen=True)
class AgendaFilters:
    q: str = ""
    status: SessionStatus | None = None
    track: str = ""
    day: date | None = None
    unscheduled: bool = False

    @property
    def active(self) -> bool:
        return self != AgendaFilters()

    def params(self) -> dict[str, str]:
        """The filters as the address holds them (for the pages' links)."""
        values = {
            "q": self.q,
            "status": self.status.value if self.status else "",
            "track": self.track,
            "day": self.day.isoformat() if self.day else "",
            "unscheduled": "on" if self.unscheduled else "",
        }
        return {name: value for name, value in values.items() if value}

    def store_filter(self, event: Event) -> SessionFilter:
        return SessionFilter(
            status=self.status.value if self.status else None,
            q=self.q or None,
            track=self.track or None,
            unscheduled=self.unscheduled,
        ).on_day(self.day, event.tz)


def agenda_filters(
    q: str = "",
    status: Annotated[SessionStatus | None, EMPTY_IS_NONE] = None,
    track: str = "",
    day: Annotated[date | None, EMPTY_IS_NONE] = None,
    unscheduled: bool = False,
) -> AgendaFilters:
    """The filters from the address."""
    return AgendaFilters(q.strip(), status, track.strip(), day, unscheduled)


def _days(event: Event) -> list[date]:
    count = (event.end_date - event.start_date).days + 1
    return [event.start_date + timedelta(days=n) for n in range(count)]


def filter_fields(connection: Connection, event: Event, filters: AgendaFilters) -> list[FormField]:
    """The filter form, showing the filters in force."""
    tracks = event_taxonomy(connection, event.id, [TaxonomyKind.TRACK])
    days = [(d.isoformat(), d.strftime("%a %d %b")) for d in _days(event)]
    only_unscheduled = "on" if filters.unscheduled else ""
    return [
        FormField(
            "status",
            "Status",
            "select",
            filters.status.value if filters.status else "",
            options=[("", "Any status"), *((s.value, s.value.capitalize()) for s in SessionStatus)],
        ),
        FormField(
            "track",
            "Track",
            "select",
            filters.track,
            options=[("", "Any track"), *((t.name, t.name) for t in tracks)],
        ),
        FormField(
            "day",
            "Day",
            "select",
            filters.day.isoformat() if filters.day else "",
            options=[("", "Any day"), *days],
        ),
        FormField("unscheduled", "Unscheduled only", "checkbox", only_unscheduled),
    ]
