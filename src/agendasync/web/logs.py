"""Keep secrets out of the web server's log lines.

A speaker's portal link carries their key in the path, which the access log would print;
`RedactSecretPaths` replaces it. httpx logs every request URL it sends at INFO, and the
Sessionize emails view takes its key in the query string, so httpx is kept at WARNING.
"""

from __future__ import annotations

import logging
import re
from typing import Any

_PORTAL_TOKEN = re.compile(r"(/portal/speakers/)[^/?\s]+")


def redact(path: str) -> str:
    return _PORTAL_TOKEN.sub(r"\1[redacted]", path)


class RedactSecretPaths(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        record.msg = redact(str(record.msg))
        return True


def quiet_http_client() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)


def uvicorn_log_config() -> dict[str, Any]:
    """Uvicorn's own logging set-up, with the redaction on its access log."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = {
        **LOGGING_CONFIG,
        "filters": {"redact": {"()": "agendasync.web.logs.RedactSecretPaths"}},
        "handlers": {name: dict(handler) for name, handler in LOGGING_CONFIG["handlers"].items()},
    }
    config["handlers"]["access"]["filters"] = ["redact"]
    return config
