"""The ExpoPlatform client and connector against the simulator over real HTTP: what is sent,
and how every answer is translated into the `sync.errors` tree."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from agendasync.partners.expoplatform import ExpoPlatform
from agendasync.partners.expoplatform.client import ExpoClient, form_pairs
from agendasync.partners.expoplatform.connector import ExpoConnector
from agendasync.partners.expoplatform.simulator import ExpoPlatformSimulator
from agendasync.simulators.server import serve_in_thread
from agendasync.sync.errors import (
    AuthFailed,
    Clash,
    OutcomeUnknown,
    PartnerError,
    RateLimited,
    Rejected,
    RemoteNotFound,
    Transient,
)
from agendasync.sync.model import Item, LedgerEntry, LedgerState, Resolved
from agendasync.sync.partner import Target

KEY = "client-key"


@dataclass
class Wire:
    sim: ExpoPlatformSimulator
    url: str
    event: int
    http: httpx.AsyncClient

    def connector(self, key: str = KEY) -> ExpoConnector:
        return ExpoPlatform().connector(
            self.http, {"key": key}, self.url, Target(str(self.event)), budget=None
        )


@pytest.fixture
async def wire(expo_server: tuple[ExpoPlatformSimulator, str]) -> AsyncIterator[Wire]:
    sim, url = expo_server
    state = sim.reset()
    state.add_key(KEY)
    event = state.add_event("Expo", timezone="Europe/Berlin", start_date="2030-05-01")
    async with httpx.AsyncClient(timeout=2) as http:
        yield Wire(sim, url, event, http)


@pytest.fixture(scope="module")
def odd_server() -> Iterator[str]:
    """Answers the client must not take for ExpoPlatform's: HTML, bare JSON, a 502 page."""

    async def html(request: object) -> Response:
        return Response("<html>hi</html>", media_type="text/html")

    async def bare(request: object) -> Response:
        return JSONResponse({"events": []})

    async def gateway(request: object) -> Response:
        return Response("<html>Bad Gateway</html>", status_code=502, media_type="text/html")

    app = Starlette(
        routes=[
            Route("/html/api/v2/{p:path}", html, methods=["GET", "POST"]),
            Route("/bare/api/v2/{p:path}", bare, methods=["GET", "POST"]),
            Route("/gateway/api/v2/{p:path}", gateway, methods=["GET", "POST"]),
        ]
    )
    with serve_in_thread(app) as url:
        yield url


def _speaker(email: str = "ada@example.com", **extra: str) -> Item:
    record = uuid.uuid4()
    payload = {
        "external_id": str(record),
        "email": email,
        "first_name": "Ada",
        "last_name": "Lovelace",
        **extra,
    }
    lookup = (("uuid", str(record)), ("email", email.lower()))
    return Item("speakers", record, "speaker Ada Lovelace", payload, lookup=lookup)


def test_lists_are_sent_with_brackets_and_an_empty_list_clears() -> None:
    assert form_pairs({"speakers": ["71", "72"], "tags": [], "name": "A"}) == [
        ("speakers[]", "71"),
        ("speakers[]", "72"),
        ("tags[]", ""),
        ("name", "A"),
    ]


async def test_a_wrong_key_is_auth_failed_r_int_2(wire: Wire) -> None:
    with pytest.raises(AuthFailed, match="ExpoPlatform refused the API key"):
        await wire.connector("wrong").event()


async def test_event_is_read_with_its_time_zone(wire: Wire) -> None:
    event = await wire.connector().event()
    assert (event.id, event.timezone, str(event.start_date)) == (
        str(wire.event),
        "Europe/Berlin",
        "2030-05-01",
    )


async def test_non_fatal_setter_errors_become_notes(wire: Wire) -> None:
    resolved = await wire.connector().create(_speaker(nickname="Countess"))
    assert resolved.notes == ("ExpoPlatform: Unknown parameter: nickname",)


async def test_a_contact_with_another_external_id_clashes_r_spk_1(wire: Wire) -> None:
    wire.sim.state.add_contact(wire.event, "ada@example.com", "Ada", "Other", external_id="x")
    with pytest.raises(Clash, match="another record's id"):
        await wire.connector().create(_speaker())


async def test_our_own_contact_is_updated_not_created_again_r_sync_7(wire: Wire) -> None:
    connector = wire.connector()
    item = _speaker()
    first = await connector.create(item)
    again = await connector.create(item)
    assert again.partner_id == first.partner_id
    assert len(wire.sim.state.records(wire.event, "accounts")) == 1


async def test_find_by_email_only_returns_a_contact_of_ours(wire: Wire) -> None:
    wire.sim.state.add_contact(wire.event, "ada@example.com", "Ada", "UI")
    assert await wire.connector().find(_speaker()) is None


async def test_update_of_an_unknown_id_is_remote_not_found_r_sync_4(wire: Wire) -> None:
    entry = LedgerEntry("speakers", uuid.uuid4(), LedgerState.SYNCED, partner_id="999999")
    with pytest.raises(RemoteNotFound):
        await wire.connector().update(_speaker(), entry)
    assert wire.sim.state.records(wire.event, "accounts") == []


async def test_the_body_code_counts_as_much_as_the_status(wire: Wire) -> None:
    wire.sim.knobs.update(errors_in_200=True)
    entry = LedgerEntry("speakers", uuid.uuid4(), LedgerState.SYNCED, partner_id="999999")
    with pytest.raises(RemoteNotFound):
        await wire.connector().update(_speaker(), entry)
    with pytest.raises(Rejected, match="Missing required parameter: first_name"):
        await wire.connector().create(_speaker(first_name=""))


async def test_a_missing_reference_is_rejected_not_taken_for_a_deleted_record(wire: Wire) -> None:
    session = Item(
        "sessions",
        uuid.uuid4(),
        "session 'Opening'",
        {
            "name": "Opening",
            "date": "2030-05-01",
            "startTime": "09:00",
            "endTime": "10:00",
            "type": Resolved("424242"),
            "language": "English",
        },
    )
    with pytest.raises(Rejected, match="Type not found: 424242") as caught:
        await wire.connector().create(session)
    assert not isinstance(caught.value, RemoteNotFound)
    assert caught.value.problems == [("type", "Type not found: 424242")]


async def test_a_spent_budget_is_rate_limited_with_retry_after(wire: Wire) -> None:
    wire.sim.knobs.update(rate_limit=1, window_s=5)
    connector = wire.connector()
    await connector.event()
    with pytest.raises(RateLimited) as caught:
        await connector.event()
    assert caught.value.retry_after in (4.0, 5.0)


async def test_a_5xx_is_outcome_unknown_on_a_write_and_transient_on_a_read(wire: Wire) -> None:
    wire.sim.faults.fail_next(status=503, match="POST *")
    wire.sim.faults.fail_next(status=503, match="GET *")
    connector = wire.connector()
    with pytest.raises(OutcomeUnknown, match="ExpoPlatform answered 503"):
        await connector.create(Item("tracks", uuid.uuid4(), "track 'Cloud'", {"name": "Cloud"}))
    with pytest.raises(Transient) as caught:
        await connector.index("speakers")
    assert not isinstance(caught.value, OutcomeUnknown)


async def test_a_lost_answer_on_a_write_is_outcome_unknown(wire: Wire) -> None:
    wire.sim.faults.lose_next(match="POST /account/set")
    with pytest.raises(OutcomeUnknown, match="no answer from ExpoPlatform"):
        await wire.connector().create(_speaker(email="lost@example.com"))
    assert len(wire.sim.state.records(wire.event, "accounts")) == 1


@pytest.mark.parametrize(
    ("prefix", "error", "message"),
    [
        ("html", PartnerError, "is not JSON: is the base URL an ExpoPlatform API"),
        ("bare", PartnerError, "is not ExpoPlatform's: is the base URL right"),
        ("gateway", Transient, "ExpoPlatform answered 502"),
    ],
)
async def test_answers_that_are_not_expoplatforms_are_named(
    odd_server: str, prefix: str, error: type[Exception], message: str
) -> None:
    async with httpx.AsyncClient(timeout=2) as http:
        client = ExpoClient(http, api_key=KEY, base_url=f"{odd_server}/{prefix}")
        with pytest.raises(error, match=message):
            await client.get("/event/getList")


async def test_delete_removes_each_kind_by_id(wire: Wire) -> None:
    connector = wire.connector()
    track = Item("tracks", uuid.uuid4(), "track 'Cloud'", {"name": "Cloud"})
    made = await connector.create(track)
    speaker = await connector.create(_speaker())
    for kind, partner_id in (("tracks", made.partner_id), ("speakers", speaker.partner_id)):
        await connector.delete(LedgerEntry(kind, uuid.uuid4(), LedgerState.SYNCED, partner_id))
    assert wire.sim.state.records(wire.event, "tracks") == []
    assert wire.sim.state.records(wire.event, "accounts") == []
