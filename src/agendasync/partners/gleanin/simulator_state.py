"""The data and rules of the Gleanin simulator: no HTTP here (see `simulator.py`).

Written from `shared/partners/asp_gleanin.md` §2 and the "Gleanin decisions" of
`shared/partners/README.md`. Rows are plain dicts keyed by integer ids (answered as strings,
as JSON:API wants); every refusal is a `GleaninError` carrying one JSON:API error object.
"""

from __future__ import annotations

import re
import secrets
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Row = dict[str, Any]

PEOPLE = ("speakers", "exhibitors", "team_members")
# Who a campaign of each audience is for.
AUDIENCE_OF = {"speakers": "speakers", "exhibitors": "exhibitors", "team_members": "exhibitors"}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class GleaninError(Exception):
    """One JSON:API error: `{"errors": [{status, code, title, detail, source}]}`."""

    def __init__(
        self,
        status: int,
        code: str,
        title: str,
        detail: str,
        *,
        pointer: str | None = None,
        parameter: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.source: dict[str, str] = {}
        if pointer is not None:
            self.source["pointer"] = pointer
        if parameter is not None:
            self.source["parameter"] = parameter
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        error = {"status": str(self.status), "code": self.code, "title": self.title}
        error["detail"] = self.detail
        return {"errors": [{**error, "source": self.source}]}


def not_allowed(name: str) -> GleaninError:
    return GleaninError(
        400,
        "param_not_allowed",
        "Param not allowed",
        f"{name} is not allowed",
        pointer=f"/data/attributes/{name}",
    )


def invalid(name: str, detail: str, code: str = "invalid") -> GleaninError:
    return GleaninError(422, code, "Invalid attribute", f"{name} {detail}", pointer=_ptr(name))


def not_found(kind: str, row_id: object) -> GleaninError:
    return GleaninError(404, "not_found", "Record not found", f"no {kind} with id {row_id}")


def _ptr(name: str) -> str:
    return "/data/relationships/speakers" if name == "speakers" else f"/data/attributes/{name}"


@dataclass(frozen=True)
class Attr:
    name: str
    kind: str = "text"  # text | int | datetime | names | email | zone
    required: bool = False
    writable: bool = True
    create_only: bool = False  # the record's owner (event_id, exhibitor_id)


@dataclass(frozen=True)
class Resource:
    name: str
    attrs: tuple[Attr, ...]
    owner: str = "event_id"  # the attribute naming what the record belongs to
    unique_email: bool = False  # email unique per event among this type (case-insensitively)

    def attr(self, name: str) -> Attr | None:
        return next((a for a in self.attrs if a.name == name), None)


_STAMPS = (Attr("created_at", "datetime", writable=False), Attr("updated_at", writable=False))
RESOURCES = {
    "speakers": Resource(
        "speakers",
        (
            Attr("event_id", "int", required=True, create_only=True),
            Attr("external_idx"),
            Attr("name", required=True),
            Attr("job_title"),
            Attr("company_name"),
            Attr("email", "email"),
            Attr("image_url"),
            Attr("session_count", "int", writable=False),
            *_STAMPS,
        ),
        unique_email=True,
    ),
    "sessions": Resource(
        "sessions",
        (
            Attr("event_id", "int", required=True, create_only=True),
            Attr("external_idx"),
            Attr("title", required=True),
            Attr("description"),
            Attr("starts_at", "datetime"),
            Attr("ends_at", "datetime"),
            Attr("tracks", "names"),
            *_STAMPS,
        ),
    ),
    "exhibitors": Resource(
        "exhibitors",
        (
            Attr("event_id", "int", required=True, create_only=True),
            Attr("external_idx"),
            Attr("name", required=True),
            Attr("description"),
            Attr("stand"),
            Attr("website"),
            Attr("logo_url"),
            Attr("email", "email"),
            *_STAMPS,
        ),
    ),
    "team_members": Resource(
        "team_members",
        (
            Attr("exhibitor_id", "int", required=True, create_only=True),
            Attr("external_idx"),
            Attr("name", required=True),
            Attr("job_title"),
            Attr("email", "email"),
            Attr("event_id", "int", writable=False),
            *_STAMPS,
        ),
        owner="exhibitor_id",
        unique_email=True,
    ),
}


def stamp(moment: datetime) -> str:
    """UTC with milliseconds, as Gleanin answers every time: `2027-06-10T07:30:00.000Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.astimezone(UTC).microsecond // 1000:03d}Z"
    )


def parse_instant(name: str, value: Any) -> datetime:
    if not isinstance(value, str):
        raise invalid(name, "must be an ISO 8601 date-time with an offset")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise invalid(name, "must be an ISO 8601 date-time with an offset") from None
    if moment.tzinfo is None:
        raise invalid(name, "must have an offset (e.g. +02:00 or Z)")
    return moment


@dataclass
class Knobs:
    link_delay_reads: int = 0  # reads of a new person before its links appear
    active_event_limit: int = 10
    share_base: str = "https://app.gleanin.test"
    # Gleanin answers `application/vnd.api+json` or plain `application/json`.
    answer_media_type: str = "application/vnd.api+json"

    def update(self, **changes: Any) -> None:
        for name, value in changes.items():
            if not hasattr(self, name):
                raise ValueError(f"unknown knob {name!r}")
            setattr(self, name, type(getattr(self, name))(value))


@dataclass
class Stats:
    calls: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)


class GleaninState:
    """Accounts with tokens, events with campaigns, people and sessions, campaign links."""

    def __init__(self) -> None:
        self.knobs = Knobs()
        self.stats = Stats()
        self.tokens: dict[str, int] = {}  # token -> account id
        self.events: dict[int, Row] = {}
        self.campaigns: dict[int, Row] = {}
        self.tables: dict[str, dict[int, Row]] = {name: {} for name in RESOURCES}
        self.links: dict[tuple[int, str, int], Row] = {}  # (campaign, owner type, owner id)
        self._ids: Counter[str] = Counter()

    def _next_id(self, space: str) -> int:
        self._ids[space] += 1
        return self._ids[space] + {"events": 7, "campaigns": 11400}.get(space, 40)

    # --- accounts and events (admin) --------------------------------------------------------

    def add_token(self, token: str | None = None, account_id: int = 1) -> str:
        token = token or secrets.token_hex(16)
        self.tokens[token] = account_id
        return token

    def account_of(self, authorization: str | None) -> int:
        scheme, _, token = (authorization or "").partition(" ")
        account = self.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if account is None:
            raise GleaninError(
                401,
                "unauthorized",
                "Unauthorized",
                "a valid API token is required (Authorization: Bearer <token>)",
                headers={"WWW-Authenticate": 'Bearer realm="gleanin"'},
            )
        return account

    def add_event(
        self,
        title: str,
        *,
        time_zone: str = "UTC",
        account_id: int = 1,
        state: str = "active",
        campaigns: Iterable[tuple[str, str]] = (
            ("Speak at {event}", "speakers"),
            ("Exhibit at {event}", "exhibitors"),
        ),
    ) -> int:
        _zone(time_zone)
        event_id = self._next_id("events")
        now = datetime.now(UTC)
        self.events[event_id] = {
            "id": event_id,
            "title": title,
            "slug": secrets.token_hex(20),
            "account_id": account_id,
            "state": state,
            "time_zone": time_zone,
            "created_at": now,
            "updated_at": now,
        }
        for name, audience in campaigns:
            self.add_campaign(event_id, name.format(event=title), audience)
        return event_id

    def add_campaign(self, event_id: int, title: str, audience: str, state: str = "active") -> int:
        campaign_id = self._next_id("campaigns")
        self.campaigns[campaign_id] = {
            "id": campaign_id,
            "event_id": event_id,
            "title": title,
            "audience": audience,
            "state": state,
        }
        return campaign_id

    def set_event_state(self, account: int, event_id: int, state: str) -> Row:
        event = self.event(account, event_id)
        if state == "active" and event["state"] != "active":
            active = sum(
                e["state"] == "active" and e["account_id"] == account for e in self.events.values()
            )
            if active >= self.knobs.active_event_limit:
                raise GleaninError(
                    422,
                    "event_limit_reached",
                    "Event limit reached",
                    "your subscription allows no more active events",
                )
        event["state"], event["updated_at"] = state, datetime.now(UTC)
        return event

    def event(self, account: int, event_id: int) -> Row:
        event = self.events.get(event_id)
        if event is None:
            raise not_found("event", event_id)
        if event["account_id"] != account:
            raise GleaninError(403, "forbidden", "Forbidden", "this event is not in your account")
        return event

    def create_event(self, account: int, attributes: Mapping[str, Any]) -> Row:
        allowed = {"title", "account_id", "time_zone"}
        for name in attributes:
            if name not in allowed:
                raise not_allowed(name)
        title = attributes.get("title")
        if not isinstance(title, str) or not title.strip():
            raise invalid("title", "can't be blank", "blank")
        if attributes.get("account_id") in (None, ""):
            raise invalid("account_id", "can't be blank", "blank")
        zone = attributes.get("time_zone") or "UTC"
        _zone(zone)
        return self.events[self.add_event(title, time_zone=zone, account_id=account)]

    # --- records ----------------------------------------------------------------------------

    def table(self, kind: str) -> dict[int, Row]:
        return self.tables[kind]

    def event_of(self, kind: str, row: Row) -> int:
        if kind == "team_members":
            return int(self.tables["exhibitors"][row["exhibitor_id"]]["event_id"])
        return int(row["event_id"])

    def record(self, account: int, kind: str, row_id: int) -> Row:
        row = self.tables[kind].get(row_id)
        if row is None or self.events[self.event_of(kind, row)]["account_id"] != account:
            raise not_found(kind.removesuffix("s"), row_id)
        return row

    def _owner_event(self, account: int, kind: str, owner_id: Any) -> Row:
        """The active event a new record goes into (through its exhibitor for team members)."""
        if kind == "team_members":
            exhibitor = self.tables["exhibitors"].get(owner_id)
            if exhibitor is None:
                raise invalid("exhibitor_id", "does not exist")
            owner_id = exhibitor["event_id"]
        if owner_id not in self.events:
            raise invalid("event_id", "does not exist")
        event = self.event(account, owner_id)
        if event["state"] != "active":
            raise GleaninError(
                422, "event_archived", "Event archived", "the event is archived; activate it first"
            )
        return event

    def create(self, account: int, kind: str, attributes: Mapping[str, Any], speakers: Any) -> Row:
        spec = RESOURCES[kind]
        values = self._clean(spec, attributes, creating=True)
        for attr in spec.attrs:
            if attr.required and values.get(attr.name) in (None, "", []):
                raise invalid(attr.name, "can't be blank", "blank")
        event = self._owner_event(account, kind, values[spec.owner])
        row: Row = {attr.name: None for attr in spec.attrs if attr.writable}
        row.update(values)
        row["event_id"] = event["id"]
        self._check(kind, row, None)
        if kind == "sessions":
            row["speaker_ids"] = [] if speakers is None else self._speakers(event["id"], speakers)
        row["id"] = self._next_id(kind)
        row["created_at"] = row["updated_at"] = datetime.now(UTC)
        row["_pending_reads"] = self.knobs.link_delay_reads
        self.tables[kind][row["id"]] = row
        return row

    def update(
        self, account: int, kind: str, row_id: int, attributes: Mapping[str, Any], speakers: Any
    ) -> Row:
        spec = RESOURCES[kind]
        row = self.record(account, kind, row_id)
        values = self._clean(spec, attributes, creating=False)
        event_id = self.event_of(kind, row)
        self._owner_event(account, "sessions", event_id)  # archived events take no writes
        changed = {**row, **values}
        self._check(kind, changed, row_id)
        if kind == "sessions" and speakers is not None:
            changed["speaker_ids"] = self._speakers(event_id, speakers)
        changed["updated_at"] = datetime.now(UTC)
        row.update(changed)
        return row

    def delete(self, account: int, kind: str, row_id: int) -> None:
        self.record(account, kind, row_id)
        self.remove(kind, row_id)

    def remove(self, kind: str, row_id: int) -> None:
        """A hard delete with its cascades: links, session speakers, an exhibitor's team."""
        self.tables[kind].pop(row_id, None)
        for key in [k for k in self.links if k[1] == kind and k[2] == row_id]:
            del self.links[key]
        if kind == "speakers":
            for session in self.tables["sessions"].values():
                if row_id in session["speaker_ids"]:
                    session["speaker_ids"] = [s for s in session["speaker_ids"] if s != row_id]
        if kind == "exhibitors":
            team = self.tables["team_members"]
            for member in [m for m in team.values() if m["exhibitor_id"] == row_id]:
                self.remove("team_members", member["id"])

    def _clean(self, spec: Resource, attributes: Mapping[str, Any], creating: bool) -> Row:
        values: Row = {}
        for name, value in attributes.items():
            attr = spec.attr(name)
            if attr is None or not attr.writable or (attr.create_only and not creating):
                raise not_allowed(name)
            values[name] = _convert(attr, value)
        return values

    def _check(self, kind: str, row: Row, row_id: int | None) -> None:
        starts, ends = row.get("starts_at"), row.get("ends_at")
        if kind == "sessions" and starts and ends and ends < starts:
            raise invalid("ends_at", "must be after starts_at")
        event_id = row["event_id"]
        others = [
            other
            for other in self.tables[kind].values()
            if other["id"] != row_id and self.event_of(kind, other) == event_id
        ]
        ours = row.get("external_idx")
        if ours and any(other.get("external_idx") == ours for other in others):
            raise GleaninError(
                409,
                "conflict",
                "Conflict",
                f"external_idx {ours} is already taken in this event",
                pointer="/data/attributes/external_idx",
            )
        email = (row.get("email") or "").lower()
        unique = RESOURCES[kind].unique_email and email
        if unique and any((other.get("email") or "").lower() == email for other in others):
            raise invalid("email", "has already been taken", "taken")

    def _speakers(self, event_id: int, relationship: Any) -> list[int]:
        data = relationship.get("data") if isinstance(relationship, Mapping) else None
        if not isinstance(data, list):
            raise GleaninError(
                400,
                "bad_request",
                "Bad request",
                "relationships.speakers.data must be a list",
                pointer="/data/relationships/speakers/data",
            )
        ids: list[int] = []
        for link in data:
            if not isinstance(link, Mapping) or link.get("type") != "speakers":
                raise invalid("speakers", "must be resource identifiers of type speakers")
            raw = link.get("id")
            number = int(raw) if isinstance(raw, str) and raw.isdigit() else None
            speaker = self.tables["speakers"].get(number) if number is not None else None
            if speaker is None or speaker["event_id"] != event_id:
                raise invalid("speakers", f"has no speaker {raw} in this event")
            if speaker["id"] not in ids:
                ids.append(speaker["id"])
        return ids

    # --- campaign links ---------------------------------------------------------------------

    def links_of(self, kind: str, row: Row, *, read: bool = True) -> list[Row]:
        """The owner's links, one per active campaign of its audience; a new owner's links
        appear after `link_delay_reads` reads (`read=False` only looks)."""
        if row.get("_pending_reads", 0) > 0:
            if read:
                row["_pending_reads"] -= 1
            return []
        event_id = self.event_of(kind, row)
        found = []
        for campaign in self.campaigns.values():
            if campaign["event_id"] != event_id or campaign["state"] != "active":
                continue
            if campaign["audience"] != AUDIENCE_OF[kind]:
                continue
            key = (campaign["id"], kind, row["id"])
            if key not in self.links:
                self.links[key] = {
                    "id": self._next_id("campaign_links"),
                    "token": secrets.token_urlsafe(9),
                    "campaign": campaign["id"],
                    "owner": (kind, row["id"]),
                }
            found.append(self.links[key])
        return found

    def render_link(self, link: Row) -> dict[str, Any]:
        campaign = self.campaigns[link["campaign"]]
        kind, owner_id = link["owner"]
        owner = self.tables[kind][owner_id]
        url = (
            f"{self.knobs.share_base}/share/campaigns/{campaign['id']}/variants?ref={link['token']}"
        )
        return {
            "type": "campaign_links",
            "id": str(link["id"]),
            "attributes": {
                "campaign_id": campaign["id"],
                "campaign_title": campaign["title"],
                "audience": campaign["audience"],
                "url": url,
                "owner_type": kind,
                "owner_id": owner_id,
                "owner_external_idx": owner.get("external_idx"),
            },
        }

    def all_links(self, account: int, filters: Mapping[str, str]) -> list[dict[str, Any]]:
        """Every visible link of the account's events, filtered (bulk export)."""
        out = []
        for kind in PEOPLE:
            if filters.get("owner_type") not in (None, kind):
                continue
            for row in list(self.tables[kind].values()):
                event = self.events[self.event_of(kind, row)]
                if event["account_id"] != account:
                    continue
                if "event_id" in filters and str(event["id"]) != filters["event_id"]:
                    continue
                if "owner_id" in filters and str(row["id"]) != filters["owner_id"]:
                    continue
                for link in self.links_of(kind, row):
                    rendered = self.render_link(link)
                    audience = rendered["attributes"]["audience"]
                    if filters.get("audience") in (None, audience):
                        out.append(rendered)
        return out


def _zone(name: Any) -> None:
    try:
        ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise invalid("time_zone", f"{name!r} is not an IANA time zone") from None


def _convert(attr: Attr, value: Any) -> Any:
    if value is None:
        if attr.required:
            raise invalid(attr.name, "can't be blank", "blank")
        return [] if attr.kind == "names" else None
    if attr.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid(attr.name, "must be an integer")
        return value
    if attr.kind == "datetime":
        return parse_instant(attr.name, value)
    if attr.kind == "names":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise invalid(attr.name, "must be a list of names")
        return [v for v in value if v.strip()]
    if not isinstance(value, str):
        raise invalid(attr.name, "must be a string")
    if attr.kind == "email" and value and not _EMAIL.fullmatch(value):
        raise invalid(attr.name, "is not an email address")
    if len(value) > (20000 if attr.name == "description" else 500):
        raise invalid(attr.name, "is too long")
    return value
