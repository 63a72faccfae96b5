"""What the API and the pages share in one web process: the store, the secret box, accounts,
the sync starter, the settings, and the signer of speakers' portal links."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.requests import Request

from agendasync.services.accounts import Accounts
from agendasync.services.sync_requests import SyncStarter
from agendasync.sources.sessionize.client import DEFAULT_BASE_URL as SESSIONIZE_URL
from agendasync.store import Store
from agendasync.store.secrets import SecretBox


@dataclass(frozen=True)
class WebSettings:
    # Mark the session cookie `Secure` (send it over https only): turn on behind https.
    secure_cookies: bool = False
    session_max_age_s: int = 14 * 24 * 3600
    sessionize_base_url: str = SESSIONIZE_URL
    page_size: int = 100  # rows per page of the admin pages' tables


@dataclass(frozen=True)
class PortalLinks:
    """Personal links to speakers' portal pages: the speaker's id, signed, in the URL.

    A link does not expire (it is handed to the speaker once, like an invitation); rotating the
    secret key changes every link."""

    secret: bytes
    _salt: str = field(default="agendasync.speaker-portal")

    def _serializer(self) -> URLSafeSerializer:
        return URLSafeSerializer(self.secret, salt=self._salt)

    def token(self, speaker_id: uuid.UUID) -> str:
        return str(self._serializer().dumps(str(speaker_id)))

    def speaker(self, token: str) -> uuid.UUID | None:
        try:
            return uuid.UUID(self._serializer().loads(token))
        except (BadSignature, ValueError, TypeError):
            return None


@dataclass
class Services:
    store: Store
    box: SecretBox
    accounts: Accounts
    syncs: SyncStarter
    settings: WebSettings
    portal: PortalLinks


def services(request: Request) -> Services:
    """The web process's services (set on both the pages' app and the API's)."""
    found: Services = request.app.state.services
    return found
