"""Field maps (SPEC §6): which hub field fills which partner field. Pure.

Every mapping has a session and a speaker field map, pre-filled with the partner's declared
defaults (`FieldSpec`s). Pairs can be added (hub field -> partner field, e.g. Swoogo's `c_123`
or ASP's `panel-moderator`) and non-required ones removed. A partner's transform builds its
default payload as before, then lets the map drop the removed defaults and add the extra pairs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from agendasync.domain.integrations import FieldSpec
from agendasync.domain.models import TaxonomyItem
from agendasync.sync.model import Item

FIELD_KINDS = ("sessions", "speakers")

# The hub fields a pair can read, per kind (SPEC §1).
HUB_FIELDS: Mapping[str, tuple[str, ...]] = {
    "sessions": (
        "id",
        "title",
        "description",
        "starts_at",
        "ends_at",
        "language",
        "format",
        "tags",
        "tracks",
        "locations",
        "levels",
        "files",
        "client_session_id",
        "sessionize_id",
        "speakers",
        "moderators",
        "chairpersons",
    ),
    "speakers": (
        "id",
        "first_name",
        "last_name",
        "email",
        "job_title",
        "honorific",
        "company",
        "website",
        "mobile_phone",
        "biography",
        "address",
        "postcode",
        "headshot_url",
        "facebook_url",
        "linkedin_url",
        "twitter_url",
        "tags",
        "sessionize_id",
    ),
}


@dataclass(frozen=True)
class FieldMaps:
    """A mapping's field maps per kind, and the partner fields known to exist (per kind, where
    the partner was asked: only when a map has pairs beyond the defaults)."""

    maps: Mapping[str, tuple[FieldSpec, ...]] = field(default_factory=dict)
    available: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def of(self, kind: str, defaults: tuple[FieldSpec, ...]) -> tuple[FieldSpec, ...]:
        return self.maps.get(kind, defaults)


class FieldMapError(ValueError):
    """A pair that cannot be saved; the message says why, in the user's words."""


def hub_value(record: BaseModel, hub: str) -> Any:
    """The value of a hub field as partners take it: text, names of taxonomy, lists."""
    if hub in ("speakers", "moderators", "chairpersons"):
        role = hub.removesuffix("s")
        people = getattr(record, "people", [])
        return [str(p.speaker_id) for p in people if p.role.value == role]
    if hub == "files":
        files = sorted(getattr(record, "files", []), key=lambda f: f.uploaded_at)
        return files[-1].url if files else ""
    value = getattr(record, hub)
    if isinstance(value, TaxonomyItem):
        return value.name
    if isinstance(value, list):
        return [item.name if isinstance(item, TaxonomyItem) else str(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return "" if value is None else str(value)


def extra_pairs(
    kind: str, defaults: tuple[FieldSpec, ...], maps: FieldMaps
) -> tuple[list[FieldSpec], list[FieldSpec]]:
    """The pairs beyond the defaults, split into those to send and those whose partner field
    no longer exists on the partner (R-FLD-2: reported at sync time)."""
    default_partner = {pair.partner for pair in defaults}
    extra = [pair for pair in maps.of(kind, defaults) if pair.partner not in default_partner]
    known = maps.available.get(kind)
    if known is None:
        return extra, []
    return [p for p in extra if p.partner in known], [p for p in extra if p.partner not in known]


def removed_defaults(kind: str, defaults: tuple[FieldSpec, ...], maps: FieldMaps) -> set[str]:
    """Partner fields of the defaults that the mapping's map no longer has."""
    kept = {pair.partner for pair in maps.of(kind, defaults)}
    return {pair.partner for pair in defaults if pair.partner not in kept}


def apply_field_map(
    payload: Mapping[str, Any],
    record: BaseModel,
    kind: str,
    defaults: tuple[FieldSpec, ...],
    maps: FieldMaps,
) -> tuple[dict[str, Any], list[str]]:
    """A flat payload with the map applied, and a note for every pair that was not sent."""
    removed = removed_defaults(kind, defaults, maps)
    out = {name: value for name, value in payload.items() if name not in removed}
    send, missing = extra_pairs(kind, defaults, maps)
    for pair in send:
        out[pair.partner] = hub_value(record, pair.hub)
    notes = [missing_note(pair) for pair in missing]
    return out, notes


def mapped_item(
    item: Item, record: BaseModel, defaults: tuple[FieldSpec, ...], maps: FieldMaps
) -> Item:
    """The item with the mapping's field map applied; the item itself when the map is the
    partner's defaults (most mappings: a check then copies no payload)."""
    current = maps.of(item.kind, defaults)
    if current is defaults or current == defaults:
        return item
    payload, notes = apply_field_map(item.payload, record, item.kind, defaults, maps)
    return replace(item, payload=payload, notes=(*item.notes, *notes))


def missing_note(pair: FieldSpec) -> str:
    return f"partner field '{pair.partner}' no longer exists; {pair.hub} was not sent there"


def checked_pair(
    kind: str, hub: str, partner: str, current: Iterable[FieldSpec], available: frozenset[str]
) -> FieldSpec:
    """A new pair for a map, or `FieldMapError` naming the problem (R-FLD-2)."""
    if kind not in FIELD_KINDS:
        raise FieldMapError(f"field maps are for {' and '.join(FIELD_KINDS)}, not {kind!r}")
    if hub not in HUB_FIELDS[kind]:
        raise FieldMapError(
            f"{kind} have no field {hub!r}; choose one of: {', '.join(HUB_FIELDS[kind])}"
        )
    partner = partner.strip()
    if not partner:
        raise FieldMapError("the partner field is empty")
    if partner not in available:
        raise FieldMapError(f"the partner has no {kind.removesuffix('s')} field {partner!r}")
    if any(pair.partner == partner for pair in current):
        raise FieldMapError(f"partner field {partner!r} is already filled by the map")
    return FieldSpec(hub, partner)


def without_pair(kind: str, partner: str, current: tuple[FieldSpec, ...]) -> tuple[FieldSpec, ...]:
    """The map without the pair filling `partner`; required pairs stay."""
    found = next((pair for pair in current if pair.partner == partner), None)
    if found is None:
        raise FieldMapError(f"the {kind} field map has no pair for {partner!r}")
    if found.required:
        raise FieldMapError(f"{partner!r} is required by the partner; it cannot be removed")
    return tuple(pair for pair in current if pair is not found)
