"""What a partner call can end in; the sync engine acts on the type, never on the partner.

PartnerError            anything a partner call can fail with; carries a clear message
├── AuthFailed          the credentials are refused (bad key, revoked, expired for good)
├── RateLimited         the partner says "too many": wait `retry_after` seconds, then retry
├── RemoteNotFound      the record is gone on the partner (deleted there)
├── Rejected            the partner refuses this record's data; `problems` names the fields
│   └── Clash           the email belongs to a partner contact the hub did not create: a skip
└── Transient           a 5xx, a timeout, a dropped connection: retry with backoff
    └── OutcomeUnknown  the request may have landed (e.g. an answer lost after sending)
"""

from __future__ import annotations


class PartnerError(Exception):
    """A partner call failed; `str()` is a message fit for a report."""


class AuthFailed(PartnerError):
    pass


class RateLimited(PartnerError):
    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RemoteNotFound(PartnerError):
    pass


class Rejected(PartnerError):
    def __init__(self, message: str, problems: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class Clash(Rejected):
    """R-SPK-1: a contact the hub did not create holds this email; the record is skipped and
    the ledger left alone, so it is tried again once the clash is gone."""


class Transient(PartnerError):
    pass


class OutcomeUnknown(Transient):
    """A write was sent and no answer came: it may have landed, so find it before retrying."""
