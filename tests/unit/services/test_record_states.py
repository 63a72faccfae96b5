"""The pure turn of ledger rows and run outcomes into each record's state per partner."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from agendasync.partners.registry import get_partner
from agendasync.services.sync_state import PartnerState, State, record_states
from agendasync.store.sync_state import LedgerRow, MappedPartner, Outcome, SyncStateRows

SWOOGO, GLEANIN = uuid.uuid4(), uuid.uuid4()
PARTNERS = [
    MappedPartner(GLEANIN, "gleanin", "Gleanin event"),
    MappedPartner(SWOOGO, "swoogo", "Swoogo event"),
]
SPECS = {name: get_partner(name).spec for name in ("swoogo", "gleanin")}
THEN = datetime(2026, 5, 1, 9, tzinfo=UTC)
LATER = THEN + timedelta(hours=1)


def _ledger(mapping: uuid.UUID, kind: str, record: uuid.UUID, state: str, detail=None) -> LedgerRow:
    return LedgerRow(mapping, kind, record, state, detail, state != "creating", THEN)


def test_pictures_unconfirmed_creates_and_failures_after_a_send() -> None:
    speaker, sponsor, session = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    rows = SyncStateRows(
        PARTNERS,
        [
            _ledger(SWOOGO, "speakers", speaker, "synced"),
            _ledger(SWOOGO, "headshots", speaker, "failed", "could not fetch the image"),
            _ledger(GLEANIN, "speakers", speaker, "creating"),
            _ledger(SWOOGO, "sponsors", sponsor, "failed", "Swoogo refused it: name"),
        ],
        [Outcome(SWOOGO, "sessions", session, "skipped", "missing required field: email", LATER)],
    )

    states = record_states(rows, SPECS)

    assert states.of("speakers", speaker) == (
        PartnerState("Gleanin", "Gleanin event", State.UNCONFIRMED, since=THEN),
        PartnerState(
            "Swoogo",
            "Swoogo event",
            State.SENT,
            sent_at=THEN,
            picture_problem="could not fetch the image",
        ),
    )
    assert [s.needs_a_person for s in states.of("speakers", speaker)] == [False, True]
    assert states.of("sponsors", sponsor) == (
        PartnerState(
            "Swoogo", "Swoogo event", State.FAILING, since=THEN, reason="Swoogo refused it: name"
        ),
    )  # Gleanin syncs no sponsors: no state there
    assert [(s.partner, s.state, s.reason) for s in states.of("sessions", session)] == [
        ("Gleanin", State.NOT_SENT, None),
        ("Swoogo", State.ATTENTION, "missing required field: email"),
    ]
    assert states.of("exhibitors", uuid.uuid4()) == (
        PartnerState("Gleanin", "Gleanin event", State.NOT_SENT),
    )
    assert states.of("headshots", speaker) == ()  # a picture shows with its speaker


def test_deleted_on_the_partner_wins_over_the_runs_skip_r_sync_4() -> None:
    session = uuid.uuid4()
    rows = SyncStateRows(
        PARTNERS[1:],
        [_ledger(SWOOGO, "sessions", session, "deleted_by_partner")],
        [
            Outcome(
                SWOOGO,
                "sessions",
                session,
                "skipped",
                "deleted on Swoogo; it is not created again",
                LATER,
            )
        ],
    )

    (state,) = record_states(rows, SPECS).of("sessions", session)

    assert (state.state, state.since, state.words, state.badge) == (
        State.DELETED,
        THEN,
        "deleted there",
        "cancelled",
    )
