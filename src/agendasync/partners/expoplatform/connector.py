"""ExpoPlatform records for one ExpoPlatform event: create, update, delete, find, per kind.

Creates send our id as `external_id`; updates and deletes go by ExpoPlatform's `id` (an update
by `external_id` would silently create the record again after an admin deleted it). Before a
speaker is created its email is looked up: a contact the hub did not create holds it (R-SPK-1).
Languages are matched by their English name once per run (R-TX-2).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from agendasync.partners.expoplatform.client import TITLE, ExpoClient, warnings
from agendasync.partners.expoplatform.payloads import ENGLISH, SESSION_FIELDS, SPEAKER_FIELDS
from agendasync.sync.errors import Clash, PartnerError, Rejected, RemoteNotFound
from agendasync.sync.model import Item, LedgerEntry, Resolved
from agendasync.sync.partner import PartnerEvent

# Taxonomy kinds and the noun of their endpoints (`session/getTracks`, `session/setTrack`).
_TAXONOMY = {"tracks": "Track", "types": "Type", "tags": "Tag", "halls": "Hall"}
# Records: (object of the setter/getter, list that holds them).
_RECORDS = {"sessions": ("session", "sessions"), "speakers": ("account", "participants")}


def _value(value: Any) -> Any:
    if isinstance(value, Resolved):
        return value.partner_id
    if isinstance(value, list | tuple):
        return [_value(v) for v in value]
    return value


class ExpoConnector:
    def __init__(self, client: ExpoClient, partner_event_id: str) -> None:
        self.client = client
        self.event_id = partner_event_id
        self._languages: dict[str, str] | None = None  # lower-case English name -> id

    @property
    def calls(self) -> int:
        return self.client.calls

    @property
    def credits(self) -> int:
        return self.client.credits

    async def event(self) -> PartnerEvent:
        return partner_event(await self.client.get("/event/get", event_id=self.event_id))

    # --- writes ------------------------------------------------------------------------------

    async def create(self, item: Item) -> Resolved:
        if item.kind in _TAXONOMY:
            form = {"name": item.payload["name"], "external_id": str(item.record_id)}
            return await self._set(f"/session/set{_TAXONOMY[item.kind]}", form)
        if item.kind == "speakers":
            ours = await self._email_holder(item)
            if ours is not None:  # ours already (a lost answer): update it, never twice
                return await self._write(item, ours)
        return await self._write(item, None)

    async def update(self, item: Item, entry: LedgerEntry) -> Resolved:
        assert entry.partner_id
        if item.kind in _TAXONOMY:  # a rename (R-TX-7)
            form = {"id": entry.partner_id, "name": item.payload["name"]}
            return await self._set(f"/session/set{_TAXONOMY[item.kind]}", form)
        return await self._write(item, entry.partner_id)

    async def delete(self, entry: LedgerEntry) -> None:
        if entry.kind in _TAXONOMY:
            path = f"/session/delete{_TAXONOMY[entry.kind]}"
        else:
            path = f"/{_RECORDS[entry.kind][0]}/delete"
        await self.client.post(path, {"event_id": self.event_id, "id": entry.partner_id})

    async def _write(self, item: Item, partner_id: str | None) -> Resolved:
        form = {name: _value(value) for name, value in item.payload.items()}
        notes: tuple[str, ...] = ()
        if item.kind == "sessions":
            form["language"], notes = await self._language(str(form.get("language") or ENGLISH))
        if partner_id is not None:
            form["id"] = partner_id
        resolved = await self._set(f"/{_RECORDS[item.kind][0]}/set", form)
        return Resolved(resolved.partner_id, notes=(*notes, *resolved.notes))

    async def _set(self, path: str, form: Mapping[str, Any]) -> Resolved:
        data = await self.client.post(path, {"event_id": self.event_id, **form})
        if not isinstance(data, Mapping) or data.get("id") in (None, ""):
            raise PartnerError(f"{TITLE} answered {path} without the record's id")
        return Resolved(str(data["id"]), notes=warnings(data))

    async def _email_holder(self, item: Item) -> str | None:
        """R-SPK-1: who holds the speaker's email. Ours (the id) or nobody (None); anyone else
        is a clash."""
        email = str(item.payload.get("email") or "")
        if not email:
            return None
        found = await self.client.get("/account/exists", event_id=self.event_id, email=email)
        if not isinstance(found, Mapping) or not found.get("exists"):
            return None
        contact = await self.client.get("/account/get", event_id=self.event_id, id=found["id"])
        theirs = str(contact.get("external_id") or "") if isinstance(contact, Mapping) else ""
        if theirs == str(item.record_id):
            return str(found["id"])
        held = "another record's id" if theirs else "no id of ours"
        raise Clash(
            f"the email {email} belongs to an {TITLE} contact this hub did not create"
            f" ({held}); delete or detach that contact in {TITLE} to sync this speaker"
        )

    async def _language(self, name: str) -> tuple[str, tuple[str, ...]]:
        """R-TX-2: the partner's language of that English name, else English with a note."""
        if self._languages is None:
            rows = await self.client.get("/session/getLanguages", event_id=self.event_id)
            self._languages = {
                str(row["name"]).strip().lower(): str(row["id"])
                for row in _rows(rows)
                if row.get("name") and row.get("id") is not None
            }
        found = self._languages.get(name.lower())
        if found is not None:
            return found, ()
        english = self._languages.get(ENGLISH.lower())
        if english is None:
            raise Rejected(f"{TITLE} lists neither {name} nor English among its languages")
        return english, (f"language {name} is not on {TITLE}; sent in English",)

    # --- finding what is already there -------------------------------------------------------

    async def index(self, kind: str) -> Mapping[tuple[str, str], Resolved]:
        """Taxonomy by name; sessions and speakers by our id (`external_id`) only: a contact
        someone else made is never adopted by its email (R-SPK-1)."""
        if kind in _TAXONOMY:
            rows = await self.client.get(f"/session/get{_TAXONOMY[kind]}s", event_id=self.event_id)
            return {
                ("name", str(row["name"]).lower()): Resolved(str(row["id"]))
                for row in _rows(rows)
                if row.get("name")
            }
        if kind not in _RECORDS:
            return {}
        rows = await self.client.list_all(f"/{_RECORDS[kind][1]}/{self.event_id}/list")
        return {
            ("uuid", str(row["external_id"])): Resolved(str(row["id"]))
            for row in rows
            if row.get("external_id") and row.get("id") is not None
        }

    async def find(self, item: Item) -> Resolved | None:
        """One record sent before whose answer was lost (R-SYNC-7): by our id, else (a
        speaker) by email, if the contact found carries one of our ids."""
        if item.kind in _TAXONOMY:
            listed = await self.index(item.kind)
            return next((listed[key] for key in item.lookup if key in listed), None)
        if item.kind not in _RECORDS:
            return None
        ours = {value for key, value in item.lookup if key == "uuid"}
        for key, value in item.lookup:
            if key not in ("uuid", "email") or not value:
                continue
            param = "external_id" if key == "uuid" else "email"
            try:
                row = await self.client.get(
                    f"/{_RECORDS[item.kind][0]}/get", event_id=self.event_id, **{param: value}
                )
            except RemoteNotFound:
                continue
            if isinstance(row, Mapping) and str(row.get("external_id") or "") in ours:
                return Resolved(str(row["id"]))
        return None

    async def fields(self, kind: str) -> frozenset[str]:
        """The documented attributes of a session or an account that the hub can fill."""
        defaults = {"sessions": SESSION_FIELDS, "speakers": SPEAKER_FIELDS}[kind]
        return frozenset(pair.partner for pair in defaults)


def _rows(data: Any) -> list[Mapping[str, Any]]:
    return [row for row in data if isinstance(row, Mapping)] if isinstance(data, list) else []


def partner_event(row: Mapping[str, Any]) -> PartnerEvent:
    def day(value: Any) -> date | None:
        try:
            return date.fromisoformat(str(value)[:10]) if value else None
        except ValueError:
            return None

    if row.get("id") is None:
        raise PartnerError(f"{TITLE} listed an event without an id")
    return PartnerEvent(
        id=str(row["id"]),
        name=str(row.get("name") or ""),
        timezone=row.get("timezone") or None,
        start_date=day(row.get("start_date")),
        end_date=day(row.get("end_date")),
    )
