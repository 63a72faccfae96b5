"""Swoogo: sessions, speakers and sponsors, one way (seed 002, `shared/partners/swoogo.md`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from agendasync.domain.models import EventContent
from agendasync.partners.swoogo.client import DEFAULT_BASE_URL, LIST_COST, SwoogoClient
from agendasync.partners.swoogo.connector import SwoogoConnector, partner_event
from agendasync.partners.swoogo.payloads import (
    SESSION_FIELDS,
    SPEAKER_FIELDS,
    content_items,
    sponsor_items,
)
from agendasync.sync.partner import (
    ActionSpec,
    Adopt,
    Budget,
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

IMAGE_MAX_BYTES = 1_000_000  # the seed document's 1 MB, under Swoogo's own limits

SPEC = PartnerSpec(
    name="swoogo",
    title="Swoogo",
    credential_fields=(
        CredentialField("key", "Consumer key", secret=False),
        CredentialField("secret", "Consumer secret"),
    ),
    default_base_url=DEFAULT_BASE_URL,
    actions=(
        ActionSpec(
            SyncAction.CONTENT,
            "Sessions and speakers",
            (
                KindSpec("rooms", Adopt.ALWAYS),
                KindSpec("tracks", Adopt.ALWAYS),
                KindSpec("sessions"),
                KindSpec("speakers"),
                KindSpec("speaker_sessions", Adopt.NEVER),
                KindSpec("headshots", Adopt.NEVER),
            ),
        ),
        ActionSpec(
            SyncAction.SPONSORS,
            "Sponsors",
            (
                KindSpec("sponsor_levels", Adopt.ALWAYS),
                KindSpec("sponsors"),
                KindSpec("logos", Adopt.NEVER),
            ),
        ),
    ),
    eligibility=Eligibility(speaker_required=("first_name", "last_name", "email")),
    fields={"sessions": SESSION_FIELDS, "speakers": SPEAKER_FIELDS},
    image_max_bytes=IMAGE_MAX_BYTES,
    budget=Budget(credits=2000, window_s=600),
    concurrency=8,
)


class Swoogo:
    spec = SPEC

    def transform(
        self, action: str, selection: Selection, content: EventContent, context: TransformContext
    ) -> Transformed:
        if action == SyncAction.SPONSORS:
            return sponsor_items(content.sponsors, content)
        return content_items(selection, content, context.field_maps)

    async def verify(
        self, http: httpx.AsyncClient, credentials: Mapping[str, str], base_url: str
    ) -> Sequence[PartnerEvent]:
        client = SwoogoClient(
            http, key=credentials["key"], secret=credentials["secret"], base_url=base_url
        )
        await client.authenticate()
        rows = await client.list_all("/events", fields="id,name,timezone,start_date,end_date")
        return [partner_event(row) for row in rows]

    def connector(
        self,
        http: httpx.AsyncClient,
        credentials: Mapping[str, str],
        base_url: str,
        target: Target,
        *,
        budget: Any,
    ) -> SwoogoConnector:
        client = SwoogoClient(
            http,
            key=credentials["key"],
            secret=credentials["secret"],
            base_url=base_url,
            budget=budget,
        )
        return SwoogoConnector(
            client, target.partner_event_id, images=http, image_max_bytes=IMAGE_MAX_BYTES
        )


__all__ = ["LIST_COST", "SPEC", "Swoogo"]
