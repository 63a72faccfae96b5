"""Import a Sessionize `view/All` feed into an event (SPEC §9, R-SZ-1..8).

The library call behind the command line, the REST API and the pages:

* `import_sessionize(store, event, ...)` fetches `view/All` (and, with a key, the speaker
  emails) and imports it; `import_sessionize_feed(store, event, body, ...)` imports bytes
  already fetched (a saved response, a test).
* `plan.plan_import(stored, feed, emails=...)` is the pure part (see `plan`).
* `last_import_report(connection, event_id)` and `import_history(...)` read the reports back from
  `import_runs`, where every import of an existing event is recorded, failed ones too (a dry run
  writes nothing, not even its run).

Choices where the spec is silent:

* **The endpoint id** (R-SZ-1) is stored on the event by a successful (or unchanged) import,
  never by a failed one or a dry run; an import without an id uses the stored one.
* **Unchanged feed** (R-SZ-5): the fingerprint of an import is the sha256 of the feed's content
  hash, the emails view's, and the event settings the result depends on (time zone, dates,
  category map). When it equals the last successful import's, nothing is planned or written and
  an `unchanged` run is recorded; `force=True` imports anyway.
* **Another endpoint** (R-SZ-9): the endpoint an event was imported from is the one its last
  successful import named (kept in `import_runs`). Importing another one into an event that
  holds imported records not withdrawn is refused before anything is written, unless
  `replace=True`; a dry run is never refused, and its report names the endpoint it would
  replace (`replaced_endpoint`), as the report of a replacing import does.
* **A wrong emails key** fails the import (the key was asked for, so silently importing without
  emails would hide the mistake).
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from typing import Final

import httpx
from sqlalchemy import Connection

from agendasync.domain.models import Event, EventContent
from agendasync.domain.models import Session as StoredSession
from agendasync.domain.models import Speaker as StoredSpeaker
from agendasync.sources.sessionize.client import DEFAULT_BASE_URL, SessionizeClient
from agendasync.sources.sessionize.exceptions import (
    EmailsKeyRejected,
    EndpointChanged,
    EndpointIdMissing,
    EndpointNotFound,
)
from agendasync.sources.sessionize.feed import (
    parse_all,
    parse_emails,
    parse_endpoint_id,
)
from agendasync.sources.sessionize.plan import import_fingerprint, plan_import
from agendasync.sources.sessionize.report import SUCCEEDED, ImportReport, ImportStatus
from agendasync.store.content import load_event_content, save_event_content
from agendasync.store.db import Store
from agendasync.store.events import event_by_ref, save_event
from agendasync.store.imports import import_reports, latest_import_run, record_import_run

SOURCE: Final = "sessionize"
# Seconds before the first retry of a failed fetch (doubling after); read at call time.
DEFAULT_RETRY_BACKOFF: float = 0.5


# --- I/O -------------------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


def _endpoint_for(event: Event, endpoint_id: str | None) -> str:
    if endpoint_id is not None:
        return parse_endpoint_id(endpoint_id)
    if event.sessionize_endpoint_id:
        return event.sessionize_endpoint_id
    raise EndpointIdMissing(event.slug)


def _imported_from(connection: Connection, event_id: uuid.UUID) -> str | None:
    """R-SZ-9: the endpoint of the event's last successful import (None if it named none)."""
    last = latest_import_run(connection, event_id, SOURCE, statuses=SUCCEEDED)
    endpoint = last["report"].get("endpoint_id") if last and last["report"] else None
    return endpoint if isinstance(endpoint, str) else None


def _holds_imported(content: EventContent) -> bool:
    """Whether the event holds records imported from Sessionize and not withdrawn."""
    records: list[StoredSession | StoredSpeaker] = [*content.sessions, *content.speakers]
    return any(record.sessionize_id and not record.withdrawn for record in records)


def _record(connection: Connection, report: ImportReport) -> None:
    record_import_run(
        connection,
        event_id=report.event_id,
        source=SOURCE,
        status=report.status.value,
        content_hash=report.content_hash,
        started_at=report.started_at,
        finished_at=report.finished_at,
        report=report.to_json(),
    )


def _remember_endpoint(connection: Connection, event: Event, endpoint_id: str | None) -> None:
    """R-SZ-1: the event keeps the endpoint id it was last imported from."""
    if endpoint_id and event.sessionize_endpoint_id != endpoint_id:
        save_event(connection, event.model_copy(update={"sessionize_endpoint_id": endpoint_id}))


def _begin(store: Store, event: str | uuid.UUID, *, dry_run: bool) -> tuple[Event, ImportReport]:
    """The event (or `NotFound`: nothing is recorded then) and the report to fill in."""
    with store.transaction() as connection:
        found = event_by_ref(connection, event)
    started = _now()
    report = ImportReport(
        event_id=found.id,
        event_slug=found.slug,
        status=ImportStatus.IMPORTED,
        started_at=started,
        finished_at=started,
        dry_run=dry_run,
    )
    return found, report


@contextmanager
def _failures_recorded(store: Store, report: ImportReport) -> Iterator[None]:
    """Record a failed run (with the error as its report) for whatever fails in the block.

    The block's own transaction has rolled back by then, so the run is all a failure writes
    (and a dry run not even that).
    """
    try:
        yield
    except Exception as exc:
        report.status = ImportStatus.FAILED
        report.finished_at = _now()
        report.error_code = getattr(exc, "code", f"internal.{type(exc).__name__}")
        report.error = str(exc)
        if not report.dry_run:
            with store.transaction() as connection:
                _record(connection, report)
        raise


def import_sessionize_feed(
    store: Store,
    event: str | uuid.UUID,
    body: bytes,
    *,
    emails_body: bytes | None = None,
    endpoint_id: str | None = None,
    dry_run: bool = False,
    force: bool = False,
    replace: bool = False,
) -> ImportReport:
    """Import a fetched `view/All` body (and emails view body) into the event (slug or id).

    Writes in one transaction, so a failure changes nothing but the failed run it records.
    Raises `NotFound` for an unknown event and a `SessionizeError` for a feed it refuses.
    """
    found, report = _begin(store, event, dry_run=dry_run)
    with _failures_recorded(store, report):
        if endpoint_id is not None:
            report.endpoint_id = parse_endpoint_id(endpoint_id)
        _import_body(store, found, body, emails_body, report, force=force, replace=replace)
    return report


def _import_body(
    store: Store,
    event: Event,
    body: bytes,
    emails_body: bytes | None,
    report: ImportReport,
    *,
    force: bool,
    replace: bool,
) -> None:
    report.content_hash = import_fingerprint(body, emails_body, event)
    if not force:
        with store.transaction() as connection:
            last = latest_import_run(connection, event.id, SOURCE, statuses=SUCCEEDED)
            if last is not None and last["content_hash"] == report.content_hash:
                report.status = ImportStatus.UNCHANGED
                report.unchanged_since = last["finished_at"]
                report.finished_at = _now()
                if not report.dry_run:
                    _remember_endpoint(connection, event, report.endpoint_id)
                    _record(connection, report)
                return
    feed = parse_all(body, timezone=event.timezone)
    emails = parse_emails(emails_body) if emails_body is not None else None
    with store.transaction() as connection:
        stored = load_event_content(connection, event.id)
        plan = plan_import(stored, feed, emails=emails)
        report.sessions = plan.sessions
        report.speakers = plan.speakers
        report.taxonomy = plan.taxonomy
        report.left_out = plan.left_out
        report.flagged = plan.flagged
        report.overwritten = plan.overwritten
        report.warnings = plan.warnings
        report.finished_at = _now()
        previous = _imported_from(connection, event.id)
        switched = previous and report.endpoint_id and previous != report.endpoint_id
        if previous and switched and _holds_imported(stored):
            if not (replace or report.dry_run):
                raise EndpointChanged(
                    previous,
                    str(report.endpoint_id),
                    sessions=plan.sessions.withdrawn,
                    speakers=plan.speakers.withdrawn,
                )
            report.replaced_endpoint = previous
        if not report.dry_run:
            save_event_content(connection, plan.changes, now=report.finished_at)
            _remember_endpoint(connection, plan.changes.event, report.endpoint_id)
            _record(connection, report)


async def import_sessionize(
    store: Store,
    event: str | uuid.UUID,
    *,
    endpoint_id: str | None = None,
    emails_key: str | None = None,
    base_url: str = DEFAULT_BASE_URL,
    http: httpx.AsyncClient | None = None,
    dry_run: bool = False,
    force: bool = False,
    replace: bool = False,
    retry_backoff: float | None = None,
) -> ImportReport:
    """Fetch the event's Sessionize feed and import it (SPEC §9); the event is a slug or id.

    `endpoint_id` (an id or a pasted endpoint URL) defaults to the one stored on the event, and
    is stored on it after a successful import. `emails_key` also fetches the speaker-emails
    view. `dry_run` computes the report and writes nothing. An unchanged feed is skipped unless
    `force`. Importing another endpoint than the one the event's records came from is refused
    (`EndpointChanged`, naming how many records it withdraws) unless `replace` (R-SZ-9).
    Raises `NotFound` for an unknown event, `SessionizeError` for every import error
    (its message is for people); each failure is recorded in `import_runs`.
    """
    found, report = _begin(store, event, dry_run=dry_run)
    with _failures_recorded(store, report):
        report.endpoint_id = _endpoint_for(found, endpoint_id)
        backoff = DEFAULT_RETRY_BACKOFF if retry_backoff is None else retry_backoff
        async with _http_client(http) as client:
            sessionize = SessionizeClient(client, base_url, backoff=backoff)
            body = await sessionize.fetch_all(report.endpoint_id)
            emails_body = None
            if emails_key:
                try:
                    emails_body = await sessionize.fetch_emails(report.endpoint_id, emails_key)
                except EndpointNotFound as missing:  # the main feed was found just before
                    raise EmailsKeyRejected(report.endpoint_id, missing.status) from None
        # Parsing and writing a large feed takes seconds: not on the caller's event loop.
        await asyncio.to_thread(
            _import_body, store, found, body, emails_body, report, force=force, replace=replace
        )
    return report


@asynccontextmanager
async def _http_client(http: httpx.AsyncClient | None) -> AsyncIterator[httpx.AsyncClient]:
    """The caller's client, or one of our own for the duration of the import."""
    if http is not None:
        yield http
        return
    async with httpx.AsyncClient(verify=_tls_context()) as own:
        yield own


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # Building it loads the CA bundle (~50 ms); one context serves every client.
    return httpx.create_ssl_context()


# --- reading the history back ------------------------------------------------------------------


def import_history(
    connection: Connection, event_id: uuid.UUID, *, limit: int = 20
) -> list[ImportReport]:
    """The event's Sessionize imports, newest first (dry runs are not recorded)."""
    reports = import_reports(connection, event_id, SOURCE, limit=limit)
    return [ImportReport.from_json(report) for report in reports]


def last_import_report(connection: Connection, event_id: uuid.UUID) -> ImportReport | None:
    """The report of the event's latest Sessionize import, failed or not."""
    history = import_history(connection, event_id, limit=1)
    return history[0] if history else None


__all__ = [
    "DEFAULT_RETRY_BACKOFF",
    "ImportReport",
    "ImportStatus",
    "import_history",
    "import_sessionize",
    "import_sessionize_feed",
    "last_import_report",
]
