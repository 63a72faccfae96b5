"""Reading JSON values with their path: every type check raises `MalformedPayload` naming
where it failed (`sessions[3].speakers: expected a list (got a string)`). Pure."""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Final

from agendasync.sources.sessionize.exceptions import MalformedPayload, NotJson

BOM: Final = b"\xef\xbb\xbf"


def type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def fail(path: str, expected: str, value: object) -> MalformedPayload:
    return MalformedPayload(path, f"expected {expected} (got {type_name(value)})")


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not valid JSON")


def decode_json(body: bytes) -> object:
    if body.startswith(BOM):
        body = body[len(BOM) :]
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedPayload("$", f"the body is not UTF-8 text (byte {exc.start})") from None
    head = text.lstrip()
    if not head:
        raise MalformedPayload("$", "the body is empty")
    if head[0] not in "{[":
        if head[0] == "<" or head.startswith(("(function", "window.", "var ", "document.")):
            raise NotJson()
        raise MalformedPayload("$", "the body is not JSON")
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise MalformedPayload(
            "$", f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except (ValueError, RecursionError) as exc:
        raise MalformedPayload("$", f"not valid JSON: {exc}") from None


def as_object(value: object, path: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise fail(path, "an object", value)
    return value


def as_list(value: object, path: str) -> list[object]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise fail(path, "a list", value)
    return value


def parse_id(value: object, path: str) -> str:
    if value is None:
        raise MalformedPayload(path, "missing id")
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise fail(path, "an id (string or integer)", value)
    text = str(value).strip()
    if not text:
        raise MalformedPayload(path, "empty id")
    return text


def ref_id(value: object, path: str) -> str:
    """A reference: a bare id, or a view/Sessions-style `{"id": ..., "name": ...}` object."""
    if isinstance(value, dict):
        return parse_id(value.get("id"), path)
    return parse_id(value, path)


def opt_str(value: object, path: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise fail(path, "a string", value)
    return value


def opt_text(value: object, path: str) -> str | None:
    """Optional free text: empty becomes None, CRLF becomes LF."""
    text = opt_str(value, path)
    if text is None:
        return None
    text = text.replace("\r\n", "\n")
    return text if text.strip() else None


def opt_bool(value: object, path: str) -> bool | None:
    if value is None:
        return None
    if not isinstance(value, bool):
        raise fail(path, "true or false", value)
    return value


def as_int(value: object, path: str, default: int = 0) -> int:
    if value is None:
        return default
    if isinstance(value, bool):
        raise fail(path, "an integer", value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    raise fail(path, "an integer", value)


_DATETIME_RE: Final = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?"
)


def parse_datetime(
    value: object, path: str, zone: tzinfo, warnings: list[str] | None = None
) -> datetime | None:
    """An aware date-time in `zone`; a local time that does not exist there (in the gap when
    the clocks go forward) is moved to the first valid time after it, noted in `warnings`."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise fail(path, "a date-time string", value)
    text = value.strip()
    if not text:
        return None
    if not _DATETIME_RE.fullmatch(text):
        raise MalformedPayload(
            path, f"expected an ISO date-time such as 2027-05-12T09:00:00, got {value[:40]!r}"
        )
    try:
        parsed = datetime.fromisoformat(text)
        if parsed.tzinfo is None:  # the event's wall-clock time
            placed = parsed.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
            if placed.replace(tzinfo=None) != parsed:  # in a gap: the first valid time after
                placed = _gap_end(parsed, zone)
                if warnings is not None:
                    warnings.append(
                        f"{path}: {text} does not exist in {zone} (the clocks go forward); "
                        f"moved to {placed:%Y-%m-%d %H:%M}"
                    )
            return placed
        return parsed.astimezone(zone)
    except (ValueError, OverflowError):
        raise MalformedPayload(path, f"not a valid date-time: {value[:40]!r}") from None


def _gap_end(wall: datetime, zone: tzinfo) -> datetime:
    """The first instant after the DST gap that `wall` (a local time in it) falls into."""
    before = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)  # the offset after the gap
    after = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)  # the offset before it
    offset = after.astimezone(zone).utcoffset()
    low, high = before, after  # the transition lies in (low, high]
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).utcoffset() == offset:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0).astimezone(zone)


__all__ = [
    "BOM",
    "as_int",
    "as_list",
    "as_object",
    "decode_json",
    "fail",
    "opt_bool",
    "opt_str",
    "opt_text",
    "parse_datetime",
    "parse_id",
    "ref_id",
    "type_name",
]
