"""Each record's state on each mapped partner, read from the store for a whole event: sent
when, deleted on the partner (found by a reconciling run), failing and why, needing
attention, left out by design, not sent yet."""

from __future__ import annotations

from agendasync.domain.integrations import RunStatus
from agendasync.services.sync_state import PartnerState, State, event_record_states
from agendasync.services.syncing import RECONCILE_TRIGGER

TOO_LONG = "Swoogo refused it: name: Name should contain at most 255 characters."


def _states(world, record_ids=None):
    with world.store.transaction() as connection:
        return event_record_states(connection, world.mapping.event_id, record_ids)


def _swoogo_row(world, session_id) -> int:
    return next(
        i for i, r in world.sim.state.sessions.items() if r["notes"].endswith(str(session_id))
    )


async def test_states_after_a_sync_a_partner_delete_and_a_failure_r_sync_4(world) -> None:
    await world.connected(sessions=12)
    first = await world.sync()
    sessions, speakers = world.eligible()
    deleted, failing = sessions[0], sessions[1]
    quiet = speakers[0]  # synced, then its email goes: it needs a person
    world.sim.state.admin_delete("sessions", _swoogo_row(world, deleted.id))
    reconciled = await world.sync(trigger=RECONCILE_TRIGGER, reconcile=True)
    content = world.content()
    next(s for s in content.sessions if s.id == failing.id).title = "x" * 300
    next(p for p in content.speakers if p.id == quiet.id).email = None
    world.save(content)
    last = await world.sync()

    states = _states(world)

    assert (first.status, reconciled.status, last.status) == (
        RunStatus.SUCCEEDED,
        RunStatus.SUCCEEDED,
        RunStatus.PARTIAL,
    )
    content = world.content()
    left_out = {s.id: s.status.value for s in content.sessions if s.status.value != "accepted"}
    assert sorted(left_out.values()) == ["cancelled", "declined", "waitlisted"]
    expected_sessions = {
        s.id: (State.SENT, None)
        for s in sessions
        if s.id not in (deleted.id, failing.id)
    } | {
        deleted.id: (State.DELETED, None),
        failing.id: (State.FAILING, TOO_LONG),
    } | {
        session_id: (State.LEFT_OUT, f"status is '{status}'; only accepted sessions are synced")
        for session_id, status in left_out.items()
    }  # fmt: skip
    shown = {
        s.id: [(p.state, p.reason) for p in states.of("sessions", s.id)] for s in content.sessions
    }
    assert shown == {key: [value] for key, value in expected_sessions.items()}

    quiet_state = states.of("speakers", quiet.id)
    assert quiet_state == (
        PartnerState(
            "Swoogo",
            "Conf on Swoogo",
            State.ATTENTION,
            sent_at=quiet_state[0].sent_at,
            since=last.started_at,
            reason="missing required field: email",
        ),
    )
    assert first.started_at <= quiet_state[0].sent_at <= first.finished_at  # sent before

    sent = states.of("sessions", sessions[2].id)[0]
    assert first.started_at <= sent.sent_at <= first.finished_at
    deleted_state = states.of("sessions", deleted.id)[0]
    assert reconciled.started_at <= deleted_state.since <= reconciled.finished_at
    assert [states.of("sponsors", p.id) for p in content.sponsors] == [
        (PartnerState("Swoogo", "Conf on Swoogo", State.NOT_SENT),)
    ] * 6  # never synced: the sponsors have their own sync


async def test_the_same_queries_for_one_record_and_for_the_whole_event(
    world, query_counter
) -> None:
    await world.connected(sessions=12)
    await world.sync()
    content = world.content()
    ids = [s.id for s in content.sessions] + [p.id for p in content.speakers]

    counts = []
    for wanted in ([ids[0]], ids, None):
        query_counter.count = 0
        query_counter.counting = True
        states = _states(world, wanted)
        query_counter.counting = False
        counts.append(query_counter.count)

    assert counts == [3, 3, 3]
    assert states.of("sessions", ids[0])[0].partner == "Swoogo"
