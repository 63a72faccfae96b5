"""Commands for partners: simulators, integrations, mappings, sync runs and their reports."""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from functools import partial
from typing import Annotated, Any, TypeVar

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from agendasync.cli.base import (
    JsonFlag,
    OrgOption,
    console,
    errors,
    fail,
    plain,
    print_json,
    secret_box,
    store,
    sync_settings,
    table,
    transaction,
)
from agendasync.cli.reports import exit_for, print_report
from agendasync.partners.registry import SIMULATIONS, get_partner
from agendasync.services import integrations as service
from agendasync.services import mappings as mappings_service
from agendasync.services.integrations import ConfirmationNeeded, IntegrationError
from agendasync.services.sync_requests import SyncRefused, check_scope
from agendasync.services.syncing import run_sync
from agendasync.simulators.server import serve_in_thread
from agendasync.store import integrations as repo
from agendasync.store.events import find_event, find_organisation, list_events
from agendasync.store.exceptions import StoreError
from agendasync.store.secrets import SecretsError
from agendasync.sync.partner import SyncAction

integrations_app = typer.Typer(help="Partner integrations of an organisation.")
mappings_app = typer.Typer(help="Event mappings: which partner event gets which event.")

PartnerArgument = Annotated[str, typer.Argument(help="The partner, e.g. swoogo.")]
T = TypeVar("T")


_REFUSALS = (IntegrationError, SecretsError, StoreError, LookupError)


def _run(coroutine: Any) -> Any:
    """Run a service coroutine; its refusals become one clear line and exit code 1."""
    try:
        return asyncio.run(coroutine)
    except _REFUSALS as exc:
        fail(str(exc))


def _call(function: Callable[..., T], **kwargs: Any) -> T:
    """Call a service function; its refusals become one clear line and exit code 1."""
    try:
        return function(**kwargs)
    except _REFUSALS as exc:
        fail(str(exc))
        raise AssertionError("unreachable") from exc


# --- simulate ----------------------------------------------------------------------------------


def simulate(
    partner: PartnerArgument,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port on 127.0.0.1.")] = 8765,
) -> None:
    """Run a partner simulator, to try agendasync without a partner account."""
    if partner not in SIMULATIONS:
        fail(f"no simulator for {partner!r}; available: {', '.join(sorted(SIMULATIONS))}")
    simulation = SIMULATIONS[partner]()
    spec = get_partner(partner).spec
    credentials = simulation.credentials()
    today = date.today()
    events = [
        simulation.add_event(name, zone, today + timedelta(days=30), today + timedelta(days=32))
        for name, zone in (("DevConf Berlin", "Europe/Berlin"), ("DevConf London", "Europe/London"))
    ]
    # Plain text, never wrapped: the commands it prints are copied as they are.
    say = partial(console.print, markup=False, soft_wrap=True)
    with serve_in_thread(simulation.app, port=port) as url:
        base_url = simulation.base_url(url)
        say(f"{spec.title} simulator at {base_url}")
        say(f"credentials: {credentials}")
        say(f"events: {', '.join(events)} (Ctrl-C stops it)")
        options = " ".join(f"--{name} {value}" for name, value in credentials.items())
        say(
            f"try: agendasync integrations connect {partner} --org ORG {options}"
            f" --base-url {base_url}",
        )
        params = simulation.mapping_params(events[0])
        if params:
            hint = " ".join(f"--param {k}={v}" for k, v in params.items())
            say(f"and map with: {hint}")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            say("stopped")


# --- integrations ------------------------------------------------------------------------------


_OFF_THE_COMMAND_LINE = (
    "Better kept off the command line, where others see it in the process list: left out, it "
    "is read from the environment variable below, from standard input with --secrets-stdin, or "
    "asked for (not echoed)."
)


def _credentials(partner: str, given: dict[str, str | None], from_stdin: bool) -> dict[str, str]:
    """The partner's credentials from the options (or their environment variables), else
    standard input (one line per secret, in order), else a prompt."""
    try:
        fields = get_partner(partner).spec.credential_fields
    except LookupError as exc:
        fail(str(exc))
    values = {name: value or "" for name, value in given.items()}
    for field in fields:
        if values.get(field.name):
            continue
        if from_stdin and field.secret:
            values[field.name] = sys.stdin.readline().strip()
        elif sys.stdin.isatty():
            values[field.name] = typer.prompt(field.label, hide_input=field.secret)
    return values


@integrations_app.command("connect")
def integrations_connect(
    partner: PartnerArgument,
    org: OrgOption,
    key: Annotated[
        str | None,
        typer.Option(
            envvar="AGENDASYNC_PARTNER_KEY", show_envvar=True, help="API or consumer key."
        ),
    ] = None,
    secret: Annotated[
        str | None,
        typer.Option(
            envvar="AGENDASYNC_PARTNER_SECRET",
            show_envvar=True,
            help=f"API or consumer secret. {_OFF_THE_COMMAND_LINE}",
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            envvar="AGENDASYNC_PARTNER_TOKEN",
            show_envvar=True,
            help=f"API token. {_OFF_THE_COMMAND_LINE}",
        ),
    ] = None,
    secrets_stdin: Annotated[
        bool,
        typer.Option(
            "--secrets-stdin",
            help="Read the partner's secret (or token) from standard input, one line each.",
        ),
    ] = False,
    base_url: Annotated[str | None, typer.Option(help="The partner's API base URL.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Connect a partner: the credentials are checked with the partner at once."""
    # R-INT-2
    given = _credentials(partner, {"key": key, "secret": secret, "token": token}, secrets_stdin)
    connected = _run(
        service.connect(
            store(),
            secret_box(),
            org=org,
            partner_name=partner,
            credentials=given,
            base_url=base_url,
            allow_private=True,
        )
    )
    integration = connected.integration
    if as_json:
        print_json(
            {
                **integration.model_dump(mode="json"),
                "partner_events": [vars(e) for e in connected.partner_events],
            }
        )
        return
    console.print(f"connected {partner} ({integration.credentials_hint})")
    _print_partner_events(connected.partner_events)


def _print_partner_events(events: Any) -> None:
    table(
        "Partner events",
        ["id", "name", "time zone", "start"],
        [[e.id, e.name, e.timezone, e.start_date] for e in events],
    )


@integrations_app.command("list")
def integrations_list(org: OrgOption, as_json: JsonFlag = False) -> None:
    """List an organisation's integrations (credentials masked)."""
    with transaction() as connection:
        owner = find_organisation(connection, org)
        found = repo.list_integrations(connection, owner.id)
        mappings = repo.list_mappings(connection, org_id=owner.id)
    if as_json:
        print_json([i.model_dump(mode="json") for i in found])
        return
    table(
        "Integrations",
        ["partner", "base URL", "credentials", "mappings"],
        [
            [
                i.partner,
                i.base_url,
                i.credentials_hint,
                sum(m.integration_id == i.id for m in mappings),
            ]
            for i in found
        ],
    )


@integrations_app.command("events")
def integrations_events(
    partner: PartnerArgument, org: OrgOption, as_json: JsonFlag = False
) -> None:
    """The partner's events these credentials reach (what a mapping can pick from)."""
    events = _run(
        service.partner_events(
            store(), secret_box(), org=org, partner_name=partner, allow_private=True
        )
    )
    if as_json:
        print_json([vars(e) for e in events])
    else:
        _print_partner_events(events)


@integrations_app.command("disconnect")
def integrations_disconnect(
    partner: PartnerArgument,
    org: OrgOption,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Disconnect: removes every mapping of it; data on the partner stays."""
    # R-INT-5
    if not yes:
        typer.confirm(f"Disconnect {partner} and remove all its event mappings?", abort=True)
    removed = _call(service.disconnect, store=store(), org=org, partner_name=partner)
    console.print(f"disconnected {partner}; removed {removed} mapping(s)")


# --- mappings ----------------------------------------------------------------------------------


@mappings_app.command("add")
def mappings_add(
    partner: PartnerArgument,
    event: Annotated[str, typer.Option("--event", help="Our event's slug.")],
    partner_event: Annotated[str, typer.Option("--partner-event", help="The partner's event id.")],
    continuous: Annotated[bool, typer.Option(help="Sync about every 30 minutes.")] = False,
    param: Annotated[
        list[str] | None, typer.Option(help="A partner parameter, name=value (ASP: seminar_id).")
    ] = None,
    yes: Annotated[
        bool,
        typer.Option(
            "--yes",
            help="Map even when warned: time zones that differ, or a partner event that "
            "holds another event's records.",
        ),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Map a partner event to one of our events (each event on either side once).

    What to know first (time zones that differ, a partner event that already holds another
    event's records) is printed and asked about; without a terminal to ask, --yes maps anyway.
    """
    # R-MAP-1, R-MAP-2
    params = dict(p.split("=", 1) for p in (param or []) if "=" in p)

    def adding(confirmed: bool) -> Any:
        return service.add_mapping(
            store(),
            secret_box(),
            event_slug=event,
            partner_name=partner,
            partner_event_id=partner_event,
            params=params,
            continuous=continuous,
            confirmed=confirmed,
            allow_private=True,
        )

    try:
        mapping = asyncio.run(adding(confirmed=yes))
    except ConfirmationNeeded as exc:
        for warning in exc.warnings:
            errors.print(f"[yellow]warning:[/] {plain(warning.message)}", highlight=False)
        if not (sys.stdin.isatty() and typer.confirm("Map anyway?")):
            fail("not mapped; run again with --yes to map anyway")
        mapping = _run(adding(confirmed=True))
    except _REFUSALS as exc:
        fail(str(exc))
    if as_json:
        print_json(mapping.model_dump(mode="json"))
    else:
        console.print(
            plain(
                f"mapped {partner} event {mapping.partner_event_id} ({mapping.partner_event_name}) "
                f"to {event}"
            )
            + (", continuous sync on" if continuous else "")
        )


@mappings_app.command("list")
def mappings_list(org: OrgOption, as_json: JsonFlag = False) -> None:
    """List an organisation's mappings."""
    with transaction() as connection:
        owner = find_organisation(connection, org)
        found = repo.list_mappings(connection, org_id=owner.id)
        partners = {i.id: i.partner for i in repo.list_integrations(connection, owner.id)}
        slugs = {e.id: e.slug for e in list_events(connection, org_id=owner.id)}
    rows = [
        {
            "partner": partners[m.integration_id],
            "event": slugs[m.event_id],
            "partner_event_id": m.partner_event_id,
            "partner_event_name": m.partner_event_name,
            "continuous": m.continuous,
            "params": m.params,
        }
        for m in found
    ]
    if as_json:
        print_json(rows)
        return
    table(
        "Mappings",
        ["partner", "event", "partner event", "continuous"],
        [
            [
                r["partner"],
                r["event"],
                f"{r['partner_event_id']} ({r['partner_event_name']})",
                "on" if r["continuous"] else "off",
            ]
            for r in rows
        ],
    )


@mappings_app.command("remove")
def mappings_remove(
    partner: PartnerArgument,
    event: Annotated[str, typer.Option("--event", help="Our event's slug.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask before deleting.")] = False,
) -> None:
    """Remove one mapping; the integration and other mappings stay. Where the partner
    expects it (ExpoPlatform), what the mapping created there is deleted first."""
    _, mapping = _call(service.mapping_for, store=store(), event_slug=event, partner_name=partner)
    spec = get_partner(partner).spec
    if spec.purge_on_unmap and not yes:
        typer.confirm(
            f"This deletes from {spec.title} event {mapping.partner_event_id} the records this"
            " mapping created there. Go on?",
            abort=True,
        )
    removed = _run(
        mappings_service.remove_mapping(store(), secret_box(), mapping, allow_private=True)
    )
    console.print(
        f"removed the mapping of {event} to {partner} event {mapping.partner_event_id}",
        markup=False,
    )
    if removed.purge is not None:
        deleted = sum(c.deleted for c in removed.purge.counts.values())
        console.print(
            f"deleted {deleted} records this mapping had created on {partner}", markup=False
        )
        for problem in removed.purge.failed:
            console.print(f"not deleted: {problem.label}: {problem.reason}", markup=False)


# --- sync --------------------------------------------------------------------------------------


def _sync(
    slug: str,
    partner: str,
    *,
    action: str,
    dry_run: bool,
    scope: uuid.UUID | None,
    as_json: bool,
    reconcile: bool = False,
) -> None:
    chosen = _call(get_partner, name=partner)
    _, mapping = _call(
        service.mapping_for, store=store(), event_slug=slug, partner_name=chosen.spec.name
    )
    options: dict[str, Any] = {
        "action": action,
        "dry_run": dry_run,
        "scope": scope,
        "reconcile": reconcile,
        "settings": sync_settings(),
    }
    if as_json:
        run = _run(run_sync(store(), secret_box(), mapping, **options))
        print_json(run.model_dump(mode="json"))
    else:
        with progress_bar() as progress:
            run = _run(run_sync(store(), secret_box(), mapping, progress=progress, **options))
        print_report(run)
    exit_for(run)


@contextmanager
def progress_bar() -> Iterator[Callable[[str, int, int], None]]:
    """A bar per kind of record, as the engine reports progress."""
    with Progress(
        TextColumn("{task.description:<18}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(kind: str, done: int, total: int) -> None:
            if kind not in tasks:
                tasks[kind] = bar.add_task(kind, total=total)
            bar.update(tasks[kind], completed=done)

        yield progress


def sync(
    slug: str,
    to: Annotated[str, typer.Option("--to", help="The partner, e.g. swoogo.")],
    dry_run: Annotated[bool, typer.Option(help="Show what would be sent; send nothing.")] = False,
    session: Annotated[str | None, typer.Option(help="Sync only this session (UUID).")] = None,
    speaker: Annotated[str | None, typer.Option(help="Sync only this speaker (UUID).")] = None,
    action: Annotated[
        str,
        typer.Option(
            help="What to send: content (sessions and speakers), sponsors or exhibitors, "
            "as the partner offers."
        ),
    ] = SyncAction.CONTENT,
    reconcile: Annotated[
        bool,
        typer.Option(help="First list what the partner holds, to find what was deleted there."),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Sync an event to a partner it is mapped to: its sessions and speakers, or (--action)
    its sponsors or exhibitors."""
    chosen = session or speaker
    try:
        scope = uuid.UUID(chosen) if chosen else None
    except ValueError:
        fail(f"--session/--speaker: {chosen!r} is not a UUID")
    if scope is not None and action != SyncAction.CONTENT:
        fail("--session/--speaker go with the content action only")
    if scope is not None:
        with transaction() as connection:
            event = find_event(connection, slug)
            try:
                check_scope(
                    connection,
                    event.id,
                    session=scope if session else None,
                    speaker=scope if not session else None,
                )
            except SyncRefused as exc:
                fail(f"--{exc.field}: {exc}")
    partner = _call(get_partner, name=to)
    _call(partner.spec.action, name=action)
    _sync(
        slug,
        to,
        action=action,
        dry_run=dry_run,
        scope=scope,
        as_json=as_json,
        reconcile=reconcile,
    )


def sync_sponsors(
    slug: str,
    to: Annotated[str, typer.Option("--to", help="The partner, e.g. swoogo.")],
    dry_run: Annotated[bool, typer.Option(help="Show what would be sent; send nothing.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Sync an event's sponsors to a partner: short for `sync --action sponsors`."""
    partner = _call(get_partner, name=to)
    _call(partner.spec.action, name=SyncAction.SPONSORS)
    _sync(slug, to, action=SyncAction.SPONSORS, dry_run=dry_run, scope=None, as_json=as_json)
