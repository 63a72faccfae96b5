"""Server-side request forgery: from the pages and the API, a partner base URL must be https at
a public address unless the operator allowed private ones; nothing is sent to an internal
address, and no part of its answer comes back. The same holds for pictures a sync downloads."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from agendasync.partners.addresses import PublicOnlyTransport
from agendasync.partners.images import fit_image
from agendasync.services import integrations as service
from agendasync.services.integrations import http_client
from agendasync.simulators.server import serve_in_thread
from agendasync.sync.errors import Rejected
from conftest import Api, problem

SECRET_ANSWER = "INTERNAL-ONLY: db password hunter2"


@dataclasses.dataclass
class Internal:
    url: str
    hits: list[str]


@pytest.fixture(scope="module")
def internal() -> Iterator[Internal]:
    """A service on the server's own network, which nobody outside should reach."""
    hits: list[str] = []

    async def anything(request: Request) -> PlainTextResponse:
        hits.append(request.url.path)
        return PlainTextResponse(SECRET_ANSWER)

    app = Starlette(routes=[Route("/{path:path}", anything, methods=["GET", "POST"])])
    with serve_in_thread(app) as url:
        yield Internal(url, hits)


@pytest.fixture
def private_refused(api: Api) -> Iterator[None]:
    """The web process as deployed by default: private partner addresses refused."""
    settings = api.services.settings
    api.services.settings = dataclasses.replace(settings, allow_private_partner_urls=False)
    yield
    api.services.settings = settings


def _port(url: str) -> str:
    return url.rsplit(":", 1)[1]


@pytest.mark.usefixtures("private_refused")
async def test_private_partner_base_url_refused_from_the_api(api: Api, internal: Internal) -> None:
    internal.hits.clear()
    port = _port(internal.url)
    refused = {
        f"http://127.0.0.1:{port}/api/v1": "http://127.0.0.1 is not an https address; "
        "only https is allowed",
        f"https://127.0.0.1:{port}/api/v1": "127.0.0.1 is a private or internal address; "
        "only public addresses are allowed",
        "https://10.20.30.40/api/v1": "10.20.30.40 is a private or internal address; "
        "only public addresses are allowed",
        "https://169.254.169.254/latest": "169.254.169.254 is a private or internal address; "
        "only public addresses are allowed",
        f"https://localhost:{port}/api": "localhost is a private or internal address; "
        "only public addresses are allowed",
    }
    headers = await api.admin(api.acme)
    for base_url, reason in refused.items():
        answer = await api.client.post(
            "/api/orgs/acme/integrations",
            json={
                "partner": "swoogo",
                "credentials": {"key": "api-key-123456", "secret": "api-secret-987654"},
                "base_url": base_url,
            },
            headers=headers,
        )
        assert answer.status_code == 422, (base_url, answer.text)
        assert problem(answer) == (
            "base_url",
            f"Swoogo cannot be reached at {base_url}: {reason}",
        )
        assert "INTERNAL" not in answer.text
    assert internal.hits == []  # nothing was sent
    listed = await api.client.get("/api/orgs/acme/integrations", headers=headers)
    assert listed.json() == []


@pytest.mark.usefixtures("private_refused")
async def test_private_partner_base_url_refused_from_the_pages(
    api: Api, internal: Internal
) -> None:
    internal.hits.clear()
    csrf = await api.login(api.acme.admin_email)
    base_url = f"https://127.0.0.1:{_port(internal.url)}/api/v1"
    answer = await api.client.post(
        "/orgs/acme/settings/integrations/swoogo/connect",
        data={
            "credential_key": "api-key-123456",
            "credential_secret": "api-secret-987654",
            "base_url": base_url,
            "csrf_token": csrf,
        },
    )
    assert answer.status_code == 422, answer.text
    text = re.sub(r"\s+", " ", answer.text)
    assert (
        f"Swoogo cannot be reached at {base_url}: 127.0.0.1 is a private or internal address; "
        "only public addresses are allowed"
    ) in text
    assert "INTERNAL" not in answer.text
    assert internal.hits == []


async def test_a_private_base_url_connected_by_the_operator_is_not_used_from_the_api(
    api: Api, private_refused: None
) -> None:
    # The operator connected a self-hosted partner from the command line (allowed there) ...
    await service.connect(
        api.store,
        api.services.box,
        org="acme",
        partner_name="swoogo",
        credentials={"key": "api-key-123456", "secret": "api-secret-987654"},
        base_url=api.swoogo_url,
        allow_private=True,
    )
    # ... and the web process, not allowed private addresses, does not call it.
    answer = await api.client.get(
        "/api/orgs/acme/integrations/swoogo/events", headers=api.acme.read
    )
    assert answer.status_code == 422, answer.text
    assert problem(answer) == (
        "base_url",
        f"Swoogo cannot be reached at {api.swoogo_url}: http://127.0.0.1 is not an https "
        "address; only https is allowed",
    )


async def test_pictures_at_private_addresses_are_not_downloaded(
    internal: Internal, pictures: str
) -> None:
    internal.hits.clear()
    async with http_client(allow_private=False) as guarded:
        for url in (f"{internal.url}/headshot.png", f"{pictures}/people/1.jpg"):
            with pytest.raises(Rejected) as refused:
                await fit_image(guarded, url, 100_000)
            assert str(refused.value) == f"could not fetch the image {url}: ConnectError"
    assert internal.hits == []
    async with http_client(allow_private=True) as allowed:  # the CLI, or an operator's choice
        with pytest.raises(Rejected, match="not a supported picture"):
            await fit_image(allowed, f"{internal.url}/headshot.png", 100_000)
    assert internal.hits == ["/headshot.png"]


async def test_a_redirect_to_a_private_address_is_not_followed(internal: Internal) -> None:
    internal.hits.clear()

    def outside(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": f"{internal.url}/metadata"})

    class Resolved(PublicOnlyTransport):
        """The outside world: answers for a public name, checks every hop like the real one."""

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if request.url.host == "pictures.example":
                return outside(request)
            return await super().handle_async_request(request)

    async with httpx.AsyncClient(transport=Resolved()) as client:
        with pytest.raises(Rejected) as refused:
            await fit_image(client, "https://pictures.example/me.png", 100_000)
    assert str(refused.value) == (
        "could not fetch the image https://pictures.example/me.png: ConnectError"
    )
    assert internal.hits == []
