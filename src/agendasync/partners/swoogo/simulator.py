"""A faithful, in-memory simulator of Swoogo's REST API (`/api/v1`).

Written from the partner's documented API (`shared/partners/swoogo.md`) and the "Swoogo
decisions" of `shared/partners/README.md`, never from what a connector sends. It implements the
documented quirks: minimal default `fields`, `per-page` capped at 200, `1`/`0` booleans,
the time-zone allow-list (`US/Eastern`, not `America/New_York`), one track per session,
search silently ignoring custom fields, 10-credit list calls, and so on.

Use::

    state = SwoogoState()
    state.add_credentials("key", "secret")
    event_id = state.add_event("Summit", timezone="Europe/Berlin", start_date="2030-05-01")
    sim = SwoogoSimulator(state, window_seconds=10)      # an ASGI app
    with serve_in_thread(sim) as base_url:               # base_url + "/api/v1/..."
        ...
    sim.state.sessions, sim.stats.credits_spent, sim.faults.fail_next(2, status=503)

Layout:

- `SwoogoState`: the data (plain dict rows per table) and the rules: validation, credits,
  tokens, images, search/sort/paging. No HTTP in it; its errors are `SwoogoError`s.
- `ENTITIES`: one `EntitySpec` per resource (attributes with kinds, default `fields`,
  computed fields, `expand` relations, which operations exist). Create, update, delete, list
  and get are one generic path driven by these descriptions.
- `SwoogoSimulator`: the ASGI app. A front door (strips `.json`, counts calls, adds
  `X-Rate-Limit-*` headers, latency, faults) in front of a FastAPI app with the routes
  (`/api/v1/...`) and an unauthenticated admin API (`/_sim/...`).

Credits: 2,000 per rolling window (600 s) per consumer key; list calls ("get all") cost 10,
every other call 1, including the token call. Calls refused with 401 or 429 cost nothing.
`X-Rate-Limit-Limit` is the budget, `X-Rate-Limit-Remaining` what is left after this call,
`X-Rate-Limit-Reset` the whole seconds until the budget is full again (Yii2's meaning; 0 when
nothing is spent); on a 429 it is the seconds until the refused call's cost fits (at least 1).

Settled here (ASSUMPTIONs, where the notes leave it open):

- Token: the grant type is checked before the client (as the bshaffer OAuth2 server does):
  a JSON body or missing `grant_type` answers 400 "The grant type was not specified in the
  request", another grant type 400, then bad credentials 401 "The client credentials are
  invalid". `expires_at` is UTC. Unknown or expired bearer: 401 "Your request was made with
  invalid credentials." with `WWW-Authenticate: Bearer realm="api"`.
- Rate headers on an answer that cannot be tied to a credential (unknown bearer, unknown
  key) show the full budget and `Reset: 0`.
- Writes take `application/x-www-form-urlencoded` or `multipart/form-data`; any other body
  type answers 415. Unknown form fields are silently ignored (Yii2 "safe attributes"), so is
  `event_id` on update. An array (`track_id[]=1`) or repeated field where one value is
  expected is a 422. An empty optional field clears it.
- Validation beyond the documented rules, with Yii2 wording: strings at most 255 characters,
  `capacity` >= 0, `email`/`cc_email` must look like emails, `work_phone`/`mobile_phone`
  must be E.164 (`+4930123456`), `end_time` >= `start_time` (a session cannot span midnight),
  `use_event_timezone=0` needs a `timezone`. `location_id`/`track_id`/`level` must exist in
  the record's event ("... is invalid.").
- Time zones: `UTC`; `US/Eastern`, `US/Central`, `US/Mountain`, `US/Pacific`, `US/Alaska`,
  `US/Arizona`; any other IANA `Region/City` name (Africa, America, Antarctica, Arctic, Asia,
  Atlantic, Australia, Europe, Indian, Pacific), except the six `America/...` zones that have a
  `US/...` alias. Abbreviations, `Etc/...` and other `US/...` names are refused.
- Lists: the minimal default `fields` apply to list calls only; a single GET returns every
  field unless `fields=` is given. Default fields are `id,name`, speakers
  `id,first_name,last_name` (field definitions too: `id,name`). `page` past the last page
  answers the last page again (Yii2 `validatePage`); `per-page` is clamped to 1..200.
  `event_id` is required on sessions, speakers, sponsors, locations and tracks (400
  "Missing required parameters: event_id"); an unknown event answers 404. On
  `/sessions/fields` and `/sponsors/fields` `event_id` is an optional filter. `ids=` takes at
  most 100 positive integers (else 400). `sort` takes `a,-b`; unknown sort fields are ignored.
- Search parse: every `search=` value is URL-decoded and split on `&` (so `%26` joins
  conditions); raw `&`-segments that follow a `search=` segment and are not list parameters
  (`event_id, page, per-page, fields, expand, sort, ids, search, searchCondition`) are further
  conditions, so `?search=status=live&id>500` works unencoded. A condition is
  `<attribute><op><value>` with op `=, !=, >, <, >=, <=`; `=*contains*x`, `=*beginswith*x`,
  `=*endswith*x`, `=*in*a|b|c` (and `!=` with the same wrappers to negate; `name*contains*x`
  is also read as `=*contains*`). `=` and the string operators are case-insensitive;
  `>`/`<` compare numbers numerically, anything else as strings. Booleans compare as `1`/`0`,
  `{id, value}` objects by `id`. Conditions on `c_<id>` are dropped silently (the real
  API's bug); an unknown attribute or a malformed condition answers 400.
- Create answers 201 with the full record and a `Location` header, update 200, delete 204.
  404 bodies say "Object not found: <id>". Update/delete aliases `PUT`/`DELETE /{x}/{id}` exist
  for sessions, speakers and sponsors. `PUT /tracks/update/{id}` and
  `PUT /locations/update/{id}` exist by the same pattern (no delete for them over HTTP).
- Speakers: each create makes a new contact (`contact_id`, its own id space);
  `profile_picture` is read-only (set by `PUT /image/contact/{contact_id}/profile_picture`).
  `POST /speakers/{id}/session.json` takes JSON `{"session_ids": [...]}` (or form
  `session_ids[]=`), adds and de-duplicates, is all-or-nothing, and answers 200 with the full
  speaker plus `sessions`. `DELETE /speakers/{id}/sessions/{session_id}` answers 204, or 404
  when that session is not linked.
- Sponsor levels: each event has a built-in sponsor field `attribute: "level"`
  (`dropDownList`, seeded with Gold, Silver, Bronze unless `add_event(sponsor_levels=...)`
  says otherwise). `PUT /{sessions|sponsors}/field/{id}` takes JSON `{"name"?, "choices":
  [{"name"} to add | {"id","name"} to rename | {"id","delete":true} to remove]}` and answers
  the field. Sponsors read `level` as `{id, value}` or null.
- Images: `PUT /image/{registrant|contact|sponsor}/{id}/{field}` with multipart part `file`.
  Fields: contact/registrant `profile_picture`; sponsor `logo` (or `logo_id`). There are no
  registrants, so that type always answers 404. Limit 1 MiB (1,048,576 bytes; knob
  `image_max_bytes`); checks in Yii2 order: a file is there, its size, its extension
  (`jpg, jpeg, gif, png, webp, svg`), and its content must be an image of that kind (magic
  bytes; Yii2 checks the MIME type). The URL (`https://assets.swoogo.test/uploads/...`) is
  stored on the speakers' `profile_picture` / the sponsor's `logo_id` (the real type of
  `logo_id` is unknown).
- Faults happen at the front door, before authentication: an injected 5xx costs no credits;
  a "timeout" hangs, then answers 504 without doing the call; a "lost" answer does the call
  (it lands and is charged), then hangs `hang_seconds` and closes the connection without an
  answer (httpx sees `RemoteProtocolError`, or `ReadTimeout` if its timeout is shorter).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import copy
import dataclasses
import math
import re
import secrets
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from datetime import time as dtime
from functools import cache, partial
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote_plus
from zoneinfo import ZoneInfo, available_timezones

from fastapi import Body, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import Message, Receive, Scope, Send

from agendasync.simulators.faults import FaultKind, FaultKit, FaultRule
from agendasync.simulators.harness import SimulationBase

__all__ = [
    "API_PREFIX",
    "ENTITIES",
    "EntitySpec",
    "Knobs",
    "ListQuery",
    "Stats",
    "StoredImage",
    "SwoogoError",
    "SwoogoSimulator",
    "SwoogoState",
    "ValidationFailed",
    "create_app",
    "is_allowed_timezone",
]

API_PREFIX = "/api/v1"
ADMIN_PREFIX = "/_sim"
ASSET_BASE = "https://assets.swoogo.test/uploads"
SITE_BASE = "https://events.swoogo.test"
TIMESTAMP = "%Y-%m-%d %H:%M:%S"
LIST_COST = 10
CALL_COST = 1

Row = dict[str, Any]
Form = dict[str, str | list[str]]

# --------------------------------------------------------------------------------------------
# Time zones
# --------------------------------------------------------------------------------------------

US_ZONES = frozenset(
    {"US/Eastern", "US/Central", "US/Mountain", "US/Pacific", "US/Alaska", "US/Arizona"}
)
REFUSED_ZONES = frozenset(
    {
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Los_Angeles",
        "America/Anchorage",
        "America/Phoenix",
    }
)
_REGIONS = frozenset(
    [
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    ]
)


@cache
def _iana_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def is_allowed_timezone(name: str) -> bool:
    """Swoogo's allow-list: `UTC`, `US/Eastern`-style US zones, other `Region/City` names."""
    if name == "UTC" or name in US_ZONES:
        return True
    if name in REFUSED_ZONES:
        return False
    region, slash, _ = name.partition("/")
    return bool(slash) and region in _REGIONS and name in _iana_zones()


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------

_PHRASES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    415: "Unsupported Media Type",
    422: "Data Validation Failed.",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
_FAULT_MESSAGES = {
    500: "An internal server error occurred.",
    503: "The service is temporarily unavailable.",
    504: "The upstream server did not answer in time.",
}


def error_body(status: int, message: str) -> dict[str, Any]:
    """Yii2's error shape for everything but 422."""
    return {
        "name": _PHRASES.get(status, "Error"),
        "message": message,
        "code": 0,
        "status": status,
    }


class SwoogoError(Exception):
    """An error answer; `body()` is what goes on the wire."""

    def __init__(
        self, status: int, message: str, *, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message
        self.headers = dict(headers or {})

    def body(self) -> Any:
        return error_body(self.status, self.message)


class ValidationFailed(SwoogoError):
    """A 422; its body is `[{"field", "message"}, ...]`, one message per field."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__(422, "; ".join(f"{e['field']}: {e['message']}" for e in errors))
        self.errors = errors

    def body(self) -> Any:
        return self.errors


def _not_found(object_id: object) -> SwoogoError:
    return SwoogoError(404, f"Object not found: {object_id}")


class _Errors:
    """Collects the first message per field, as Yii2's `getFirstErrors()`."""

    def __init__(self) -> None:
        self._messages: dict[str, str] = {}

    def add(self, name: str, message: str) -> None:
        self._messages.setdefault(name, message)

    def has(self, name: str) -> bool:
        return name in self._messages

    def raise_if_any(self) -> None:
        if self._messages:
            raise ValidationFailed([{"field": f, "message": m} for f, m in self._messages.items()])


# --------------------------------------------------------------------------------------------
# Knobs, stats, faults
# --------------------------------------------------------------------------------------------


@dataclass
class Knobs:
    """Everything tunable; change attributes directly or with `update(**changes)`."""

    budget: int = 2000  # credits per window per consumer key
    window_seconds: float = 600.0  # the rolling rate-limit window
    token_lifetime_seconds: float = 1800.0
    latency_ms: float = 0.0  # added to every API call
    image_max_bytes: int = 1024 * 1024
    max_per_page: int = 200

    def update(self, **changes: Any) -> None:
        known = {f.name for f in dataclasses.fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown knob(s): {', '.join(sorted(unknown))}")
        for name, value in changes.items():
            setattr(self, name, type(getattr(self, name))(value))

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class Stats:
    """Accounting for assertions. Endpoint keys look like `POST /sessions/create`."""

    credits_spent: Counter[str] = field(default_factory=Counter)  # per consumer key
    throttled: Counter[str] = field(default_factory=Counter)  # 429 answers per consumer key
    calls: Counter[str] = field(default_factory=Counter)  # API calls received per endpoint
    statuses: Counter[int] = field(default_factory=Counter)  # statuses of answers sent
    faults: Counter[str] = field(default_factory=Counter)  # injected: error, timeout, lost

    def reset(self) -> None:
        for counter in (self.credits_spent, self.throttled, self.calls, self.faults):
            counter.clear()
        self.statuses.clear()

    def as_dict(self) -> dict[str, Any]:
        return {
            "credits_spent": dict(self.credits_spent),
            "throttled": dict(self.throttled),
            "calls": dict(self.calls),
            "statuses": {str(k): v for k, v in self.statuses.items()},
            "faults": dict(self.faults),
        }


# --------------------------------------------------------------------------------------------
# Entity descriptions
# --------------------------------------------------------------------------------------------

Kind = Literal[
    "string",  # one line, at most 255 characters unless max_length says otherwise
    "text",  # long text (HTML allowed)
    "int",
    "bool",  # "1" / "0" only
    "date",  # YYYY-MM-DD
    "time",  # HH:MM:SS
    "timezone",  # the allow-list
    "color",  # #RRGGBB
    "email",
    "phone",  # E.164
    "event",  # an existing event id
    "ref",  # an id in table `ref`, in the same event
    "level",  # a choice id of the event's sponsor `level` field
]


def attribute_label(name: str) -> str:
    """Yii2-style label: `event_id` -> `Event ID`, `use_event_timezone` -> `Use Event Timezone`."""
    return " ".join("ID" if part == "id" else part.capitalize() for part in name.split("_"))


@dataclass(frozen=True)
class Attr:
    """A writable attribute of an entity."""

    name: str
    kind: Kind = "string"
    required: bool = False
    default: Any = None
    ref: str = ""
    max_length: int | None = None
    minimum: int | None = None
    immutable: bool = False  # set on create only; ignored on update

    @property
    def label(self) -> str:
        return attribute_label(self.name)


Computed = Callable[["SwoogoState", Row], dict[str, Any]]
Expander = Callable[["SwoogoState", Row], Any]
Checker = Callable[["SwoogoState", Row, _Errors], None]


@dataclass(frozen=True)
class EntitySpec:
    """Everything the generic create/update/delete/list/get path needs to know."""

    name: str  # the URL segment and table name, e.g. "sessions"
    attrs: tuple[Attr, ...]
    default_fields: tuple[str, ...] = ("id", "name")
    computed: tuple[str, ...] = ()  # read-only fields `compute` adds, in output order
    compute: Computed | None = None
    expand: Mapping[str, Expander] = field(default_factory=dict)
    check: Checker | None = None  # cross-field rules, run after the per-field ones
    on_create: Callable[[SwoogoState, Row], None] | None = None
    event_scoped: bool = True  # rows carry event_id; lists require it
    writable: bool = True  # POST /x/create, PUT /x/update/{id}
    deletable: bool = False  # DELETE /x/delete/{id}, plus PUT/DELETE /x/{id} aliases
    custom_fields: bool = False  # c_<id> values, defined by /x/fields
    builtin_fields: tuple[tuple[str, str, str], ...] = ()  # (attribute, name, type) per event

    @property
    def output_names(self) -> tuple[str, ...]:
        names = ("id", *(a.name for a in self.attrs), *self.computed)
        return (*names, "created_at", "updated_at")

    def attr(self, name: str) -> Attr | None:
        return next((a for a in self.attrs if a.name == name), None)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "item"


def _clock12(moment: datetime) -> str:
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"


def _times_with_timezone(row: Row, zone: str | None) -> str | None:
    if not (zone and row.get("date") and row.get("start_time") and row.get("end_time")):
        return None
    day = date.fromisoformat(row["date"])
    tzinfo = ZoneInfo(zone)
    start = datetime.combine(day, dtime.fromisoformat(row["start_time"]), tzinfo=tzinfo)
    end = datetime.combine(day, dtime.fromisoformat(row["end_time"]), tzinfo=tzinfo)
    return f"{_clock12(start)} - {_clock12(end)} ({start.tzname()})"


def _session_computed(state: SwoogoState, row: Row) -> dict[str, Any]:
    event = state.events.get(row["event_id"], {})
    zone = event.get("timezone") if row.get("use_event_timezone") else row.get("timezone")
    slug = _slug(row.get("admin_short_name") or row["name"])
    site = f"{SITE_BASE}/{event.get('url', 'event')}"
    return {
        "timezone": zone,
        "times_with_timezone": _times_with_timezone(row, zone),
        "session_included": False,
        "direct_link": f"{site}/session/{row['id']}/{slug}",
        "virtual_link": f"{site}/v/s-{row['id']}",
    }


def _check_session(state: SwoogoState, row: Row, errors: _Errors) -> None:
    start, end = row.get("start_time"), row.get("end_time")
    if start and end and end < start and not errors.has("end_time"):
        errors.add("end_time", 'End Time must be greater than or equal to "Start Time".')
    if row.get("use_event_timezone") is False and not row.get("timezone"):
        errors.add("timezone", "Timezone cannot be blank.")


def _session_speakers(state: SwoogoState, row: Row) -> list[dict[str, Any]]:
    return [
        state.render(SPEAKERS, speaker)
        for speaker in state.speakers.values()
        if row["id"] in speaker["session_ids"]
    ]


def _related(table: str, key: str) -> Expander:
    def expand(state: SwoogoState, row: Row) -> Any:
        target = state.table(table).get(row.get(key) or 0)
        return None if target is None else state.render(ENTITIES[table], target)

    return expand


def _speaker_computed(state: SwoogoState, row: Row) -> dict[str, Any]:
    event = state.events.get(row["event_id"], {})
    return {
        "contact_id": row["contact_id"],
        "profile_picture": row.get("profile_picture"),
        "gender": None,
        "direct_link": f"{SITE_BASE}/{event.get('url', 'event')}/speaker/{row['id']}",
    }


def _speaker_sessions(state: SwoogoState, row: Row) -> list[dict[str, Any]]:
    return [state.render(SESSIONS, state.sessions[i]) for i in row["session_ids"]]


def _speaker_created(state: SwoogoState, row: Row) -> None:
    row["contact_id"] = state.new_contact()
    row["profile_picture"] = None
    row["session_ids"] = []


def _sponsor_computed(state: SwoogoState, row: Row) -> dict[str, Any]:
    event = state.events.get(row["event_id"], {})
    return {
        "logo_id": row.get("logo_id"),
        "direct_link": f"{SITE_BASE}/{event.get('url', 'event')}/sponsor/{row['id']}",
    }


def _children(table: str) -> Expander:
    def expand(state: SwoogoState, row: Row) -> Any:
        return [
            state.render(ENTITIES[table], child)
            for child in state.table(table).values()
            if child["event_id"] == row["id"]
        ]

    return expand


def _fixed(value: Any) -> Expander:
    return lambda state, row: copy.deepcopy(value)


def _by_user(state: SwoogoState, row: Row) -> dict[str, Any]:
    return {"created_by": row.get("created_by"), "updated_by": row.get("updated_by")}


def _field_computed(state: SwoogoState, row: Row) -> dict[str, Any]:
    return {"choices": copy.deepcopy(row["choices"])}


_EVENT_ID = Attr("event_id", "event", required=True, immutable=True)

EVENTS = EntitySpec(
    name="events",
    attrs=(
        Attr("name", required=True),
        Attr("status", default="live"),
        Attr("url"),
        Attr("folder_id", "int", default=0),
        Attr("type_id", "int"),
        Attr("organizer_id", "int"),
        Attr("start_date", "date"),
        Attr("start_time", "time"),
        Attr("end_date", "date"),
        Attr("end_time", "time"),
        Attr("close_date", "date"),
        Attr("close_time", "time"),
        Attr("timezone", "timezone", default="UTC"),
        Attr("capacity", "int", minimum=0),
        Attr("target_attendance", "int", minimum=0),
        Attr("free_event", "bool", default=False),
        Attr("description", "text"),
        Attr("hashtag"),
        Attr("domain"),
        Attr("webinar_url"),
    ),
    expand={
        "sessions": _children("sessions"),
        "speakers": _children("speakers"),
        "sponsors": _children("sponsors"),
        "location": _fixed(None),
        "folder": _fixed(None),
        "translations": _fixed([]),
    },
    event_scoped=False,
    writable=False,
)

SESSIONS = EntitySpec(
    name="sessions",
    attrs=(
        _EVENT_ID,
        Attr("name", required=True),
        Attr("admin_short_name"),
        Attr("badge_name"),
        Attr("description", "text"),
        Attr("date", "date"),
        Attr("start_time", "time"),
        Attr("end_time", "time"),
        Attr("use_event_timezone", "bool", default=True),
        Attr("timezone", "timezone"),
        Attr("capacity", "int", minimum=0),
        Attr("notes", "text"),
        Attr("location_id", "ref", ref="locations"),
        Attr("track_id", "ref", ref="tracks"),
        Attr("type_id", "int"),
        Attr("session_status"),
        Attr("locked_when_saved", "bool", default=False),
        Attr("selected_by_default", "bool", default=False),
        Attr("prevent_session_conflicts", "bool", default=False),
        Attr("selection_control"),
        Attr("webinar_url"),
        Attr("sold_out_message", "text"),
        Attr("secure_id"),
    ),
    computed=("times_with_timezone", "session_included", "direct_link", "virtual_link"),
    compute=_session_computed,
    expand={
        "speakers": _session_speakers,
        "location": _related("locations", "location_id"),
        "track": _related("tracks", "track_id"),
    },
    check=_check_session,
    deletable=True,
    custom_fields=True,
    builtin_fields=(
        ("name", "Name", "text"),
        ("description", "Description", "textarea"),
        ("date", "Date", "date"),
        ("start_time", "Start Time", "time"),
        ("end_time", "End Time", "time"),
    ),
)

SPEAKERS = EntitySpec(
    name="speakers",
    attrs=(
        _EVENT_ID,
        Attr("first_name", required=True),
        Attr("last_name", required=True),
        Attr("prefix"),
        Attr("middle_name"),
        Attr("suffix"),
        Attr("email", "email"),
        Attr("cc_email", "email"),
        Attr("company"),
        Attr("job_title"),
        Attr("bio", "text"),
        Attr("work_phone", "phone"),
        Attr("mobile_phone", "phone"),
        Attr("twitter_handle"),
        Attr("birth_date", "date"),
        Attr("vat_number"),
        Attr("cfs_speaker", "bool", default=False),
        Attr("event_sort", "int"),
    ),
    default_fields=("id", "first_name", "last_name"),
    computed=("contact_id", "profile_picture", "gender", "direct_link"),
    compute=_speaker_computed,
    expand={"sessions": _speaker_sessions},
    on_create=_speaker_created,
    deletable=True,
)

SPONSORS = EntitySpec(
    name="sponsors",
    attrs=(
        _EVENT_ID,
        Attr("name", required=True),
        Attr("website"),
        Attr("description", "text"),
        Attr("level", "level"),
        Attr("notes", "text"),
        Attr("webinar_url"),
        Attr("video_url"),
    ),
    computed=("logo_id", "direct_link"),
    compute=_sponsor_computed,
    deletable=True,
    custom_fields=True,
    builtin_fields=(
        ("name", "Name", "text"),
        ("website", "Website", "url"),
        ("description", "Description", "textarea"),
        ("logo_id", "Logo", "image"),
        ("level", "Sponsorship Level", "dropDownList"),
    ),
)

LOCATIONS = EntitySpec(
    name="locations",
    attrs=(
        _EVENT_ID,
        Attr("name", required=True, max_length=255),
        Attr("capacity", "int", minimum=0),
        Attr("color", "color"),
        Attr("use_event_address", "bool", default=True),
    ),
    computed=("created_by", "updated_by"),
    compute=_by_user,
)

TRACKS = EntitySpec(
    name="tracks",
    attrs=(_EVENT_ID, Attr("name", required=True), Attr("color", "color")),
)

FIELDS = EntitySpec(
    name="fields",
    attrs=(
        Attr("event_id", "int"),
        Attr("attribute"),
        Attr("name"),
        Attr("type"),
        Attr("required", "bool", default=False),
        Attr("visible", "bool", default=True),
        Attr("sort", "int"),
    ),
    computed=("choices",),
    compute=_field_computed,
    event_scoped=False,
    writable=False,
)

ENTITIES: dict[str, EntitySpec] = {
    spec.name: spec for spec in (EVENTS, SESSIONS, SPEAKERS, SPONSORS, LOCATIONS, TRACKS, FIELDS)
}
_SINGULAR = {name.removesuffix("s"): name for name in ENTITIES} | {"field_defs": "fields"}
_CHOICE_TYPES = frozenset({"dropDownList", "radioButtonList", "checkboxList"})

# --------------------------------------------------------------------------------------------
# Value parsing
# --------------------------------------------------------------------------------------------

_INT = re.compile(r"\s*[+-]?\d+\s*")
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
_FORMATS: dict[str, tuple[Callable[[str], bool], str]] = {
    "date": (_is_date, "The format of {label} is invalid."),
    "time": (_is_time, "The format of {label} is invalid."),
    "timezone": (is_allowed_timezone, "{label} is invalid."),
    "color": (lambda s: bool(_COLOR.fullmatch(s)), "{label} is invalid."),
    "email": (lambda s: bool(_EMAIL.fullmatch(s)), "{label} is not a valid email address."),
    "phone": (lambda s: bool(_PHONE.fullmatch(s)), "{label} is invalid."),
}
_INTEGER_KINDS = frozenset({"int", "event", "ref", "level"})


def _invalid(kind: str, label: str) -> str:
    if kind in _INTEGER_KINDS:
        return f"{label} must be an integer."
    if kind == "bool":
        return f'{label} must be either "1" or "0".'
    if kind in _FORMATS:
        return _FORMATS[kind][1].format(label=label)
    return f"{label} must be a string."


def _as_list(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def form_from_pairs(pairs: Iterable[tuple[str, str]]) -> Form:
    """Form fields as Yii2/PHP read them: `x[]=1` or `x[0]=1`, and repeats, make lists."""
    form: Form = {}
    for key, value in pairs:
        base, bracket, _ = key.partition("[")
        current = form.get(base)
        form[base] = value if current is None and not bracket else [*_as_list(current), value]
    return form


def _form_value(value: Any) -> str | list[str]:
    """A Python value as a client would form-encode it (for seeding through the rules)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return [str(_form_value(v)) for v in value]
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
    return int(value) if _INT.fullmatch(value) else default


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
            if not _INT.fullmatch(params["event_id"]):
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


def _sort_key(value: Any) -> tuple[int, float, str]:
    value = _scalar(value)
    number = _number(value) if not isinstance(value, str) else None
    if value is None:
        return (0, 0.0, "")
    if number is not None:
        return (1, number, "")
    return (2, 0.0, str(value).lower())


# --------------------------------------------------------------------------------------------
# Images
# --------------------------------------------------------------------------------------------

IMAGE_EXTENSIONS = ("jpg", "jpeg", "gif", "png", "webp", "svg")
_EXTENSION_KIND = {
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "gif": "gif",
    "png": "png",
    "webp": "webp",
    "svg": "svg",
}
IMAGE_FIELDS: dict[str, dict[str, str]] = {  # image type -> accepted field -> stored field
    "contact": {"profile_picture": "profile_picture"},
    "registrant": {"profile_picture": "profile_picture"},
    "sponsor": {"logo": "logo", "logo_id": "logo"},
}


def sniff_image(data: bytes) -> str | None:
    """The image kind the bytes are, by magic number: jpeg, png, gif, webp, svg, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    head = data[:4096].lstrip().lower()
    if (head.startswith((b"<?xml", b"<svg", b"<!doctype svg"))) and b"<svg" in head:
        return "svg"
    return None


def _format_size(size: int) -> str:
    for unit, scale in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} B"


@dataclass
class StoredImage:
    type: str
    id: int
    field: str
    url: str
    filename: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class _Token:
    key: str
    expires_at: float


@dataclass
class _Credential:
    key: str
    secret: str
    user_id: int


# --------------------------------------------------------------------------------------------
# State and rules
# --------------------------------------------------------------------------------------------

_ID_BASES = {
    "events": 100,
    "sessions": 1_000_000,
    "speakers": 2_000_000,
    "sponsors": 3_000_000,
    "locations": 4_000_000,
    "tracks": 5_000_000,
    "contacts": 6_000_000,
    "fields": 7_000_000,
    "choices": 8_000_000,
    "images": 9_000_000,
    "users": 12_000,
}


class SwoogoState:
    """Swoogo's data, in memory, and the rules that guard it.

    Tables (`events`, `sessions`, `speakers`, `sponsors`, `locations`, `tracks`,
    `field_defs`) map id -> row. Rows hold the stored values (`level` as a choice id,
    booleans as bool, custom fields as `c_<id>`; speakers also `contact_id`,
    `profile_picture` and `session_ids`). `view()` gives the API's rendering.
    Every id space starts at its own base, so a speaker id used as a contact id is a 404.
    """

    def __init__(
        self, knobs: Knobs | None = None, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.knobs = knobs if knobs is not None else Knobs()
        self.clock = clock
        self.stats = Stats()
        self._tables: dict[str, dict[int, Row]] = {name: {} for name in ENTITIES}
        self._counters = dict(_ID_BASES)
        self._credentials: dict[str, _Credential] = {}
        self._tokens: dict[str, _Token] = {}
        self._ledger: dict[str, deque[tuple[float, int]]] = {}
        self._contacts: set[int] = set()
        self.images: dict[tuple[str, int, str], StoredImage] = {}

    # -- reading ---------------------------------------------------------------------------

    def table(self, name: str) -> dict[int, Row]:
        return self._tables[_SINGULAR.get(name, name)]

    @property
    def events(self) -> dict[int, Row]:
        return self._tables["events"]

    @property
    def sessions(self) -> dict[int, Row]:
        return self._tables["sessions"]

    @property
    def speakers(self) -> dict[int, Row]:
        return self._tables["speakers"]

    @property
    def sponsors(self) -> dict[int, Row]:
        return self._tables["sponsors"]

    @property
    def locations(self) -> dict[int, Row]:
        return self._tables["locations"]

    @property
    def tracks(self) -> dict[int, Row]:
        return self._tables["tracks"]

    @property
    def field_defs(self) -> dict[int, Row]:
        return self._tables["fields"]

    @property
    def contacts(self) -> frozenset[int]:
        return frozenset(self._contacts)

    def find(self, entity: str, **match: Any) -> list[Row]:
        """Rows whose stored values equal all of `match`, e.g. `find("sessions", name="X")`."""
        return [
            row
            for row in self.table(entity).values()
            if all(row.get(k) == v for k, v in match.items())
        ]

    def view(
        self,
        entity: str,
        row_id: int,
        *,
        fields: Sequence[str] | None = None,
        expand: Sequence[str] = (),
    ) -> dict[str, Any]:
        """The API's rendering of one row (all fields unless `fields`)."""
        spec = self._spec(entity)
        wanted = None if fields is None or "*" in fields else fields
        return self.render(spec, self._row(spec.name, row_id), wanted, expand)

    def speaker_session_ids(self, speaker_id: int) -> list[int]:
        return list(self._row("speakers", speaker_id)["session_ids"])

    def level_field(self, event_id: int) -> Row:
        """The event's built-in sponsor field `attribute: "level"`."""
        for row in self.field_defs.values():
            if (row["entity"], row["event_id"], row["attribute"]) == (
                "sponsors",
                event_id,
                "level",
            ):
                return row
        raise _not_found(event_id)

    def dump(self) -> dict[str, Any]:
        """Everything, JSON-ready: tables as lists of stored rows, images, knobs, stats."""
        tables = {
            "field_defs" if name == "fields" else name: [copy.deepcopy(r) for r in rows.values()]
            for name, rows in self._tables.items()
        }
        images = [
            {k: v for k, v in dataclasses.asdict(image).items() if k != "data"}
            | {"size": len(image.data)}
            for image in self.images.values()
        ]
        return {
            **tables,
            "contacts": sorted(self._contacts),
            "images": images,
            "credentials": sorted(self._credentials),
            "knobs": self.knobs.as_dict(),
            "stats": self.stats.as_dict(),
        }

    def snapshot(self) -> dict[str, Any]:
        """Everything a later `restore` needs to answer as this state would (the demo keeps
        its partner in a file between runs); JSON-ready. Stats and the rate window are left
        out: they describe this process, not the partner's data."""
        return {
            "tables": {name: list(rows.values()) for name, rows in self._tables.items()},
            "counters": self._counters,
            "credentials": [dataclasses.asdict(c) for c in self._credentials.values()],
            "tokens": {token: dataclasses.asdict(t) for token, t in self._tokens.items()},
            "contacts": sorted(self._contacts),
            "images": [
                dataclasses.asdict(image) | {"data": base64.b64encode(image.data).decode()}
                for image in self.images.values()
            ],
            "knobs": self.knobs.as_dict(),
        }

    @classmethod
    def restore(cls, snapshot: Mapping[str, Any]) -> SwoogoState:
        """The state a `snapshot()` was taken of."""
        state = cls(Knobs(**snapshot["knobs"]))
        for name, rows in snapshot["tables"].items():
            state._tables[name] = {row["id"]: row for row in rows}
        state._counters = dict(snapshot["counters"])
        state._credentials = {c["key"]: _Credential(**c) for c in snapshot["credentials"]}
        state._tokens = {token: _Token(**t) for token, t in snapshot["tokens"].items()}
        state._contacts = set(snapshot["contacts"])
        for image in snapshot["images"]:
            stored = StoredImage(**(image | {"data": base64.b64decode(image["data"])}))
            state.images[(stored.type, stored.id, stored.field)] = stored
        return state

    # -- seeding (Python API) ----------------------------------------------------------------

    def has_credentials(self, key: str) -> bool:
        return key in self._credentials

    def add_credentials(self, key: str, secret: str) -> int:
        """Register an API credential; returns the id of the user it acts as."""
        user_id = self._next_id("users")
        self._credentials[key] = _Credential(key, secret, user_id)
        return user_id

    def add_event(
        self,
        name: str,
        *,
        timezone: str = "UTC",
        start_date: str | None = None,
        end_date: str | None = None,
        status: str = "live",
        sponsor_levels: Sequence[str] = ("Gold", "Silver", "Bronze"),
        **fields: Any,
    ) -> int:
        """Create an event (validated like any write: `America/New_York` is refused)."""
        values = {"name": name, "timezone": timezone, "status": status, **fields}
        values |= {"start_date": start_date, "end_date": end_date}
        row = self._insert(EVENTS, {k: _form_value(v) for k, v in values.items()}, None)
        row["url"] = row.get("url") or _slug(name)
        for spec in ENTITIES.values():
            for sort, (attribute, label, kind) in enumerate(spec.builtin_fields):
                self._add_field_def(spec.name, row["id"], attribute, label, kind, sort)
        for level in sponsor_levels:
            self.add_sponsor_level(row["id"], level)
        return int(row["id"])

    def add_custom_field(
        self,
        entity: str,
        event_id: int,
        name: str,
        *,
        type: str = "text",
        choices: Sequence[str] = (),
    ) -> int:
        """Define a custom field `c_<id>` on sessions or sponsors of an event."""
        spec = self._spec(entity)
        if not spec.custom_fields:
            raise ValueError(f"{spec.name} have no custom fields")
        self._row("events", event_id)
        sort = sum(1 for r in self.field_defs.values() if r["entity"] == spec.name)
        row = self._add_field_def(spec.name, event_id, "", name, type, sort)
        row["attribute"] = f"c_{row['id']}"
        for choice in choices:
            self._add_choice(row, choice)
        return int(row["id"])

    def add_sponsor_level(self, event_id: int, name: str) -> int:
        """Add a tier to the event's `level` field; returns the choice id."""
        return self._add_choice(self.level_field(event_id), name)

    def seed(self, entity: str, **values: Any) -> int:
        """Create a row through the same rules as `POST /<entity>/create`; returns its id."""
        spec = self._spec(entity)
        form = {k: _form_value(v) for k, v in values.items()}
        return int(self._insert(spec, form, None)["id"])

    def admin_delete(self, entity: str, row_id: int) -> None:
        """Delete as a person would in Swoogo's UI: any entity, no credits, links cleaned."""
        spec = self._spec(entity)
        self._row(spec.name, row_id)
        self._remove(spec.name, row_id)

    def expire_tokens(self) -> None:
        now = self.clock()
        for token in self._tokens.values():
            token.expires_at = min(token.expires_at, now)

    def new_contact(self) -> int:
        contact_id = self._next_id("contacts")
        self._contacts.add(contact_id)
        return contact_id

    # -- authentication and credits ----------------------------------------------------------

    def authenticate_client(self, authorization: str | None) -> str:
        """`Basic base64(urlencode(key):urlencode(secret))` -> the consumer key, or 401."""
        pair = _basic_credentials(authorization)
        credential = self._credentials.get(pair[0]) if pair else None
        if (
            pair is None
            or credential is None
            or not secrets.compare_digest(credential.secret, pair[1])
        ):
            raise SwoogoError(401, "The client credentials are invalid")
        return credential.key

    def issue_token(self, key: str) -> dict[str, str]:
        token = secrets.token_hex(20)
        expires_at = self.clock() + self.knobs.token_lifetime_seconds
        self._tokens[token] = _Token(key, expires_at)
        stamp = datetime.fromtimestamp(expires_at, UTC).strftime(TIMESTAMP)
        return {"access_token": token, "type": "bearer", "expires_at": stamp}

    def authenticate_bearer(self, authorization: str | None) -> str:
        """`Bearer <token>` -> the consumer key, or 401 (unknown or expired token)."""
        token = self._tokens.get(_bearer(authorization) or "")
        if token is None or self.clock() >= token.expires_at:
            raise SwoogoError(401, "Your request was made with invalid credentials.")
        return token.key

    def key_for(self, authorization: str | None) -> str | None:
        """The credential a request names (even with an expired token), for rate headers."""
        token = self._tokens.get(_bearer(authorization) or "")
        if token is not None:
            return token.key
        pair = _basic_credentials(authorization)
        return pair[0] if pair and pair[0] in self._credentials else None

    def user_id(self, key: str | None) -> int | None:
        credential = self._credentials.get(key or "")
        return credential.user_id if credential else None

    def charge(self, key: str, cost: int) -> None:
        """Spend `cost` credits of `key`'s window, or raise the 429."""
        if cost > self.credits_remaining(key):
            self.stats.throttled[key] += 1
            raise SwoogoError(
                429, "Rate limit exceeded.", headers=self.rate_headers(key, refused_cost=cost)
            )
        self._ledger.setdefault(key, deque()).append((self.clock(), cost))
        self.stats.credits_spent[key] += cost

    def credits_remaining(self, key: str) -> int:
        return max(0, self.knobs.budget - sum(c for _, c in self._window(key)))

    def rate_headers(self, key: str | None, *, refused_cost: int | None = None) -> dict[str, str]:
        budget = self.knobs.budget
        if key is None:
            return _rate(budget, budget, 0)
        return _rate(budget, self.credits_remaining(key), self._reset(key, refused_cost))

    def _window(self, key: str) -> deque[tuple[float, int]]:
        ledger = self._ledger.setdefault(key, deque())
        cutoff = self.clock() - self.knobs.window_seconds
        while ledger and ledger[0][0] <= cutoff:
            ledger.popleft()
        return ledger

    def _reset(self, key: str, refused_cost: int | None) -> int:
        ledger = self._window(key)
        if not ledger:
            return 0
        now, window = self.clock(), self.knobs.window_seconds
        if refused_cost is None:
            return max(1, math.ceil(ledger[-1][0] + window - now))
        deficit = refused_cost - self.credits_remaining(key)
        freed = 0
        for spent_at, cost in ledger:
            freed += cost
            if freed >= deficit:
                return max(1, math.ceil(spent_at + window - now))
        return max(1, math.ceil(window))  # more than a whole budget: never fits

    # -- generic create / update / delete / list ---------------------------------------------

    def create(self, entity: str, form: Form, *, user_id: int | None = None) -> Row:
        spec = self._spec(entity)
        if not spec.writable:
            raise SwoogoError(405, f"{spec.name} cannot be created through the API.")
        return self._insert(spec, form, user_id)

    def update(self, entity: str, row_id: int, form: Form, *, user_id: int | None = None) -> Row:
        spec = self._spec(entity)
        current = self._row(spec.name, row_id)
        row = self._clean(spec, form, current)
        row["updated_at"], row["updated_by"] = self._now(), user_id
        self._tables[spec.name][row_id] = row
        return row

    def delete(self, entity: str, row_id: int) -> None:
        spec = self._spec(entity)
        self._row(spec.name, row_id)
        self._remove(spec.name, row_id)

    def list_records(
        self, entity: str, query: ListQuery
    ) -> tuple[list[dict[str, Any]], dict[str, int]]:
        spec = self._spec(entity)
        rows = list(self._tables[spec.name].values())
        if spec.event_scoped:
            if query.event_id is None:
                raise SwoogoError(400, "Missing required parameters: event_id")
            self._row("events", query.event_id)
            rows = [r for r in rows if r["event_id"] == query.event_id]
        return self._page(spec, rows, query)

    def list_fields(
        self, entity: str, query: ListQuery
    ) -> tuple[list[dict[str, Any]], dict[str, int]]:
        """`GET /<entity>/fields`: field definitions, optionally of one event."""
        name = self._spec(entity).name
        rows = [
            r
            for r in self.field_defs.values()
            if r["entity"] == name and query.event_id in (None, r["event_id"])
        ]
        return self._page(FIELDS, rows, query)

    def field_def(self, entity: str, field_id: int) -> Row:
        row = self.field_defs.get(field_id)
        if row is None or row["entity"] != self._spec(entity).name:
            raise _not_found(field_id)
        return row

    def update_field(self, entity: str, field_id: int, body: Any) -> Row:
        """`PUT /<entity>/field/{id}` with `{"name"?, "choices": [...]}` (add/rename/delete)."""
        row = self.field_def(entity, field_id)
        if not isinstance(body, dict):
            raise SwoogoError(400, "The request body must be a JSON object.")
        errors = _Errors()
        updated = copy.deepcopy(row)
        if "name" in body:
            if not isinstance(body["name"], str) or not body["name"].strip():
                errors.add("name", "Name cannot be blank.")
            else:
                updated["name"] = body["name"]
        if "choices" in body:
            self._apply_choices(updated, body["choices"], errors)
        errors.raise_if_any()
        for choice in updated["choices"]:
            if choice["id"] is None:
                choice["id"] = self._next_id("choices")
        updated["updated_at"] = self._now()
        self.field_defs[field_id] = updated
        return updated

    def render(
        self,
        spec: EntitySpec,
        row: Row,
        fields: Sequence[str] | None = None,
        expand: Sequence[str] = (),
    ) -> dict[str, Any]:
        """A row as the API shows it; `fields=None` means every field."""
        out: dict[str, Any] = {"id": row["id"]}
        for attr in spec.attrs:
            out[attr.name] = self._output(attr, row.get(attr.name), row)
        if spec.compute is not None:
            out.update(spec.compute(self, row))
        out["created_at"], out["updated_at"] = row.get("created_at"), row.get("updated_at")
        if spec.custom_fields:
            custom = {
                d["attribute"]: _custom_output(d, row.get(d["attribute"]))
                for d in self._custom_defs(spec.name, row["event_id"])
            }
            out |= custom
            out["custom_fields"] = custom
        if fields is not None:
            out = {k: v for k, v in out.items() if k in fields}
        for name in expand:
            if name in spec.expand:
                out[name] = spec.expand[name](self, row)
        return out

    # -- speakers <-> sessions ---------------------------------------------------------------

    def link_sessions(self, speaker_id: int, session_ids: Any) -> Row:
        """Add sessions to a speaker (de-duplicated, all-or-nothing, same event only)."""
        speaker = self._row("speakers", speaker_id)
        if session_ids in (None, "", []):
            raise ValidationFailed(
                [{"field": "session_ids", "message": "Session Ids cannot be blank."}]
            )
        items = session_ids if isinstance(session_ids, list) else [session_ids]
        wanted: list[int] = []
        for item in items:
            if isinstance(item, bool) or not (
                isinstance(item, int) or (isinstance(item, str) and item.strip().isdigit())
            ):
                raise ValidationFailed(
                    [{"field": "session_ids", "message": "Session Ids must be a list of integers."}]
                )
            wanted.append(int(item))
        for session_id in wanted:
            session = self.sessions.get(session_id)
            if session is None:
                message = f"Session {session_id} does not exist."
            elif session["event_id"] != speaker["event_id"]:
                message = f"Session {session_id} does not belong to the speaker's event."
            else:
                continue
            raise ValidationFailed([{"field": "session_ids", "message": message}])
        linked = speaker["session_ids"]
        for session_id in wanted:
            if session_id not in linked:
                linked.append(session_id)
        speaker["updated_at"] = self._now()
        return speaker

    def unlink_session(self, speaker_id: int, session_id: int) -> None:
        speaker = self._row("speakers", speaker_id)
        if session_id not in speaker["session_ids"]:
            raise _not_found(session_id)
        speaker["session_ids"].remove(session_id)
        speaker["updated_at"] = self._now()

    # -- images ------------------------------------------------------------------------------

    def upload_image(
        self,
        image_type: str,
        target_id: int,
        field_id: str,
        filename: str | None,
        data: bytes | None,
    ) -> dict[str, Any]:
        stored_field = self._image_target(image_type, target_id, field_id)
        label = filename or "file"
        extensions = ", ".join(IMAGE_EXTENSIONS)
        extension = filename.rpartition(".")[2].lower() if filename and "." in filename else ""
        if data is None:
            message = "Please upload a file."
        elif len(data) > self.knobs.image_max_bytes:
            limit = _format_size(self.knobs.image_max_bytes)
            message = f'The file "{label}" is too big. Its size cannot exceed {limit}.'
        elif extension not in _EXTENSION_KIND:
            message = f"Only files with these extensions are allowed: {extensions}."
        elif sniff_image(data) != _EXTENSION_KIND[extension]:
            message = f'The file "{label}" is not an image.'
        else:
            message = ""
        if message or data is None:
            raise ValidationFailed([{"field": "file", "message": message}])
        image_id = self._next_id("images")
        url = f"{ASSET_BASE}/medium/{image_id}-{secrets.token_hex(4)}.{extension}"
        self.images[(image_type, target_id, stored_field)] = StoredImage(
            image_type, target_id, stored_field, url, label, data
        )
        if image_type == "contact":
            for speaker in self.find("speakers", contact_id=target_id):
                speaker["profile_picture"] = url
        elif image_type == "sponsor":
            self.sponsors[target_id]["logo_id"] = url
        return {
            "message": "File Uploaded Successfully",
            "status": 200,
            "type": image_type,
            "id": str(target_id),
            "field": field_id,
            "url": url,
        }

    def get_image(self, image_type: str, target_id: int, field_id: str) -> dict[str, Any]:
        stored_field = self._image_target(image_type, target_id, field_id)
        image = self.images.get((image_type, target_id, stored_field))
        return {
            "field": field_id,
            "id": str(target_id),
            "message": "File Retrieved Successfully",
            "status": 200,
            "type": image_type,
            "url": image.url if image else None,
        }

    # -- internals ---------------------------------------------------------------------------

    def _spec(self, entity: str) -> EntitySpec:
        spec = ENTITIES.get(_SINGULAR.get(entity, entity))
        if spec is None:
            raise ValueError(f"unknown entity {entity!r}")
        return spec

    def _row(self, table: str, row_id: int) -> Row:
        row = self._tables[table].get(row_id)
        if row is None:
            raise _not_found(row_id)
        return row

    def _next_id(self, space: str) -> int:
        self._counters[space] += 1
        return self._counters[space]

    def _now(self) -> str:
        return datetime.fromtimestamp(self.clock(), UTC).strftime(TIMESTAMP)

    def _insert(self, spec: EntitySpec, form: Form, user_id: int | None) -> Row:
        row = self._clean(spec, form, None)
        row["id"] = self._next_id(spec.name)
        row["created_at"] = row["updated_at"] = self._now()
        row["created_by"] = row["updated_by"] = user_id
        if spec.on_create is not None:
            spec.on_create(self, row)
        self._tables[spec.name][row["id"]] = row
        return row

    def _clean(self, spec: EntitySpec, form: Form, current: Row | None) -> Row:
        """Validate `form` against `spec` (Yii2 rules and wording) into a new row."""
        errors = _Errors()
        creating = current is None
        row: Row = dict(current) if current else {a.name: a.default for a in spec.attrs}
        for attr in spec.attrs:
            if attr.immutable and not creating:
                continue
            raw = form.get(attr.name)
            if raw is None or raw in ("", []):
                if attr.required and (creating or raw is not None):
                    errors.add(attr.name, f"{attr.label} cannot be blank.")
                elif raw is not None:
                    row[attr.name] = attr.default
                continue
            try:
                row[attr.name] = self._convert(attr, raw)
            except ValueError as exc:
                errors.add(attr.name, str(exc))
        event_id = row.get("event_id")
        if spec.event_scoped and event_id in self.events:
            for attr in spec.attrs:
                value = row.get(attr.name)
                checked = attr.name in form and value is not None and not errors.has(attr.name)
                if checked and not self._belongs(attr, value, event_id):
                    errors.add(attr.name, f"{attr.label} is invalid.")
            if spec.custom_fields:
                for definition in self._custom_defs(spec.name, event_id):
                    name = definition["attribute"]
                    if name in form:
                        try:
                            row[name] = _custom_value(definition, form[name])
                        except ValueError as exc:
                            errors.add(name, str(exc))
        if spec.check is not None:
            spec.check(self, row, errors)
        errors.raise_if_any()
        return row

    def _convert(self, attr: Attr, raw: str | list[str]) -> Any:
        label = attr.label
        if isinstance(raw, list):
            raise ValueError(_invalid(attr.kind, label))
        if attr.kind in _INTEGER_KINDS:
            if not _INT.fullmatch(raw):
                raise ValueError(_invalid(attr.kind, label))
            value = int(raw)
            if attr.minimum is not None and value < attr.minimum:
                raise ValueError(f"{label} must be no less than {attr.minimum}.")
            if attr.kind == "event" and value not in self.events:
                raise ValueError(f"{label} is invalid.")
            return value
        if attr.kind == "bool":
            if raw not in ("1", "0"):
                raise ValueError(_invalid("bool", label))
            return raw == "1"
        if attr.kind in _FORMATS:
            accepts, message = _FORMATS[attr.kind]
            if not accepts(raw):
                raise ValueError(message.format(label=label))
            return raw
        limit = attr.max_length or (255 if attr.kind == "string" else None)
        if limit is not None and len(raw) > limit:
            raise ValueError(f"{label} should contain at most {limit} characters.")
        return raw

    def _belongs(self, attr: Attr, value: Any, event_id: int) -> bool:
        """Does a `ref`/`level` value exist within the event?"""
        if attr.kind == "ref":
            target = self._tables[attr.ref].get(value)
            return target is not None and target["event_id"] == event_id
        if attr.kind == "level":
            return any(c["id"] == value for c in self.level_field(event_id)["choices"])
        return True

    def _output(self, attr: Attr, value: Any, row: Row) -> Any:
        if attr.kind == "level" and value is not None:
            choices = self.level_field(row["event_id"])["choices"]
            choice = next((c for c in choices if c["id"] == value), None)
            return None if choice is None else {"id": choice["id"], "value": choice["name"]}
        return value

    def _custom_defs(self, entity: str, event_id: int) -> list[Row]:
        return [
            r
            for r in self.field_defs.values()
            if r["entity"] == entity
            and r["event_id"] == event_id
            and r["attribute"].startswith("c_")
        ]

    def _add_field_def(
        self, entity: str, event_id: int, attribute: str, name: str, kind: str, sort: int
    ) -> Row:
        row: Row = {
            "id": self._next_id("fields"),
            "entity": entity,
            "event_id": event_id,
            "attribute": attribute,
            "name": name,
            "type": kind,
            "required": attribute == "name",
            "visible": True,
            "sort": sort,
            "choices": [],
            "created_at": self._now(),
            "updated_at": self._now(),
        }
        self.field_defs[row["id"]] = row
        return row

    def _add_choice(self, definition: Row, name: str) -> int:
        choice_id = self._next_id("choices")
        sort = max((c["sort"] for c in definition["choices"]), default=-1) + 1
        definition["choices"].append({"id": choice_id, "name": name, "sort": sort})
        return choice_id

    def _apply_choices(self, row: Row, changes: Any, errors: _Errors) -> None:
        if row["type"] not in _CHOICE_TYPES:
            errors.add("choices", f"{row['name']} has no choices.")
            return
        if not isinstance(changes, list) or not all(isinstance(c, dict) for c in changes):
            errors.add("choices", "Choices must be a list of objects.")
            return
        choices: list[dict[str, Any]] = row["choices"]
        for change in changes:
            name = change.get("name")
            if "id" not in change:
                if not isinstance(name, str) or not name.strip():
                    errors.add("choices", "Choice name cannot be blank.")
                    return
                sort = max((c["sort"] for c in choices), default=-1) + 1
                choices.append({"id": None, "name": name, "sort": sort})
                continue
            existing = next((c for c in choices if c["id"] == change["id"]), None)
            if existing is None:
                errors.add("choices", f"Choice {change['id']} does not exist.")
                return
            if change.get("delete") is True:
                choices.remove(existing)
            elif isinstance(name, str) and name.strip():
                existing["name"] = name

    def _image_target(self, image_type: str, target_id: int, field_id: str) -> str:
        fields = IMAGE_FIELDS.get(image_type)
        exists = {
            "contact": target_id in self._contacts,
            "sponsor": target_id in self.sponsors,
        }.get(image_type, False)
        if fields is None or not exists:
            raise _not_found(target_id)
        if field_id not in fields:
            raise ValidationFailed([{"field": "field_id", "message": "Field ID is invalid."}])
        return fields[field_id]

    def _remove(self, table: str, row_id: int) -> None:
        """Delete a row and whatever pointed at it."""
        self._tables[table].pop(row_id, None)
        if table == "sessions":
            for speaker in self.speakers.values():
                if row_id in speaker["session_ids"]:
                    speaker["session_ids"].remove(row_id)
        elif table in ("locations", "tracks"):
            key = "location_id" if table == "locations" else "track_id"
            for session in self.find("sessions", **{key: row_id}):
                session[key] = None
        elif table == "sponsors":
            for image_key in [k for k in self.images if k[:2] == ("sponsor", row_id)]:
                del self.images[image_key]
        elif table == "events":
            for name in ("sessions", "speakers", "sponsors", "locations", "tracks"):
                for child in self.find(name, event_id=row_id):
                    self._remove(name, child["id"])
            for definition in self.find("fields", event_id=row_id):
                del self.field_defs[definition["id"]]

    def _page(
        self, spec: EntitySpec, rows: list[Row], query: ListQuery
    ) -> tuple[list[dict[str, Any]], dict[str, int]]:
        if query.ids is not None:
            rows = [r for r in rows if r["id"] in query.ids]
        conditions = [c for c in query.conditions if not re.fullmatch(r"c_\d+", c.attribute)]
        unknown = [c.attribute for c in conditions if c.attribute not in spec.output_names]
        if unknown:
            raise SwoogoError(400, f"Unknown search attribute: {unknown[0]}")
        sort = [s for s in query.sort if s.lstrip("-+") in spec.output_names]
        rows.sort(key=lambda r: r["id"])
        if conditions or sort:
            full = {r["id"]: self.render(spec, r) for r in rows}
            if conditions:
                combine = any if query.match_any else all
                rows = [
                    r
                    for r in rows
                    if combine(c.matches(full[r["id"]].get(c.attribute)) for c in conditions)
                ]
            for term in reversed(sort):
                name = term.lstrip("-+")
                rows.sort(key=partial(_row_sort_key, full, name), reverse=term.startswith("-"))
        per_page = min(max(query.per_page, 1), self.knobs.max_per_page)
        total = len(rows)
        page_count = math.ceil(total / per_page)
        page = min(max(query.page, 1), max(page_count, 1))
        chunk = rows[(page - 1) * per_page : page * per_page]
        fields: Sequence[str] | None = (
            None if query.fields == ("*",) else (query.fields or spec.default_fields)
        )
        items = [self.render(spec, r, fields, query.expand) for r in chunk]
        meta = {
            "totalCount": total,
            "pageCount": page_count,
            "currentPage": page,
            "perPage": per_page,
        }
        return items, meta


def _row_sort_key(
    full: Mapping[int, dict[str, Any]], name: str, row: Row
) -> tuple[int, float, str]:
    return _sort_key(full[row["id"]].get(name))


def _custom_value(definition: Row, raw: str | list[str]) -> Any:
    """Validate a `c_<id>` value: text is a string; choice fields take choice ids."""
    label, kind = definition["name"], definition["type"]
    if kind not in _CHOICE_TYPES:
        if isinstance(raw, list):
            raise ValueError(f"{label} must be a string.")
        return raw
    ids = {c["id"] for c in definition["choices"]}
    values = _as_list(raw)
    if kind != "checkboxList" and len(values) != 1:
        raise ValueError(f"{label} is invalid.")
    if not all(_INT.fullmatch(v) and int(v) in ids for v in values):
        raise ValueError(f"{label} is invalid.")
    chosen = [int(v) for v in values]
    return chosen if kind == "checkboxList" else chosen[0]


def _custom_output(definition: Row, value: Any) -> Any:
    if definition["type"] not in _CHOICE_TYPES or value is None:
        return value
    names = {c["id"]: c["name"] for c in definition["choices"]}
    if isinstance(value, list):
        return [{"id": v, "value": names.get(v)} for v in value]
    return {"id": value, "value": names.get(value)}


def _rate(limit: int, remaining: int, reset: int) -> dict[str, str]:
    return {
        "X-Rate-Limit-Limit": str(limit),
        "X-Rate-Limit-Remaining": str(remaining),
        "X-Rate-Limit-Reset": str(reset),
    }


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    key, colon, secret = decoded.partition(":")
    return (unquote_plus(key), unquote_plus(secret)) if colon else None


def _bearer(authorization: str | None) -> str | None:
    scheme, _, value = (authorization or "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


# --------------------------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------------------------

Handler = Callable[[Request, str], Awaitable[Response]]


@dataclass
class _Call:
    """Per-request bookkeeping the front door shares with the routes (`scope["swoogo"]`)."""

    endpoint: str
    key: str | None = None


class FaultIn(BaseModel):
    kind: FaultKind
    count: int | None = 1
    probability: float = 1.0
    status: int = 500
    hang_seconds: float = 0.0
    match: str = "*"


class CredentialsIn(BaseModel):
    key: str
    secret: str


class EventIn(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str
    timezone: str = "UTC"
    start_date: str | None = None
    end_date: str | None = None


def _content_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def _read_form(request: Request) -> Form:
    """A write body: form-urlencoded or multipart (files ignored); anything else is a 415."""
    kind = _content_type(request)
    if kind == "multipart/form-data":
        async with request.form() as form:
            return form_from_pairs((k, v) for k, v in form.multi_items() if isinstance(v, str))
    body = await request.body()
    if kind == "application/x-www-form-urlencoded" or (not kind and not body):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SwoogoError(400, "The request body is not valid UTF-8.") from exc
        return form_from_pairs(parse_qsl(text, keep_blank_values=True))
    raise SwoogoError(
        415,
        "Unsupported Media Type: send application/x-www-form-urlencoded or multipart/form-data.",
    )


async def _read_json(request: Request) -> Any:
    try:
        return await request.json()
    except ValueError as exc:
        raise SwoogoError(400, "Invalid JSON data in request body: Syntax error.") from exc


def _query_string(request: Request) -> str:
    raw: bytes = request.scope.get("query_string", b"")
    return raw.decode("utf-8", "replace")


def _links(request: Request, meta: Mapping[str, int]) -> dict[str, dict[str, str]]:
    kept = [
        segment
        for segment in _query_string(request).split("&")
        if segment and unquote_plus(segment.partition("=")[0]) not in ("page", "per-page")
    ]
    base = str(request.url.replace(query=""))

    def href(page: int) -> dict[str, str]:
        query = "&".join([*kept, f"page={page}", f"per-page={meta['perPage']}"])
        return {"href": f"{base}?{query}"}

    current, last = meta["currentPage"], max(meta["pageCount"], 1)
    links = {"self": href(current), "first": href(1), "last": href(last)}
    if current > 1:
        links["prev"] = href(current - 1)
    if current < meta["pageCount"]:
        links["next"] = href(current + 1)
    return links


class SwoogoSimulator:
    """The Swoogo simulator as an ASGI app (`serve_in_thread(sim)`).

    `state` holds data and rules (`sim.state.sessions`, `sim.state.dump()`), `knobs` the
    settings (`sim.knobs.latency_ms = 50`), `faults` the injected faults
    (`sim.faults.fail_next(2, status=503)`), `stats` the accounting. `api` is the FastAPI
    app behind the front door; the admin API lives under `/_sim` (no auth).
    """

    def __init__(self, state: SwoogoState | None = None, *, seed: int = 0, **knobs: Any) -> None:
        self.state = state if state is not None else SwoogoState()
        self.state.knobs.update(**knobs)
        self.kit = FaultKit(seed)
        self.faults = self.kit.plan
        self.api = self._build_api()

    @property
    def app(self) -> SwoogoSimulator:
        return self

    @property
    def knobs(self) -> Knobs:
        return self.state.knobs

    @property
    def stats(self) -> Stats:
        return self.state.stats

    def reset(self, state: SwoogoState | None = None, *, seed: int = 0) -> SwoogoState:
        """Start over (e.g. between tests on one server): new state, no faults, no hangs."""
        self.state = state if state is not None else SwoogoState()
        self.kit.reset(seed)
        return self.state

    def release_hangs(self) -> None:
        """End every hang in progress now (timeouts answer, lost answers drop)."""
        self.kit.release_hangs()

    # -- the front door ----------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        root = scope.get("root_path", "")
        path: str = scope.get("path", "")
        local = path[len(root) :] if root and path.startswith(root) else path
        if scope["type"] != "http" or not local.startswith(API_PREFIX + "/"):
            await self.api(scope, receive, send)
            return
        if path.endswith(".json"):
            path = path.removesuffix(".json")
            scope = {**scope, "path": path, "raw_path": path.encode()}
        call = _Call(self._endpoint(scope))
        scope = {**scope, "swoogo": call}
        self.stats.calls[call.endpoint] += 1
        if self.knobs.latency_ms > 0:
            await asyncio.sleep(self.knobs.latency_ms / 1000)

        async def answer(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                authorization = Request(scope).headers.get("authorization")
                key = call.key or self.state.key_for(authorization)
                for name, value in self.state.rate_headers(key).items():
                    if name.lower().encode() not in present:
                        headers.append((name.lower().encode(), value.encode()))
                message = {**message, "headers": headers}
                self.stats.statuses[message["status"]] += 1
            await send(message)

        await self.kit.serve(
            call.endpoint,
            self.api,
            self._fault_answer,
            scope,
            receive,
            answer,
            fired=self.stats.faults,
            server_send=send,
        )

    def _fault_answer(self, status: int) -> JSONResponse:
        message = _FAULT_MESSAGES.get(status, _PHRASES.get(status, "Error"))
        return JSONResponse(error_body(status, message), status)

    def _endpoint(self, scope: Scope) -> str:
        """`METHOD /route-template` without the base path, e.g. `GET /sessions/{id}`."""
        for route in self.api.router.routes:
            match, _ = route.matches(scope)
            if match == Match.FULL:
                template = re.sub(r":\w+\}", "}", getattr(route, "path", ""))
                return f"{scope['method']} {template.removeprefix(API_PREFIX)}"
        return f"{scope['method']} {scope['path'].removeprefix(API_PREFIX)}"

    # -- routes ------------------------------------------------------------------------------

    def _build_api(self) -> FastAPI:
        api = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
        api.add_exception_handler(SwoogoError, self._on_swoogo_error)
        api.add_exception_handler(StarletteHTTPException, self._on_http_error)
        api.add_api_route(API_PREFIX + "/oauth2/token", self._token, methods=["POST"])
        for spec in (EVENTS, SESSIONS, SPEAKERS, SPONSORS, LOCATIONS, TRACKS):
            self._entity_routes(api, spec)
        self._route(api, "POST", "/speakers/{id:int}/session", CALL_COST, self._link)
        self._route(
            api, "DELETE", "/speakers/{id:int}/sessions/{session_id:int}", CALL_COST, self._unlink
        )
        self._route(api, "PUT", "/image/{kind}/{id:int}/{field}", CALL_COST, self._put_image)
        self._route(api, "GET", "/image/{kind}/{id:int}/{field}", CALL_COST, self._get_image)
        self._admin_routes(api)
        return api

    def _route(self, api: FastAPI, method: str, path: str, cost: int, handler: Handler) -> None:
        async def endpoint(request: Request) -> Response:
            return await handler(request, self._authorize(request, cost))

        api.add_api_route(API_PREFIX + path, endpoint, methods=[method], name=f"{method} {path}")

    def _entity_routes(self, api: FastAPI, spec: EntitySpec) -> None:
        base = f"/{spec.name}"
        if spec.custom_fields or spec.builtin_fields:
            self._route(api, "GET", f"{base}/fields", LIST_COST, partial(self._list_fields, spec))
            self._route(
                api, "GET", f"{base}/field/{{id:int}}", CALL_COST, partial(self._get_field, spec)
            )
            self._route(
                api, "PUT", f"{base}/field/{{id:int}}", CALL_COST, partial(self._put_field, spec)
            )
        self._route(api, "GET", base, LIST_COST, partial(self._list, spec))
        if spec.writable:
            self._route(api, "POST", f"{base}/create", CALL_COST, partial(self._create, spec))
            self._route(
                api, "PUT", f"{base}/update/{{id:int}}", CALL_COST, partial(self._update, spec)
            )
        if spec.deletable:
            self._route(
                api, "DELETE", f"{base}/delete/{{id:int}}", CALL_COST, partial(self._delete, spec)
            )
            self._route(api, "PUT", f"{base}/{{id:int}}", CALL_COST, partial(self._update, spec))
            self._route(api, "DELETE", f"{base}/{{id:int}}", CALL_COST, partial(self._delete, spec))
        self._route(api, "GET", f"{base}/{{id:int}}", CALL_COST, partial(self._get, spec))

    def _authorize(self, request: Request, cost: int) -> str:
        key = self.state.authenticate_bearer(request.headers.get("authorization"))
        call: _Call | None = request.scope.get("swoogo")
        if call is not None:
            call.key = key
        self.state.charge(key, cost)
        return key

    async def _token(self, request: Request) -> Response:
        kind = _content_type(request)
        readable = ("", "application/x-www-form-urlencoded", "multipart/form-data")
        form = await _read_form(request) if kind in readable else {}
        grant_type = form.get("grant_type")
        if grant_type in (None, "", []):
            raise SwoogoError(400, "The grant type was not specified in the request")
        if grant_type != "client_credentials":
            raise SwoogoError(400, f'Grant type "{grant_type}" not supported')
        key = self.state.authenticate_client(request.headers.get("authorization"))
        call: _Call | None = request.scope.get("swoogo")
        if call is not None:
            call.key = key
        self.state.charge(key, CALL_COST)
        return JSONResponse(self.state.issue_token(key))

    async def _list(self, spec: EntitySpec, request: Request, key: str) -> Response:
        query = ListQuery.parse(_query_string(request))
        items, meta = self.state.list_records(spec.name, query)
        return JSONResponse({"items": items, "_links": _links(request, meta), "_meta": meta})

    async def _get(self, spec: EntitySpec, request: Request, key: str) -> Response:
        query = ListQuery.parse(_query_string(request))
        row_id = request.path_params["id"]
        return JSONResponse(
            self.state.view(spec.name, row_id, fields=query.fields, expand=query.expand)
        )

    async def _create(self, spec: EntitySpec, request: Request, key: str) -> Response:
        form = await _read_form(request)
        row = self.state.create(spec.name, form, user_id=self.state.user_id(key))
        location = f"{str(request.base_url).rstrip('/')}{API_PREFIX}/{spec.name}/{row['id']}"
        return JSONResponse(self.state.view(spec.name, row["id"]), 201, {"Location": location})

    async def _update(self, spec: EntitySpec, request: Request, key: str) -> Response:
        form = await _read_form(request)
        row = self.state.update(
            spec.name, request.path_params["id"], form, user_id=self.state.user_id(key)
        )
        return JSONResponse(self.state.view(spec.name, row["id"]))

    async def _delete(self, spec: EntitySpec, request: Request, key: str) -> Response:
        self.state.delete(spec.name, request.path_params["id"])
        return Response(status_code=204)

    async def _list_fields(self, spec: EntitySpec, request: Request, key: str) -> Response:
        query = ListQuery.parse(_query_string(request))
        items, meta = self.state.list_fields(spec.name, query)
        return JSONResponse({"items": items, "_links": _links(request, meta), "_meta": meta})

    async def _get_field(self, spec: EntitySpec, request: Request, key: str) -> Response:
        row = self.state.field_def(spec.name, request.path_params["id"])
        return JSONResponse(self.state.render(FIELDS, row))

    async def _put_field(self, spec: EntitySpec, request: Request, key: str) -> Response:
        body = await _read_json(request)
        row = self.state.update_field(spec.name, request.path_params["id"], body)
        return JSONResponse(self.state.render(FIELDS, row))

    async def _link(self, request: Request, key: str) -> Response:
        speaker_id = request.path_params["id"]
        if _content_type(request) == "application/json":
            body = await _read_json(request)
            session_ids = body.get("session_ids") if isinstance(body, dict) else None
        else:
            form = await _read_form(request)
            raw = form.get("session_ids")
            session_ids = raw.split(",") if isinstance(raw, str) else raw
        self.state.link_sessions(speaker_id, session_ids)
        return JSONResponse(self.state.view("speakers", speaker_id, expand=("sessions",)))

    async def _unlink(self, request: Request, key: str) -> Response:
        self.state.unlink_session(request.path_params["id"], request.path_params["session_id"])
        return Response(status_code=204)

    async def _put_image(self, request: Request, key: str) -> Response:
        params = request.path_params
        filename: str | None = None
        data: bytes | None = None
        if _content_type(request) == "multipart/form-data":
            async with request.form(max_part_size=64 * 1024 * 1024) as form:
                upload = form.get("file")
                if isinstance(upload, UploadFile):
                    filename, data = upload.filename, await upload.read()
        body = self.state.upload_image(
            params["kind"], params["id"], params["field"], filename, data
        )
        return JSONResponse(body)

    async def _get_image(self, request: Request, key: str) -> Response:
        params = request.path_params
        return JSONResponse(self.state.get_image(params["kind"], params["id"], params["field"]))

    async def _on_swoogo_error(self, request: Request, exc: Exception) -> Response:
        if not isinstance(exc, SwoogoError):
            raise exc
        headers = dict(exc.headers)
        if exc.status == 401:
            headers.setdefault("WWW-Authenticate", 'Bearer realm="api"')
        return JSONResponse(exc.body(), exc.status, headers)

    async def _on_http_error(self, request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, StarletteHTTPException) else 500
        headers = dict(getattr(exc, "headers", None) or {})
        if status == 404:
            message = "Page not found."
        elif status == 405:
            allowed = headers.get("Allow", "")
            message = (
                "Method Not Allowed. This URL can only handle the following request "
                f"methods: {allowed}."
            )
        else:
            message = str(getattr(exc, "detail", "")) or _PHRASES.get(status, "Error")
        return JSONResponse(error_body(status, message), status, headers)

    # -- admin API (no auth, no credits, no faults) ------------------------------------------

    def _admin_routes(self, api: FastAPI) -> None:
        def state() -> SwoogoState:  # looked up per call: reset() may replace it
            return self.state

        @api.get(ADMIN_PREFIX + "/state")
        async def dump() -> dict[str, Any]:
            return state().dump()

        @api.get(ADMIN_PREFIX + "/stats")
        async def stats() -> dict[str, Any]:
            return state().stats.as_dict()

        @api.get(ADMIN_PREFIX + "/knobs")
        async def knobs() -> dict[str, Any]:
            return state().knobs.as_dict()

        @api.patch(ADMIN_PREFIX + "/knobs")
        async def set_knobs(changes: dict[str, Any] = Body()) -> Response:
            try:
                state().knobs.update(**changes)
            except (TypeError, ValueError) as exc:
                return JSONResponse(error_body(400, str(exc)), 400)
            return JSONResponse(state().knobs.as_dict())

        @api.get(ADMIN_PREFIX + "/faults")
        async def faults() -> list[dict[str, Any]]:
            return [rule.as_dict() for rule in self.faults.rules]

        @api.post(ADMIN_PREFIX + "/faults", status_code=201)
        async def add_fault(rule: FaultIn) -> dict[str, Any]:
            return self.faults.add(FaultRule(**rule.model_dump())).as_dict()

        @api.delete(ADMIN_PREFIX + "/faults", status_code=204)
        async def clear_faults() -> None:
            self.faults.clear()
            self.release_hangs()

        @api.api_route(ADMIN_PREFIX + "/delete/{entity}/{row_id:int}", methods=["POST", "DELETE"])
        async def admin_delete(entity: str, row_id: int) -> Response:
            try:
                state().admin_delete(entity, row_id)
            except ValueError as exc:
                return JSONResponse(error_body(404, str(exc)), 404)
            return Response(status_code=204)

        @api.post(ADMIN_PREFIX + "/credentials", status_code=201)
        async def add_credentials(body: CredentialsIn) -> dict[str, Any]:
            return {"key": body.key, "user_id": state().add_credentials(body.key, body.secret)}

        @api.post(ADMIN_PREFIX + "/events", status_code=201)
        async def add_event(body: EventIn) -> dict[str, Any]:
            extra = body.model_extra or {}
            event_id = state().add_event(
                body.name,
                timezone=body.timezone,
                start_date=body.start_date,
                end_date=body.end_date,
                **extra,
            )
            return state().view("events", event_id)

        @api.post(ADMIN_PREFIX + "/expire-tokens", status_code=204)
        async def expire_tokens() -> None:
            state().expire_tokens()

        @api.post(ADMIN_PREFIX + "/release-hangs", status_code=204)
        async def release_hangs() -> None:
            self.release_hangs()


def create_app(state: SwoogoState | None = None, *, seed: int = 0, **knobs: Any) -> SwoogoSimulator:
    """The simulator as an ASGI app; `knobs` are `Knobs` fields (e.g. `window_seconds=10`)."""
    return SwoogoSimulator(state, seed=seed, **knobs)


class SwoogoSimulation(SimulationBase[SwoogoSimulator]):
    """The Swoogo simulator for the behaviour suite and `agendasync simulate swoogo`."""

    partner = "swoogo"
    KEY, SECRET = "demo-key", "demo-secret"

    def __init__(self) -> None:
        self.simulator = SwoogoSimulator()

    def credentials(self) -> dict[str, str]:
        if not self.simulator.state.has_credentials(self.KEY):
            self.simulator.state.add_credentials(self.KEY, self.SECRET)
        return {"key": self.KEY, "secret": self.SECRET}

    def base_url(self, server: str) -> str:
        return server + API_PREFIX

    def add_event(self, name: str, timezone: str, start: date, end: date) -> str:
        event_id = self.simulator.state.add_event(
            name, timezone=timezone, start_date=start.isoformat(), end_date=end.isoformat()
        )
        return str(event_id)

    def records(self, event_id: str, kind: str) -> list[dict[str, Any]]:
        table = self.simulator.state.table(kind)
        return [dict(row) for row in table.values() if str(row.get("event_id")) == event_id]

    def delete(self, event_id: str, kind: str, partner_id: str) -> None:
        self.simulator.state.admin_delete(kind, int(partner_id))
