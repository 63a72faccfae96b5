"""R-INT-3: partner base URLs as people paste them, normalised or refused clearly."""

from __future__ import annotations

import pytest

from agendasync.partners.urls import InvalidBaseUrl, normalise_base_url


@pytest.mark.parametrize(
    ("pasted", "normalised"),
    [
        ("https://acme.expoplatform.com", "https://acme.expoplatform.com"),
        ("  https://acme.expoplatform.com  ", "https://acme.expoplatform.com"),
        ("\thttps://acme.expoplatform.com\n", "https://acme.expoplatform.com"),
        ("https://acme.expoplatform.com/", "https://acme.expoplatform.com"),
        ("https://acme.expoplatform.com///", "https://acme.expoplatform.com"),
        (" https://acme.expoplatform.com/ .", "https://acme.expoplatform.com"),
        ("https://acme.expoplatform.com.", "https://acme.expoplatform.com"),
        ("https://acme.expoplatform.com,;!?", "https://acme.expoplatform.com"),
        ("https://acme.expoplatform.com/api/v1", "https://acme.expoplatform.com/api/v1"),
        ("https://acme.expoplatform.com/api/v1/ ).", "https://acme.expoplatform.com/api/v1"),
        ("https://ACME.ExpoPlatform.COM/Api", "https://acme.expoplatform.com/Api"),
        ("HTTPS://acme.expoplatform.com", "https://acme.expoplatform.com"),
        ("http://localhost:8080/", "http://localhost:8080"),
        ("http://127.0.0.1:8000/", "http://127.0.0.1:8000"),
    ],
)
def test_base_url_normalised_r_int_3(pasted: str, normalised: str) -> None:
    assert normalise_base_url(pasted) == normalised


NO_SCHEME = "must start with https:// (or http://)"
NO_HOST = "has no valid host name"
QUERY = "must not have a query or fragment"


@pytest.mark.parametrize(
    ("pasted", "problem"),
    [
        ("acme.expoplatform.com", NO_SCHEME),
        (" ftp://acme.expoplatform.com/ ", NO_SCHEME),
        ("", NO_SCHEME),
        ("(https://acme.expoplatform.com)", NO_SCHEME),
        ("https:///api", NO_HOST),
        ("https://acme expoplatform.com", NO_HOST),
        ("https://acme.expoplatform.com/my api", NO_HOST),
        ("https://intranet/", NO_HOST),
        ("https://acme.expoplatform.com/?key=1", QUERY),
        ("https://acme.expoplatform.com/#top", QUERY),
    ],
)
def test_unusable_base_url_refused_naming_it_r_int_3(pasted: str, problem: str) -> None:
    with pytest.raises(InvalidBaseUrl) as refused:
        normalise_base_url(pasted)

    assert str(refused.value) == f"base URL {pasted.strip()!r} {problem}"


def test_invalid_base_url_is_a_value_error_r_int_3() -> None:
    assert issubclass(InvalidBaseUrl, ValueError)


def test_scheme_without_host_refused_as_having_no_host_r_int_3() -> None:
    with pytest.raises(InvalidBaseUrl) as refused:
        normalise_base_url("https://")

    assert str(refused.value) == "base URL 'https://' has no valid host name"
