"""The Swoogo simulator's tables and how the API reads them: rows by id, the rendering of a
row (`fields`, computed fields, `expand`, custom fields), and `dump`/`snapshot`/`restore`.
`SwoogoTables` is the base of `SwoogoState`, which adds the rules that change the rows.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Self

from agendasync.partners.swoogo.simulator_access import Credential, SwoogoAccess, Token
from agendasync.partners.swoogo.simulator_entities import (
    CHOICE_TYPES,
    ENTITIES,
    Attr,
    EntitySpec,
)
from agendasync.partners.swoogo.simulator_images import StoredImage
from agendasync.partners.swoogo.simulator_rules import TIMESTAMP, Knobs, Row, not_found

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
_SINGULAR = {name.removesuffix("s"): name for name in ENTITIES} | {"field_defs": "fields"}


class SwoogoTables(SwoogoAccess):
    """The tables (`events`, `sessions`, `speakers`, `sponsors`, `locations`, `tracks`,
    `field_defs`) map id -> row. Rows hold the stored values (`level` as a choice id,
    booleans as bool, custom fields as `c_<id>`; speakers also `contact_id`,
    `profile_picture` and `session_ids`). `view()` gives the API's rendering.
    Every id space starts at its own base, so a speaker id used as a contact id is a 404.
    """

    def __init__(
        self, knobs: Knobs | None = None, *, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__(knobs if knobs is not None else Knobs(), clock)
        self._tables: dict[str, dict[int, Row]] = {name: {} for name in ENTITIES}
        self._counters = dict(_ID_BASES)
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
        raise not_found(event_id)

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
    def restore(cls, snapshot: Mapping[str, Any]) -> Self:
        """The state a `snapshot()` was taken of."""
        state = cls(Knobs(**snapshot["knobs"]))
        for name, rows in snapshot["tables"].items():
            state._tables[name] = {row["id"]: row for row in rows}
        state._counters = dict(snapshot["counters"])
        state._credentials = {c["key"]: Credential(**c) for c in snapshot["credentials"]}
        state._tokens = {token: Token(**t) for token, t in snapshot["tokens"].items()}
        state._contacts = set(snapshot["contacts"])
        for image in snapshot["images"]:
            stored = StoredImage(**(image | {"data": base64.b64decode(image["data"])}))
            state.images[(stored.type, stored.id, stored.field)] = stored
        return state

    def new_contact(self) -> int:
        contact_id = self._next_id("contacts")
        self._contacts.add(contact_id)
        return contact_id

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

    # -- internals ---------------------------------------------------------------------------

    def _spec(self, entity: str) -> EntitySpec:
        spec = ENTITIES.get(_SINGULAR.get(entity, entity))
        if spec is None:
            raise ValueError(f"unknown entity {entity!r}")
        return spec

    def _row(self, table: str, row_id: int) -> Row:
        row = self._tables[table].get(row_id)
        if row is None:
            raise not_found(row_id)
        return row

    def _next_id(self, space: str) -> int:
        self._counters[space] += 1
        return self._counters[space]

    def _now(self) -> str:
        return datetime.fromtimestamp(self.clock(), UTC).strftime(TIMESTAMP)

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


def _custom_output(definition: Row, value: Any) -> Any:
    if definition["type"] not in CHOICE_TYPES or value is None:
        return value
    names = {c["id"]: c["name"] for c in definition["choices"]}
    if isinstance(value, list):
        return [{"id": v, "value": names.get(v)} for v in value]
    return {"id": value, "value": names.get(value)}
