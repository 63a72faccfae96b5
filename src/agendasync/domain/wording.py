"""The validators' messages in the words of someone filling in a form or typing a command."""

from __future__ import annotations

import re
from collections.abc import Sequence

_PLAIN: Sequence[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^(Field required|String should have at least 1 character)$"), "Fill this in."),
    (re.compile(r"^String should have at most (\d+) characters$"), r"Use at most \1 characters."),
    (re.compile(r"^Input should be a valid date\b.*"), "Give a date as YYYY-MM-DD."),
    (re.compile(r"^Input should be a valid datetime\b.*"), "Give a date and a time."),
    (re.compile(r"^Input should be .*'.*"), "Choose one of the options."),
    (re.compile(r"^String should match pattern '\^#.*"), "Give a colour as #RRGGBB, e.g. #1E88E5."),
    (
        re.compile(r"^String should match pattern '\^\[a-z0-9\]\[a-z0-9-\].*"),
        "Use lowercase letters, digits and hyphens, starting with a letter or digit.",
    ),
    (re.compile(r"^String should match pattern .*"), "This is not in the form asked for."),
    (re.compile(r"^Value error, "), ""),
]


def plain(message: str) -> str:
    """ "String should have at least 1 character" -> "Fill this in."; others as they are."""
    for pattern, words in _PLAIN:
        if pattern.match(message):
            return pattern.sub(words, message)
    return message
