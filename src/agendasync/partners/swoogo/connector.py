"""Swoogo records for one Swoogo event: create, update, delete, find, per kind of item."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Mapping
from datetime import date
from typing import Any

import httpx

from agendasync.partners.images import fit_image
from agendasync.partners.swoogo.client import LIST_COST, SwoogoClient
from agendasync.partners.swoogo.payloads import SESSION_FIELDS, SPEAKER_FIELDS, id_in_notes
from agendasync.sync.errors import Rejected, RemoteNotFound
from agendasync.sync.model import Item, LedgerEntry, Resolved
from agendasync.sync.partner import PartnerEvent

# Where each kind lives on Swoogo: (list path, create path, update path with {id}).
_PATHS = {
    "rooms": ("/locations", "/locations/create", "/locations/update/{id}"),
    "tracks": ("/tracks", "/tracks/create", "/tracks/update/{id}"),
    "sessions": ("/sessions", "/sessions/create", "/sessions/update/{id}"),
    "speakers": ("/speakers", "/speakers/create", "/speakers/update/{id}"),
    "sponsors": ("/sponsors", "/sponsors/create", "/sponsors/update/{id}"),
}
# What identifies an existing record of each kind on Swoogo, read from the list.
_LIST_FIELDS = {
    "rooms": "id,name",
    "tracks": "id,name",
    "sessions": "id,name,notes",
    "speakers": "id,email,contact_id",
    "sponsors": "id,name,notes",
}


def _form(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Swoogo takes forms: refs become partner ids, booleans `1`/`0`."""
    form: dict[str, Any] = {}
    for name, value in payload.items():
        if isinstance(value, Resolved):
            value = value.partner_id
        elif isinstance(value, bool):
            value = int(value)
        form[name] = value
    return form


class SwoogoConnector:
    def __init__(
        self,
        client: SwoogoClient,
        partner_event_id: str,
        *,
        images: httpx.AsyncClient,
        image_max_bytes: int,
    ) -> None:
        self.client = client
        self.event_id = partner_event_id
        self.images = images
        self.image_max_bytes = image_max_bytes
        self._level: dict[str, Any] | None = None  # the sponsor field `level`, read once a run

    @property
    def calls(self) -> int:
        return self.client.calls

    @property
    def credits(self) -> int:
        return self.client.credits

    async def event(self) -> PartnerEvent:
        body = await self.client.get(f"/events/{self.event_id}")
        return partner_event(body)

    # --- create / update ------------------------------------------------------------------------

    async def create(self, item: Item) -> Resolved:
        special = self._special(item.kind)
        if special:
            return await special(item, None)
        _, create_path, _ = _PATHS[item.kind]
        body = await self.client.call(
            "POST", create_path, data={"event_id": self.event_id, **_form(item.payload)}
        )
        return _resolved(item.kind, body)

    async def update(self, item: Item, entry: LedgerEntry) -> Resolved:
        special = self._special(item.kind)
        if special:
            return await special(item, entry)
        assert entry.partner_id
        _, _, update_path = _PATHS[item.kind]
        body = await self.client.call(
            "PUT", update_path.format(id=entry.partner_id), data=_form(item.payload)
        )
        return _resolved(item.kind, body)

    async def delete(self, entry: LedgerEntry) -> None:
        await self.client.call(
            "DELETE", f"/{_PATHS[entry.kind][0].strip('/')}/delete/{entry.partner_id}"
        )

    def _special(
        self, kind: str
    ) -> Callable[[Item, LedgerEntry | None], Awaitable[Resolved]] | None:
        return {
            "speaker_sessions": self._link_sessions,
            "headshots": self._upload_headshot,
            "logos": self._upload_logo,
            "sponsor_levels": self._sponsor_level,
        }.get(kind)

    async def _link_sessions(self, item: Item, entry: LedgerEntry | None) -> Resolved:
        speaker = item.payload["speaker"]
        wanted = [r.partner_id for r in item.payload["sessions"]]
        linked = list(entry.extra.get("session_ids", [])) if entry else []
        added = [s for s in wanted if s not in linked]
        if added:
            await self.client.call(
                "POST",
                f"/speakers/{speaker.partner_id}/session.json",
                json={"session_ids": [int(s) for s in added]},
            )
        for gone in [s for s in linked if s not in wanted]:
            # A session deleted on Swoogo took its links with it: nothing left to unlink.
            with contextlib.suppress(RemoteNotFound):
                await self.client.call("DELETE", f"/speakers/{speaker.partner_id}/sessions/{gone}")
        return Resolved(speaker.partner_id, {"session_ids": wanted})

    async def _upload(self, path: str, url: str) -> None:
        picture = await fit_image(self.images, url, self.image_max_bytes)
        await self.client.call(
            "PUT", path, files={"file": (picture.filename, picture.data, picture.content_type)}
        )

    async def _upload_headshot(self, item: Item, entry: LedgerEntry | None) -> Resolved:
        speaker = item.payload["speaker"]
        contact = speaker.extra["contact_id"]
        await self._upload(f"/image/contact/{contact}/profile_picture", item.payload["url"])
        return Resolved(str(contact))

    async def _upload_logo(self, item: Item, entry: LedgerEntry | None) -> Resolved:
        sponsor = item.payload["sponsor"]
        await self._upload(f"/image/sponsor/{sponsor.partner_id}/logo", item.payload["url"])
        return Resolved(sponsor.partner_id)

    async def _level_field(self) -> dict[str, Any]:
        if self._level is not None:
            return self._level
        fields = await self.client.call(
            "GET",
            "/sponsors/fields",
            cost=LIST_COST,
            params={"event_id": self.event_id, "fields": "*"},
        )
        for field in fields["items"]:
            if field.get("attribute") == "level":
                self._level = dict(field)
                return self._level
        raise Rejected("this Swoogo event has no sponsor field 'level' for tiers")

    async def _sponsor_level(self, item: Item, entry: LedgerEntry | None) -> Resolved:
        """A tier is a choice of the sponsor field `level`: found by name, else added."""
        name = item.payload["name"]
        field = await self._level_field()
        if entry and entry.partner_id:  # a renamed tier keeps its choice (R-TX-7)
            current = {str(c["id"]): c["name"] for c in field["choices"]}
            if current.get(entry.partner_id) == name:  # already so: nothing to write
                return Resolved(entry.partner_id)
            choices = [{"id": int(entry.partner_id), "name": name}]
        else:
            for choice in field["choices"]:
                if choice["name"].lower() == name.lower():
                    return Resolved(str(choice["id"]))
            choices = [{"name": name}]
        body = await self.client.call(
            "PUT", f"/sponsors/field/{field['id']}", json={"choices": choices}
        )
        self._level = dict(body)
        for choice in body["choices"]:
            if choice["name"] == name:
                return Resolved(str(choice["id"]))
        raise Rejected(f"Swoogo did not add the sponsor tier {name!r}")

    # --- finding what is already there -------------------------------------------------------

    async def index(self, kind: str) -> Mapping[tuple[str, str], Resolved]:
        """Every record of `kind` in the Swoogo event, by the keys items are looked up by."""
        if kind == "sponsor_levels":
            field = await self._level_field()
            return {("name", c["name"].lower()): Resolved(str(c["id"])) for c in field["choices"]}
        if kind not in _LIST_FIELDS:
            return {}
        rows = await self.client.list_all(
            _PATHS[kind][0], event_id=self.event_id, fields=_LIST_FIELDS[kind]
        )
        found: dict[tuple[str, str], Resolved] = {}
        for row in rows:
            resolved = _resolved(kind, row)
            for key in _keys(kind, row):
                found.setdefault(key, resolved)
        return found

    async def find(self, item: Item) -> Resolved | None:
        """One record, for a create whose answer was lost (R-SYNC-7).

        Search by a standard field (name or email: Swoogo's search ignores custom fields), for
        every value the record was sent with, then check our id in the notes where the kind
        carries it."""
        if item.kind not in _LIST_FIELDS:
            found = await self.index(item.kind)
            return next((found[key] for key in item.lookup if key in found), None)
        field = "email" if item.kind == "speakers" else "name"
        ours = [key for key in item.lookup if key[0] == "uuid"]
        for kind, value in item.lookup:
            if kind != field:
                continue
            rows = await self.client.list_all(
                _PATHS[item.kind][0],
                event_id=self.event_id,
                fields=_LIST_FIELDS[item.kind],
                search=_search(field, value),
            )
            for row in rows:
                keys = set(_keys(item.kind, row))
                if keys & set(ours or [(kind, value.lower())]):
                    return _resolved(item.kind, row)
        return None

    async def fields(self, kind: str) -> frozenset[str]:
        """Swoogo's own fields of sessions or speakers, and their custom fields (`c_<id>`)."""
        defaults = {"sessions": SESSION_FIELDS, "speakers": SPEAKER_FIELDS}[kind]
        known = {pair.partner for pair in defaults}
        if kind == "sessions":
            body = await self.client.call(
                "GET",
                "/sessions/fields",
                cost=LIST_COST,
                params={"event_id": self.event_id, "fields": "attribute"},
            )
            known |= {str(f["attribute"]) for f in body["items"] if f.get("attribute")}
        return frozenset(known)


def _search(field: str, value: str) -> str:
    """A search condition for `value`. Swoogo reads `&` inside `search` as the start of
    another condition, so a value holding one is searched by its longest part (`contains`);
    the match is then checked on what comes back."""
    if "&" not in value:
        return f"{field}={value}"
    longest = max((part.strip() for part in value.split("&")), key=len)
    return f"{field}=*contains*{longest}"


def _keys(kind: str, row: Mapping[str, Any]) -> list[tuple[str, str]]:
    if kind == "speakers":
        return [("email", row["email"].lower())] if row.get("email") else []
    keys = []
    if kind in ("sessions", "sponsors") and (ours := id_in_notes(row.get("notes"))):
        keys.append(("uuid", ours))
    if kind in ("rooms", "tracks", "sponsor_levels") and row.get("name"):
        keys.append(("name", str(row["name"]).lower()))
    return keys


def _resolved(kind: str, body: Mapping[str, Any]) -> Resolved:
    extra = {"contact_id": body["contact_id"]} if kind == "speakers" else {}
    return Resolved(str(body["id"]), extra)


def partner_event(body: Mapping[str, Any]) -> PartnerEvent:
    def day(value: Any) -> date | None:
        return date.fromisoformat(value) if value else None

    return PartnerEvent(
        id=str(body["id"]),
        name=str(body.get("name", "")),
        timezone=body.get("timezone"),
        start_date=day(body.get("start_date")),
        end_date=day(body.get("end_date")),
    )
