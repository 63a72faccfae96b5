"""One sync run of one mapping: load, execute, record.

`load` reads what a run needs in one transaction; `execute` selects, transforms, plans and
sends through the engine (the pure stages of `agendasync.sync`); `record` writes the run and
its report. It never names a partner: the mapping's integration says which. Budgets, retries
and the HTTP client are passed in by the caller (`SyncSettings`), never read here.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx

from agendasync.domain.integrations import Mapping as EventMapping
from agendasync.domain.integrations import RunStatus, SyncRun
from agendasync.domain.models import EventContent
from agendasync.domain.run_summary import PICTURE_KINDS, pictures_apart
from agendasync.services.integrations import IntegrationError, check_base_url, http_client
from agendasync.services.sync_loading import Loaded, StoreLedger, load
from agendasync.store import Store
from agendasync.store import integrations as repo
from agendasync.store.content import (
    paused_garbage_collector,
)
from agendasync.store.exceptions import NotFound
from agendasync.store.locks import mapping_lock
from agendasync.store.secrets import SecretBox
from agendasync.sync.budget import BudgetExhausted, Budgets, BudgetSource, RateBudget
from agendasync.sync.engine import Engine, Progress
from agendasync.sync.errors import AuthFailed, PartnerError
from agendasync.sync.fields import FIELD_KINDS, FieldMaps
from agendasync.sync.model import Action, LedgerEntry, LedgerState, Op, SyncReport
from agendasync.sync.partner import (
    Adopt,
    Budget,
    Connector,
    Partner,
    SyncAction,
    Target,
    TransformContext,
)
from agendasync.sync.plan import plan
from agendasync.sync.reconcile import Reconciled, reconcile
from agendasync.sync.retry import Retrier, RetryPolicy
from agendasync.sync.select import focus, select
from agendasync.sync.timezones import same_rules

# Budgets are per credential and shared by every run in this process.
BUDGETS = Budgets()
# A continuously synced mapping lists the partner this often, to notice what changed there.
RECONCILE_EVERY = timedelta(days=1)
RECONCILE_TRIGGER = "reconcile"
SCHEDULE_TRIGGER = "schedule"
KEEP_FAILED_FOR = timedelta(days=30)


def scheduled_trigger(reconcile: bool) -> str:
    """The trigger of a scheduled run: a reconciling one lists the partner too."""
    return RECONCILE_TRIGGER if reconcile else SCHEDULE_TRIGGER


@dataclass(frozen=True)
class SyncSettings:
    """How runs behave, set by whoever runs them (the CLI, `serve`, a worker, a test)."""

    retry: RetryPolicy = field(default_factory=RetryPolicy)
    budgets: BudgetSource = BUDGETS
    # Retention of a mapping's runs: the newest `keep_runs`, and failed ones for a while.
    keep_runs: int = 100
    keep_failed_for: timedelta = KEEP_FAILED_FOR
    # How often a continuously synced mapping lists the partner (reconciliation).
    reconcile_every: timedelta = RECONCILE_EVERY
    # Per partner name: a bigger plan than the declared budget (or a compressed window).
    budget_overrides: Mapping[str, Budget] = field(default_factory=dict)
    # Partners and pictures at private addresses (or plain http): the CLI allows them; the web
    # process and the workers only when the operator said so (simulators, self-hosted partners).
    allow_private_urls: bool = False

    def budget_of(self, partner: Partner) -> Budget | None:
        return self.budget_overrides.get(partner.spec.name, partner.spec.budget)


def budget_overrides(environ: Mapping[str, str]) -> dict[str, Budget]:
    """`AGENDASYNC_BUDGET_<PARTNER>=credits/seconds` settings, for the processes' start-up."""
    found: dict[str, Budget] = {}
    prefix = "AGENDASYNC_BUDGET_"
    for name, value in environ.items():
        if name.startswith(prefix) and value:
            credits, _, seconds = value.partition("/")
            found[name.removeprefix(prefix).lower()] = Budget(int(credits), float(seconds))
    return found


class MappingRunner:
    """`run_sync` by mapping id, for queues that carry ids (the dispatcher, the workers); a
    mapping removed since its sync was asked for is not synced. Every run goes through one
    HTTP client (its connections are reused), made at the first run unless one is given, and
    closed by `aclose` when the process stops."""

    def __init__(
        self,
        store: Store,
        box: SecretBox,
        *,
        settings: SyncSettings | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.store = store
        self.box = box
        self.settings = settings or SyncSettings()
        self._given = http
        self._own: httpx.AsyncClient | None = None

    @property
    def http(self) -> httpx.AsyncClient:
        if self._given is not None:
            return self._given
        if self._own is None:
            self._own = http_client(allow_private=self.settings.allow_private_urls)
        return self._own

    async def __call__(self, mapping_id: uuid.UUID, action: str, trigger: str) -> SyncRun | None:
        with self.store.transaction() as connection:
            try:
                mapping = repo.get_mapping(connection, mapping_id)
            except NotFound:
                return None
        return await run_sync(
            self.store,
            self.box,
            mapping,
            action=action,
            trigger=trigger,
            reconcile=trigger == RECONCILE_TRIGGER,
            settings=self.settings,
            http=self.http,
        )

    async def aclose(self) -> None:
        """Close the client this runner made (one it was given is its owner's to close)."""
        if self._own is not None:
            await self._own.aclose()
            self._own = None


async def _field_maps(loaded: Loaded, connector: Connector, retrying: Retrier) -> FieldMaps:
    """The mapping's field maps; the partner is asked which of its fields exist only when a
    map has pairs beyond the partner's defaults (R-FLD-2, checked at sync time)."""
    maps = loaded.mapping.field_maps
    defaults = loaded.partner.spec.fields
    available = {}
    for kind in FIELD_KINDS:
        default_partner = {pair.partner for pair in defaults.get(kind, ())}
        if any(pair.partner not in default_partner for pair in maps.get(kind, ())):
            available[kind] = await retrying(lambda kind=kind: connector.fields(kind))  # type: ignore[misc]
    return FieldMaps(maps=maps, available=available)


def _plan(
    loaded: Loaded,
    action: str,
    field_maps: FieldMaps,
    scope: uuid.UUID | None,
    now: datetime,
) -> tuple[list[Op], SyncReport]:
    """Select, transform and plan; the report starts with every record left out and why."""
    partner, content, mapping = loaded.partner, loaded.content, loaded.mapping
    selection = select(content, partner.spec.eligibility, now)
    context = TransformContext(Target(mapping.partner_event_id, mapping.params), field_maps, now)
    transformed = partner.transform(action, selection, content, context)
    items, skipped = transformed.items, transformed.skipped
    if scope is not None:  # R-SYNC-2: one session or speaker, through the same path
        covered = focus(content, scope)
        items = [item for item in items if item.record_id in covered]
        skipped = [skip for skip in skipped if skip.record_id in covered]
    changed = loaded.changed
    if changed:  # records loaded only for what the changed ones depend on are not planned
        items = [item for item in items if item.record_id not in changed.context]
        skipped = [skip for skip in skipped if skip.record_id not in changed.context]
    report = SyncReport()
    for skip in skipped:
        report.skip(skip)
    ops = plan(
        items,
        loaded.ledger,
        deletes_propagate=partner.spec.deletes_propagate and scope is None,
        kinds=[kind.name for kind in partner.spec.kinds(action)],
        within=changed.targets if changed else None,
    )
    if changed:
        _count_unplanned(ops, loaded.ledger, report)
    return ops, report


def _count_unplanned(
    ops: list[Op], ledger: Mapping[tuple[str, uuid.UUID], LedgerEntry], report: SyncReport
) -> None:
    """A plan of the changed records only: what the partner holds of the others is unchanged."""
    planned = {op.key for op in ops}
    unplanned = Counter(
        entry.kind
        for key, entry in ledger.items()
        if key not in planned and entry.state is LedgerState.SYNCED
    )
    for kind, count in unplanned.items():
        counts = report.kind(kind)
        counts.attempted += count
        counts.unchanged += count


async def _time_zone_problem(
    partner: Partner, connector: Connector, content: EventContent, retrying: Retrier
) -> str | None:
    """R-MAP-8: the partner event's zone must be our event's, by its rules."""
    remote = await retrying(connector.event)
    event = content.event
    if remote.timezone is None or same_rules(remote.timezone, event.timezone, event.start_date):
        return None
    return (
        f"time zones differ: {partner.spec.title} event '{remote.name}' is in {remote.timezone},"
        f" event '{event.slug}' is in {event.timezone}; make them the same before syncing"
    )


def dry_run_report(ops: list[Op], report: SyncReport) -> SyncReport:
    """R-SYNC-9: what a sync would do, without doing it."""
    for op in ops:
        counts = report.kind(op.kind)
        if op.action is not Action.DELETE:
            counts.attempted += 1
        if op.action is Action.CREATE:
            report.created_one(op)
        elif op.action is Action.UPDATE:
            report.updated_one(op)
        elif op.action is Action.UNCHANGED:
            counts.unchanged += 1
        elif op.action is Action.DELETE:
            counts.deleted += 1
        else:
            report.skip_op(op, "deleted on the partner; it is not created again")
    return report


PROGRESS_EVERY_S = 1.0


@dataclass
class _RecordedProgress:
    """Keeps a running run's progress (records done per kind) in its row, at most once a
    second, so that any process can show it while the run goes on (the pages' progress)."""

    store: Store
    run: SyncRun
    kinds: dict[str, dict[str, int]]
    forward: Progress | None = None
    every_s: float = PROGRESS_EVERY_S
    _last: float = 0.0

    def __call__(self, kind: str, done: int, total: int) -> None:
        self.kinds[kind] = {"done": done, "total": total}
        if self.forward:
            self.forward(kind, done, total)
        now = time.monotonic()
        if now - self._last >= self.every_s:
            self._last = now
            self.save()

    def save(self) -> None:
        self.run.report = {"progress": self.kinds}
        with self.store.transaction() as connection:
            repo.update_run(connection, self.run)


def _start(store: Store, run: SyncRun) -> None:
    """A run that sends something is recorded when it starts (a kill leaves it `running`)."""
    with store.transaction() as connection:
        repo.close_interrupted_runs(connection, run.mapping_id, run.started_at)  # type: ignore[arg-type]
        repo.insert_run(connection, run)


def _finish(
    store: Store,
    run: SyncRun,
    loaded: Loaded,
    settings: SyncSettings,
    *,
    started: bool,
    complete: bool,
    reconciled: bool,
) -> None:
    """Record the run; remember the content version a complete run sent, and when the partner
    was reconciled; keep the mapping's runs within their retention."""
    mapping_id = loaded.mapping.id
    with store.transaction() as connection:
        (repo.update_run if started else repo.insert_run)(connection, run)
        if complete:
            repo.record_sent_version(
                connection, mapping_id, run.action, loaded.content_version, loaded.read_at
            )
        if reconciled:
            repo.record_reconciled(connection, mapping_id, run.started_at)
        repo.prune_runs(
            connection,
            mapping_id,
            keep=settings.keep_runs,
            keep_failed_for=settings.keep_failed_for,
            now=run.started_at,
        )


async def _reconcile(
    loaded: Loaded, action: str, connector: Connector, retrying: Retrier, store: Store
) -> Reconciled:
    """List what the partner holds of each kind of record and mark what was deleted there."""
    kinds = [k.name for k in loaded.partner.spec.kinds(action) if k.adopt is Adopt.FIRST_SYNC]
    listed = {}
    for kind in kinds:
        found = await retrying(lambda kind=kind: connector.index(kind))  # type: ignore[misc]
        listed[kind] = {resolved.partner_id for resolved in found.values()}
    result = reconcile(loaded.ledger, listed, recreate_deleted=loaded.partner.spec.recreate_deleted)
    writer = StoreLedger(store, loaded.scope, loaded.mapping.id)
    writer.save(result.blocked)
    writer.forget(result.forgotten)
    for entry in result.blocked:
        loaded.ledger[entry.key] = entry
    for entry in result.forgotten:
        loaded.ledger.pop(entry.key, None)
    return result


async def run_sync(
    store: Store,
    box: SecretBox,
    mapping: EventMapping,
    *,
    action: str = SyncAction.CONTENT,
    dry_run: bool = False,
    scope: uuid.UUID | None = None,
    trigger: str = "manual",
    reconcile: bool = False,
    settings: SyncSettings | None = None,
    http: httpx.AsyncClient | None = None,
    progress: Progress | None = None,
    budget: RateBudget | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> SyncRun:
    """Sync one mapping and return its run (recorded unless it is a dry run).

    R-SYNC-6: a run waits while another run of the same mapping goes on, in any process.
    `reconcile` lists the partner first, to find what was deleted there. `budget` replaces
    the partner's declared one (benchmarks compress its window).
    """
    async with mapping_lock(store, mapping.id):
        # A scheduled check plans only what changed since the last complete run; any other
        # run (manual, reconciling, dry, of one record) plans the whole event.
        changes_only = trigger == SCHEDULE_TRIGGER and not (reconcile or dry_run or scope)
        loaded = load(store, box, mapping, action, now=now(), changes_only=changes_only)
        run = await execute(
            store,
            loaded,
            action=action,
            dry_run=dry_run,
            scope=scope,
            trigger=trigger,
            reconcile=reconcile,
            settings=settings or SyncSettings(),
            http=http,
            progress=progress,
            budget=budget,
            now=now,
        )
    return run


async def execute(
    store: Store,
    loaded: Loaded,
    *,
    action: str,
    dry_run: bool,
    scope: uuid.UUID | None,
    trigger: str,
    reconcile: bool,
    settings: SyncSettings,
    http: httpx.AsyncClient | None,
    progress: Progress | None,
    budget: RateBudget | None,
    now: Callable[[], datetime],
) -> SyncRun:
    partner, mapping, integration = loaded.partner, loaded.mapping, loaded.integration
    run = SyncRun(
        mapping_id=mapping.id,
        event_id=mapping.event_id,
        partner=partner.spec.name,
        action=action,
        trigger=trigger,
        dry_run=dry_run,
        scope=scope,
        status=RunStatus.RUNNING,
        started_at=now(),
    )
    recorded = False  # a run that sends something is recorded when it starts, others when done
    report = SyncReport()
    limit = settings.budget_of(partner)
    if budget is None and limit:
        budget = settings.budgets.get(str(integration.id), limit.credits, limit.window_s)
    retrying = Retrier(settings.retry)
    own_http = http is None
    client = http or http_client(allow_private=settings.allow_private_urls)
    connector = partner.connector(
        client,
        loaded.credentials,
        integration.base_url,
        Target(mapping.partner_event_id, mapping.params),
        budget=budget,
    )
    reconciled: Reconciled | None = None
    try:
        await check_base_url(
            partner, integration.base_url, allow_private=settings.allow_private_urls
        )
        if reconcile and not dry_run:
            reconciled = await _reconcile(loaded, action, connector, retrying, store)
        field_maps = await _field_maps(loaded, connector, retrying)
        with paused_garbage_collector():
            ops, report = _plan(loaded, action, field_maps, scope, now())
        if reconciled:
            report.deleted_on_partner = reconciled.deleted_on_partner
        sending = any(op.action not in (Action.UNCHANGED, Action.BLOCKED) for op in ops)
        # Nothing to send, nothing to check: a resync without changes makes no partner call
        # (a reconciling run checks the partner event all the same).
        problem = (
            await _time_zone_problem(partner, connector, loaded.content, retrying)
            if sending or reconcile
            else None
        )
        if problem:
            run.status, run.message = RunStatus.FAILED, problem
        elif dry_run:
            dry_run_report(ops, report)
            run.status = RunStatus.SUCCEEDED
        else:
            if sending:
                _start(store, run)
                recorded = True
                kinds = [k.name for k in partner.spec.kinds(action)]
                totals = {kind: sum(op.kind == kind for op in ops) for kind in kinds}
                recorder = _RecordedProgress(
                    store,
                    run,
                    {kind: {"done": 0, "total": n} for kind, n in totals.items() if n},
                    forward=progress,
                )
                recorder.save()
                progress = recorder
            engine = Engine(
                connector,
                loaded.ledger,
                StoreLedger(store, loaded.scope, mapping.id),
                report,
                partner_title=partner.spec.title,
                recreate_deleted=partner.spec.recreate_deleted,
                concurrency=partner.spec.concurrency,
                retrier=retrying,
                progress=progress,
            )
            await engine.run(ops, partner.spec.kinds(action))
            records_failed = any(
                counts.failed for kind, counts in report.counts.items() if kind not in PICTURE_KINDS
            )
            run.status = RunStatus.PARTIAL if records_failed else RunStatus.SUCCEEDED
    except* IntegrationError as group:
        run.status, run.message = RunStatus.FAILED, str(group.exceptions[0])
    except* BudgetExhausted as group:
        run.status, run.message = RunStatus.PARTIAL, str(group.exceptions[0])
    except* AuthFailed as group:
        run.status = RunStatus.FAILED
        run.message = f"{partner.spec.title} refused the credentials: {group.exceptions[0]}"
    except* PartnerError as group:
        run.status = RunStatus.FAILED
        run.message = f"{partner.spec.title}: {group.exceptions[0]}"
    finally:
        if own_http:
            await client.aclose()
    report.partner_calls = connector.calls
    report.credits_used = connector.credits
    # A scheduled check that sent nothing keeps a summary: its skipped list is the last run's.
    scheduled = trigger in (SCHEDULE_TRIGGER, RECONCILE_TRIGGER)
    run.report = pictures_apart(report.as_dict(summary=scheduled and not recorded and not dry_run))
    run.finished_at = now()
    if not dry_run:
        whole = scope is None and run.status is RunStatus.SUCCEEDED
        _finish(
            store,
            run,
            loaded,
            settings,
            started=recorded,
            complete=whole and report.incomplete == 0,
            reconciled=reconciled is not None and run.status is RunStatus.SUCCEEDED,
        )
    return run
