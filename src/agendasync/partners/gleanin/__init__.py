"""Gleanin: sessions, speakers and exhibitors mirrored, share links back (seed 003,
`shared/partners/asp_gleanin.md` §2, README "Gleanin decisions")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from agendasync.domain.models import EventContent
from agendasync.partners.gleanin.client import DEFAULT_BASE_URL, GleaninClient
from agendasync.partners.gleanin.connector import GleaninConnector, partner_event
from agendasync.partners.gleanin.payloads import (
    SESSION_FIELDS,
    SPEAKER_FIELDS,
    content_items,
    exhibitor_items,
)
from agendasync.sync.partner import (
    ActionSpec,
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
    name="gleanin",
    title="Gleanin",
    credential_fields=(CredentialField("token", "API token"),),
    default_base_url=DEFAULT_BASE_URL,
    actions=(
        # Speakers first: a session points at its speakers (R-SPK-2 links come with them).
        ActionSpec(
            SyncAction.CONTENT,
            "Sessions and speakers",
            (KindSpec("speakers"), KindSpec("sessions")),
        ),
        ActionSpec(
            SyncAction.EXHIBITORS,
            "Exhibitors and their team members",
            (KindSpec("exhibitors"), KindSpec("team_members")),
        ),
    ),
    # R-ELIG-2 names the partners that skip ended sessions; Gleanin is not one of them.
    eligibility=Eligibility(skip_ended=False),
    fields={"sessions": SESSION_FIELDS, "speakers": SPEAKER_FIELDS},
    deletes_propagate=True,  # R-ELIG-5: Gleanin mirrors the hub
    recreate_deleted=True,  # the hub is Gleanin's source of truth
)


class Gleanin:
    spec = SPEC

    def transform(
        self, action: str, selection: Selection, content: EventContent, context: TransformContext
    ) -> Transformed:
        if action == SyncAction.EXHIBITORS:
            return exhibitor_items(content.exhibitors)
        return content_items(selection, content, context.field_maps)

    async def verify(
        self, http: httpx.AsyncClient, credentials: Mapping[str, str], base_url: str
    ) -> Sequence[PartnerEvent]:
        """The token is checked at once; only active events can be mapped."""
        client = GleaninClient(http, token=credentials["token"], base_url=base_url)
        rows = await client.list_all("/events", **{"filter[state]": "active"})
        return [partner_event(row) for row in rows]

    def connector(
        self,
        http: httpx.AsyncClient,
        credentials: Mapping[str, str],
        base_url: str,
        target: Target,
        *,
        budget: Any,
    ) -> GleaninConnector:
        client = GleaninClient(http, token=credentials["token"], base_url=base_url, budget=budget)
        return GleaninConnector(client, target.partner_event_id)


__all__ = ["SPEC", "Gleanin"]
