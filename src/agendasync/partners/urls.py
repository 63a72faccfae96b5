"""R-INT-3: a partner base URL as people paste it, made usable or refused clearly."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

_TRAILING_JUNK = re.compile(r"[\s/.,;:!?'\"()\[\]<>]+$")


class InvalidBaseUrl(ValueError):
    pass


def normalise_base_url(text: str) -> str:
    """Strip surrounding spaces and trailing `/`, spaces and punctuation; keep the path.

    `" https://acme.expoplatform.com/ ."` -> `"https://acme.expoplatform.com"`.
    """
    cleaned = _TRAILING_JUNK.sub("", text.strip())
    if "://" in text and "://" not in cleaned:  # "https://" and nothing after it
        raise InvalidBaseUrl(f"base URL {text.strip()!r} has no valid host name")
    parts = urlsplit(cleaned)
    if parts.scheme not in ("http", "https"):
        raise InvalidBaseUrl(f"base URL {text.strip()!r} must start with https:// (or http://)")
    if (
        not parts.hostname
        or " " in cleaned
        or ("." not in parts.hostname and parts.hostname != "localhost")
    ):
        raise InvalidBaseUrl(f"base URL {text.strip()!r} has no valid host name")
    if parts.query or parts.fragment:
        raise InvalidBaseUrl(f"base URL {text.strip()!r} must not have a query or fragment")
    user, at, _ = parts.netloc.rpartition("@")
    port = f":{parts.port}" if parts.port else ""
    netloc = f"{user}{at}{(parts.hostname or '').lower()}{port}"
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
