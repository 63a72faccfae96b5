"""Where the hub may send requests on an organisation's behalf: to public addresses only.

An organisation admin chooses a partner's base URL, and records hold picture URLs the sync
downloads; left unchecked, either could make the server call something on its own network
(server-side request forgery). Unless the operator allows private addresses (simulators,
self-hosted partners), such a URL must be `https` and its host must resolve to public
addresses only; `PublicOnlyTransport` checks every request, redirects included, when it is
sent (a name that resolved to a public address yesterday may not today).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket

import httpx


class PrivateAddress(ValueError):
    """A URL the hub will not call: not https, or its host is (or resolves to) a private,
    loopback, link-local or otherwise non-public address."""


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone is no help here
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def check_public_url(url: str | httpx.URL) -> None:
    """Raise `PrivateAddress` unless `url` is https and every address of its host is public."""
    parsed = httpx.URL(url)
    shown = f"{parsed.scheme}://{parsed.host}"
    if parsed.scheme != "https":
        raise PrivateAddress(f"{shown} is not an https address; only https is allowed")
    host = parsed.host
    if not host:
        raise PrivateAddress(f"{url} has no host name")
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            host, parsed.port or 443, type=socket.SOCK_STREAM
        )
    except (socket.gaierror, UnicodeError) as exc:
        raise PrivateAddress(f"the host name {host} cannot be resolved") from exc
    addresses = {str(info[4][0]) for info in infos}
    if not addresses or not all(_public(address) for address in addresses):
        raise PrivateAddress(
            f"{host} is a private or internal address; only public addresses are allowed"
        )


class PublicOnlyTransport(httpx.AsyncBaseTransport):
    """Sends a request only to a public https address (see `check_public_url`); others fail
    as a connection error naming the reason, before anything is sent."""

    def __init__(self, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self._inner = inner or httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            await check_public_url(request.url)
        except PrivateAddress as exc:
            raise httpx.ConnectError(str(exc), request=request) from None
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()
