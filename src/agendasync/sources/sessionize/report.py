"""The report of a Sessionize import (SPEC §9): what `import_runs.report` holds and every
front end shows (counts per record type, records left out and why, warnings, the error)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Final, Literal

SHORT_TEXT_LIMIT: Final = 500
LONG_TEXT_LIMIT: Final = 100_000
_UNSTORABLE: Final = re.compile("[\x00\ud800-\udfff]")


def storable_text(value: str) -> str:
    """`value` without the characters no database stores (NUL, lone surrogates)."""
    return _UNSTORABLE.sub("", value) if _UNSTORABLE.search(value) else value


def is_storable(value: str) -> bool:
    return _UNSTORABLE.search(value) is None


def shown(value: str) -> str:
    """A feed value as a report shows it: storable, and not endless."""
    text = storable_text(value)
    return text if len(text) <= SHORT_TEXT_LIMIT else text[: SHORT_TEXT_LIMIT - 1] + "…"


class ImportStatus(StrEnum):
    IMPORTED = "imported"
    UNCHANGED = "unchanged"  # same fingerprint as the last successful import: nothing done
    FAILED = "failed"


# The statuses of an import that leaves the event as its source gave it.
SUCCEEDED: Final = (ImportStatus.IMPORTED.value, ImportStatus.UNCHANGED.value)


class LeftOutReason(StrEnum):
    UNSCHEDULED = "unscheduled"
    OUTSIDE_DATES = "outside_dates"
    NO_IMPORTED_SESSION = "no_imported_session"


@dataclass(frozen=True, slots=True)
class LeftOut:
    """A feed record that was not imported, and why (`detail` is the sentence to show)."""

    kind: Literal["session", "speaker"]
    sessionize_id: str
    name: str
    reason: LeftOutReason
    detail: str


class Flag(StrEnum):
    PLACEHOLDER = "placeholder"  # R-SZ-11: imported, never synced
    UNSCHEDULED = "unscheduled"  # R-SZ-5: still in the feed, without times: kept, not synced


@dataclass(frozen=True, slots=True)
class Flagged:
    """An imported record the organiser should know about (`detail` is the sentence to show)."""

    kind: Literal["session", "speaker"]
    sessionize_id: str
    name: str
    flag: Flag
    detail: str


@dataclass(frozen=True, slots=True)
class Overwritten:
    """A record the import changed, and the fields it overwrote with Sessionize's values (a hub
    edit of a field Sessionize provides does not survive a re-import: the report says so)."""

    kind: Literal["session", "speaker"]
    sessionize_id: str
    name: str
    fields: tuple[str, ...]


@dataclass(slots=True)
class RecordCounts:
    """What an import did to one record type; each record is counted once.

    `restored` records were withdrawn and are back in the feed; `withdrawn` ones were marked
    withdrawn by this import (records withdrawn before and still absent are not counted).
    """

    created: int = 0
    updated: int = 0
    restored: int = 0
    unchanged: int = 0
    withdrawn: int = 0

    @property
    def written(self) -> int:
        return self.created + self.updated + self.restored + self.withdrawn


@dataclass
class ImportReport:
    """One import of an event from Sessionize, as recorded in `import_runs` and shown."""

    event_id: uuid.UUID
    event_slug: str
    status: ImportStatus
    started_at: datetime
    finished_at: datetime
    endpoint_id: str | None = None
    replaced_endpoint: str | None = None  # the endpoint this import replaced (R-SZ-9)
    dry_run: bool = False
    content_hash: str | None = None  # the import's fingerprint (see the module docstring)
    unchanged_since: datetime | None = None  # for `unchanged`: when the matching import ran
    sessions: RecordCounts = field(default_factory=RecordCounts)
    speakers: RecordCounts = field(default_factory=RecordCounts)
    taxonomy: RecordCounts = field(default_factory=RecordCounts)
    left_out: tuple[LeftOut, ...] = ()
    flagged: tuple[Flagged, ...] = ()
    overwritten: tuple[Overwritten, ...] = ()
    warnings: tuple[str, ...] = ()
    error_code: str | None = None
    error: str | None = None

    def left_out_by_reason(self) -> dict[LeftOutReason, int]:
        counts: dict[LeftOutReason, int] = {}
        for record in self.left_out:
            counts[record.reason] = counts.get(record.reason, 0) + 1
        return counts

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict (what `import_runs.report` holds and `--json` prints)."""

        def moment(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "event": {"id": str(self.event_id), "slug": self.event_slug},
            "status": self.status.value,
            "dry_run": self.dry_run,
            "endpoint_id": self.endpoint_id,
            "replaced_endpoint": self.replaced_endpoint,
            "content_hash": self.content_hash,
            "started_at": moment(self.started_at),
            "finished_at": moment(self.finished_at),
            "unchanged_since": moment(self.unchanged_since),
            "counts": {
                "sessions": asdict(self.sessions),
                "speakers": asdict(self.speakers),
                "taxonomy": asdict(self.taxonomy),
            },
            "left_out": [
                {
                    **asdict(record),
                    "sessionize_id": shown(record.sessionize_id),
                    "reason": record.reason.value,
                }
                for record in self.left_out
            ],
            "flagged": [
                {
                    **asdict(record),
                    "sessionize_id": shown(record.sessionize_id),
                    "flag": record.flag.value,
                }
                for record in self.flagged
            ],
            "overwritten": [
                {
                    **asdict(record),
                    "sessionize_id": shown(record.sessionize_id),
                    "fields": list(record.fields),
                }
                for record in self.overwritten
            ],
            "warnings": [shown(warning) for warning in self.warnings],
            "error": (
                {"code": self.error_code, "message": storable_text(self.error)}
                if self.error is not None
                else None
            ),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ImportReport:
        def moment(value: str | None) -> datetime | None:
            return datetime.fromisoformat(value) if value else None

        error = data.get("error") or {}
        counts = data.get("counts") or {}
        return cls(
            event_id=uuid.UUID(data["event"]["id"]),
            event_slug=data["event"]["slug"],
            status=ImportStatus(data["status"]),
            started_at=datetime.fromisoformat(data["started_at"]),
            finished_at=datetime.fromisoformat(data["finished_at"]),
            endpoint_id=data.get("endpoint_id"),
            replaced_endpoint=data.get("replaced_endpoint"),
            dry_run=bool(data.get("dry_run")),
            content_hash=data.get("content_hash"),
            unchanged_since=moment(data.get("unchanged_since")),
            sessions=RecordCounts(**counts.get("sessions", {})),
            speakers=RecordCounts(**counts.get("speakers", {})),
            taxonomy=RecordCounts(**counts.get("taxonomy", {})),
            left_out=tuple(
                LeftOut(**{**record, "reason": LeftOutReason(record["reason"])})
                for record in data.get("left_out", ())
            ),
            flagged=tuple(
                Flagged(**{**record, "flag": Flag(record["flag"])})
                for record in data.get("flagged", ())
            ),
            overwritten=tuple(
                Overwritten(**{**record, "fields": tuple(record["fields"])})
                for record in data.get("overwritten", ())
            ),
            warnings=tuple(data.get("warnings", ())),
            error_code=error.get("code"),
            error=error.get("message"),
        )


__all__ = [
    "LONG_TEXT_LIMIT",
    "SHORT_TEXT_LIMIT",
    "Flag",
    "Flagged",
    "ImportReport",
    "ImportStatus",
    "LeftOut",
    "LeftOutReason",
    "Overwritten",
    "RecordCounts",
    "is_storable",
    "shown",
    "storable_text",
]
