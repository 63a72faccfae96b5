"""The partner interface: what a partner declares and what its connector does.

A partner package (`partners/swoogo/`, ...) is the only place that knows that partner. It
declares a `PartnerSpec` (credentials, mapping parameters, its actions with the kinds of
records each sends in order, eligibility, default field maps, image limit, delete semantics,
rate budget) and implements `Partner`: a pure transform from eligible records to items, and a
`Connector` that speaks the partner's API for one `Target`. The CLI, the pages, the API and the
sync engine are driven by the declaration; the engine only ever calls this interface.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

import httpx

from agendasync.domain.integrations import FieldSpec
from agendasync.domain.models import EventContent
from agendasync.sync.fields import FieldMaps
from agendasync.sync.model import Item, LedgerEntry, Resolved, Skip
from agendasync.sync.select import Eligibility, Selection


@dataclass(frozen=True)
class CredentialField:
    name: str
    label: str
    secret: bool = True


@dataclass(frozen=True)
class MappingParam:
    """A value a mapping to this partner needs beyond the event pair (ASP: the Seminar ID)."""

    name: str
    label: str
    help: str = ""


class Adopt(enum.Enum):
    """When to look for records already on the partner before creating new ones."""

    ALWAYS = "always"  # taxonomy: matched by name on the partner (R-TX-7)
    FIRST_SYNC = "first_sync"  # the mapping holds none of this kind yet (R-INT-6)
    NEVER = "never"  # creating is harmless to repeat (adding links, uploading an image)


@dataclass(frozen=True)
class KindSpec:
    """One kind of record the partner holds, in the order the engine sends them."""

    name: str
    adopt: Adopt = Adopt.FIRST_SYNC


class SyncAction(enum.StrEnum):
    """What a sync sends (R-SYNC-1): content is sessions with their speakers and taxonomy;
    sponsors and exhibitors each have their own action."""

    CONTENT = "content"
    SPONSORS = "sponsors"
    EXHIBITORS = "exhibitors"


@dataclass(frozen=True)
class ActionSpec:
    """One sync action a partner offers: its title for people and the kinds it sends in order."""

    action: SyncAction
    title: str  # "Sessions and speakers"
    kinds: tuple[KindSpec, ...]

    @property
    def name(self) -> str:
        return self.action.value


@dataclass(frozen=True)
class Budget:
    """The partner's rate budget per credential: `credits` per `window_s` seconds."""

    credits: int
    window_s: float


# A partner without a published budget gets a conservative one (10 calls a second).
DEFAULT_BUDGET = Budget(credits=10, window_s=1.0)


@dataclass(frozen=True)
class PartnerSpec:
    name: str  # the id used in commands and URLs: "swoogo"
    title: str  # for people: "Swoogo"
    credential_fields: tuple[CredentialField, ...]
    default_base_url: str | None
    actions: tuple[ActionSpec, ...]
    base_url_required: bool = False  # ExpoPlatform: every customer has its own host
    mapping_params: tuple[MappingParam, ...] = ()
    eligibility: Eligibility = field(default_factory=Eligibility)
    # Default field maps (SPEC §6), per kind that has one ("sessions", "speakers").
    fields: Mapping[str, tuple[FieldSpec, ...]] = field(default_factory=dict)
    image_max_bytes: int | None = None
    deletes_propagate: bool = False  # Gleanin: records gone from the hub are deleted there
    recreate_deleted: bool = False  # Gleanin: a record deleted on the partner is sent again
    purge_on_unmap: bool = False  # ExpoPlatform: removing a mapping deletes what it created
    budget: Budget | None = DEFAULT_BUDGET
    concurrency: int = 8

    def action(self, name: str) -> ActionSpec:
        for spec in self.actions:
            if spec.name == name:
                return spec
        offered = " or ".join(a.name for a in self.actions)
        raise LookupError(f"{self.title} syncs {offered}, not {name!r}")

    @property
    def action_names(self) -> list[str]:
        return [a.name for a in self.actions]

    def kinds(self, action: str) -> tuple[KindSpec, ...]:
        return self.action(action).kinds

    def all_kinds(self) -> list[KindSpec]:
        return [kind for action in self.actions for kind in action.kinds]


@dataclass(frozen=True)
class PartnerEvent:
    id: str
    name: str
    timezone: str | None = None
    start_date: date | None = None
    end_date: date | None = None


@dataclass(frozen=True)
class Target:
    """What a connector works on: one partner event and the mapping's parameters."""

    partner_event_id: str
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TransformContext:
    """What a transform may use beside the records: the mapping's target, its field maps
    (with the partner fields known to exist, where they were asked for) and the clock."""

    target: Target
    field_maps: FieldMaps = field(default_factory=FieldMaps)
    now: datetime | None = None


@dataclass
class Transformed:
    items: list[Item] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)


class Connector(Protocol):
    """One partner event, reached with one credential.

    Every method raises the `sync.errors` tree on failure. `create` and `update` take an item
    whose refs are already resolved (`payload` values that were `Ref`s are `Resolved`); `find`
    looks a record up by the keys of `item.lookup` (the hub id first where the partner holds
    it), `index` lists what the partner holds of a kind, keyed the same way.
    """

    @property
    def calls(self) -> int:
        """Partner calls made."""
        ...

    @property
    def credits(self) -> int:
        """Budget spent."""
        ...

    async def event(self) -> PartnerEvent: ...

    async def create(self, item: Item) -> Resolved: ...

    async def update(self, item: Item, entry: LedgerEntry) -> Resolved: ...

    async def delete(self, entry: LedgerEntry) -> None: ...

    async def find(self, item: Item) -> Resolved | None: ...

    async def index(self, kind: str) -> Mapping[tuple[str, str], Resolved]: ...

    async def fields(self, kind: str) -> frozenset[str]:
        """The partner fields that exist for `kind` ("sessions", "speakers"), for field maps."""
        ...


class Partner(Protocol):
    spec: PartnerSpec

    def transform(
        self, action: str, selection: Selection, content: EventContent, context: TransformContext
    ) -> Transformed: ...

    async def verify(
        self, http: httpx.AsyncClient, credentials: Mapping[str, str], base_url: str
    ) -> Sequence[PartnerEvent]:
        """Check the credentials at once (R-INT-2); answers the partner's events."""
        ...

    def connector(
        self,
        http: httpx.AsyncClient,
        credentials: Mapping[str, str],
        base_url: str,
        target: Target,
        *,
        budget: Any,
    ) -> Connector: ...
