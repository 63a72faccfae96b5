"""Failures found by trying to break sync (issue "Never a duplicate, never a dead end"), each
over real HTTP against the Swoogo simulator with the shared fault kit."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, RedirectResponse

from agendasync.domain.integrations import RunStatus
from agendasync.domain.models import SessionPerson
from agendasync.services import integrations as service
from agendasync.services.integrations import IntegrationError
from agendasync.simulators.server import serve_in_thread
from agendasync.store import Store
from agendasync.store import integrations as repo
from agendasync.sync.model import LedgerState


@pytest.fixture
def store(tmp_path) -> Iterator[Store]:
    """Faults are about the partner: these run on SQLite only."""
    sqlite = Store(f"sqlite:///{tmp_path / 'recovery.db'}")
    yield sqlite
    sqlite.close()


def _row_of(world, session_id) -> dict:
    rows = [r for r in world.sim.state.sessions.values() if r["notes"].endswith(str(session_id))]
    assert len(rows) == 1
    return rows[0]


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_a_5xx_after_the_create_was_stored_is_looked_up_not_sent_again_r_sync_7(
    world, status
) -> None:
    await world.connected(sessions=20)
    world.sim.faults.fail_after_next(3, status=status, match="POST /sessions/create")

    run = await world.sync()

    assert run.status is RunStatus.SUCCEEDED, run.report["failed"]
    sessions, _ = world.eligible()
    assert run.report["counts"]["sessions"]["created"] == len(sessions)
    world.assert_all_on_swoogo_once()


async def _synced_but_one(world) -> tuple[list, object]:
    """Everything synced but one session, accepted only now: its create is the next write."""
    await world.connected(sessions=8)
    content = world.content()
    sessions, _ = world.eligible()
    held = next(s for s in content.sessions if s.id == sessions[0].id)
    held.status = "submitted"
    world.save(content)
    await world.sync()
    held.status = "accepted"
    world.save(content)
    return sessions, held


async def test_a_lost_create_whose_lookup_meets_an_outage_stays_pending_r_sync_7(world) -> None:
    _, held = await _synced_but_one(world)
    world.sim.faults.lose_next(1, match="POST /sessions/create")
    world.sim.faults.fail_next(30, status=503, match="GET /sessions")

    first = await world.sync()
    world.sim.faults.clear()
    with world.store.transaction() as connection:
        ledger = repo.load_ledger(connection, repo.ledger_scope(connection, world.mapping.id))
    second = await world.sync()

    assert first.status is RunStatus.PARTIAL
    assert ledger[("sessions", held.id)].state is LedgerState.CREATING
    assert second.status is RunStatus.SUCCEEDED
    assert second.report["counts"]["sessions"]["created"] == 0  # found, not sent again
    world.assert_all_on_swoogo_once()


async def test_a_title_with_an_ampersand_is_found_again_after_a_lost_answer_r_sync_7(
    world,
) -> None:
    await world.connected(sessions=6)
    content = world.content()
    sessions, _ = world.eligible()
    target = next(s for s in content.sessions if s.id == sessions[0].id)
    target.title = "Q&A with the speakers, 100% + more"
    world.save(content)
    world.sim.faults.lose_next(len(sessions), match="POST /sessions/create")

    await world.sync()
    await world.sync()

    world.assert_all_on_swoogo_once()
    assert _row_of(world, target.id)["name"] == "Q&A with the speakers, 100% + more"


async def test_a_record_edited_after_its_create_was_lost_is_not_created_twice_r_sync_7(
    world,
) -> None:
    sessions, held = await _synced_but_one(world)
    world.sim.faults.lose_next(1, match="POST /sessions/create")
    world.sim.faults.fail_next(30, status=503, match="GET /sessions")
    await world.sync()
    world.sim.faults.clear()
    content = world.content()
    next(s for s in content.sessions if s.id == held.id).title = "Renamed after the crash"
    world.save(content)

    run = await world.sync()

    assert run.status is RunStatus.SUCCEEDED, run.report["failed"]
    assert run.report["counts"]["sessions"]["created"] == 0
    assert len(world.sim.state.sessions) == len(sessions)
    assert _row_of(world, held.id)["name"] == "Renamed after the crash"


async def test_a_session_deleted_on_the_partner_does_not_freeze_its_speakers_links_r_sync_4(
    world,
) -> None:
    await world.connected(sessions=12)
    await world.sync()
    sessions, speakers = world.eligible()
    speaker = next(
        p for p in speakers if sum(p.id in {x.speaker_id for x in s.people} for s in sessions) >= 1
    )
    linked = [s for s in sessions if speaker.id in {x.speaker_id for x in s.people}]
    other = next(s for s in sessions if s not in linked)
    world.sim.state.admin_delete("sessions", _row_of(world, linked[0].id)["id"])
    content = world.content()
    next(s for s in content.sessions if s.id == linked[0].id).title = "Edited after the delete"
    next(s for s in content.sessions if s.id == other.id).people.append(SessionPerson(speaker.id))
    world.save(content)

    run = await world.sync()

    assert run.report["failed"] == []
    partner_speaker = next(
        i for i, r in world.sim.state.speakers.items() if r["email"] == speaker.email
    )
    linked_now = set(world.sim.state.speaker_session_ids(partner_speaker))
    assert int(_row_of(world, other.id)["id"]) in linked_now


async def test_a_room_deleted_on_the_partner_is_created_again_not_a_failure_every_run_r_tx_7(
    world,
) -> None:
    await world.connected(sessions=12)
    await world.sync()
    sessions, _ = world.eligible()
    target = next(s for s in sessions if s.locations)
    room = sorted(target.locations, key=lambda r: r.name)[0]
    room_id = next(i for i, r in world.sim.state.locations.items() if r["name"] == room.name)
    world.sim.state.admin_delete("locations", room_id)
    content = world.content()
    next(s for s in content.sessions if s.id == target.id).title = "Moved on"
    world.save(content)

    run = await world.sync()
    again = await world.sync()

    assert run.status is RunStatus.SUCCEEDED, run.report["failed"]
    assert again.report["failed"] == []
    names = [r["name"] for r in world.sim.state.locations.values()]
    assert names.count(room.name) == 1
    assert _row_of(world, target.id)["name"] == "Moved on"


@pytest.mark.parametrize("match", ["POST /oauth2/token", "GET /events/*"])
async def test_one_transient_error_on_the_token_or_the_time_zone_check_is_retried_r_sync_8(
    world, match
) -> None:
    await world.connected(sessions=6)
    world.sim.faults.fail_next(1, status=503, match=match)

    run = await world.sync()

    assert run.status is RunStatus.SUCCEEDED, run.message
    world.assert_all_on_swoogo_once()


async def test_a_session_deleted_on_the_partner_stays_deleted_after_a_remap_r_int_6(
    world,
) -> None:
    await world.connected(sessions=6)
    await world.sync()
    sessions, _ = world.eligible()
    world.sim.state.admin_delete("sessions", _row_of(world, sessions[0].id)["id"])
    content = world.content()
    next(s for s in content.sessions if s.id == sessions[0].id).title = "Edited after the delete"
    world.save(content)
    await world.sync()

    service.disconnect(world.store, org="Acme", partner_name="swoogo")
    await world.connect()
    world.mapping = None
    await world.map()
    run = await world.sync()

    assert run.report["counts"]["sessions"]["created"] == 0
    assert len(world.sim.state.sessions) == len(sessions) - 1


def _not_swoogo() -> FastAPI:
    app = FastAPI()

    @app.post("/api/v1/oauth2/token")
    def token(kind: str = "html") -> object:
        return HTMLResponse("<html>a login page</html>")

    @app.post("/moved/oauth2/token")
    def moved() -> object:
        return RedirectResponse("https://example.org/login", status_code=302)

    return app


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/api/v1", "Swoogo's answer to POST /api/v1/oauth2/token is not JSON"),
        ("/moved", "Swoogo answered 302 (a redirect): is the base URL right?"),
    ],
)
async def test_a_token_endpoint_answering_no_json_or_a_redirect_is_a_clear_error_r_int_2(
    world, path, message
) -> None:
    world.add_event()
    with serve_in_thread(_not_swoogo()) as url, pytest.raises(IntegrationError) as refused:
        async with httpx.AsyncClient() as http:
            await service.connect(
                world.store,
                world.box,
                org="Acme",
                partner_name="swoogo",
                credentials={"key": "key", "secret": "secret"},
                base_url=url + path,
                http=http,
                allow_private=True,  # the simulator is on loopback
            )
    assert message in str(refused.value)


def _secret_page() -> FastAPI:
    app = FastAPI()

    @app.post("/api/v1/oauth2/token")
    def token() -> object:
        return HTMLResponse("internal: db-password=hunter2", status_code=401)

    return app


async def test_an_error_quotes_nothing_of_an_answer_that_is_not_swoogos(world) -> None:
    world.add_event()
    with serve_in_thread(_secret_page()) as url, pytest.raises(IntegrationError) as refused:
        async with httpx.AsyncClient() as http:
            await service.connect(
                world.store,
                world.box,
                org="Acme",
                partner_name="swoogo",
                credentials={"key": "key", "secret": "secret"},
                base_url=url + "/api/v1",
                http=http,
                allow_private=True,
            )
    assert "hunter2" not in str(refused.value)
    assert str(refused.value).endswith("Swoogo refused the consumer key and secret: Unauthorized")
