"""The Sessionize client against the simulator over real HTTP (SPEC R-SZ-2, R-SZ-4)."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from agendasync.simulators.server import free_port, serve_in_thread
from agendasync.sources.sessionize.client import SessionizeClient
from agendasync.sources.sessionize.exceptions import (
    EmailsKeyRejected,
    EndpointNotFound,
    InvalidEndpointId,
    NotJson,
    SessionizeError,
    Unreachable,
)
from agendasync.sources.sessionize.feed import parse_all, parse_emails
from agendasync.sources.sessionize.simulator import SessionizeState, create_app

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "sessionize"
ASNE = "7c2d4f1a-93b5-4e0b-a1d2-5f6e7a8b9c01"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[SessionizeState, str]]:
    state = SessionizeState()
    with serve_in_thread(create_app(state)) as base_url:
        yield state, base_url


@pytest.fixture
def state(served: tuple[SessionizeState, str]) -> Iterator[SessionizeState]:
    sim = served[0]
    sim.endpoints.clear()
    sim.requests.clear()
    sim.reset_faults()
    sim.latency = 0.0
    yield sim
    sim.reset_faults()
    sim.latency = 0.0


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def client(served: tuple[SessionizeState, str], http: httpx.AsyncClient) -> SessionizeClient:
    return SessionizeClient(http, base_url=served[1], retries=2, backoff=0.01, timeout=2.0)


async def test_fetch_all_returns_the_body_unchanged_r_sz_2(
    state: SessionizeState, client: SessionizeClient
) -> None:
    body = fixture("bom_crlf.json")
    state.load("bomcrlf1", body)
    fetched = await client.fetch_all("bomcrlf1")
    assert fetched == body
    parsed = parse_all(fetched, timezone="Europe/Berlin")
    assert parsed.sessions[0].id == "701001"
    assert state.requests == ["/api/v2/bomcrlf1/view/All"]


async def test_fetch_all_accepts_a_pasted_url_r_sz_1(
    state: SessionizeState, client: SessionizeClient
) -> None:
    state.load("jl4ktls0", fixture("all_2024.json"))
    fetched = await client.fetch_all("https://sessionize.com/api/v2/jl4ktls0/view/GridSmart")
    assert len(parse_all(fetched, timezone="Europe/Berlin").sessions) == 8
    with pytest.raises(InvalidEndpointId):
        await client.fetch_all("not an id")
    assert state.requests == ["/api/v2/jl4ktls0/view/All"]


async def test_unknown_endpoint_is_not_found_r_sz_4(
    state: SessionizeState, client: SessionizeClient
) -> None:
    with pytest.raises(EndpointNotFound) as info:
        await client.fetch_all("zzzz9999")
    assert info.value.endpoint_id == "zzzz9999"
    assert info.value.status == 404
    assert "no endpoint 'zzzz9999'" in str(info.value)
    assert len(state.requests) == 1  # a 404 is not retried


@pytest.mark.parametrize("javascript", [False, True])
async def test_embed_format_endpoint_is_not_json_r_sz_4(
    state: SessionizeState, client: SessionizeClient, javascript: bool
) -> None:
    state.set_embed("embed001", javascript=javascript)
    with pytest.raises(NotJson) as info:
        await client.fetch_all("embed001")
    message = str(info.value)
    assert "set the endpoint's format to JSON" in message
    assert "API / Embed page" in message
    expected_type = "text/javascript" if javascript else "text/html"
    assert info.value.content_type is not None
    assert info.value.content_type.startswith(expected_type)


async def test_json_content_type_with_html_body_is_not_json_r_sz_4(
    state: SessionizeState, client: SessionizeClient
) -> None:
    state.load("htmlbody", b"<!DOCTYPE html><html><body>Embed</body></html>")
    with pytest.raises(NotJson):
        await client.fetch_all("htmlbody")


async def test_transient_503_is_retried_r_sz_4(
    state: SessionizeState, client: SessionizeClient
) -> None:
    state.load("retry001", fixture("all_2023.json"))
    state.faults.fail_next(2, status=503)
    fetched = await client.fetch_all("retry001")
    assert fetched == fixture("all_2023.json")
    assert len(state.requests) == 3


async def test_fault_kit_faults_by_view_are_retried_r_sz_4(
    state: SessionizeState, client: SessionizeClient
) -> None:
    state.load("faults01", fixture("all_2023.json"))
    state.faults.fail_next(1, status=502, match="GET /view/All")
    state.faults.lose_next(1, match="GET /view/All")
    state.faults.fail_next(5, status=503, match="GET /view/Speakers*")  # never fires here
    fetched = await client.fetch_all("faults01")
    assert fetched == fixture("all_2023.json")
    assert state.requests == ["/api/v2/faults01/view/All"] * 3
    assert state.fired == {"error": 1, "lost": 1}


async def test_persistent_503_is_unreachable_after_retries_r_sz_4(
    state: SessionizeState, client: SessionizeClient
) -> None:
    state.load("down0001", fixture("all_2023.json"))
    state.faults.fail_next(10, status=503)
    with pytest.raises(Unreachable) as info:
        await client.fetch_all("down0001")
    assert info.value.attempts == 3
    assert str(info.value) == (
        "Sessionize could not be reached after 3 attempts: Sessionize answered HTTP 503. "
        "Nothing was changed; try again later."
    )
    assert info.value.__cause__ is None
    assert len(state.requests) == 3


async def test_closed_port_is_unreachable_r_sz_4(http: httpx.AsyncClient) -> None:
    base_url = f"http://127.0.0.1:{free_port()}"
    client = SessionizeClient(http, base_url=base_url, retries=1, backoff=0.01, timeout=2.0)
    started = time.monotonic()
    with pytest.raises(Unreachable) as info:
        await client.fetch_all("jl4ktls0")
    assert time.monotonic() - started < 5
    assert info.value.attempts == 2
    assert f"could not connect to {base_url}" in str(info.value)
    assert info.value.__cause__ is None


async def test_timeout_is_unreachable_r_sz_4(
    served: tuple[SessionizeState, str], state: SessionizeState, http: httpx.AsyncClient
) -> None:
    state.load("slow0001", fixture("all_2023.json"))
    state.latency = 0.5
    client = SessionizeClient(http, base_url=served[1], retries=1, backoff=0.01, timeout=0.1)
    with pytest.raises(Unreachable, match=r"timed out after 0\.1 s"):
        await client.fetch_all("slow0001")


async def test_speaker_emails_with_the_right_key_r_sz_2(
    state: SessionizeState, client: SessionizeClient
) -> None:
    state.load(
        "mails001",
        fixture("all_2024.json"),
        emails=fixture("speakers_emails.json"),
        emails_key="s3cr3t-key",
    )
    body = await client.fetch_emails("mails001", "s3cr3t-key")
    emails = parse_emails(body)
    assert len(emails) == 3
    assert emails[ASNE] == "asne@fjordtech.no"
    assert state.requests == ["/api/v2/mails001/view/SpeakersEmails"]


@pytest.mark.parametrize("key", ["wrong", ""])
async def test_wrong_emails_key_is_rejected_r_sz_2(
    state: SessionizeState, client: SessionizeClient, key: str
) -> None:
    state.load(
        "mails002",
        fixture("all_2024.json"),
        emails=fixture("speakers_emails.json"),
        emails_key="s3cr3t-key",
    )
    with pytest.raises(EmailsKeyRejected) as info:
        await client.fetch_emails("mails002", key)
    assert info.value.status == 403
    assert "s3cr3t" not in str(info.value)
    assert isinstance(info.value, SessionizeError)


async def test_emails_of_unknown_endpoint_is_not_found_r_sz_4(
    state: SessionizeState, client: SessionizeClient
) -> None:
    with pytest.raises(EndpointNotFound):
        await client.fetch_emails("nope0000", "key")


async def test_simulator_derives_sessions_and_speakers_views(
    served: tuple[SessionizeState, str], state: SessionizeState, http: httpx.AsyncClient
) -> None:
    state.load("views001", json.loads(fixture("all_2024.json")))
    base = f"{served[1]}/api/v2/views001/view"
    sessions = (await http.get(f"{base}/Sessions")).json()
    assert [group["groupName"] for group in sessions] == ["All"]
    assert len(sessions[0]["sessions"]) == 8
    talk = next(s for s in sessions[0]["sessions"] if s["id"] == "880001")
    assert talk["room"] == "Saal Europa (400)"
    assert talk["speakers"] == [{"id": ASNE, "name": "Åsne Seierstad-Lind"}]
    speakers = (await http.get(f"{base}/Speakers")).json()
    assert len(speakers) == 4
    assert speakers[0]["sessions"][0] == {"id": 880001, "name": "Kubernetes at the edge 🚀"}
    missing = await http.get(f"{served[1]}/api/v2/views001/view/Nope")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
