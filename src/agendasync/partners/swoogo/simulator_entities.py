"""What the Swoogo simulator knows of each resource: one `EntitySpec` per resource
(attributes with kinds, default `fields`, computed fields, `expand` relations, which operations
exist), so that create, update, delete, list and get are one generic path in `SwoogoState`.

Settled here (ASSUMPTIONs, where the notes leave it open):

- Default list fields are `id,name`, speakers `id,first_name,last_name` (field definitions
  too: `id,name`).
- Speakers: each create makes a new contact (`contact_id`, its own id space);
  `profile_picture` is read-only (set by `PUT /image/contact/{contact_id}/profile_picture`).
- Sponsor levels: each event has a built-in sponsor field `attribute: "level"`
  (`dropDownList`, seeded with Gold, Silver, Bronze unless `add_event(sponsor_levels=...)`
  says otherwise). Sponsors read `level` as `{id, value}` or null.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as dtime
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

from agendasync.partners.swoogo.simulator_rules import FieldErrors, Row

SITE_BASE = "https://events.swoogo.test"


class StateView(Protocol):
    """What computed fields, expansions and checks use of the state (`SwoogoState` is one)."""

    @property
    def events(self) -> dict[int, Row]: ...

    @property
    def sessions(self) -> dict[int, Row]: ...

    @property
    def speakers(self) -> dict[int, Row]: ...

    def table(self, name: str) -> dict[int, Row]: ...

    def render(self, spec: EntitySpec, row: Row) -> dict[str, Any]: ...

    def new_contact(self) -> int: ...


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


Computed = Callable[[StateView, Row], dict[str, Any]]
Expander = Callable[[StateView, Row], Any]
Checker = Callable[[StateView, Row, FieldErrors], None]


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
    on_create: Callable[[StateView, Row], None] | None = None
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


def url_slug(text: str) -> str:
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


def _session_computed(state: StateView, row: Row) -> dict[str, Any]:
    event = state.events.get(row["event_id"], {})
    zone = event.get("timezone") if row.get("use_event_timezone") else row.get("timezone")
    slug = url_slug(row.get("admin_short_name") or row["name"])
    site = f"{SITE_BASE}/{event.get('url', 'event')}"
    return {
        "timezone": zone,
        "times_with_timezone": _times_with_timezone(row, zone),
        "session_included": False,
        "direct_link": f"{site}/session/{row['id']}/{slug}",
        "virtual_link": f"{site}/v/s-{row['id']}",
    }


def _check_session(state: StateView, row: Row, errors: FieldErrors) -> None:
    start, end = row.get("start_time"), row.get("end_time")
    if start and end and end < start and not errors.has("end_time"):
        errors.add("end_time", 'End Time must be greater than or equal to "Start Time".')
    if row.get("use_event_timezone") is False and not row.get("timezone"):
        errors.add("timezone", "Timezone cannot be blank.")


def _session_speakers(state: StateView, row: Row) -> list[dict[str, Any]]:
    return [
        state.render(SPEAKERS, speaker)
        for speaker in state.speakers.values()
        if row["id"] in speaker["session_ids"]
    ]


def _related(table: str, key: str) -> Expander:
    def expand(state: StateView, row: Row) -> Any:
        target = state.table(table).get(row.get(key) or 0)
        return None if target is None else state.render(ENTITIES[table], target)

    return expand


def _speaker_computed(state: StateView, row: Row) -> dict[str, Any]:
    event = state.events.get(row["event_id"], {})
    return {
        "contact_id": row["contact_id"],
        "profile_picture": row.get("profile_picture"),
        "gender": None,
        "direct_link": f"{SITE_BASE}/{event.get('url', 'event')}/speaker/{row['id']}",
    }


def _speaker_sessions(state: StateView, row: Row) -> list[dict[str, Any]]:
    return [state.render(SESSIONS, state.sessions[i]) for i in row["session_ids"]]


def _speaker_created(state: StateView, row: Row) -> None:
    row["contact_id"] = state.new_contact()
    row["profile_picture"] = None
    row["session_ids"] = []


def _sponsor_computed(state: StateView, row: Row) -> dict[str, Any]:
    event = state.events.get(row["event_id"], {})
    return {
        "logo_id": row.get("logo_id"),
        "direct_link": f"{SITE_BASE}/{event.get('url', 'event')}/sponsor/{row['id']}",
    }


def _children(table: str) -> Expander:
    def expand(state: StateView, row: Row) -> Any:
        return [
            state.render(ENTITIES[table], child)
            for child in state.table(table).values()
            if child["event_id"] == row["id"]
        ]

    return expand


def _fixed(value: Any) -> Expander:
    return lambda state, row: copy.deepcopy(value)


def _by_user(state: StateView, row: Row) -> dict[str, Any]:
    return {"created_by": row.get("created_by"), "updated_by": row.get("updated_by")}


def _field_computed(state: StateView, row: Row) -> dict[str, Any]:
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
CHOICE_TYPES = frozenset({"dropDownList", "radioButtonList", "checkboxList"})
