"""The Gleanin client turns every HTTP outcome into the sync error tree (over real HTTP)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from agendasync.partners.gleanin.client import GleaninClient
from agendasync.partners.gleanin.simulator import API_PREFIX, GleaninSimulator
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


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[GleaninSimulator, str]]:
    simulator = GleaninSimulator()
    with serve_in_thread(simulator) as url:
        yield simulator, url + API_PREFIX


@pytest.fixture
def sim(served: tuple[GleaninSimulator, str]) -> GleaninSimulator:
    served[0].reset().add_token("t")
    return served[0]


@pytest.fixture
async def client(
    served: tuple[GleaninSimulator, str], sim: GleaninSimulator
) -> AsyncIterator[GleaninClient]:
    async with httpx.AsyncClient(timeout=1.0) as http:
        yield GleaninClient(http, token="t", base_url=served[1])


def _speaker(event: int, **more: object) -> dict[str, object]:
    attributes = {"event_id": event, "name": "Ada", "external_idx": "a"} | more
    return {"data": {"type": "speakers", "attributes": attributes}}


async def test_a_refused_token_is_auth_failed(served: tuple[GleaninSimulator, str], sim) -> None:
    async with httpx.AsyncClient() as http:
        wrong = GleaninClient(http, token="nope", base_url=served[1])
        with pytest.raises(AuthFailed, match="Gleanin refused the API token"):
            await wrong.get("/events")


async def test_a_5xx_is_outcome_unknown_on_a_write_and_transient_on_a_read(
    client: GleaninClient, sim: GleaninSimulator
) -> None:
    event = sim.state.add_event("Conf")
    sim.faults.fail_after_next(status=500, match="POST /speakers")
    with pytest.raises(OutcomeUnknown, match="Gleanin answered 500"):
        await client.write("POST", "/speakers", _speaker(event))
    sim.faults.fail_next(status=503, match="GET *")
    with pytest.raises(Transient) as read:
        await client.get("/events")
    assert not isinstance(read.value, OutcomeUnknown)


async def test_a_lost_answer_on_a_write_is_outcome_unknown(
    client: GleaninClient, sim: GleaninSimulator
) -> None:
    event = sim.state.add_event("Conf")
    sim.faults.lose_next(match="POST /speakers")
    with pytest.raises(OutcomeUnknown, match="no answer from Gleanin to POST /speakers"):
        await client.write("POST", "/speakers", _speaker(event))
    assert len(sim.state.table("speakers")) == 1


async def test_429_is_rate_limited_with_retry_after(
    client: GleaninClient, sim: GleaninSimulator
) -> None:
    sim.faults.fail_next(status=429)
    with pytest.raises(RateLimited) as limited:
        await client.get("/events")
    assert limited.value.retry_after == 1.0


async def test_refusals_name_the_field(client: GleaninClient, sim: GleaninSimulator) -> None:
    event = sim.state.add_event("Conf")
    await client.write("POST", "/speakers", _speaker(event, email="ada@example.com"))
    with pytest.raises(Clash) as clash:
        await client.write(
            "POST", "/speakers", _speaker(event, external_idx="b", email="ADA@example.com")
        )
    assert clash.value.problems == [("email", "email has already been taken")]
    with pytest.raises(Rejected) as refused:
        await client.write("POST", "/speakers", _speaker(event, external_idx="c", colour="red"))
    assert refused.value.problems == [("colour", "colour is not allowed")]
    with pytest.raises(RemoteNotFound):
        await client.get("/speakers/999")


async def test_an_answer_that_is_not_json_is_a_partner_error() -> None:
    page = "<html>secret session cookie</html>"
    app = Starlette(routes=[Route("/events", lambda request: HTMLResponse(page))])
    with serve_in_thread(app) as url:
        async with httpx.AsyncClient() as http:
            client = GleaninClient(http, token="t", base_url=url)
            with pytest.raises(PartnerError) as problem:
                await client.get("/events")
    assert (
        str(problem.value) == "Gleanin's answer to GET /events is not JSON: is the base URL right?"
    )


async def test_plain_json_answers_are_read_too(
    client: GleaninClient, sim: GleaninSimulator
) -> None:
    sim.state.add_event("Conf")
    sim.state.knobs.answer_media_type = "application/json"
    body = await client.get("/events")
    assert [e["attributes"]["title"] for e in body["data"]] == ["Conf"]
