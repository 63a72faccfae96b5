"""Which addresses the hub calls on an organisation's behalf (no network: IP literals and
`localhost` resolve locally)."""

from __future__ import annotations

import pytest

from agendasync.partners.addresses import PrivateAddress, check_public_url

PRIVATE = [
    "https://127.0.0.1/x",
    "https://10.0.0.8/",
    "https://172.16.5.4/",
    "https://192.168.1.1/",
    "https://169.254.169.254/latest/meta-data",
    "https://100.64.0.1/",  # shared address space (carrier-grade NAT)
    "https://0.0.0.0/",
    "https://[::1]/",
    "https://[fe80::1]/",
    "https://[fd00::1]/",
    "https://[::ffff:127.0.0.1]/",
    "https://localhost:8443/api",
    "https://224.0.0.1/",
]


@pytest.mark.parametrize("url", PRIVATE)
async def test_private_and_internal_addresses_are_refused(url: str) -> None:
    with pytest.raises(PrivateAddress, match="is a private or internal address"):
        await check_public_url(url)


@pytest.mark.parametrize("url", ["http://93.184.215.14/", "ftp://93.184.215.14/"])
async def test_only_https_is_allowed(url: str) -> None:
    with pytest.raises(PrivateAddress, match="is not an https address; only https is allowed"):
        await check_public_url(url)


@pytest.mark.parametrize("url", ["https://93.184.215.14/api", "https://[2606:4700::1111]/"])
async def test_public_addresses_are_allowed(url: str) -> None:
    await check_public_url(url)
