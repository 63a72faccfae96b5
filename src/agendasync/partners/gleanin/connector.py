"""Gleanin records for one Gleanin event: create, update, delete, find, with share links.

Every record carries our id in `external_idx`, which is how it is found again (R-SYNC-7) and
re-adopted after a reconnect (R-INT-6); a contact is never adopted by its email alone: a speaker
or team member whose email belongs to a contact without our id is a clash (R-SPK-1). People's
answers include their campaign links (R-SPK-2); a person whose links are not made yet is
`complete=False`, so the next run asks again, with a read when nothing else changed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from agendasync.partners.gleanin.client import Document, GleaninClient
from agendasync.partners.gleanin.payloads import ATTRIBUTES
from agendasync.sync.errors import Clash, PartnerError, Rejected
from agendasync.sync.model import Item, LedgerEntry, Resolved, ShareLink
from agendasync.sync.partner import PartnerEvent

PEOPLE = frozenset({"speakers", "exhibitors", "team_members"})
CONTACTS = frozenset({"speakers", "team_members"})  # emails unique per event: clashes
SENT = "sent"  # ledger extra: a digest of the attributes last written


class GleaninConnector:
    def __init__(self, client: GleaninClient, partner_event_id: str) -> None:
        self.client = client
        self.event_id = partner_event_id

    @property
    def calls(self) -> int:
        return self.client.calls

    @property
    def credits(self) -> int:
        return self.client.credits

    def _event_number(self) -> int:
        # Gleanin's ids are strings, but ids inside attributes are integers (its decisions).
        if not self.event_id.isdigit():
            raise Rejected(f"Gleanin event id {self.event_id!r} is not a number")
        return int(self.event_id)

    async def event(self) -> PartnerEvent:
        body = await self.client.get(f"/events/{self.event_id}")
        event = partner_event(body["data"])
        if body["data"].get("attributes", {}).get("state") != "active":
            raise PartnerError(f"the Gleanin event '{event.name}' is archived; activate it first")
        return event

    # --- writes -----------------------------------------------------------------------------

    def _document(self, item: Item, *, creating: bool) -> tuple[Document, str]:
        """The JSON:API document for an item (refs resolved), and a digest of what it says."""
        attributes: dict[str, Any] = {}
        relationships: dict[str, Any] = {}
        if creating and item.kind == "team_members":
            attributes["exhibitor_id"] = _number(item.payload["exhibitor"])
        elif creating:
            attributes["event_id"] = self._event_number()
        if creating:
            attributes["external_idx"] = str(item.record_id)
        for name in ATTRIBUTES[item.kind]:
            if name in item.payload:
                value = item.payload[name]
                attributes[name] = value if value != "" else None
        if item.kind == "sessions" and "speakers" in item.payload:
            speakers = [{"type": "speakers", "id": r.partner_id} for r in item.payload["speakers"]]
            relationships["speakers"] = {"data": speakers}
        data: dict[str, Any] = {"type": item.kind, "attributes": attributes}
        if relationships:
            data["relationships"] = relationships
        said = {k: v for k, v in attributes.items() if k not in ("event_id", "exhibitor_id")}
        said.pop("external_idx", None)
        digest = hashlib.sha256(
            json.dumps([said, relationships], sort_keys=True, default=str).encode()
        ).hexdigest()
        return {"data": data}, digest

    def _include(self, kind: str) -> dict[str, str]:
        return {"include": "campaign_links"} if kind in PEOPLE else {}

    async def create(self, item: Item) -> Resolved:
        if item.kind in CONTACTS:
            found = await self._by_email(item)
            if found is not None:
                return found
        document, digest = self._document(item, creating=True)
        include = self._include(item.kind)
        body = await self.client.write("POST", f"/{item.kind}", document, **include)
        assert body is not None
        return _resolved(item.kind, body, digest)

    async def update(self, item: Item, entry: LedgerEntry) -> Resolved:
        assert entry.partner_id
        document, digest = self._document(item, creating=False)
        path = f"/{item.kind}/{entry.partner_id}"
        if entry.extra.get(SENT) == digest:
            # Nothing new to say (asked again for links not made yet): read, do not write.
            body = await self.client.get(path, **self._include(item.kind))
        else:
            document["data"]["id"] = entry.partner_id
            written = await self.client.write("PATCH", path, document, **self._include(item.kind))
            assert written is not None
            body = written
        return _resolved(item.kind, body, digest)

    async def delete(self, entry: LedgerEntry) -> None:
        await self.client.write("DELETE", f"/{entry.kind}/{entry.partner_id}")

    # --- finding what is already there -------------------------------------------------------

    async def _rows(self, kind: str, **filters: str) -> list[dict[str, Any]]:
        params = {f"filter[{name}]": value for name, value in filters.items()}
        return await self.client.list_all(f"/{kind}", **params)

    async def _by_email(self, item: Item) -> Resolved | None:
        """Our own contact holding the item's email, or None; another's is a clash (R-SPK-1)."""
        email = next((value for key, value in item.lookup if key == "email"), None)
        if not email:
            return None
        for row in await self._rows(item.kind, event_id=self.event_id, email=email):
            ours = row.get("attributes", {}).get("external_idx")
            if ours == str(item.record_id):
                return _resolved(item.kind, {"data": row}, None)
            holder = "a contact the hub did not create" if not ours else "another hub record"
            raise Clash(f"email {email} already belongs to {holder} on Gleanin")
        return None

    async def find(self, item: Item) -> Resolved | None:
        """One record by our id (a create whose answer was lost, R-SYNC-7), else by email."""
        ids = [value for key, value in item.lookup if key == "uuid"] or [str(item.record_id)]
        for ours in dict.fromkeys(ids):
            rows = await self._rows(item.kind, event_id=self.event_id, external_idx=ours)
            if rows:
                return _resolved(item.kind, {"data": rows[0]}, None)
        if item.kind in CONTACTS:
            try:
                return await self._by_email(item)
            except Clash:
                return None  # not ours: the create that follows reports the clash
        return None

    async def index(self, kind: str) -> Mapping[tuple[str, str], Resolved]:
        """What the event holds of `kind`, by our id (only what carries one is ever adopted)."""
        if kind not in ATTRIBUTES:
            return {}
        found: dict[tuple[str, str], Resolved] = {}
        for row in await self._rows(kind, event_id=self.event_id):
            ours = row.get("attributes", {}).get("external_idx")
            if ours:
                found.setdefault(("uuid", str(ours)), Resolved(str(row["id"])))
        return found

    async def fields(self, kind: str) -> frozenset[str]:
        return frozenset(ATTRIBUTES.get(kind, ()))


def _number(value: Any) -> int:
    partner_id = value.partner_id if isinstance(value, Resolved) else str(value)
    if not partner_id.isdigit():
        raise Rejected(f"Gleanin id {partner_id!r} is not a number")
    return int(partner_id)


def _resolved(kind: str, body: Mapping[str, Any], digest: str | None) -> Resolved:
    data = body.get("data")
    if not isinstance(data, dict) or "id" not in data:
        raise PartnerError(f"Gleanin's answer for {kind} has no record")
    extra = {SENT: digest} if digest else {}
    if kind not in PEOPLE:
        return Resolved(str(data["id"]), extra)
    wanted = [
        str(ref.get("id"))
        for ref in (data.get("relationships", {}).get("campaign_links", {}).get("data") or [])
    ]
    by_id = {
        str(inc.get("id")): inc.get("attributes", {})
        for inc in body.get("included") or []
        if inc.get("type") == "campaign_links"
    }
    links = tuple(
        ShareLink(str(by_id[i].get("campaign_title") or ""), str(by_id[i]["url"]))
        for i in wanted
        if i in by_id and by_id[i].get("url")
    )
    return Resolved(str(data["id"]), extra, share_links=links, complete=bool(links))


def partner_event(data: Mapping[str, Any]) -> PartnerEvent:
    attributes = data.get("attributes") or {}
    return PartnerEvent(
        id=str(data["id"]),
        name=str(attributes.get("title", "")),
        timezone=attributes.get("time_zone"),
    )
