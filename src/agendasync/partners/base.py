"""The partner interface: what a partner declares and what its connector does.

A partner package (`partners/swoogo/`, ...) is the only place that knows that partner. It
declares a `PartnerSpec` (credentials, mapping parameters, the kinds of records it holds and in
which order they are sent, eligibility, image limit, delete semantics, rate budget) and
implements `Partner`: a pure transform from eligible records to items, and a `Connector` that
speaks the partner's API. Forms, the CLI and the sync engine are driven by the declaration; the
engine only ever calls this interface.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

import httpx

from agendasync.domain.models import EventContent
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


@dataclass(frozen=True)
class Budget:
    """The partner's rate budget per credential: `credits` per `window_s` seconds."""

    credits: int
    window_s: float


@dataclass(frozen=True)
class PartnerSpec:
    name: str  # the id used in commands and URLs: "swoogo"
    title: str  # for people: "Swoogo"
    credential_fields: tuple[CredentialField, ...]
    default_base_url: str | None
    base_url_required: bool = False  # ExpoPlatform: every customer has its own host
    mapping_params: tuple[MappingParam, ...] = ()
    # The kinds a content sync sends, in order (taxonomy before the sessions that use it), and
    # the kinds each separate action sends (R-SYNC-1: sponsors, exhibitors).
    content_kinds: tuple[KindSpec, ...] = ()
    actions: Mapping[str, tuple[KindSpec, ...]] = field(default_factory=dict)
    eligibility: Eligibility = field(default_factory=Eligibility)
    image_max_bytes: int | None = None
    deletes_propagate: bool = False  # Gleanin: records gone from the hub are deleted there
    budget: Budget | None = None
    concurrency: int = 8

    def kinds(self, action: str) -> tuple[KindSpec, ...]:
        return self.content_kinds if action == "content" else self.actions[action]


@dataclass(frozen=True)
class PartnerEvent:
    id: str
    name: str
    timezone: str | None = None
    start_date: date | None = None
    end_date: date | None = None


@dataclass(frozen=True)
class TransformContext:
    """What a transform may use beside the records: the mapping's settings and the clock."""

    partner_event_id: str
    params: Mapping[str, str] = field(default_factory=dict)
    now: datetime | None = None


@dataclass
class Transformed:
    items: list[Item] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)


class Connector(Protocol):
    """One partner event, reached with one credential.

    Every method raises the `partners.exceptions` tree on failure. `create` and `update` take
    an item whose refs are already resolved (`payload` values that were `Ref`s are `Resolved`).
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
        partner_event_id: str,
        *,
        budget: Any,
    ) -> Connector: ...


_REGISTRY: dict[str, Partner] = {}


def register(partner: Partner) -> Partner:
    _REGISTRY[partner.spec.name] = partner
    return partner


def get_partner(name: str) -> Partner:
    from agendasync.partners import registry  # noqa: F401  (imports and registers every partner)

    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise LookupError(f"unknown partner {name!r}; known partners: {known}") from None


def all_partners() -> list[Partner]:
    from agendasync.partners import registry  # noqa: F401

    return [_REGISTRY[name] for name in sorted(_REGISTRY)]
