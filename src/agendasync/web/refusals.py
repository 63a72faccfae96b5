"""A refused form, in the words of its labels: each problem the services name goes next to its
field, and the form says which fields to check."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from agendasync.domain.exceptions import InvalidContent
from agendasync.domain.wording import plain
from agendasync.services.records import FieldConflict

# How `InvalidContent` names a problem of the whole record (an end before its start).
_WHOLE = "(document)"


@dataclass(frozen=True)
class Refusal:
    """Errors by form field name, and the sentence over the form naming the fields."""

    errors: dict[str, str]
    summary: str


def refusal(
    exc: InvalidContent | FieldConflict,
    labels: Mapping[str, str],
    *,
    whole: str,
    what: str,
    field_of: Mapping[str, str] | None = None,
) -> Refusal:
    """`labels`: form field name -> its label; `whole`: the field that shows a problem of the
    whole record; `what`: "The session was not saved"; `field_of`: a service's place (dotted:
    "people.0.speaker") -> the form field's name, where they differ."""
    problems = [(exc.field, str(exc))] if isinstance(exc, FieldConflict) else exc.problems
    places = dict(field_of or {})
    errors: dict[str, str] = {}
    for place, message in problems:
        name = whole if place == _WHOLE else places.get(place, place)
        if name not in labels:
            name = whole  # a value the form does not show (kept from before): named in words
        text = _in_words(message, labels, labels[name])
        errors[name] = f"{errors[name]} {text}" if name in errors else text
    checked = ", ".join(labels[name] for name in labels if name in errors)
    return Refusal(errors, f"{what}: check {checked}.")


def _in_words(message: str, labels: Mapping[str, str], label: str) -> str:
    message = plain(message, label[:1].lower() + label[1:])
    # "ends_at must be after starts_at" -> "End must be after start"
    for name in sorted(labels, key=len, reverse=True):
        message = re.sub(rf"\b{re.escape(name)}\b", labels[name].lower(), message)
    message = message[:1].upper() + message[1:]
    return message if message.endswith(".") else f"{message}."
