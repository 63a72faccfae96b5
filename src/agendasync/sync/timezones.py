"""R-MAP-8: do two time zone names mean the same clock? Compared by their rules, not their
names (`US/Eastern` is `America/New_York`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def same_rules(first: str, second: str, around: date) -> bool:
    """True when both zones give the same UTC offset every hour over the year around `around`
    (which takes in both daylight-saving changes of that year, wherever in the day they fall)."""
    if first == second:
        return True
    try:
        zone_a, zone_b = ZoneInfo(first), ZoneInfo(second)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    start = datetime(around.year, around.month, around.day, tzinfo=UTC) - timedelta(days=183)
    for step in range(0, 366 * 24):
        instant = start + timedelta(hours=step)
        if instant.astimezone(zone_a).utcoffset() != instant.astimezone(zone_b).utcoffset():
            return False
    return True
