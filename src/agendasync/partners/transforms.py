"""Transformation rules every partner shares (SPEC §5). Pure."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, tzinfo

from agendasync.domain.models import TaxonomyItem


def one_day(starts_at: datetime, ends_at: datetime, tz: tzinfo) -> tuple[datetime, datetime, bool]:
    """R-TX-1: a session as one day in `tz`: the start, and the end's clock time on the start's
    day, or 23:59 of that day if that is not after the start. The third value says whether the
    session spanned several days (and was cut)."""
    start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    if end.date() == start.date():
        return start, end, False
    naive_start = start.replace(tzinfo=None)
    naive_end = datetime.combine(start.date(), end.time().replace(tzinfo=None))
    if naive_end <= naive_start:
        naive_end = datetime.combine(start.date(), time(23, 59))
    return start, naive_end.replace(tzinfo=tz), True


def first_by_name(items: Iterable[TaxonomyItem]) -> TaxonomyItem | None:
    """The one a partner that takes a single track (room, ...) gets: the first by name."""
    return min(items, key=lambda item: item.name.lower(), default=None)
