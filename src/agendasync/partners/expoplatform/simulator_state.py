"""The ExpoPlatform simulator's data and rules, without HTTP (`simulator.py` serves them).

Written from `shared/partners/expoplatform.md` and the "ExpoPlatform decisions" of
`shared/partners/README.md`. Every rule of the API lives here: setters that upsert by
`id` > `external_id` > `email`, required and formatted parameters, references that must exist
in the event, uniqueness (emails case-insensitively), non-fatal errors for unknown parameters,
"Invalid Filter" for unknown getter filters, paged lists with a `timestamp` delta, and an
optional per-key rate budget. Its errors are `ExpoError`s carrying the HTTP status.

Settled here, where the notes and decisions are silent:

- Error objects are `{"field", "message", "type", "code"}`; fatal ones have type `"error"`,
  non-fatal ones (inside a setter's `data.errors`) type `"warning"`. `code` is the status.
- Ids come from one counter for every table (they are opaque to clients anyway).
- A parameter repeated without brackets keeps its last value (as PHP does); a list
  parameter sent without brackets, or a scalar one with them, is an unknown parameter.
  A list sent as one empty value (`tags[]=`) is the empty list (that is how a form clears it).
- An empty optional value clears it; an empty required value is "Missing required parameter".
- A session's `type` is the type's id (the decisions' reading of "id or title").
- Taxonomy names are unique per event and kind, case-insensitively (a duplicate is a `400`);
  taxonomy setters look up by `id`, else `external_id` (no name lookup: a second item of the
  same name is refused).
- Deleting an account or a taxonomy item takes it off the sessions that referenced it; the
  sessions stay.
- `speakers/{event}/list` holds accounts that speak or moderate on a session of the event;
  `participants/{event}/list` holds every account of the event.
- `timestamp` is a logical clock, advanced by every write; a list's `data.timestamp` is the
  clock now, to pass as the next call's `timestamp`.
- Lists default to `limit=100`; a `limit` outside 1..100 or a `page` below 1 is "Invalid Filter".
"""

from __future__ import annotations

import copy
import itertools
import math
import re
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

Row = dict[str, Any]
Form = dict[str, str | list[str]]

DEFAULT_LANGUAGES = (
    "English",
    "German",
    "French",
    "Spanish",
    "Italian",
    "Dutch",
    "Portuguese",
    "Polish",
    "Arabic",
    "Chinese",
    "Japanese",
)
TAXONOMY = {"Track": "tracks", "Type": "types", "Tag": "tags", "Hall": "halls"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ACCOUNT_STATUSES = ("UPLOADED", "ACTIVE", "INACTIVE")


class ExpoError(Exception):
    """A fatal answer: HTTP `status`, a message, the parameter it is about."""

    def __init__(
        self, status: int, message: str, field: str = "", headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        return envelope(self.status, None, [problem(self.field, self.message, self.status)])


def problem(field: str, message: str, code: int, kind: str = "error") -> dict[str, Any]:
    return {"field": field, "message": message, "type": kind, "code": code}


def envelope(code: int, data: Any, errors: Iterable[dict[str, Any]] = ()) -> dict[str, Any]:
    return {"code": code, "errors": list(errors), "data": data}


@dataclass
class Knobs:
    latency_ms: int = 0
    rate_limit: int | None = None  # calls per `window_s` per key; None: no limit
    window_s: float = 1.0
    errors_in_200: bool = False  # fatal 400/404 answered as HTTP 200 with the code in the body

    def update(self, **changes: Any) -> None:
        for name, value in changes.items():
            if not hasattr(self, name):
                raise TypeError(f"unknown knob {name!r}")
            setattr(self, name, value)


@dataclass
class Stats:
    calls: Counter[str] = field(default_factory=Counter)  # "POST /session/set": n
    statuses: Counter[int] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    throttled: int = 0

    def writes(self) -> int:
        return sum(n for call, n in self.calls.items() if _is_write(call))

    def as_dict(self) -> dict[str, Any]:
        return {
            "calls": dict(self.calls),
            "statuses": {str(k): v for k, v in self.statuses.items()},
            "faults": dict(self.faults),
            "throttled": self.throttled,
        }


def _is_write(call: str) -> bool:
    verb = call.rsplit("/", 1)[-1]
    return verb.startswith(("set", "delete"))


# --- attributes ---------------------------------------------------------------------------------

# Kinds: text, date, time, email, url, status, bool, ref:<table>, refs:<table> (a `[]` list).
SESSION_ATTRS = {
    "external_id": "text",
    "name": "text",
    "description": "text",
    "date": "date",
    "startTime": "time",
    "endTime": "time",
    "type": "ref:types",
    "language": "ref:languages",
    "track": "ref:tracks",
    "hall": "ref:halls",
    "tags": "refs:tags",
    "speakers": "refs:accounts",
    "moderators": "refs:accounts",
    "sponsors": "refs:sponsors",
}
SESSION_REQUIRED = ("name", "date", "startTime", "endTime", "type", "language")
ACCOUNT_ATTRS = {
    "external_id": "text",
    "email": "email",
    "first_name": "text",
    "last_name": "text",
    "status": "status",
    "send_email": "bool",
    "title": "text",
    "company": "text",
    "website": "text",
    "tel": "text",
    "about_me": "text",
    "address": "text",
    "postcode": "text",
    "photo": "url",
    "facebook": "text",
    "linkedin": "text",
    "twitter": "text",
}
ACCOUNT_REQUIRED = ("email", "first_name", "last_name")
TAXONOMY_ATTRS = {"external_id": "text", "name": "text"}
_OBJECT = {
    "sessions": "Session",
    "accounts": "Account",
    "tracks": "Track",
    "types": "Type",
    "tags": "Tag",
    "halls": "Hall",
    "languages": "Language",
    "sponsors": "Sponsor",
}


def form_from_pairs(pairs: Iterable[tuple[str, str]]) -> Form:
    form: Form = {}
    for name, value in pairs:
        if name.endswith("[]"):
            listed = form.setdefault(name, [])
            assert isinstance(listed, list)
            listed.append(value.strip())
        else:
            form[name] = value.strip()
    return form


class ExpoState:
    """Keys, events, platform languages and every event's records, as plain dict rows."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.knobs = Knobs()
        self.stats = Stats()
        self.clock = clock
        self.keys: set[str] = set()
        self.events: dict[int, Row] = {}
        self.languages: dict[int, Row] = {}
        self.tables: dict[str, dict[int, Row]] = {
            name: {} for name in ("sessions", "accounts", "tracks", "types", "tags", "halls")
        }
        self._ids = itertools.count(101)
        self._tick = 0
        self._windows: dict[str, deque[float]] = {}
        self.set_languages(DEFAULT_LANGUAGES)

    # --- admin (what the partner's staff do by hand) ------------------------------------------

    def add_key(self, key: str) -> None:
        self.keys.add(key)

    def add_event(
        self, name: str, *, timezone: str = "UTC", start_date: str = "", end_date: str = ""
    ) -> int:
        start = start_date or date.today().isoformat()
        moment = datetime.fromisoformat(start).replace(tzinfo=ZoneInfo(timezone))
        offset = moment.strftime("%z")
        event_id = next(self._ids)
        self.events[event_id] = {
            "id": event_id,
            "name": name,
            "timezone": timezone,
            "utc_offset": f"{offset[:3]}:{offset[3:]}",
            "start_date": start,
            "end_date": end_date or start,
        }
        return event_id

    def set_languages(self, names: Iterable[str]) -> None:
        """The platform's languages (English is always kept)."""
        wanted = list(dict.fromkeys(["English", *names]))
        self.languages = {i: {"id": i, "name": name} for i, name in enumerate(wanted, start=1)}

    def add_contact(
        self, event_id: int, email: str, first_name: str, last_name: str, **values: str
    ) -> int:
        """A contact made in the platform's UI (no `external_id` unless given)."""
        self._event(event_id)
        form: Form = {"email": email, "first_name": first_name, "last_name": last_name, **values}
        return int(self.set_record("accounts", {"event_id": str(event_id), **form})["id"])

    def admin_delete(self, table: str, row_id: int) -> None:
        table = "accounts" if table == "speakers" else table
        if row_id not in self.tables.get(table, {}):
            raise KeyError(f"no {table} record {row_id}")
        self._remove(table, row_id)

    def records(self, event_id: int, table: str) -> list[Row]:
        table = "accounts" if table == "speakers" else table
        rows = self.tables.get(table, {}).values()
        return [copy.deepcopy(r) for r in rows if r["event_id"] == event_id]

    def dump(self) -> dict[str, Any]:
        return {
            "events": list(self.events.values()),
            "languages": list(self.languages.values()),
            **{name: list(rows.values()) for name, rows in self.tables.items()},
        }

    # --- auth and budget ---------------------------------------------------------------------

    def authenticate(self, authorization: str | None) -> str:
        """`Basic <key>` with the key as it is (a bare key is accepted too)."""
        text = (authorization or "").strip()
        key = text[6:].strip() if text[:6].lower() == "basic " else text
        if not key or key not in self.keys:
            raise ExpoError(401, "Invalid or expired API key", "Authorization")
        return key

    def spend(self, key: str) -> None:
        """One call of the key's budget, or a `429` with `Retry-After` when it is spent."""
        limit = self.knobs.rate_limit
        if not limit:
            return
        now = self.clock()
        window = self._windows.setdefault(key, deque())
        while window and window[0] <= now - self.knobs.window_s:
            window.popleft()
        if len(window) >= limit:
            self.stats.throttled += 1
            wait = max(1, math.ceil(window[0] + self.knobs.window_s - now))
            raise ExpoError(429, "Too many requests", headers={"Retry-After": str(wait)})
        window.append(now)

    # --- getters ------------------------------------------------------------------------------

    def event_list(self, params: Form) -> list[Row]:
        _filters(params, ())
        return [dict(row) for row in self.events.values()]

    def event_get(self, params: Form) -> Row:
        _filters(params, ("event_id",))
        return dict(self._event_of(params))

    def languages_list(self, params: Form) -> list[Row]:
        _filters(params, ("event_id",))
        self._event_of(params)
        return [dict(row) for row in self.languages.values()]

    def taxonomy_list(self, table: str, params: Form) -> list[Row]:
        _filters(params, ("event_id",))
        event = self._event_of(params)
        return [dict(r) for r in self.tables[table].values() if r["event_id"] == event["id"]]

    def get(self, table: str, params: Form) -> Row:
        keys = ("id", "external_id", "email") if table == "accounts" else ("id", "external_id")
        _filters(params, ("event_id", *keys))
        event = self._event_of(params)
        if not any(_scalar(params, k) for k in keys):
            raise ExpoError(400, "Missing required parameter: id", "id")
        row = self._lookup(table, event["id"], params, keys)
        if row is None:
            raise ExpoError(404, f"{_OBJECT[table]} not found", _given(params, keys))
        return copy.deepcopy(row)

    def exists(self, params: Form) -> dict[str, Any]:
        _filters(params, ("event_id", "email"))
        event = self._event_of(params)
        email = _scalar(params, "email")
        if not email:
            raise ExpoError(400, "Missing required parameter: email", "email")
        row = self._lookup("accounts", event["id"], {"email": email}, ("email",))
        return {"exists": row is not None, "id": row["id"] if row else None}

    def list_page(self, which: str, event_id: str, params: Form) -> dict[str, Any]:
        """`sessions`, `speakers` or `participants` of an event, a page at a time."""
        _filters(params, ("limit", "page", "timestamp"))
        event = self._event_of({"event_id": event_id})
        limit = _int_filter(params, "limit", 100)
        page = _int_filter(params, "page", 1)
        since = _int_filter(params, "timestamp", 0, low=0)
        if not 1 <= limit <= 100:
            raise ExpoError(400, "Invalid Filter: limit must be between 1 and 100", "limit")
        table = "sessions" if which == "sessions" else "accounts"
        rows = [r for r in self.tables[table].values() if r["event_id"] == event["id"]]
        if which == "speakers":
            on_stage = {
                person
                for s in self.tables["sessions"].values()
                if s["event_id"] == event["id"]
                for person in (*s["speakers"], *s["moderators"])
            }
            rows = [r for r in rows if r["id"] in on_stage]
        rows = [r for r in rows if r["timestamp"] > since]
        pages = max(1, math.ceil(len(rows) / limit))
        chosen = rows[(page - 1) * limit : page * limit]
        return {
            "list": copy.deepcopy(chosen),
            "total": len(rows),
            "page": page,
            "pages": pages,
            "limit": limit,
            "timestamp": self._tick,
        }

    # --- setters and destructors -------------------------------------------------------------

    def set_record(self, table: str, form: Form) -> dict[str, Any]:
        """An upsert: found by `id`, else `external_id`, else `email` (accounts); created on a
        miss unless looked up by `id`. Answers `{id, status, errors}`."""
        attrs, required = _schema(table)
        event = self._event_of(form)
        warnings = [
            problem(name, f"Unknown parameter: {name}", 400, "warning")
            for name in form
            if name not in ("event_id", "id") and _attr_name(name) not in attrs
        ]
        keys = ("id", "external_id", "email") if table == "accounts" else ("id", "external_id")
        row = self._lookup(table, event["id"], form, keys)
        if row is None and _scalar(form, "id"):
            raise ExpoError(404, f"{_OBJECT[table]} not found: {_scalar(form, 'id')}", "id")
        values = {}
        for name, kind in attrs.items():
            raw = form.get(f"{name}[]" if kind.startswith("refs:") else name)
            if raw is None:
                continue
            values[name] = self._convert(event["id"], name, kind, raw, name in required)
        if row is None:
            missing = [name for name in required if not values.get(name)]
            if missing:
                raise ExpoError(400, f"Missing required parameter: {missing[0]}", missing[0])
        merged = {**_blank(attrs), **(row or {}), **values}
        self._check(table, event["id"], merged, row)
        self._tick += 1
        if row is None:
            row = {"id": next(self._ids), "event_id": event["id"], **merged}
            self.tables[table][row["id"]] = row
            status = "CREATE"
        else:
            row.update(values)
            status = "UPDATE"
        row.pop("send_email", None)  # an instruction, not a value
        row["timestamp"] = self._tick
        return {"id": row["id"], "status": status, "errors": warnings}

    def delete_record(self, table: str, form: Form) -> dict[str, Any]:
        event = self._event_of(form)
        raw = _scalar(form, "id")
        if not raw:
            raise ExpoError(400, "Missing required parameter: id", "id")
        row = self.tables[table].get(_int_or_none(raw) or -1)
        if row is None or row["event_id"] != event["id"]:
            raise ExpoError(404, f"{_OBJECT[table]} not found: {raw}", "id")
        self._remove(table, row["id"])
        return {"id": row["id"], "status": "DELETE"}

    # --- rules ----------------------------------------------------------------------------------

    def _event(self, event_id: int) -> Row:
        event = self.events.get(event_id)
        if event is None:
            raise ExpoError(404, f"Event not found: {event_id}", "event_id")
        return event

    def _event_of(self, params: Mapping[str, Any]) -> Row:
        raw = _scalar(params, "event_id")
        if not raw:
            raise ExpoError(400, "Missing required parameter: event_id", "event_id")
        event_id = _int_or_none(raw)
        if event_id is None:
            raise ExpoError(400, "Invalid format of parameter: event_id", "event_id")
        return self._event(event_id)

    def _lookup(
        self, table: str, event_id: int, params: Mapping[str, Any], keys: tuple[str, ...]
    ) -> Row | None:
        """By the most senior key given, and only by that one."""
        for key in keys:
            value = _scalar(params, key)
            if not value:
                continue
            for row in self.tables[table].values():
                if row["event_id"] != event_id:
                    continue
                if key == "id" and str(row["id"]) == value:
                    return row
                if key == "external_id" and row.get("external_id") == value:
                    return row
                if key == "email" and (row.get("email") or "").lower() == value.lower():
                    return row
            return None
        return None

    def _convert(self, event_id: int, name: str, kind: str, raw: Any, required: bool) -> Any:
        if kind.startswith("refs:"):
            if not isinstance(raw, list):
                raise ExpoError(400, f"Invalid format of parameter: {name}", name)
            ids = [] if raw == [""] else raw
            return [self._reference(event_id, name, kind[5:], value) for value in ids]
        assert isinstance(raw, str)
        if not raw:
            if required:
                raise ExpoError(400, f"Missing required parameter: {name}", name)
            return None
        if kind.startswith("ref:"):
            return self._reference(event_id, name, kind[4:], raw)
        checks: dict[str, Callable[[str], bool]] = {
            "date": lambda v: bool(_DATE.match(v)) and _real_date(v),
            "time": lambda v: bool(_TIME.match(v)),
            "email": lambda v: bool(_EMAIL.match(v)),
            "url": lambda v: v.startswith(("http://", "https://")) and " " not in v,
            "status": lambda v: v in ACCOUNT_STATUSES,
            "bool": lambda v: v in ("0", "1", "true", "false"),
        }
        check = checks.get(kind)
        if check is not None and not check(raw):
            raise ExpoError(400, f"Invalid format of parameter: {name}", name)
        return raw

    def _reference(self, event_id: int, name: str, table: str, raw: str) -> int:
        ref = _int_or_none(raw)
        if table == "languages":
            found = ref in self.languages
        elif table == "sponsors":
            found = False  # there are no sponsors here
        else:
            row = self.tables[table].get(ref if ref is not None else -1)
            found = row is not None and row["event_id"] == event_id
        if not found or ref is None:
            raise ExpoError(404, f"{_OBJECT[table]} not found: {raw}", name)
        return ref

    def _check(self, table: str, event_id: int, merged: Row, current: Row | None) -> None:
        others = [
            r
            for r in self.tables[table].values()
            if r["event_id"] == event_id and (current is None or r["id"] != current["id"])
        ]
        unique: dict[str, Callable[[str], str]] = {"external_id": str.strip, "email": str.lower}
        if table in TAXONOMY.values():
            unique["name"] = str.lower
        for name, norm in unique.items():
            value = merged.get(name)
            if value and any(norm(r.get(name) or "") == norm(value) for r in others):
                raise ExpoError(400, f"Duplicate {name}: {value}", name)
        start, end = merged.get("startTime"), merged.get("endTime")
        if table == "sessions" and start and end and end <= start:
            raise ExpoError(400, "endTime must be after startTime", "endTime")

    def _remove(self, table: str, row_id: int) -> None:
        del self.tables[table][row_id]
        self._tick += 1
        for session in self.tables["sessions"].values():
            for name, kind in SESSION_ATTRS.items():
                if kind == f"ref:{table}" and session.get(name) == row_id:
                    session[name] = None
                elif kind == f"refs:{table}" and row_id in session.get(name, []):
                    session[name] = [v for v in session[name] if v != row_id]


def _schema(table: str) -> tuple[dict[str, str], tuple[str, ...]]:
    if table == "sessions":
        return SESSION_ATTRS, SESSION_REQUIRED
    if table == "accounts":
        return ACCOUNT_ATTRS, ACCOUNT_REQUIRED
    return TAXONOMY_ATTRS, ("name",)


def _blank(attrs: Mapping[str, str]) -> Row:
    return {
        name: [] if kind.startswith("refs:") else None
        for name, kind in attrs.items()
        if name != "send_email"
    }


def _attr_name(param: str) -> str:
    """`tags[]` names the list attribute `tags`; `tags` (no brackets) names nothing."""
    if param.endswith("[]"):
        base = param[:-2]
        return base if base in ("tags", "speakers", "moderators", "sponsors") else param
    return "" if param in ("tags", "speakers", "moderators", "sponsors") else param


def _filters(params: Form, allowed: tuple[str, ...]) -> None:
    for name in params:
        if name not in allowed:
            raise ExpoError(400, f"Invalid Filter: {name}", name)


def _scalar(params: Mapping[str, Any], name: str) -> str:
    value = params.get(name)
    return value.strip() if isinstance(value, str) else ""


def _given(params: Form, keys: tuple[str, ...]) -> str:
    return next((k for k in keys if _scalar(params, k)), keys[0])


def _int_or_none(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def _int_filter(params: Form, name: str, default: int, low: int = 1) -> int:
    raw = _scalar(params, name)
    if not raw:
        return default
    value = _int_or_none(raw)
    if value is None or value < low:
        raise ExpoError(400, f"Invalid Filter: {name} must be a whole number", name)
    return value


def _real_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True
