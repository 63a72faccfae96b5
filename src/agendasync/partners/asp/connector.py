"""ASP Events records for one mapping: a site and the seminar its sessions go into.

Streams and locations are matched by name; speakers (per site) by email, and a `409` on an
email adopts the speaker ASP already holds; sessions by the `sessionboard_id` custom field
(our UUID), inactive ones included. Before an update the record is read: a session or
speaker an ASP admin made inactive or deleted counts as deleted on the partner (never updated,
never re-created); a stream or location is taxonomy the sessions need, so it is matched by
name or created again, as the engine heals taxonomy refs.
Custom fields are sent only where the seminar (or site) has the slug; a missing one is a note.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import date
from typing import Any

from agendasync.partners.asp.client import AspClient, Conflict
from agendasync.partners.asp.payloads import (
    DEFAULT_TYPE,
    ID_SLUG,
    SESSION_ATTRIBUTES,
    SPEAKER_ATTRIBUTES,
)
from agendasync.sync.errors import Rejected, RemoteNotFound
from agendasync.sync.model import Item, LedgerEntry, LedgerState, Resolved
from agendasync.sync.partner import PartnerEvent

Row = dict[str, Any]
TAXONOMY = ("streams", "locations")


def _same(first: Any, second: Any) -> bool:
    """ASP ids are compared case-insensitively."""
    return str(first).lower() == str(second).lower()


def _plain(value: Any) -> Any:
    """Resolved refs become ASP ids (lists of them too)."""
    if isinstance(value, Resolved):
        return value.partner_id
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def partner_event(
    site: Mapping[str, Any], seminar: Mapping[str, Any] | None = None
) -> PartnerEvent:
    def day(value: Any) -> date | None:
        return date.fromisoformat(str(value)[:10]) if value else None

    name = str(site.get("Name", ""))
    if seminar is not None:
        name = f"{name} / {seminar.get('Name', '')}"
    zone = (seminar or {}).get("TimeZone") or site.get("TimeZone")
    return PartnerEvent(
        id=str(site["Uuid"]),
        name=name,
        timezone=zone,
        start_date=day(site.get("StartDate")),
        end_date=day(site.get("EndDate")),
    )


class AspConnector:
    def __init__(self, client: AspClient, site: str, seminar: str) -> None:
        self.client = client
        self.site = site
        self.seminar = seminar
        self._defs: dict[str, dict[str, Row]] = {}  # custom field definitions per kind, by slug
        self._types: dict[str, str] | None = None  # session types: lower name -> Uuid
        self._lock = asyncio.Lock()

    @property
    def calls(self) -> int:
        return self.client.calls

    @property
    def credits(self) -> int:
        return self.client.credits

    # --- the mapping's target ------------------------------------------------------------------

    async def _seminar(self) -> Row:
        if not self.seminar.strip():
            raise Rejected("the mapping names no Seminar ID: enter the ID of an ASP seminar")
        try:
            seminar: Row = await self.client.call("GET", f"/seminars/{self.seminar}")
        except RemoteNotFound:
            raise Rejected(
                f"ASP Events has no seminar with the ID {self.seminar}: create the seminar in"
                " ASP (or copy its ID from there) and enter that Seminar ID"
            ) from None
        if not _same(seminar.get("SiteUuid"), self.site):
            raise Rejected(
                f"seminar '{seminar.get('Name')}' ({self.seminar}) belongs to another ASP site;"
                " enter the ID of a seminar of the mapped site"
            )
        return seminar

    async def event(self) -> PartnerEvent:
        """The site, with the seminar's time zone (the one session times are sent in). The
        seminar must exist, belong to the site and have the `sessionboard_id` field: checked
        when a mapping is saved and before every sync that sends something."""
        site = await self.client.call("GET", f"/sites/{self.site}")
        seminar = await self._seminar()
        if ID_SLUG not in await self._custom_defs("sessions"):
            raise Rejected(
                f"seminar '{seminar.get('Name')}' has no custom field '{ID_SLUG}': create a text"
                f" custom field with the slug {ID_SLUG} on this seminar in ASP, then map again"
            )
        return partner_event(site, seminar)

    # --- create / update / delete ------------------------------------------------------------

    def _collection(self, kind: str) -> str:
        return "/speakers" if kind == "speakers" else f"/seminars/{self.seminar}/{kind}"

    async def create(self, item: Item) -> Resolved:
        body, notes = await self._body(item)
        if item.kind == "speakers":
            body["SiteUuid"] = self.site
        try:
            row = await self.client.call("POST", self._collection(item.kind), json=body)
        except Conflict as conflict:
            if item.kind not in ("speakers", "sessions") or not conflict.existing:
                raise
            # Already there (an email on the site, our id in the seminar): update that one.
            existing = LedgerEntry(item.kind, item.record_id, LedgerState.SYNCED, conflict.existing)
            found = await self.update(item, existing)
            what = "email" if item.kind == "speakers" else ID_SLUG
            note = f"already on ASP Events with this {what}; updated it"
            return Resolved(found.partner_id, notes=(*found.notes, note))
        return Resolved(str(row["Uuid"]), notes=tuple(notes))

    async def update(self, item: Item, entry: LedgerEntry) -> Resolved:
        assert entry.partner_id
        path = f"/{item.kind}/{entry.partner_id}"
        try:
            current = await self.client.call("GET", path)
            if not current.get("isActive", True):
                raise RemoteNotFound(f"made inactive on ASP Events ({item.label})")
        except RemoteNotFound:
            if item.kind not in TAXONOMY:
                raise
            return await self._taxonomy_again(item)
        body, notes = await self._body(item)
        row = await self.client.call("PUT", path, json=body)
        return Resolved(str(row.get("Uuid", entry.partner_id)), notes=tuple(notes))

    async def _taxonomy_again(self, item: Item) -> Resolved:
        """A stream or location an ASP admin deleted is taxonomy, not a record: the sessions
        that use it need it, so it is matched by name again, or created again."""
        listed = await self.index(item.kind)
        found = next((listed[key] for key in item.lookup if key in listed), None)
        note = "was deleted on ASP Events; created again"
        if found is not None:
            entry = LedgerEntry(item.kind, item.record_id, LedgerState.SYNCED, found.partner_id)
            resolved = await self.update(item, entry)
            note = "was deleted on ASP Events; found again by name"
        else:
            resolved = await self.create(item)
        return Resolved(resolved.partner_id, notes=(*resolved.notes, note))

    async def delete(self, entry: LedgerEntry) -> None:
        await self.client.call("DELETE", f"/{entry.kind}/{entry.partner_id}")

    # --- the body ASP takes ------------------------------------------------------------------

    async def _body(self, item: Item) -> tuple[Row, list[str]]:
        if item.kind in TAXONOMY:
            return {k: _plain(v) for k, v in item.payload.items()}, []
        attributes = SESSION_ATTRIBUTES if item.kind == "sessions" else SPEAKER_ATTRIBUTES
        defs = await self._custom_defs(item.kind)
        where = "the seminar" if item.kind == "sessions" else "the site's speakers"
        body: Row = {}
        custom: Row = {}
        notes: list[str] = []
        for key, value in item.payload.items():
            value = _plain(value)
            if key in attributes:
                body[key] = value
            elif key in defs:
                custom[key] = _custom_value(defs[key], key, value, notes)
            elif key == ID_SLUG and item.kind == "sessions":
                raise Rejected(
                    f"the seminar has no custom field '{ID_SLUG}' any more: create it in ASP"
                    " (a text field) so sessions can be found again"
                )
            elif value not in (None, "", []):  # nothing to send: nothing lost
                notes.append(f"{where} has no custom field '{key}'; not sent")
        if custom:
            body["CustomFields"] = custom
        if item.kind == "sessions" and "Speakers" in body:  # a pair removed: left as it is
            body["Speakers"] = [
                {"SpeakerUuid": uuid, "Order": order}
                for order, uuid in enumerate(body["Speakers"] or [], start=1)
            ]
        if item.kind == "sessions" and "SessionTypeUuid" in body:
            body["SessionTypeUuid"] = await self._session_type(body["SessionTypeUuid"], notes)
            if body["SessionTypeUuid"] is None:
                del body["SessionTypeUuid"]
        return body, notes

    async def _custom_defs(self, kind: str) -> dict[str, Row]:
        async with self._lock:
            if kind not in self._defs:
                path = (
                    f"/seminars/{self.seminar}/customfields"
                    if kind == "sessions"
                    else f"/sites/{self.site}/speakercustomfields"
                )
                rows = await self.client.call("GET", path)
                self._defs[kind] = {str(r["Slug"]): r for r in rows if isinstance(r, dict)}
            return self._defs[kind]

    async def _session_type(self, name: Any, notes: list[str]) -> str | None:
        """R-TX-3: the type named like the format, else "Session" (noted); never created."""
        async with self._lock:
            if self._types is None:
                rows = await self.client.list_all(f"/seminars/{self.seminar}/sessiontypes")
                self._types = {}
                for row in rows:
                    self._types.setdefault(str(row["Name"]).lower(), str(row["Uuid"]))
        wanted = str(name or DEFAULT_TYPE)
        if wanted.lower() in self._types:
            return self._types[wanted.lower()]
        fallback = self._types.get(DEFAULT_TYPE.lower())
        if fallback is None:
            notes.append(
                f"the seminar has no session type '{wanted}' nor '{DEFAULT_TYPE}'; sent without one"
            )
            return None
        notes.append(f"the seminar has no session type '{wanted}'; sent as '{DEFAULT_TYPE}'")
        return fallback

    # --- finding what is already there -------------------------------------------------------

    async def index(self, kind: str) -> Mapping[tuple[str, str], Resolved]:
        """What the seminar (or site) holds of `kind`, by the keys items are looked up by."""
        if kind in TAXONOMY:
            rows = await self.client.list_all(self._collection(kind))
        elif kind == "speakers":
            rows = await self.client.list_all("/speakers", SiteUuid=self.site, IncludeInactive=1)
        elif kind == "sessions":
            rows = await self.client.list_all(self._collection(kind), IncludeInactive=1)
        else:
            return {}
        found: dict[tuple[str, str], Resolved] = {}
        for row in rows:
            for key in _keys(kind, row):
                found.setdefault(key, Resolved(str(row["Uuid"])))
        return found

    async def find(self, item: Item) -> Resolved | None:
        """One record, for a create whose answer was lost (R-SYNC-7), inactive ones included."""
        for name, value in item.lookup:
            if item.kind == "sessions" and name == ID_SLUG:
                params = {f"CustomField[{ID_SLUG}]": value, "IncludeInactive": 1}
                rows = await self.client.list_all(self._collection("sessions"), **params)
            elif item.kind == "speakers" and name == "email":
                rows = await self.client.list_all(
                    "/speakers", SiteUuid=self.site, Email=value, IncludeInactive=1
                )
            else:
                continue
            for row in rows:
                if (name, value.lower()) in {(k, v.lower()) for k, v in _keys(item.kind, row)}:
                    return Resolved(str(row["Uuid"]))
        if item.kind in TAXONOMY:
            listed = await self.index(item.kind)
            return next((listed[key] for key in item.lookup if key in listed), None)
        return None

    async def fields(self, kind: str) -> frozenset[str]:
        """ASP's attributes of sessions or speakers and the custom field slugs there."""
        attributes = SESSION_ATTRIBUTES if kind == "sessions" else SPEAKER_ATTRIBUTES
        return frozenset(attributes | set(await self._custom_defs(kind)))


def _keys(kind: str, row: Mapping[str, Any]) -> list[tuple[str, str]]:
    if kind == "speakers":
        return [("email", str(row["Email"]).lower())] if row.get("Email") else []
    if kind == "sessions":
        ours = (row.get("CustomFields") or {}).get(ID_SLUG)
        return [(ID_SLUG, str(ours))] if ours else []
    return [("name", str(row["Name"]).lower())] if row.get("Name") else []


def _custom_value(definition: Mapping[str, Any], slug: str, value: Any, notes: list[str]) -> Any:
    """A value as the field's type takes it: checkbox names become option values."""
    kind = definition.get("Type")
    if value is None:
        return None
    if kind in ("checkbox", "speakerlist"):
        values = value if isinstance(value, list) else [value]
        if kind == "speakerlist":
            return [str(v) for v in values]
        options = definition.get("Options") or []
        chosen = []
        for name in values:
            match = next(
                (
                    o["Value"]
                    for o in options
                    if str(name).lower() in (str(o["Value"]).lower(), str(o["Label"]).lower())
                ),
                None,
            )
            if match is None:
                notes.append(f"custom field '{slug}' has no option '{name}'; not sent")
            elif match not in chosen:
                chosen.append(match)
        return chosen
    return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
