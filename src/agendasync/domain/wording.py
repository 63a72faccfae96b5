"""The validators' messages in the words of someone filling in a form or typing a command
(the wording of the record pages' forms)."""

from __future__ import annotations

import re
from collections.abc import Sequence

_PLAIN: Sequence[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"^(Field required|String should have at least 1 character)$"),
        "Enter the {label}.",
    ),
    (
        re.compile(r"^String should have at most (\d+) characters$"),
        r"Too long: at most \1 characters.",
    ),
    (re.compile(r"^Input should be a valid date\b.*"), "Give a date as YYYY-MM-DD."),
    (re.compile(r"^Input should be a valid datetime\b.*"), "Give a date and a time."),
    (re.compile(r"^Input should be .*'.*"), "Choose one of the values offered."),
    (re.compile(r"^String should match pattern '\^#.*"), "Give a colour as #RRGGBB, e.g. #1E88E5."),
    (
        re.compile(r"^String should match pattern '\^\[a-z0-9\]\[a-z0-9-\].*"),
        "Use lowercase letters, digits and hyphens, starting with a letter or digit.",
    ),
    (re.compile(r"^String should match pattern .*"), "This is not in the form asked for."),
    (re.compile(r"^Value error, "), ""),
]


def plain(message: str, label: str = "value") -> str:
    """A validator's message for people: "String should have at least 1 character" -> "Enter
    the title." (`label` names the value, lower case); other messages stay as they are."""
    for pattern, words in _PLAIN:
        if pattern.match(message):
            return pattern.sub(words.replace("{label}", label), message)
    return message
