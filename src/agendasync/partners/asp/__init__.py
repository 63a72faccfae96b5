"""ASP Events (the ShowOff platform): sessions and speakers into a seminar of a site, one way
(seed 001, `shared/partners/asp_gleanin.md` §1, "ASP Events decisions")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from agendasync.domain.models import EventContent
from agendasync.partners.asp.client import DEFAULT_BASE_URL, AspClient
from agendasync.partners.asp.connector import AspConnector, partner_event
from agendasync.partners.asp.payloads import SESSION_FIELDS, SPEAKER_FIELDS, content_items
from agendasync.sync.partner import (
    DEFAULT_BUDGET,
    ActionSpec,
    Adopt,
    CredentialField,
    KindSpec,
    MappingParam,
    PartnerEvent,
    PartnerSpec,
    SyncAction,
    Target,
    TransformContext,
    Transformed,
)
from agendasync.sync.select import Eligibility, Selection

SEMINAR_ID = "seminar_id"

SPEC = PartnerSpec(
    name="asp",
    title="ASP Events",
    credential_fields=(
        CredentialField("key", "API key", secret=False),
        CredentialField("secret", "Secret"),
    ),
    default_base_url=DEFAULT_BASE_URL,
    actions=(
        ActionSpec(
            SyncAction.CONTENT,
            "Sessions and speakers",
            (
                KindSpec("streams", Adopt.ALWAYS),
                KindSpec("locations", Adopt.ALWAYS),
                KindSpec("speakers"),
                KindSpec("sessions"),
            ),
        ),
    ),
    mapping_params=(
        MappingParam(
            SEMINAR_ID,
            "Seminar ID",
            help=(
                "The ID of the ASP seminar the sessions go into. It must belong to the chosen"
                " site and have a text custom field with the slug sessionboard_id."
            ),
        ),
    ),
    eligibility=Eligibility(session_required=("client_session_id",), skip_ended=True),
    fields={"sessions": SESSION_FIELDS, "speakers": SPEAKER_FIELDS},
    budget=DEFAULT_BUDGET,  # ASP publishes no budget: the conservative default
    concurrency=8,
)


def _client(
    http: httpx.AsyncClient, credentials: Mapping[str, str], base_url: str, budget: Any = None
) -> AspClient:
    return AspClient(
        http,
        key=credentials["key"],
        secret=credentials["secret"],
        base_url=base_url,
        budget=budget,
    )


class AspEvents:
    spec = SPEC

    def transform(
        self, action: str, selection: Selection, content: EventContent, context: TransformContext
    ) -> Transformed:
        return content_items(selection, content, context.field_maps)

    async def verify(
        self, http: httpx.AsyncClient, credentials: Mapping[str, str], base_url: str
    ) -> Sequence[PartnerEvent]:
        """The token exchange checks the key and secret; the sites are the partner events."""
        client = _client(http, credentials, base_url)
        await client.authenticate()
        return [partner_event(row) for row in await client.list_all("/sites")]

    def connector(
        self,
        http: httpx.AsyncClient,
        credentials: Mapping[str, str],
        base_url: str,
        target: Target,
        *,
        budget: Any,
    ) -> AspConnector:
        client = _client(http, credentials, base_url, budget)
        return AspConnector(client, target.partner_event_id, target.params.get(SEMINAR_ID, ""))


__all__ = ["SEMINAR_ID", "SPEC", "AspEvents"]
