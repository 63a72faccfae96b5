"""The Swoogo client over real HTTP against the simulator: token, errors, credits."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from agendasync.partners.swoogo.client import SwoogoClient
from agendasync.partners.swoogo.simulator import SwoogoSimulator
from agendasync.simulators.server import serve_in_thread
from agendasync.sync.budget import SlidingWindowBudget
from agendasync.sync.errors import AuthFailed, RateLimited, Rejected, RemoteNotFound


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[SwoogoSimulator, str]]:
    simulator = SwoogoSimulator()
    with serve_in_thread(simulator) as url:
        yield simulator, f"{url}/api/v1"


@pytest.fixture
def swoogo(served: tuple[SwoogoSimulator, str]) -> tuple[SwoogoSimulator, str, int]:
    simulator, url = served
    state = simulator.reset()
    state.add_credentials("k&y", "s:cret")
    return simulator, url, state.add_event("Conf", timezone="Europe/Berlin")


def _client(http: httpx.AsyncClient, url: str, **kwargs) -> SwoogoClient:
    return SwoogoClient(http, key="k&y", secret="s:cret", base_url=url, **kwargs)


async def test_credentials_are_url_encoded_before_base64(swoogo) -> None:
    _, url, _ = swoogo
    async with httpx.AsyncClient(verify=False) as http:
        await _client(http, url).authenticate()


async def test_an_expired_token_is_replaced_once_and_the_call_repeated(swoogo) -> None:
    simulator, url, event = swoogo
    async with httpx.AsyncClient(verify=False) as http:
        client = _client(http, url)
        await client.get(f"/events/{event}")
        simulator.state.expire_tokens()

        body = await client.get(f"/events/{event}")

    assert body["id"] == event
    assert simulator.stats.calls["POST /oauth2/token"] == 2


async def test_wrong_secret_is_auth_failed(swoogo) -> None:
    _, url, _ = swoogo
    async with httpx.AsyncClient(verify=False) as http:
        with pytest.raises(AuthFailed, match="The client credentials are invalid"):
            await SwoogoClient(http, key="k&y", secret="nope", base_url=url).authenticate()


async def test_422_is_rejected_with_the_fields(swoogo) -> None:
    _, url, event = swoogo
    async with httpx.AsyncClient(verify=False) as http:
        with pytest.raises(Rejected) as refused:
            await _client(http, url).call(
                "POST", "/locations/create", data={"event_id": event, "use_event_address": "true"}
            )
    assert refused.value.problems == [
        ("name", "Name cannot be blank."),
        ("use_event_address", 'Use Event Address must be either "1" or "0".'),
    ]


async def test_404_is_remote_not_found(swoogo) -> None:
    _, url, _ = swoogo
    async with httpx.AsyncClient(verify=False) as http:
        with pytest.raises(RemoteNotFound):
            await _client(http, url).call("PUT", "/sessions/update/999", data={"name": "x"})


async def test_429_is_rate_limited_with_swoogos_reset(swoogo) -> None:
    simulator, url, event = swoogo
    simulator.knobs.update(budget=12, window_seconds=30)
    async with httpx.AsyncClient(verify=False) as http:
        client = _client(http, url)
        await client.list_all("/sessions", event_id=event)  # token 1 + list 10
        with pytest.raises(RateLimited) as limited:
            await client.list_all("/sessions", event_id=event)
    assert 1 <= limited.value.retry_after <= 30


async def test_the_budget_keeps_calls_under_the_partners_limit(swoogo) -> None:
    simulator, url, event = swoogo
    simulator.knobs.update(budget=25, window_seconds=1)
    async with httpx.AsyncClient(verify=False) as http:
        client = _client(http, url, budget=SlidingWindowBudget(25, 1))
        for _ in range(4):
            await client.list_all("/sessions", event_id=event)

    assert simulator.stats.throttled["k&y"] == 0
    assert client.credits == simulator.stats.credits_spent["k&y"] == 41
