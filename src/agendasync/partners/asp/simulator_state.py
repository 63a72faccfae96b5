"""What the ASP Events simulator holds and the rules it enforces (`shared/partners/README.md`,
"ASP Events decisions"; `asp_gleanin.md` §1.4). In memory, no HTTP: `simulator.py` serves it.

Sites hold seminars and speakers; seminars hold streams, session types, locations, sessions
and their custom field definitions. Ids are ASP-style `Uuid`s, compared case-insensitively.
Deletes are soft (`isActive: false`); an admin can also remove a record for good (404).
"""

from __future__ import annotations

import math
import random
import re
import secrets
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

Row = dict[str, Any]

# The five slugs the seed article asks every seminar to have (R-TX-6).
SEED_SLUGS: dict[str, tuple[str, str]] = {
    "sessionboard_id": ("Sessionboard ID", "text"),
    "sessionboard-content": ("Session content", "text"),
    "levels-checkbox": ("Levels", "checkbox"),
    "panel-moderator": ("Moderators", "speakerlist"),
    "chairperson": ("Chairpersons", "speakerlist"),
}
LEVEL_OPTIONS = (
    ("beginner", "Beginner"),
    ("intermediate", "Intermediate"),
    ("advanced", "Advanced"),
)
FIELD_TYPES = ("text", "html", "checkbox", "speakerlist")

# Writable attributes per kind and their type; `required` on create.
TEXT, UUID, UUIDS, SPEAKERS, CUSTOM, TIME, COLOUR, BOOL = (
    "text", "uuid", "uuids", "speakers", "custom", "time", "colour", "bool"
)  # fmt: skip
ATTRIBUTES: dict[str, dict[str, str]] = {
    "streams": {"Name": TEXT, "Description": TEXT, "Colour": COLOUR, "isActive": BOOL},
    "sessiontypes": {"Name": TEXT, "isActive": BOOL},
    "locations": {"Name": TEXT, "Description": TEXT, "Area": TEXT, "isActive": BOOL},
    "sessions": {
        "Title": TEXT,
        "Description": TEXT,
        "ClientSessionId": TEXT,
        "Start": TIME,
        "End": TIME,
        "LocationUuid": UUID,
        "SessionTypeUuid": UUID,
        "StreamUuids": UUIDS,
        "Speakers": SPEAKERS,
        "CustomFields": CUSTOM,
        "isActive": BOOL,
    },
    "speakers": {
        "SiteUuid": UUID,
        "FirstName": TEXT,
        "LastName": TEXT,
        "Email": TEXT,
        "Title": TEXT,
        "JobTitle": TEXT,
        "Company": TEXT,
        "Biography": TEXT,
        "PhotoUrl": TEXT,
        "Website": TEXT,
        "MobilePhone": TEXT,
        "FacebookUrl": TEXT,
        "LinkedInUrl": TEXT,
        "TwitterUrl": TEXT,
        "CustomFields": CUSTOM,
        "isActive": BOOL,
    },
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "streams": ("Name",),
    "sessiontypes": ("Name",),
    "locations": ("Name",),
    "sessions": ("Title", "ClientSessionId", "Start", "End"),
    "speakers": ("SiteUuid", "FirstName", "LastName", "Email"),
}
SEMINAR_KINDS = ("streams", "sessiontypes", "locations", "sessions")
KINDS = (*SEMINAR_KINDS, "speakers")
_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class Detail:
    field: str
    issue: str
    existingUuid: str | None = None  # noqa: N815 (ASP's name)

    def as_dict(self) -> dict[str, str]:
        out = {"field": self.field, "issue": self.issue}
        if self.existingUuid:
            out["existingUuid"] = self.existingUuid
        return out


class AspError(Exception):
    """An answer ASP gives instead of the data: `{"error", "message", "details"}`."""

    def __init__(
        self,
        status: int,
        error: str,
        message: str,
        details: Iterable[Detail] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.details = list(details)
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        return {
            "error": self.error,
            "message": self.message,
            "details": [d.as_dict() for d in self.details],
        }


def invalid(details: list[Detail]) -> AspError:
    text = "; ".join(f"{d.field}: {d.issue}" for d in details)
    return AspError(422, "validation_failed", f"Validation failed: {text}", details)


def not_found(what: str, uuid: str) -> AspError:
    return AspError(404, "not_found", f"No {what} with Uuid {uuid}")


def bad_request(message: str, name: str = "") -> AspError:
    return AspError(400, "bad_request", message, [Detail(name, message)] if name else [])


@dataclass
class Knobs:
    token_ttl_s: int = 3600
    rate_limit: int | None = None  # calls per window per key; None: unlimited
    window_s: float = 60.0


class AspState:
    def __init__(self, *, seed: int = 0, clock: Callable[[], float] = time.time) -> None:
        self.rng = random.Random(seed)
        self.clock = clock
        self.knobs = Knobs()
        self.credentials: dict[str, str] = {}
        self.tokens: dict[str, tuple[str, float]] = {}
        self.sites: dict[str, Row] = {}
        self.seminars: dict[str, Row] = {}
        self.customfields: dict[str, list[Row]] = {}  # per seminar
        self.speakercustomfields: dict[str, list[Row]] = {}  # per site
        self.records: dict[str, dict[str, Row]] = {kind: {} for kind in KINDS}
        self._calls: dict[str, deque[float]] = {}
        self._sequence = 0

    # --- ids, time --------------------------------------------------------------------------

    def new_uuid(self) -> str:
        text = f"{self.rng.getrandbits(128):032X}"
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:]}"

    def _stamp(self) -> str:
        return datetime.fromtimestamp(self.clock()).astimezone().isoformat(timespec="seconds")

    # --- credentials, tokens, rate ---------------------------------------------------------

    def add_credentials(self, key: str, secret: str) -> None:
        self.credentials[key] = secret

    def issue_token(self, key: str | None, secret: str | None) -> str:
        if key is None or self.credentials.get(key) != secret:
            raise AspError(401, "invalid_client", "Invalid API key or secret")
        token = secrets.token_urlsafe(24)
        self.tokens[token] = (key, self.clock() + self.knobs.token_ttl_s)
        return token

    def key_of_token(self, token: str | None) -> str:
        found = self.tokens.get(token or "")
        if found is None or found[1] <= self.clock():
            raise AspError(
                401,
                "invalid_token",
                "The access token is missing, invalid or expired",
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        return found[0]

    def expire_tokens(self) -> None:
        self.tokens.clear()

    def charge(self, key: str) -> None:
        """One call of `key`; `429` with `Retry-After` when the window is full."""
        limit = self.knobs.rate_limit
        if limit is None:
            return
        now = self.clock()
        window = self._calls.setdefault(key, deque())
        while window and window[0] <= now - self.knobs.window_s:
            window.popleft()
        if len(window) >= limit:
            wait = max(1, math.ceil(window[0] + self.knobs.window_s - now))
            raise AspError(
                429,
                "rate_limit_exceeded",
                "Too many requests",
                headers={"Retry-After": str(wait)},
            )
        window.append(now)

    # --- sites, seminars, field definitions (admin) ----------------------------------------

    def add_site(self, name: str, timezone: str, start: str = "", end: str = "") -> str:
        ZoneInfo(timezone)
        uuid = self.new_uuid()
        self.sites[uuid] = {
            "Uuid": uuid,
            "Name": name,
            "TimeZone": timezone,
            "StartDate": start or None,
            "EndDate": end or None,
        }
        self.speakercustomfields[uuid] = []
        return uuid

    def add_seminar(
        self,
        site: str,
        name: str,
        *,
        timezone: str | None = None,
        slugs: Iterable[str] = tuple(SEED_SLUGS),
        session_type: str | None = "Session",
    ) -> str:
        site_row = self.site(site)
        if timezone:
            ZoneInfo(timezone)
        uuid = self.new_uuid()
        self.seminars[uuid] = {
            "Uuid": uuid,
            "SiteUuid": site_row["Uuid"],
            "Name": name,
            "TimeZone": timezone or site_row["TimeZone"],
        }
        self.customfields[uuid] = []
        for slug in slugs:
            label, kind = SEED_SLUGS[slug]
            options = LEVEL_OPTIONS if kind == "checkbox" else ()
            self.add_custom_field(uuid, slug, label, kind, options)
        if session_type:
            self.seed(uuid, "sessiontypes", Name=session_type)
        return uuid

    def add_custom_field(
        self,
        seminar: str,
        slug: str,
        name: str,
        kind: str = "text",
        options: Iterable[tuple[str, str]] = (),
    ) -> None:
        assert kind in FIELD_TYPES, kind
        self.remove_custom_field(seminar, slug)
        self.customfields[self.seminar(seminar)["Uuid"]].append(
            _field_def(slug, name, kind, options)
        )

    def remove_custom_field(self, seminar: str, slug: str) -> None:
        uuid = self.seminar(seminar)["Uuid"]
        self.customfields[uuid] = [f for f in self.customfields[uuid] if f["Slug"] != slug]

    def add_speaker_custom_field(self, site: str, slug: str, name: str, kind: str = "text") -> None:
        self.speakercustomfields[self.site(site)["Uuid"]].append(_field_def(slug, name, kind, ()))

    def seed(self, scope: str, kind: str, **values: Any) -> str:
        """A record as an ASP admin makes it in the back office (no validation of the body)."""
        uuid = self.new_uuid()
        row = self._blank(kind, uuid, scope)
        row.update(values)
        self.records[kind][uuid] = row
        return uuid

    def deactivate(self, kind: str, uuid: str) -> None:
        self.record(kind, uuid, include_inactive=True)["isActive"] = False

    def remove(self, kind: str, uuid: str) -> None:
        """Gone for good, as if never there: the API answers 404."""
        self.records[kind].pop(self.record(kind, uuid, include_inactive=True)["Uuid"])

    # --- lookups ---------------------------------------------------------------------------

    def site(self, uuid: str) -> Row:
        row = self.sites.get(uuid.upper())
        if row is None:
            raise not_found("site", uuid)
        return row

    def seminar(self, uuid: str) -> Row:
        row = self.seminars.get(uuid.upper())
        if row is None:
            raise not_found("seminar", uuid)
        return row

    def record(self, kind: str, uuid: str, *, include_inactive: bool = True) -> Row:
        row = self.records[kind].get(uuid.upper())
        if row is None or (not include_inactive and not row["isActive"]):
            raise not_found(kind.removesuffix("s"), uuid)
        return row

    def field_defs(self, kind: str, scope: str) -> list[Row]:
        if kind == "speakers":
            return self.speakercustomfields[self.site(scope)["Uuid"]]
        return self.customfields[self.seminar(scope)["Uuid"]]

    def zone_of(self, seminar: str) -> str:
        return str(self.seminar(seminar)["TimeZone"])

    def scope_of(self, kind: str, row: Row) -> str:
        return str(row["SiteUuid"] if kind == "speakers" else row["SeminarUuid"])

    # --- writes ----------------------------------------------------------------------------

    def _blank(self, kind: str, uuid: str, scope: str) -> Row:
        self._sequence += 1
        row: Row = {"Uuid": uuid}
        if kind != "speakers":
            row["SeminarUuid"] = self.seminar(scope)["Uuid"]
        for name, kind_of in ATTRIBUTES[kind].items():
            row[name] = {UUIDS: [], SPEAKERS: [], CUSTOM: {}, BOOL: True}.get(kind_of)
        if kind == "speakers":
            row["SiteUuid"] = self.site(scope)["Uuid"]
        row["Created"] = row["Modified"] = self._stamp()
        row["_order"] = self._sequence
        return row

    def create(self, kind: str, scope: str | None, body: Any) -> Row:
        if kind == "speakers":
            scope = body.get("SiteUuid") if isinstance(body, dict) else None
            if not isinstance(scope, str) or not scope:
                raise invalid([Detail("SiteUuid", "is required")])
            self.site(scope)
        assert scope is not None
        clean = self._check(kind, scope, body, current=None)
        missing = [name for name in REQUIRED[kind] if clean.get(name) in (None, "")]
        if missing:
            raise invalid([Detail(name, "is required") for name in missing])
        uuid = self.new_uuid()
        row = self._blank(kind, uuid, scope)
        row.update(clean)
        self._unique(kind, row)
        self.records[kind][uuid] = row
        return row

    def update(self, kind: str, uuid: str, body: Any) -> Row:
        row = self.record(kind, uuid)
        clean = self._check(kind, self.scope_of(kind, row), body, current=row)
        if "SiteUuid" in clean and clean["SiteUuid"] != row["SiteUuid"]:
            raise invalid([Detail("SiteUuid", "a speaker cannot move to another site")])
        merged = {**row, **clean}
        if "CustomFields" in clean:  # merged by slug; null clears one
            custom = {**row["CustomFields"], **clean["CustomFields"]}
            merged["CustomFields"] = {k: v for k, v in custom.items() if v is not None}
        gone = [name for name in REQUIRED[kind] if merged.get(name) in (None, "")]
        if gone:
            raise invalid([Detail(name, "cannot be cleared") for name in gone])
        self._unique(kind, merged)
        if kind == "sessions":
            _check_times(merged, self.zone_of(row["SeminarUuid"]), set(clean))
        merged["Modified"] = self._stamp()
        row.clear()
        row.update(merged)
        return row

    def delete(self, kind: str, uuid: str) -> None:
        self.record(kind, uuid, include_inactive=False)["isActive"] = False

    def _unique(self, kind: str, row: Row) -> None:
        """`sessionboard_id` per seminar, email per site, inactive records included."""
        if kind == "sessions":
            ours = row["CustomFields"].get("sessionboard_id")
            if not ours:
                return
            for other in self.records["sessions"].values():
                if (
                    other["Uuid"] != row["Uuid"]
                    and other["SeminarUuid"] == row["SeminarUuid"]
                    and other["CustomFields"].get("sessionboard_id") == ours
                ):
                    raise _conflict("CustomFields.sessionboard_id", ours, other["Uuid"])
        if kind == "speakers":
            email = str(row["Email"]).lower()
            for other in self.records["speakers"].values():
                if (
                    other["Uuid"] != row["Uuid"]
                    and other["SiteUuid"] == row["SiteUuid"]
                    and str(other["Email"]).lower() == email
                ):
                    raise _conflict("Email", row["Email"], other["Uuid"])

    def _check(self, kind: str, scope: str, body: Any, current: Row | None) -> Row:
        if not isinstance(body, dict):
            raise bad_request("The body must be a JSON object")
        known = ATTRIBUTES[kind]
        details = [Detail(name, "unknown attribute") for name in body if name not in known]
        clean: Row = {}
        for name, value in body.items():
            if name not in known:
                continue
            issue = self._issue(kind, scope, name, known[name], value)
            if isinstance(issue, Detail):
                details.append(issue)
            else:
                clean[name] = value if issue is None else issue
        if details:
            raise invalid(details)
        if kind == "sessions" and current is None:
            _check_times(clean, self.zone_of(scope), set(clean))
        return clean

    def _issue(self, kind: str, scope: str, name: str, kind_of: str, value: Any) -> Any:
        """None if `value` is fine as it is, a converted value, or a `Detail`."""
        if value is None:
            return None if kind_of in (TEXT, UUID, COLOUR) else Detail(name, "cannot be null")
        if kind_of in (TEXT, TIME):
            if not isinstance(value, str):
                return Detail(name, "must be a string")
            if name == "Email" and not _EMAIL.match(value):
                return Detail(name, f"{value!r} is not an email address")
            return None
        if kind_of == BOOL:
            return None if isinstance(value, bool) else Detail(name, "must be true or false")
        if kind_of == COLOUR:
            ok = isinstance(value, str) and _COLOUR.match(value)
            return None if ok else Detail(name, "must be a colour like #1A2B3C")
        if kind_of == UUID:
            if name == "SiteUuid":
                return None if isinstance(value, str) else Detail(name, "must be a string")
            target = {"LocationUuid": "locations", "SessionTypeUuid": "sessiontypes"}[name]
            return self._ref(target, scope, name, value)
        if kind_of == UUIDS:
            if not isinstance(value, list):
                return Detail(name, "must be an array of Uuids")
            found = [self._ref("streams", scope, name, v) for v in value]
            bad = [d for d in found if isinstance(d, Detail)]
            return bad[0] if bad else found
        if kind_of == SPEAKERS:
            return self._speakers(scope, name, value)
        return self._custom(kind, scope, value)

    def _ref(self, kind: str, scope: str, name: str, value: Any) -> Any:
        if not isinstance(value, str):
            return Detail(name, "must be a Uuid")
        row = self.records[kind].get(value.upper())
        if row is None or not row["isActive"] or self.scope_of(kind, row) != scope.upper():
            return Detail(name, f"unknown {kind.removesuffix('s')} {value}")
        return row["Uuid"]

    def _site_speaker(self, seminar: str, name: str, value: Any) -> Any:
        site = self.seminar(seminar)["SiteUuid"]
        row = self.records["speakers"].get(value.upper()) if isinstance(value, str) else None
        if row is None or not row["isActive"] or row["SiteUuid"] != site:
            return Detail(name, f"unknown speaker {value}")
        return row["Uuid"]

    def _speakers(self, seminar: str, name: str, value: Any) -> Any:
        if not isinstance(value, list):
            return Detail(name, "must be an array of {SpeakerUuid, Order}")
        out = []
        for entry in value:
            if not isinstance(entry, dict) or set(entry) != {"SpeakerUuid", "Order"}:
                return Detail(name, "each entry is {SpeakerUuid, Order}")
            if not isinstance(entry["Order"], int) or isinstance(entry["Order"], bool):
                return Detail(f"{name}.Order", "must be a whole number")
            uuid = self._site_speaker(seminar, f"{name}.SpeakerUuid", entry["SpeakerUuid"])
            if isinstance(uuid, Detail):
                return uuid
            out.append({"SpeakerUuid": uuid, "Order": entry["Order"]})
        return out

    def _custom(self, kind: str, scope: str, value: Any) -> Any:
        if not isinstance(value, dict):
            return Detail("CustomFields", "must be an object of slug: value")
        defs = {d["Slug"]: d for d in self.field_defs(kind, scope)}
        out: Row = {}
        for slug, given in value.items():
            name = f"CustomFields.{slug}"
            definition = defs.get(slug)
            if definition is None:
                return Detail(name, "unknown custom field")
            if given is None:
                out[slug] = None
                continue
            out[slug] = checked = _custom_value(definition, name, given)
            if isinstance(checked, Detail):
                return checked
            if definition["Type"] == "speakerlist":
                found = [self._site_speaker(scope, name, v) for v in given]
                bad = [d for d in found if isinstance(d, Detail)]
                if bad:
                    return bad[0]
                out[slug] = found
        return out


def _field_def(slug: str, name: str, kind: str, options: Iterable[tuple[str, str]]) -> Row:
    return {
        "Slug": slug,
        "Name": name,
        "Type": kind,
        "Options": [{"Value": v, "Label": label} for v, label in options],
    }


def _custom_value(definition: Row, name: str, given: Any) -> Any:
    kind = definition["Type"]
    if kind in ("text", "html"):
        return given if isinstance(given, str) else Detail(name, "must be a string")
    if not isinstance(given, list) or not all(isinstance(v, str) for v in given):
        return Detail(name, "must be an array of strings")
    if kind == "checkbox":
        allowed = {o["Value"] for o in definition["Options"]}
        wrong = [v for v in given if v not in allowed]
        if wrong:
            return Detail(name, f"unknown option {wrong[0]!r}")
    return list(given)


def _conflict(name: str, value: str, existing: str) -> AspError:
    return AspError(
        409,
        "conflict",
        f"{name} {value!r} is already used",
        [Detail(name, "already used", existingUuid=existing)],
    )


def _check_times(row: Row, zone: str, given: set[str]) -> None:
    """`Start`/`End`: local time with the seminar zone's own offset, same day, end later."""
    details: list[Detail] = []
    moments: dict[str, datetime] = {}
    for name in ("Start", "End"):
        text = row.get(name)
        if text is None:
            continue
        issue = _time_issue(str(text), zone)
        if isinstance(issue, str):
            if name in given:
                details.append(Detail(name, issue))
        else:
            moments[name] = issue
    if details:
        raise invalid(details)
    if len(moments) == 2:
        start, end = moments["Start"], moments["End"]
        if start.date() != end.date():
            raise invalid([Detail("End", "must be on the same day as Start")])
        if end <= start:
            raise invalid([Detail("End", "must be after Start")])


def _time_issue(text: str, zone: str) -> datetime | str:
    if text.endswith(("Z", "z")):
        return f"must carry the seminar's offset, not Z ({zone})"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return f"{text!r} is not a date-time like 2027-06-10T09:30:00+01:00"
    if moment.tzinfo is None:
        return f"must carry the seminar's offset ({zone})"
    local = moment.replace(tzinfo=None)
    expected = local.replace(tzinfo=ZoneInfo(zone)).utcoffset()
    if moment.utcoffset() != expected:
        return f"offset {moment.strftime('%z')} is not the seminar's ({zone}) at that time"
    return local
