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
    # Partner base URLs (and pictures a sync downloads) at private addresses or plain http:
    # refused unless the operator allows them (AGENDASYNC_ALLOW_PRIVATE_PARTNER_URLS=1).
    allow_private_partner_urls: bool = False


@dataclass(frozen=True)
class PortalLinks:
    """Personal links to speakers' portal pages: the speaker's id and the version of their
    link, signed, in the URL.

    A link does not expire (it is handed to the speaker once, like an invitation). It stops
    working when its version is bumped (the speaker was declined, or someone asked for a new
    link: `store.portal.bump_portal_links`); rotating the secret key changes every link."""

    secret: bytes
    _salt: str = field(default="agendasync.speaker-portal")

    def _serializer(self) -> URLSafeSerializer:
        return URLSafeSerializer(self.secret, salt=self._salt)

    def token(self, speaker_id: uuid.UUID, version: int = 0) -> str:
        # Version 0 is the speaker's id alone: links handed out before versions still work.
        value: str | list[str | int] = (
            str(speaker_id) if version == 0 else [str(speaker_id), version]
        )
        return str(self._serializer().dumps(value))

    def speaker(self, token: str) -> tuple[uuid.UUID, int] | None:
        """The speaker and the version of the link, if the signature holds."""
        try:
            value = self._serializer().loads(token)
            if isinstance(value, str):
                return uuid.UUID(value), 0
            speaker, version = value
            if not isinstance(version, int) or isinstance(version, bool):
                return None
            return uuid.UUID(speaker), version
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
