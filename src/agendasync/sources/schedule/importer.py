"""Import a schedule file (c3voc `schedule.json` or `schedule.xml`) into an event.

* `import_schedule_body(store, event, body, ...)` imports bytes already read;
  `import_schedule(store, event, file_or_url, ...)` reads a file or fetches a URL first.
* What is imported and who owns which value: see `plan.py`.
* Every import of an existing event is recorded in `import_runs` (source `schedule`), failed
  ones too; a dry run writes nothing. The run of a successful import also keeps which records
  it brought, so that the next import withdraws the ones that vanished.
* **Unchanged file**: the fingerprint is the sha256 of the file and the event settings the
  result depends on (time zone, dates); when it equals the last successful import's, nothing is
  planned or written and an `unchanged` run is recorded; `force=True` imports anyway.
* **Nothing half-written**: the plan is written in one transaction.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import httpx
from sqlalchemy import Connection

from agendasync.domain.models import Event
from agendasync.sources.schedule.parse import Schedule, parse_schedule
from agendasync.sources.schedule.plan import Brought, LeftOut, plan_schedule_import
from agendasync.sources.schedule.table import parse_table
from agendasync.sources.sessionize.report import SUCCEEDED, ImportStatus, RecordCounts
from agendasync.store.content import load_event_content, save_event_content
from agendasync.store.db import Store
from agendasync.store.events import event_by_ref
from agendasync.store.imports import import_reports, latest_import_run, record_import_run

SOURCE: Final = "schedule"
TABLE_SOURCE: Final = "table"  # spreadsheets: their own runs, so neither withdraws the other's
MAX_BYTES: Final = 50 * 1024 * 1024
FETCH_TIMEOUT: Final = 30.0


class ScheduleUnreadable(Exception):
    """The file or URL could not be read (not a validation problem: nothing was parsed)."""

    code = "schedule.unreadable"


@dataclass
class ScheduleImportReport:
    event_id: uuid.UUID
    event_slug: str
    source: str  # the file name or URL, as given
    status: ImportStatus
    started_at: datetime
    finished_at: datetime
    kind: str = SOURCE  # what is recorded in import_runs.source
    format: str | None = None
    dry_run: bool = False
    content_hash: str | None = None
    unchanged_since: datetime | None = None
    sessions: RecordCounts = field(default_factory=RecordCounts)
    speakers: RecordCounts = field(default_factory=RecordCounts)
    taxonomy: RecordCounts = field(default_factory=RecordCounts)
    left_out: tuple[LeftOut, ...] = ()
    warnings: tuple[str, ...] = ()
    error_code: str | None = None
    error: str | None = None
    problems: tuple[tuple[str, str], ...] = ()  # (place in the file, what is wrong)
    mapping: dict[str, str] | None = None  # a spreadsheet's column -> field

    def to_json(self) -> dict[str, Any]:
        def moment(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "event": {"id": str(self.event_id), "slug": self.event_slug},
            "source": self.source,
            "kind": self.kind,
            **({"mapping": self.mapping} if self.mapping is not None else {}),
            "format": self.format,
            "status": self.status.value,
            "dry_run": self.dry_run,
            "content_hash": self.content_hash,
            "started_at": moment(self.started_at),
            "finished_at": moment(self.finished_at),
            "unchanged_since": moment(self.unchanged_since),
            "counts": {
                "sessions": asdict(self.sessions),
                "speakers": asdict(self.speakers),
                "taxonomy": asdict(self.taxonomy),
            },
            "left_out": [asdict(record) for record in self.left_out],
            "warnings": list(self.warnings),
            "error": (
                {
                    "code": self.error_code,
                    "message": self.error,
                    "problems": [{"place": p, "message": m} for p, m in self.problems],
                }
                if self.error is not None
                else None
            ),
        }


def fingerprint(body: bytes, event: Event, settings: Mapping[str, Any] | None = None) -> str:
    parts = {
        "file": hashlib.sha256(body).hexdigest(),
        "settings": dict(settings or {}),
        "timezone": event.timezone,
        "dates": [event.start_date.isoformat(), event.end_date.isoformat()],
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _brought_before(connection: Connection, event_id: uuid.UUID, kind: str) -> Brought:
    last = latest_import_run(connection, event_id, kind, statuses=[ImportStatus.IMPORTED.value])
    return Brought.from_json(last["report"].get("brought") if last and last["report"] else None)


def _record(connection: Connection, report: ScheduleImportReport, brought: Brought | None) -> None:
    stored = report.to_json()
    if brought is not None:
        stored["brought"] = brought.to_json()
    record_import_run(
        connection,
        event_id=report.event_id,
        source=report.kind,
        status=report.status.value,
        content_hash=report.content_hash,
        started_at=report.started_at,
        finished_at=report.finished_at,
        report=stored,
    )


def _begin(
    store: Store, event: str | uuid.UUID, source: str, *, dry_run: bool, kind: str = SOURCE
) -> tuple[Event, ScheduleImportReport]:
    with store.transaction() as connection:
        found = event_by_ref(connection, event)
    started = _now()
    report = ScheduleImportReport(
        event_id=found.id,
        event_slug=found.slug,
        source=source,
        status=ImportStatus.IMPORTED,
        kind=kind,
        started_at=started,
        finished_at=started,
        dry_run=dry_run,
    )
    return found, report


@contextmanager
def _failures_recorded(store: Store, report: ScheduleImportReport) -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        report.status = ImportStatus.FAILED
        report.finished_at = _now()
        report.error_code = getattr(exc, "code", f"internal.{type(exc).__name__}")
        report.error = str(exc)
        report.problems = tuple(getattr(exc, "problems", ()))
        if not report.dry_run:
            with store.transaction() as connection:
                _record(connection, report, None)
        raise


def import_schedule_body(
    store: Store,
    event: str | uuid.UUID,
    body: bytes,
    *,
    source: str = "(upload)",
    dry_run: bool = False,
    force: bool = False,
) -> ScheduleImportReport:
    """Import a schedule file's bytes into the event (slug or id).

    Raises `NotFound` for an unknown event and `MalformedSchedule` (with each problem's place)
    for a file that is not a valid schedule; a failure changes nothing but the run it records.
    """
    found, report = _begin(store, event, source, dry_run=dry_run)
    with _failures_recorded(store, report):
        _import(store, found, body, report, force=force)
    return report


Parser = Callable[[bytes, str], Schedule]


def _parse_schedule(body: bytes, timezone: str) -> Schedule:
    return parse_schedule(body, timezone=timezone)


def _import(
    store: Store,
    event: Event,
    body: bytes,
    report: ScheduleImportReport,
    *,
    force: bool,
    parse: Parser = _parse_schedule,
    settings: Mapping[str, Any] | None = None,
) -> None:
    report.content_hash = fingerprint(body, event, settings)
    if not force:
        with store.transaction() as connection:
            last = latest_import_run(connection, event.id, report.kind, statuses=SUCCEEDED)
            if last is not None and last["content_hash"] == report.content_hash:
                report.status = ImportStatus.UNCHANGED
                report.unchanged_since = last["finished_at"]
                report.finished_at = _now()
                if not report.dry_run:
                    _record(connection, report, None)
                return
    schedule = parse(body, event.timezone)
    report.format = schedule.format
    with store.transaction() as connection:
        now = _now()
        plan = plan_schedule_import(
            load_event_content(connection, event.id),
            schedule,
            previous=_brought_before(connection, event.id, report.kind),
            now=now,
        )
        report.sessions = plan.sessions
        report.speakers = plan.speakers
        report.taxonomy = plan.taxonomy
        report.left_out = plan.left_out
        report.warnings = plan.warnings
        report.finished_at = _now()
        if not report.dry_run:
            save_event_content(connection, plan.changes, now=now)
            _record(connection, report, plan.brought)


def import_table_body(
    store: Store,
    event: str | uuid.UUID,
    body: bytes,
    *,
    mapping: Mapping[str, str] | None = None,
    source: str = "(upload)",
    dry_run: bool = False,
    force: bool = False,
) -> ScheduleImportReport:
    """Import a spreadsheet (see `table.py`; `mapping` is column -> field) into the event.

    The same rules as a schedule file's; errors name the row and column. The mapping is kept
    with the import's run: without one, the event's last successful spreadsheet import's is
    used again.
    """
    found, report = _begin(store, event, source, dry_run=dry_run, kind=TABLE_SOURCE)
    if mapping is None:
        with store.transaction() as connection:
            last = latest_import_run(connection, found.id, TABLE_SOURCE, statuses=SUCCEEDED)
        mapping = dict((last["report"] or {}).get("mapping") or {}) if last else {}
    chosen = report.mapping = dict(mapping)

    def parse(data: bytes, timezone: str) -> Schedule:
        return parse_table(data, mapping=chosen, timezone=timezone)

    with _failures_recorded(store, report):
        _import(store, found, body, report, force=force, parse=parse, settings=chosen)
    return report


def last_report(
    connection: Connection, event_id: uuid.UUID, kind: str = SOURCE
) -> dict[str, Any] | None:
    """The report (as `to_json` gives it) of the event's latest import of this kind."""
    reports = import_reports(connection, event_id, kind, limit=1)
    report = reports[0] if reports else None
    if report is None:
        return None
    shown: dict[str, Any] = {k: v for k, v in report.items() if k != "brought"}
    return shown


async def read_source(file_or_url: str, *, http: httpx.AsyncClient | None = None) -> bytes:
    """The bytes of a local file or of an http(s) URL (at most `MAX_BYTES`)."""
    if file_or_url.startswith(("http://", "https://")):
        return await _fetch(file_or_url, http)
    path = Path(file_or_url)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ScheduleUnreadable(f"{file_or_url}: larger than {MAX_BYTES // 2**20} MB")
        return path.read_bytes()
    except OSError as exc:
        raise ScheduleUnreadable(f"cannot read {file_or_url}: {exc.strerror}") from None


async def _fetch(url: str, http: httpx.AsyncClient | None) -> bytes:
    async def get(client: httpx.AsyncClient) -> bytes:
        try:
            async with client.stream("GET", url, follow_redirects=True) as response:
                if response.status_code != 200:
                    raise ScheduleUnreadable(f"{url} answered HTTP {response.status_code}")
                chunks, size = [], 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > MAX_BYTES:
                        raise ScheduleUnreadable(f"{url}: larger than {MAX_BYTES // 2**20} MB")
                    chunks.append(chunk)
                return b"".join(chunks)
        except httpx.HTTPError as exc:
            raise ScheduleUnreadable(f"cannot fetch {url}: {exc or type(exc).__name__}") from None

    if http is not None:
        return await get(http)
    async with httpx.AsyncClient(timeout=FETCH_TIMEOUT) as own:
        return await get(own)


async def import_schedule(
    store: Store,
    event: str | uuid.UUID,
    file_or_url: str,
    *,
    http: httpx.AsyncClient | None = None,
    dry_run: bool = False,
    force: bool = False,
) -> ScheduleImportReport:
    """Read a schedule file (a path or an http(s) URL) and import it into the event."""
    found, report = _begin(store, event, file_or_url, dry_run=dry_run)
    with _failures_recorded(store, report):
        body = await read_source(file_or_url, http=http)
        await asyncio.to_thread(_import, store, found, body, report, force=force)
    return report


__all__ = [
    "SOURCE",
    "ScheduleImportReport",
    "ScheduleUnreadable",
    "fingerprint",
    "import_schedule",
    "import_schedule_body",
    "import_table_body",
    "last_report",
    "read_source",
]
