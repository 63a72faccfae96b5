"""R-MAP-8: two time zone names are compared by their rules around the event, not by name.

Expected values follow the system tzdata; each was checked against it for the year given.
"""

from __future__ import annotations

from datetime import date

import pytest

from agendasync.sync.timezones import same_rules

IN_2027 = date(2027, 6, 1)


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ("Europe/Berlin", "Europe/Berlin", True),
        ("US/Eastern", "America/New_York", True),  # an alias
        ("UTC", "Etc/UTC", True),
        ("Europe/Berlin", "Europe/Paris", True),  # CET/CEST, the same EU changes
        ("Europe/London", "Europe/Lisbon", True),  # GMT/BST and WET/WEST: UTC+0/+1, EU changes
        ("Asia/Kolkata", "Asia/Colombo", True),  # UTC+5:30 all year, no DST
        ("Europe/Moscow", "Europe/Istanbul", True),  # UTC+3 all year since 2016
        ("Europe/Berlin", "America/New_York", False),
        ("Europe/London", "Europe/Dublin", True),
        ("Europe/London", "Europe/Berlin", False),
        ("America/New_York", "America/Toronto", True),
        ("America/Phoenix", "America/Denver", False),  # MST all year vs MST/MDT
    ],
)
def test_zones_compared_by_rules_in_2027_r_map_8(first: str, second: str, expected: bool) -> None:
    assert same_rules(first, second, IN_2027) is expected
    assert same_rules(second, first, IN_2027) is expected


@pytest.mark.parametrize(
    ("first", "second", "year"),
    [
        ("Europe/London", "Europe/Lisbon", 1995),  # Portugal kept CET/CEST from 1992 to 1996
        ("Asia/Kolkata", "Asia/Colombo", 2005),  # Sri Lanka kept UTC+6 from 1996 to 2006
        ("Europe/Moscow", "Europe/Istanbul", 2013),  # Moscow kept UTC+4 from 2011 to 2014
    ],
)
def test_rules_compared_around_the_given_date_r_map_8(first: str, second: str, year: int) -> None:
    assert same_rules(first, second, date(year, 6, 1)) is False
    assert same_rules(first, second, IN_2027) is True


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Mars/Olympus_Mons", "Europe/Berlin"),
        ("Europe/Berlin", "Mars/Olympus_Mons"),
        ("", "UTC"),
        ("../etc/passwd", "UTC"),
    ],
)
def test_unknown_zone_never_matches_r_map_8(first: str, second: str) -> None:
    assert same_rules(first, second, IN_2027) is False


def test_zones_differing_for_hours_at_each_dst_change_do_not_match_r_map_8() -> None:
    assert same_rules("Asia/Beirut", "Europe/Chisinau", IN_2027) is False
