"""Each record's state on each partner its event is mapped to: sent when, deleted on the
partner, failing and why, needing attention, left out by design, or not sent yet.

`record_states` is pure: it turns the store's rows (`store.sync_state`: the ledger, the newest
runs' per-record outcomes) into states. `event_record_states` reads them for a whole event or
one page of its records, in the same few queries whatever their number.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection

from agendasync.domain.run_summary import RECORD_KINDS, by_design
from agendasync.partners.registry import all_partners
from agendasync.store.sync_state import (
    PICTURE_OWNERS,
    LedgerRow,
    MappedPartner,
    Outcome,
    SyncStateRows,
    sync_state_rows,
)
from agendasync.sync.model import LedgerState
from agendasync.sync.partner import PartnerSpec


class State(enum.StrEnum):
    SENT = "sent"
    UNCONFIRMED = "unconfirmed"  # a create was sent and its answer never came
    DELETED = "deleted"  # on the partner: not sent again there
    FAILING = "failing"
    ATTENTION = "attention"  # left out for a reason a person must fix
    LEFT_OUT = "left out"  # by design: declined, withdrawn, already over...
    NOT_SENT = "not sent"


# The words of each state on a badge, and its colour (a CSS class of the badges).
_WORDS: Mapping[State, tuple[str, str]] = {
    State.SENT: ("sent", "succeeded"),
    State.UNCONFIRMED: ("not confirmed", "partial"),
    State.DELETED: ("deleted there", "cancelled"),
    State.FAILING: ("failing", "failed"),
    State.ATTENTION: ("needs attention", "partial"),
    State.LEFT_OUT: ("left out", "unchanged"),
    State.NOT_SENT: ("not sent yet", "unchanged"),
}


@dataclass(frozen=True)
class PartnerState:
    """One record on one mapped partner."""

    partner: str  # its title: "Swoogo"
    partner_event: str  # the partner event's name
    state: State
    sent_at: datetime | None = None  # the last write the partner answered
    since: datetime | None = None  # when it was failing, found deleted or left out
    reason: str | None = None
    picture_problem: str | None = None  # its headshot or logo could not be sent

    @property
    def words(self) -> str:
        return _WORDS[self.state][0]

    @property
    def badge(self) -> str:
        return _WORDS[self.state][1]

    @property
    def needs_a_person(self) -> bool:
        return self.state in (State.FAILING, State.ATTENTION) or bool(self.picture_problem)


@dataclass(frozen=True)
class RecordStates:
    """The states of an event's records, per record kind ("sessions") and id."""

    partners_of: Mapping[str, tuple[tuple[str, str], ...]]  # kind -> (title, event) per partner
    found: Mapping[tuple[str, uuid.UUID], tuple[PartnerState, ...]] = field(default_factory=dict)

    @property
    def mapped(self) -> bool:
        """Whether any partner the event is mapped to syncs any kind of record."""
        return any(self.partners_of.values())

    def of(self, kind: str, record_id: uuid.UUID) -> tuple[PartnerState, ...]:
        """One state per mapped partner that syncs this kind of record (none: not mapped)."""
        return self.found.get((kind, record_id)) or tuple(
            PartnerState(title, event, State.NOT_SENT)
            for title, event in self.partners_of.get(kind, ())
        )


def _state(
    entry: LedgerRow | None, outcome: Outcome | None
) -> tuple[State, datetime | None, datetime | None, str | None]:
    """(state, sent at, since, reason) of one record on one partner: what the ledger says,
    unless the newest run that looked at the record left it out."""
    sent_at = entry.updated_at if entry and entry.state == LedgerState.SYNCED else None
    if entry and entry.state == LedgerState.DELETED_BY_PARTNER:
        return State.DELETED, None, entry.updated_at, None
    if entry and entry.state == LedgerState.FAILED:
        return State.FAILING, None, entry.updated_at, entry.detail
    if outcome and outcome.outcome == "skipped":
        left = State.LEFT_OUT if by_design(outcome.reason) else State.ATTENTION
        return left, sent_at, outcome.at, outcome.reason
    if outcome and outcome.outcome == "failed":  # failed before anything was sent
        return State.FAILING, sent_at, outcome.at, outcome.reason
    if entry and entry.state == LedgerState.CREATING:
        return State.UNCONFIRMED, None, entry.updated_at, None
    if entry:
        return State.SENT, sent_at, None, None
    return State.NOT_SENT, None, None, None


Key = tuple[uuid.UUID, str, uuid.UUID]  # mapping, ledger kind, record


def record_states(rows: SyncStateRows, specs: Mapping[str, PartnerSpec]) -> RecordStates:
    """The rows read for an event as each record's state per partner (`specs` by partner name:
    which kinds of record each partner syncs)."""
    partners_of: dict[str, list[MappedPartner]] = {}
    for partner in rows.partners:
        for synced in specs[partner.partner].all_kinds():
            if synced.name in RECORD_KINDS:
                partners_of.setdefault(synced.name, []).append(partner)
    ledger: dict[Key, LedgerRow] = {(r.mapping_id, r.kind, r.record_id): r for r in rows.ledger}
    outcomes: dict[Key, Outcome] = {(o.mapping_id, o.kind, o.record_id): o for o in rows.outcomes}

    def state_of(key: Key) -> tuple[State, datetime | None, datetime | None, str | None]:
        return _state(ledger.get(key), outcomes.get(key))

    def picture_problem(mapping_id: uuid.UUID, kind: str, record_id: uuid.UUID) -> str | None:
        for picture, owner in PICTURE_OWNERS.items():
            state, _, _, reason = state_of((mapping_id, picture, record_id))
            if owner == kind and state is State.FAILING:
                return reason
        return None

    found: dict[tuple[str, uuid.UUID], tuple[PartnerState, ...]] = {}
    for kind, record_id in {(kind, record_id) for _, kind, record_id in (*ledger, *outcomes)}:
        if kind not in partners_of:  # a picture shows with its record, rooms nowhere
            continue
        states = []
        for partner in partners_of.get(kind, ()):
            state, sent_at, since, reason = state_of((partner.mapping_id, kind, record_id))
            states.append(
                PartnerState(
                    partner=specs[partner.partner].title,
                    partner_event=partner.partner_event_name,
                    state=state,
                    sent_at=sent_at,
                    since=since,
                    reason=reason,
                    picture_problem=picture_problem(partner.mapping_id, kind, record_id),
                )
            )
        found[(kind, record_id)] = tuple(states)
    return RecordStates(
        {
            kind: tuple((specs[p.partner].title, p.partner_event_name) for p in partners)
            for kind, partners in partners_of.items()
        },
        found,
    )


def event_record_states(
    connection: Connection, event_id: uuid.UUID, record_ids: Collection[uuid.UUID] | None = None
) -> RecordStates:
    """The states of an event's records (or of the records named: a page of a list)."""
    specs = {partner.spec.name: partner.spec for partner in all_partners()}
    actions = {name: spec.action_names for name, spec in specs.items()}
    rows = sync_state_rows(connection, event_id, actions, record_ids)
    return record_states(rows, specs)
