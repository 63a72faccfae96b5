"""The shapes the API answers with and takes, beyond the event JSON format's records
(`domain.event_json`: `SessionEntry`, `SpeakerEntry`, ... are the records' own shapes)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Generic, Literal, Optional, TypeVar

from pydantic import BaseModel, ConfigDict, Field, create_model

from agendasync.domain.accounts import Scope
from agendasync.domain.integrations import FieldSpec, Integration, RunStatus, SyncRun
from agendasync.domain.integrations import Mapping as EventMapping
from agendasync.domain.models import EventFields, NonEmpty
from agendasync.store.records import Page
from agendasync.sync.fields import HUB_FIELDS
from agendasync.sync.partner import Partner, PartnerEvent

T = TypeVar("T")

_STAMPS = {"id", "created_at", "updated_at"}


def patch_model(model: type[BaseModel], name: str) -> type[BaseModel]:
    """A model for PATCH bodies: every field of `model` but the id and times, all optional.

    Only the keys a client sends are changed; the values are checked when laid over the
    record (`services.records.merged`), with the record's own rules."""
    fields: dict[str, Any] = {
        field_name: (Optional[info.annotation], Field(None, description=info.description))  # noqa: UP045
        for field_name, info in model.model_fields.items()
        if field_name not in _STAMPS
    }
    return create_model(name, __config__=ConfigDict(extra="forbid"), **fields)


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="How many match, over all pages.")
    limit: int
    offset: int

    @classmethod
    def of(cls, page: Page[Any], items: list[Any]) -> PageOut[Any]:
        return cls(
            items=items, total=page.total, limit=page.request.limit, offset=page.request.offset
        )


# --- organisations, tokens -------------------------------------------------------------------


class SessionOut(BaseModel):
    email: str | None = Field(description="The signed-in person, if a person is calling.")
    token: str | None = Field(description="The API token's name, if a token is calling.")
    csrf_token: str | None = Field(description="Send it as X-CSRF-Token with changes.")


class PasswordChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(description="Your password now (proves it is you).")
    new_password: str = Field(description="At least 8 characters.")


class SessionsEndedOut(BaseModel):
    ended: int = Field(description="How many signed-in sessions ended.")


class OrgIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: NonEmpty


class OrgOut(BaseModel):
    id: uuid.UUID
    name: str
    slug: str
    access: Literal["read", "write", "admin"]


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: NonEmpty = Field(description="What the token is for, e.g. 'website build'.")
    scopes: list[Scope] = Field(min_length=1, description="read, and write to change things.")


class TokenOut(BaseModel):
    id: uuid.UUID
    name: str
    scopes: list[Scope]
    prefix: str | None = Field(
        description="The token's first characters, to tell tokens apart (none for older tokens)."
    )
    created_at: datetime | None
    last_used_at: datetime | None


class IssuedTokenOut(TokenOut):
    token: str = Field(description="The token itself: shown this once, never again.")


# --- events ----------------------------------------------------------------------------------


class EventOut(EventFields):
    id: uuid.UUID
    org: str = Field(description="The organisation's slug.")
    created_at: datetime | None = None
    updated_at: datetime | None = None


EventPatch: Any = patch_model(EventFields, "EventPatch")


class ImportOut(BaseModel):
    event: str
    event_created: bool
    records: dict[str, dict[str, int]]


# --- partners, integrations, mappings -------------------------------------------------------------


class CredentialFieldOut(BaseModel):
    name: str
    label: str
    secret: bool


class PartnerOut(BaseModel):
    name: str
    title: str
    credential_fields: list[CredentialFieldOut]
    default_base_url: str | None
    base_url_required: bool
    mapping_params: list[CredentialFieldOut]
    actions: list[str] = Field(description="What can be synced: content, and e.g. sponsors.")

    @classmethod
    def of(cls, partner: Partner) -> PartnerOut:
        spec = partner.spec
        return cls(
            name=spec.name,
            title=spec.title,
            credential_fields=[
                CredentialFieldOut(name=f.name, label=f.label, secret=f.secret)
                for f in spec.credential_fields
            ],
            default_base_url=spec.default_base_url,
            base_url_required=spec.base_url_required,
            mapping_params=[
                CredentialFieldOut(name=p.name, label=p.label, secret=False)
                for p in spec.mapping_params
            ],
            actions=spec.action_names,
        )


class ConnectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    partner: str
    credentials: dict[str, str] = Field(
        description="The partner's credential fields by name (see GET /partners)."
    )
    base_url: str | None = None


class IntegrationOut(BaseModel):
    id: uuid.UUID
    partner: str
    base_url: str
    credentials: str = Field(description="Masked, e.g. 'Consumer key ••••3f9a'.")
    created_at: datetime | None

    @classmethod
    def of(cls, integration: Integration) -> IntegrationOut:
        return cls(
            id=integration.id,
            partner=integration.partner,
            base_url=integration.base_url,
            credentials=integration.credentials_hint,
            created_at=integration.created_at,
        )


class PartnerEventOut(BaseModel):
    id: str
    name: str
    timezone: str | None
    start_date: str | None
    end_date: str | None

    @classmethod
    def of(cls, event: PartnerEvent) -> PartnerEventOut:
        return cls(
            id=event.id,
            name=event.name,
            timezone=event.timezone,
            start_date=event.start_date.isoformat() if event.start_date else None,
            end_date=event.end_date.isoformat() if event.end_date else None,
        )


class ConnectedOut(IntegrationOut):
    partner_events: list[PartnerEventOut]


class MappingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    partner: str
    event: str = Field(description="Our event's slug.")
    partner_event_id: str
    params: dict[str, str] = Field(default_factory=dict)
    continuous: bool = False
    confirm: bool = Field(
        default=False,
        description="Map anyway after a 409 `confirmation_needed` answer named what to know "
        "first: time zones that differ, or a partner event that holds another event's records.",
    )


class MappingPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    continuous: bool


class MappingOut(BaseModel):
    id: uuid.UUID
    partner: str
    event: str
    partner_event_id: str
    partner_event_name: str
    params: dict[str, str]
    continuous: bool
    created_at: datetime | None

    @classmethod
    def of(cls, mapping: EventMapping, partner: str, event: str) -> MappingOut:
        return cls(
            id=mapping.id,
            partner=partner,
            event=event,
            partner_event_id=mapping.partner_event_id,
            partner_event_name=mapping.partner_event_name,
            params=mapping.params,
            continuous=mapping.continuous,
            created_at=mapping.created_at,
        )


class DisconnectedOut(BaseModel):
    removed_mappings: int


# --- field maps ------------------------------------------------------------------------------


class FieldPairOut(BaseModel):
    hub: str = Field(description="Our field, e.g. client_session_id.")
    partner: str = Field(description="The partner's field it fills, e.g. Swoogo's c_123.")
    required: bool = Field(description="The partner needs it: the pair cannot be removed.")

    @classmethod
    def of(cls, pair: FieldSpec) -> FieldPairOut:
        return cls(hub=pair.hub, partner=pair.partner, required=pair.required)


class FieldMapsOut(BaseModel):
    sessions: list[FieldPairOut]
    speakers: list[FieldPairOut]

    @classmethod
    def of(cls, maps: Mapping[str, Sequence[FieldSpec]]) -> FieldMapsOut:
        return cls(
            sessions=[FieldPairOut.of(p) for p in maps.get("sessions", ())],
            speakers=[FieldPairOut.of(p) for p in maps.get("speakers", ())],
        )


class FieldPairIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["sessions", "speakers"] = Field(description="Which map: sessions or speakers.")
    hub: str = Field(
        description="Our field: for sessions one of "
        + ", ".join(HUB_FIELDS["sessions"])
        + "; for speakers one of "
        + ", ".join(HUB_FIELDS["speakers"])
        + "."
    )
    partner: str = Field(
        description="The partner's field to fill; the partner is asked whether it exists."
    )


# --- syncs and runs --------------------------------------------------------------------------


class SyncIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    partner: str
    action: str = Field(
        "content", description="content (sessions and speakers), sponsors or exhibitors."
    )
    dry_run: bool = Field(False, description="Report what a sync would do; send nothing.")
    session: uuid.UUID | None = Field(None, description="Sync only this session.")
    speaker: uuid.UUID | None = Field(None, description="Sync only this speaker.")
    wait: bool = Field(False, description="Answer when the run has finished.")


class RunOut(BaseModel):
    id: uuid.UUID
    partner: str
    action: str
    trigger: str
    dry_run: bool
    scope: uuid.UUID | None
    status: RunStatus
    message: str | None
    started_at: datetime
    finished_at: datetime | None
    report: dict[str, Any]

    @classmethod
    def of(cls, run: SyncRun) -> RunOut:
        return cls.model_validate(run.model_dump(exclude={"mapping_id", "event_id"}))


class SyncStartedOut(BaseModel):
    status: Literal["started"] = "started"
    partner: str
    action: str
    runs: str = Field(description="Where the run and its report appear.")


class SessionizeImportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    endpoint_id: str | None = Field(
        None, description="The endpoint id or a pasted sessionize.com/api/v2/... URL."
    )
    emails_key: str | None = None
    dry_run: bool = False
    force: bool = Field(False, description="Import even when the feed is unchanged.")
    replace: bool = Field(
        False,
        description="Import another endpoint than the one the event was imported from, "
        "withdrawing the records the new feed lacks. Without it such an import is refused "
        "(409), naming how many records it would withdraw.",
    )
