"""ExpoPlatform end to end: the hub's services, the engine and the connector over real HTTP
against the simulator."""

from __future__ import annotations

from conftest import ExpoWorld


async def test_first_sync_sends_eligible_sessions_and_speakers_once(expo: ExpoWorld) -> None:
    await expo.connected()
    run = await expo.sync()
    print(run.status, run.message, run.report)
    sessions, speakers = expo.eligible()
    assert sorted(r["external_id"] for r in expo.rows("sessions")) == sorted(
        str(s.id) for s in sessions
    )
    assert sorted(r["email"] for r in expo.rows("speakers")) == sorted(p.email for p in speakers)
    assert run.status == "succeeded"
