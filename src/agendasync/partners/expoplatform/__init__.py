"""ExpoPlatform: sessions and speakers, one way (seed 000, `shared/partners/expoplatform.md`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from agendasync.domain.models import EventContent
from agendasync.partners.expoplatform.client import TITLE, ExpoClient
from agendasync.partners.expoplatform.connector import ExpoConnector, partner_event
from agendasync.partners.expoplatform.payloads import (
    SESSION_FIELDS,
    SPEAKER_FIELDS,
    content_items,
)
from agendasync.sync.errors import PartnerError, RemoteNotFound
from agendasync.sync.partner import (
    DEFAULT_BUDGET,
    ActionSpec,
    Adopt,
    CredentialField,
    KindSpec,
    PartnerEvent,
    PartnerSpec,
    SyncAction,
    Target,
    TransformContext,
    Transformed,
)
from agendasync.sync.select import Eligibility, Selection

SPEC = PartnerSpec(
    name="expoplatform",
    title=TITLE,
    credential_fields=(CredentialField("key", "API key"),),
    default_base_url=None,
    base_url_required=True,  # every customer has its own host
    actions=(
        ActionSpec(
            SyncAction.CONTENT,
            "Sessions and speakers",
            (
                KindSpec("tracks", Adopt.ALWAYS),
                KindSpec("types", Adopt.ALWAYS),
                KindSpec("tags", Adopt.ALWAYS),
                KindSpec("halls", Adopt.ALWAYS),
                # Accounts first: sessions name them in `speakers[]` and `moderators[]`.
                KindSpec("speakers"),
                KindSpec("sessions"),
            ),
        ),
    ),
    eligibility=Eligibility(
        session_required=("format",),
        speaker_required=("first_name", "last_name", "email"),
        skip_ended=True,
        future_start_only=True,
    ),
    fields={"sessions": SESSION_FIELDS, "speakers": SPEAKER_FIELDS},
    purge_on_unmap=True,
    budget=DEFAULT_BUDGET,  # not published: the conservative default
)


class ExpoPlatform:
    spec = SPEC

    def transform(
        self, action: str, selection: Selection, content: EventContent, context: TransformContext
    ) -> Transformed:
        return content_items(selection, content, context.field_maps)

    async def verify(
        self, http: httpx.AsyncClient, credentials: Mapping[str, str], base_url: str
    ) -> Sequence[PartnerEvent]:
        client = ExpoClient(http, api_key=credentials["key"], base_url=base_url)
        try:
            rows = await client.get("/event/getList")
        except RemoteNotFound as exc:
            raise PartnerError(f"no {TITLE} API at this base URL ({exc})") from exc
        if not isinstance(rows, list):
            raise PartnerError(f"the event list is not {TITLE}'s: is the base URL right?")
        return [partner_event(row) for row in rows if isinstance(row, Mapping)]

    def connector(
        self,
        http: httpx.AsyncClient,
        credentials: Mapping[str, str],
        base_url: str,
        target: Target,
        *,
        budget: Any,
    ) -> ExpoConnector:
        client = ExpoClient(http, api_key=credentials["key"], base_url=base_url, budget=budget)
        return ExpoConnector(client, target.partner_event_id)


__all__ = ["SPEC", "ExpoPlatform"]
