"""One sync run of one mapping: load, check, select, transform, plan, execute, report.

The stages are the pure functions of `agendasync.sync`; this module does the I/O around them
and records the run. It never names a partner: the mapping's integration says which.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Concatenate, ParamSpec

import httpx

from agendasync.domain.integrations import Mapping as EventMapping
from agendasync.domain.integrations import RunStatus, SyncRun
from agendasync.domain.models import EventContent
from agendasync.partners.base import (
    Budget,
    Connector,
    Partner,
    TransformContext,
    get_partner,
)
from agendasync.partners.budget import BudgetExhausted, Budgets, BudgetSource, RateBudget
from agendasync.partners.exceptions import AuthFailed, PartnerError
from agendasync.secrets import SecretBox
from agendasync.services.integrations import http_client
from agendasync.store import Store
from agendasync.store import integrations as repo
from agendasync.store.content import load_event_content
from agendasync.store.exceptions import NotFound
from agendasync.store.locks import mapping_lock
from agendasync.sync.engine import Engine, Progress, RetryPolicy
from agendasync.sync.model import Action, LedgerEntry, Op, SyncReport
from agendasync.sync.plan import plan
from agendasync.sync.select import focus, select
from agendasync.sync.timezones import same_rules

# Budgets are per credential and shared by every run in this process.
BUDGETS = Budgets()


@dataclass
class _StoreLedger:
    """Writes each outcome in its own transaction, as it lands."""

    store: Store
    mapping_id: uuid.UUID

    def save(self, entry: LedgerEntry) -> None:
        self.save_many([entry])

    def save_many(self, entries: list[LedgerEntry]) -> None:
        with self.store.transaction() as connection:
            repo.save_ledger_entries(connection, self.mapping_id, entries)

    def forget(self, entry: LedgerEntry) -> None:
        with self.store.transaction() as connection:
            repo.delete_ledger_entry(connection, self.mapping_id, entry)


def mapping_runner(
    store: Store, box: SecretBox, **options: Any
) -> Callable[[uuid.UUID, str, str], Coroutine[Any, Any, SyncRun | None]]:
    """`run_sync` by mapping id, for queues that carry ids (the dispatcher, the workers);
    a mapping removed since its sync was asked for is not synced."""

    async def run(mapping_id: uuid.UUID, action: str, trigger: str) -> SyncRun | None:
        with store.transaction() as connection:
            try:
                mapping = repo.get_mapping(connection, mapping_id)
            except NotFound:
                return None
        return await run_sync(store, box, mapping, action=action, trigger=trigger, **options)

    return run


def budget_of(partner: Partner) -> Budget | None:
    """The partner's declared rate budget, or the one `AGENDASYNC_BUDGET_<PARTNER>` sets as
    `credits/seconds` (a bigger plan; tests and benchmarks compress the window)."""
    setting = os.environ.get(f"AGENDASYNC_BUDGET_{partner.spec.name.upper()}")
    if not setting:
        return partner.spec.budget
    credits, _, seconds = setting.partition("/")
    return Budget(int(credits), float(seconds))


def _plan(
    partner: Partner,
    action: str,
    content: EventContent,
    mapping: EventMapping,
    ledger: dict[tuple[str, uuid.UUID], LedgerEntry],
    scope: uuid.UUID | None,
    now: datetime,
) -> tuple[list[Op], SyncReport]:
    """Select, transform and plan; the report starts with every record left out and why."""
    selection = select(content, partner.spec.eligibility, now)
    context = TransformContext(mapping.partner_event_id, mapping.params, now)
    transformed = partner.transform(action, selection, content, context)
    items, skipped = transformed.items, transformed.skipped
    if scope is not None:  # R-SYNC-2: one session or speaker, through the same path
        covered = focus(content, scope)
        items = [item for item in items if item.record_id in covered]
        skipped = [skip for skip in skipped if skip.record_id in covered]
    report = SyncReport()
    for skip in skipped:
        report.skip(skip)
    ops = plan(
        items,
        ledger,
        deletes_propagate=partner.spec.deletes_propagate and scope is None,
        kinds=[kind.name for kind in partner.spec.kinds(action)],
    )
    return ops, report


async def _time_zone_problem(
    partner: Partner, connector: Connector, content: EventContent
) -> str | None:
    """R-MAP-8: the partner event's zone must be our event's, by its rules."""
    remote = await connector.event()
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
            counts.created += 1
        elif op.action is Action.UPDATE:
            counts.updated += 1
        elif op.action is Action.UNCHANGED:
            counts.unchanged += 1
        elif op.action is Action.DELETE:
            counts.deleted += 1
        else:
            report.skip_op(op, "deleted on the partner; it is not created again")
    return report


P = ParamSpec("P")


def _one_run_per_mapping(
    run: Callable[Concatenate[Store, SecretBox, EventMapping, P], Coroutine[Any, Any, SyncRun]],
) -> Callable[Concatenate[Store, SecretBox, EventMapping, P], Coroutine[Any, Any, SyncRun]]:
    """R-SYNC-6: a run waits while another run of the same mapping is going on."""

    async def exclusive(
        store: Store, box: SecretBox, mapping: EventMapping, /, *args: P.args, **kwargs: P.kwargs
    ) -> SyncRun:
        async with mapping_lock(store, mapping.id):
            return await run(store, box, mapping, *args, **kwargs)

    exclusive.__doc__ = run.__doc__
    return exclusive


@_one_run_per_mapping
async def run_sync(
    store: Store,
    box: SecretBox,
    mapping: EventMapping,
    *,
    action: str = "content",
    dry_run: bool = False,
    scope: uuid.UUID | None = None,
    trigger: str = "manual",
    http: httpx.AsyncClient | None = None,
    progress: Progress | None = None,
    policy: RetryPolicy | None = None,
    budget: RateBudget | None = None,
    budgets: BudgetSource | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> SyncRun:
    """Sync one mapping and return its run (recorded unless it is a dry run).

    Budgets come from `budgets` (this process's by default; the workers' are shared through
    PostgreSQL); `budget` replaces the partner's declared one (benchmarks compress its window).
    """
    with store.transaction() as connection:
        integration, sealed = repo.integration_with_credentials(connection, mapping.integration_id)
        content = load_event_content(
            connection,
            mapping.event_id,
            sponsors=action == "sponsors",
            exhibitors=action == "exhibitors",
        )
        ledger = repo.load_ledger(connection, mapping.id)
    credentials = box.open(sealed)
    partner = get_partner(integration.partner)
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
    limit = budget_of(partner)
    if budget is None and limit:
        budget = (budgets or BUDGETS).get(str(integration.id), limit.credits, limit.window_s)
    own_http = http is None
    client = http or http_client()
    connector = partner.connector(
        client, credentials, integration.base_url, mapping.partner_event_id, budget=budget
    )
    try:
        ops, report = _plan(partner, action, content, mapping, ledger, scope, now())
        sending = any(op.action not in (Action.UNCHANGED, Action.BLOCKED) for op in ops)
        # Nothing to send, nothing to check: a resync without changes makes no partner call.
        problem = await _time_zone_problem(partner, connector, content) if sending else None
        if problem:
            run.status, run.message = RunStatus.FAILED, problem
        elif dry_run:
            dry_run_report(ops, report)
            run.status = RunStatus.SUCCEEDED
        else:
            if sending:
                with store.transaction() as connection:
                    repo.close_interrupted_runs(connection, mapping.id, run.started_at)
                    repo.insert_run(connection, run)
                recorded = True
            engine = Engine(
                connector,
                ledger,
                _StoreLedger(store, mapping.id),
                report,
                partner_title=partner.spec.title,
                recreate_deleted=partner.spec.deletes_propagate,
                concurrency=partner.spec.concurrency,
                policy=policy,
                progress=progress,
            )
            await engine.run(ops, partner.spec.kinds(action))
            run.status = RunStatus.PARTIAL if report.total_failed else RunStatus.SUCCEEDED
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
    run.report = report.as_dict()
    run.finished_at = now()
    if not dry_run:
        with store.transaction() as connection:
            (repo.update_run if recorded else repo.insert_run)(connection, run)
    return run
