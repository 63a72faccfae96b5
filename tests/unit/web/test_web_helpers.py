"""The web process's small pure parts: forms from partner declarations,
portal links, and keeping secrets out of log lines."""

from __future__ import annotations

import logging
import uuid

import pytest

from agendasync.partners.registry import get_partner
from agendasync.services.context import PortalLinks
from agendasync.web.forms import credential_fields, mapping_fields
from agendasync.web.logs import RedactSecretPaths, redact
from agendasync.web.render import safe_back


def test_the_connect_form_comes_from_the_partners_declaration() -> None:
    spec = get_partner("swoogo").spec
    fields = credential_fields(spec, {"key": "my-key", "secret": "s3cret", "base_url": "http://x"})
    assert [(f.name, f.label, f.kind) for f in fields] == [
        ("credential_key", "Consumer key", "text"),
        ("credential_secret", "Consumer secret", "password"),
        ("base_url", "API address", "text"),
    ]
    assert [f.value for f in fields] == ["my-key", "", "http://x"]  # a secret is never echoed


def test_the_mapping_form_has_both_dropdowns_and_the_switch() -> None:
    spec = get_partner("swoogo").spec
    names = [f.name for f in mapping_fields(spec, [], [])]
    assert names == ["partner_event_id", "event", "continuous"]


def test_portal_links_are_signed() -> None:
    links = PortalLinks(b"k" * 32)
    speaker = uuid.uuid4()
    token = links.token(speaker)
    assert links.speaker(token) == (speaker, 0)
    assert links.speaker(token[:-2] + "xx") is None
    assert PortalLinks(b"other" * 8).speaker(token) is None
    renewed = links.token(speaker, 3)
    assert renewed != token
    assert links.speaker(renewed) == (speaker, 3)


def test_portal_tokens_stay_out_of_access_log_lines() -> None:
    assert redact("/portal/speakers/abc.def?x=1") == "/portal/speakers/[redacted]?x=1"
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        "",
        0,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:1", "GET", "/portal/speakers/secret-token", "1.1", 200),
        None,
    )
    assert RedactSecretPaths().filter(record)
    assert "secret-token" not in record.getMessage()


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("/events/x/agenda", True),
        ("https://evil.example", False),
        ("//evil.example", False),
        ("/\\evil.example", False),
        (None, False),
    ],
)
def test_form_redirects_stay_on_this_site(given: str | None, kept: bool) -> None:
    assert (safe_back(given, "/") == given) is kept
