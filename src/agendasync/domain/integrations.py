"""Integrations (a partner connected for an organisation) and event mappings (SPEC §2, §3)."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Integration(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    org_id: uuid.UUID
    partner: str
    base_url: str
    credentials_hint: str  # masked, e.g. "key ••••3f9a" (R-INT-4)
    created_at: datetime | None = None


@dataclass(frozen=True)
class FieldSpec:
    """One pair of a field map (SPEC §6): `hub` field -> `partner` field."""

    hub: str
    partner: str
    required: bool = False


class Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    integration_id: uuid.UUID
    event_id: uuid.UUID
    partner_event_id: str
    partner_event_name: str
    params: dict[str, str] = Field(default_factory=dict)
    # The mapping's field maps per kind ("sessions", "speakers"); a kind not here uses the
    # partner's defaults.
    field_maps: dict[str, tuple[FieldSpec, ...]] = Field(default_factory=dict)
    continuous: bool = False
    created_at: datetime | None = None


class RunStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"  # some records failed, or the budget ran out: the next run goes on
    FAILED = "failed"  # nothing could be done (credentials, time zone, partner down)


class SyncRun(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    mapping_id: uuid.UUID | None
    event_id: uuid.UUID
    partner: str
    action: str
    trigger: str
    dry_run: bool
    scope: uuid.UUID | None = None
    status: RunStatus
    message: str | None = None
    started_at: datetime
    finished_at: datetime | None = None
    report: dict[str, Any] = Field(default_factory=dict)
