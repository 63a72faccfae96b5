"""How the Swoogo simulator reads what a client sends: attribute values (Yii2's formats and
wording), form fields, and the query of a list call (`fields`, `expand`, `sort`, `ids`,
paging and `search` conditions).

Settled here (ASSUMPTIONs, where the notes leave it open):

- An array (`track_id[]=1`) or repeated field where one value is expected is a 422.
- Validation beyond the documented rules, with Yii2 wording: strings at most 255 characters,
  `email`/`cc_email` must look like emails, `work_phone`/`mobile_phone` must be E.164
  (`+4930123456`).
- Lists: `ids=` takes at most 100 positive integers (else 400). `sort` takes `a,-b`.
- Search parse: every `search=` value is URL-decoded and split on `&` (so `%26` joins
  conditions); raw `&`-segments that follow a `search=` segment and are not list parameters
  (`event_id, page, per-page, fields, expand, sort, ids, search, searchCondition`) are further
  conditions, so `?search=status=live&id>500` works unencoded. A condition is
  `<attribute><op><value>` with op `=, !=, >, <, >=, <=`; `=*contains*x`, `=*beginswith*x`,
  `=*endswith*x`, `=*in*a|b|c` (and `!=` with the same wrappers to negate; `name*contains*x`
  is also read as `=*contains*`). `=` and the string operators are case-insensitive;
  `>`/`<` compare numbers numerically, anything else as strings. Booleans compare as `1`/`0`,
  `{id, value}` objects by `id`. A malformed condition answers 400.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from datetime import time as dtime
from typing import Any
from urllib.parse import unquote_plus

from agendasync.partners.swoogo.simulator_rules import Form, SwoogoError, is_allowed_timezone

INTEGER = re.compile(r"\s*[+-]?\d+\s*")
_COLOR = re.compile(r"#[0-9A-Fa-f]{6}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+[1-9]\d{1,14}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"\d{2}:\d{2}:\d{2}")


def _is_date(text: str) -> bool:
    if not _DATE.fullmatch(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _is_time(text: str) -> bool:
    if not _TIME.fullmatch(text):
        return False
    try:
        dtime.fromisoformat(text)
    except ValueError:
        return False
    return True


# kind -> (accepts, message when it does not)
FORMATS: dict[str, tuple[Callable[[str], bool], str]] = {
    "date": (_is_date, "The format of {label} is invalid."),
    "time": (_is_time, "The format of {label} is invalid."),
    "timezone": (is_allowed_timezone, "{label} is invalid."),
    "color": (lambda s: bool(_COLOR.fullmatch(s)), "{label} is invalid."),
    "email": (lambda s: bool(_EMAIL.fullmatch(s)), "{label} is not a valid email address."),
    "phone": (lambda s: bool(_PHONE.fullmatch(s)), "{label} is invalid."),
}
INTEGER_KINDS = frozenset({"int", "event", "ref", "level"})


def invalid_message(kind: str, label: str) -> str:
    if kind in INTEGER_KINDS:
        return f"{label} must be an integer."
    if kind == "bool":
        return f'{label} must be either "1" or "0".'
    if kind in FORMATS:
        return FORMATS[kind][1].format(label=label)
    return f"{label} must be a string."


def as_list(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def form_from_pairs(pairs: Iterable[tuple[str, str]]) -> Form:
    """Form fields as Yii2/PHP read them: `x[]=1` or `x[0]=1`, and repeats, make lists."""
    form: Form = {}
    for key, value in pairs:
        base, bracket, _ = key.partition("[")
        current = form.get(base)
        form[base] = value if current is None and not bracket else [*as_list(current), value]
    return form


def form_value(value: Any) -> str | list[str]:
    """A Python value as a client would form-encode it (for seeding through the rules)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return [str(form_value(v)) for v in value]
    return str(value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+(\.\d+)?\s*", value):
        return float(value)
    return None


def _scalar(value: Any) -> Any:
    """How a rendered value takes part in search and sort."""
    if isinstance(value, dict):
        return value.get("id")
    if isinstance(value, bool):
        return int(value)
    return value


def _text(value: Any) -> str:
    return "" if value is None else str(value).lower()


def _equal(actual: Any, operand: str) -> bool:
    if actual is None:
        return operand in ("", "null")
    left, right = _number(actual), _number({"true": "1", "false": "0"}.get(operand, operand))
    if left is not None and right is not None:
        return left == right
    return _text(actual) == operand.lower()


def _ordered(actual: Any, op: str, operand: str) -> bool:
    if actual is None:
        return False
    left, right = _number(actual), _number(operand)
    if left is not None and right is not None:
        pair: tuple[Any, Any] = (left, right)
    else:
        pair = (_text(actual), operand.lower())
    a, b = pair
    return bool({">": a > b, "<": a < b, ">=": a >= b, "<=": a <= b}[op])


@dataclass(frozen=True)
class Condition:
    """One `search` condition."""

    attribute: str
    op: str  # =, !=, >, <, >=, <=, contains, beginswith, endswith, in
    value: str
    negate: bool = False

    def matches(self, actual: Any) -> bool:
        value = _scalar(actual)
        if self.op == "contains":
            result = self.value.lower() in _text(value)
        elif self.op == "beginswith":
            result = _text(value).startswith(self.value.lower())
        elif self.op == "endswith":
            result = _text(value).endswith(self.value.lower())
        elif self.op == "in":
            result = any(_equal(value, item) for item in self.value.split("|"))
        elif self.op in ("=", "!="):
            result = _equal(value, self.value) == (self.op == "=")
        else:
            result = _ordered(value, self.op, self.value)
        return result != self.negate


_SYMBOLS = ("!=", ">=", "<=", "=", ">", "<")
_WORDS = re.compile(r"\*(contains|beginswith|endswith|in)\*(.*)", re.S)
_ATTRIBUTE = re.compile(r"([A-Za-z_]\w*)(.*)", re.S)


def parse_condition(term: str) -> Condition:
    """`name=*contains*x`, `id>5`, `status!=draft`, `id=*in*1|2` (see the module notes)."""
    found = _ATTRIBUTE.fullmatch(term.strip())
    if found:
        attribute, rest = found.groups()
        words = _WORDS.fullmatch(rest)
        if words:  # `name*contains*x`
            return Condition(attribute, words[1], words[2])
        for symbol in _SYMBOLS:
            if rest.startswith(symbol):
                value = rest[len(symbol) :]
                words = _WORDS.fullmatch(value)
                if words and symbol in ("=", "!="):
                    return Condition(attribute, words[1], words[2], negate=symbol == "!=")
                return Condition(attribute, symbol, value)
    raise SwoogoError(400, f"Invalid search condition: {term}")


_LIST_PARAMS = frozenset(
    [
        "event_id",
        "page",
        "per-page",
        "fields",
        "expand",
        "sort",
        "ids",
        "search",
        "searchCondition",
        "access-token",
        "_format",
    ]
)


def _int_param(params: Mapping[str, str], name: str, default: int) -> int:
    value = params.get(name, "")
    return int(value) if INTEGER.fullmatch(value) else default


def _names(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


@dataclass(frozen=True)
class ListQuery:
    """The query parameters of a list (or get) call."""

    event_id: int | None = None
    page: int = 1
    per_page: int = 20
    fields: tuple[str, ...] | None = None  # None: not given; ("*",): all
    expand: tuple[str, ...] = ()
    sort: tuple[str, ...] = ()
    ids: frozenset[int] | None = None
    conditions: tuple[Condition, ...] = ()
    match_any: bool = False

    @classmethod
    def parse(cls, raw: str) -> ListQuery:
        params: dict[str, str] = {}
        terms: list[str] = []
        in_search = False
        for segment in raw.split("&"):
            if not segment:
                continue
            name = unquote_plus(segment.partition("=")[0])
            if name == "search":
                terms.extend(unquote_plus(segment.partition("=")[2]).split("&"))
                in_search = True
            elif in_search and name not in _LIST_PARAMS:
                terms.append(unquote_plus(segment))
            else:
                params[name] = unquote_plus(segment.partition("=")[2])
                in_search = False
        event_id: int | None = None
        if "event_id" in params:
            if not INTEGER.fullmatch(params["event_id"]):
                raise SwoogoError(400, 'Invalid data received for parameter "event_id".')
            event_id = int(params["event_id"])
        ids: frozenset[int] | None = None
        if "ids" in params:
            parts = _names(params["ids"])
            if len(parts) > 100 or not all(p.isdigit() and int(p) > 0 for p in parts):
                raise SwoogoError(400, "ids must be at most 100 comma-separated positive integers.")
            ids = frozenset(int(p) for p in parts)
        fields = _names(params["fields"]) if "fields" in params else None
        return cls(
            event_id=event_id,
            page=_int_param(params, "page", 1),
            per_page=_int_param(params, "per-page", 20),
            fields=("*",) if fields and "*" in fields else fields,
            expand=_names(params.get("expand")),
            sort=_names(params.get("sort")),
            ids=ids,
            conditions=tuple(parse_condition(t) for t in terms if t.strip()),
            match_any=params.get("searchCondition", "").lower() == "or",
        )


def sort_key(value: Any) -> tuple[int, float, str]:
    value = _scalar(value)
    number = _number(value) if not isinstance(value, str) else None
    if value is None:
        return (0, 0.0, "")
    if number is not None:
        return (1, number, "")
    return (2, 0.0, str(value).lower())
