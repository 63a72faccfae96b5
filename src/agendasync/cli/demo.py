"""`agendasync demo`: a demo event, synced to a Swoogo simulator; `serve` brings it back.

The demo's picture host and Swoogo simulator run in this process while it runs. What they are
is kept beside the database (`demo.db.demo.json`): their ports, and Swoogo's data as a
snapshot. `agendasync serve` on that database starts them again on the same addresses with the
same data, so the demo event's pictures download and its Swoogo integration answers.

Swoogo's data is kept as it is, not seeded again: the ledger holds Swoogo's ids for every
record sent, and only the data those writes left behind (and any sync `serve` ran since)
matches it. Seeding again would mean replaying every sync; anything missed would show as
records deleted on Swoogo.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from starlette.types import Receive, Scope, Send

from agendasync.cli.base import (
    console,
    errors,
    fail,
    plain,
    secret_box,
    store,
    sync_settings,
    transaction,
)
from agendasync.cli.content import find_or_create_org, print_event_summary
from agendasync.cli.reports import print_report
from agendasync.cli.syncing import progress_bar
from agendasync.domain.accounts import Role
from agendasync.partners.swoogo.simulator import SwoogoSimulator
from agendasync.partners.swoogo.simulator_state import SwoogoState
from agendasync.services import integrations as service
from agendasync.services.accounts import Accounts
from agendasync.services.syncing import run_sync
from agendasync.simulators import pictures as image_host
from agendasync.simulators.server import free_port, serve_in_thread
from agendasync.sources import demo_data
from agendasync.sources.eventfile import import_document
from agendasync.store import integrations as repo
from agendasync.store.content import load_event_content, save_event_content
from agendasync.store.events import find_event
from agendasync.store.exceptions import StoreError

ORG = "Demo Organisation"
DEMO_EMAIL = "demo@example.com"
RECORD_SUFFIX = ".demo.json"  # demo.db.demo.json beside demo.db
SAVE_AFTER_S = 1.0  # Swoogo's data is written this long after a change (and at the end)


class DemoUnavailable(Exception):
    pass


@dataclass
class DemoPartners:
    """The demo's stand-ins: the picture host its event's pictures point to, and the Swoogo
    simulator its integration points to, with Swoogo's data."""

    pictures_port: int
    swoogo_port: int
    swoogo: SwoogoState

    @classmethod
    def read(cls, path: Path) -> DemoPartners | None:
        """The partners the demo left at `path`, or None when there is no demo there."""
        try:
            kept = json.loads(path.read_text())
            return cls(
                kept["pictures_port"], kept["swoogo_port"], SwoogoState.restore(kept["swoogo"])
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise DemoUnavailable(f"cannot read the demo's partners from {path}: {exc}") from None

    def write(self, path: Path) -> None:
        """Written whole or not at all (a new file renamed over the old one), readable by its
        owner only (it holds the demo's Swoogo credentials)."""
        kept = {
            "pictures_port": self.pictures_port,
            "swoogo_port": self.swoogo_port,
            "swoogo": self.swoogo.snapshot(),
        }
        new = path.with_name(path.name + ".new")
        descriptor = os.open(new, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump(kept, handle)
        new.replace(path)


class _Saving:
    """The simulator behind a door that has its data written soon after any call that may
    have changed it (every call but a GET), in the server's own thread."""

    def __init__(self, app: SwoogoSimulator, save: Callable[[], None]) -> None:
        self.app = app
        self.save = save
        self.pending = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)
        if scope["type"] == "http" and scope["method"] != "GET" and not self.pending:
            self.pending = True
            asyncio.get_running_loop().call_later(SAVE_AFTER_S, self._save)

    def _save(self) -> None:
        self.pending = False
        self.save()


@contextmanager
def running(partners: DemoPartners, path: Path | None) -> Iterator[tuple[str, str]]:
    """Serve the picture host and Swoogo on their ports until the block ends (yields their
    base URLs); Swoogo's data is kept at `path` as it changes and at the end."""

    def save() -> None:
        if path is not None:
            partners.write(path)

    simulator = SwoogoSimulator(partners.swoogo)
    with ExitStack() as stack:
        try:
            pictures = stack.enter_context(
                serve_in_thread(image_host.create_app(), port=partners.pictures_port)
            )
            swoogo = stack.enter_context(
                serve_in_thread(_Saving(simulator, save), port=partners.swoogo_port)
            )
        except RuntimeError as exc:  # a port in use
            raise DemoUnavailable(
                f"{exc} (the demo's address; is another demo or serve of this database running?)"
            ) from None
        try:
            yield pictures, swoogo
        finally:
            stack.close()  # the servers stop first: nothing changes the data while it is saved
            save()


def record_path() -> Path | None:
    return store().beside(RECORD_SUFFIX)


@contextmanager
def brought_back() -> Iterator[tuple[str, str] | None]:
    """For `serve`: the demo's partners running again as they were left (their base URLs),
    or None when the database holds no demo (or they cannot start: said on stderr)."""
    path = record_path()
    with ExitStack() as stack:
        try:
            partners = DemoPartners.read(path) if path else None
            urls = stack.enter_context(running(partners, path)) if partners else None
        except DemoUnavailable as exc:
            errors.print(f"warning: the demo's partners are not running: {exc}", markup=False)
            urls = None
        yield urls


def demo() -> None:
    """Fill the store with a demo event, sync it to a Swoogo simulator, edit, resync.

    The simulator and the picture host come back with `serve` on the same database."""
    slug = f"devconf-{date.today():%Y%m%d}"
    path = record_path()
    try:
        earlier = DemoPartners.read(path) if path else None
    except DemoUnavailable:
        earlier = None  # a damaged record: start afresh
    # An earlier demo's Swoogo goes on, on the same addresses: the ledger of the earlier
    # demo's syncs holds its ids, and that demo event's pictures point to that picture host.
    swoogo = earlier.swoogo if earlier else SwoogoState()
    partner_event = _partner_event(swoogo, f"DevConf {date.today()} (Swoogo)")
    partners = DemoPartners(
        earlier.pictures_port if earlier else free_port(),
        earlier.swoogo_port if earlier else free_port(),
        swoogo,
    )
    try:
        with running(partners, path) as (pictures, swoogo_url):
            _fill(slug, pictures)
            asyncio.run(_connect_sync_edit_resync(slug, swoogo_url, str(partner_event)))
    except DemoUnavailable as exc:
        fail(str(exc))
    _print_next_steps(slug)


def _partner_event(swoogo: SwoogoState, name: str) -> int:
    """The Swoogo event of today's demo (made on the first demo of the day), and the demo's
    credentials."""
    if not swoogo.has_credentials("demo-key"):
        swoogo.add_credentials("demo-key", "demo-secret")
    for event in swoogo.find("events", name=name):
        return int(event["id"])
    return swoogo.add_event(name, timezone="Europe/Berlin", start_date=str(date.today()))


def _fill(slug: str, pictures: str) -> None:
    with transaction() as connection:
        owner = find_or_create_org(connection, ORG)
        try:
            event_id = find_event(connection, slug).id
        except StoreError:
            document = demo_data.demo_event(slug=slug, sessions=60, pictures=pictures)
            event_id = import_document(connection, document, org=owner).event.id
        print_event_summary(connection, event_id)
        # Connected again below, as a new user would (the ledger stays with Swoogo's event).
        earlier = repo.find_integration(connection, owner.id, "swoogo")
        if earlier:
            repo.delete_integration(connection, earlier.id)


def _print_next_steps(slug: str) -> None:
    # Commands on lines of their own, never wrapped: they are copied and pasted.
    def command(text: str, why: str = "") -> None:
        if why:
            console.print(f"  {why}:", markup=False, highlight=False)
        console.print(f"    {text}", markup=False, highlight=False, soft_wrap=True)

    console.print("\n[bold]Explore further[/]")
    command(f"agendasync --db {store().url} session list {slug}")
    command(f"agendasync --db {store().url} runs {slug}", "past sync reports")
    password = _demo_login()
    console.print("\n[bold]The pages and the API[/]")
    command(
        # Two lines that paste as one command: one line is wider than 80 columns.
        f"AGENDASYNC_ALLOW_PRIVATE_PARTNER_URLS=1 \\\n      agendasync --db {store().url} serve",
        "serve brings back the demo's Swoogo and picture host (at private addresses)",
    )
    console.print(
        f"  then open http://127.0.0.1:8000/ and sign in as {DEMO_EMAIL}\n"
        f"  with the password {password}   (API docs: /api/docs)",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def _demo_login() -> str:
    """The demo organisation's admin, with a new password each demo (printed here, kept only
    as its hash)."""
    password = secrets.token_urlsafe(9)
    accounts = Accounts(store())
    accounts.create_user(DEMO_EMAIL, password, org=ORG, role=Role.ADMIN)
    accounts.set_password(DEMO_EMAIL, password)  # an earlier demo's user gets it too
    return password


async def _connect_sync_edit_resync(slug: str, swoogo_url: str, partner_event: str) -> None:
    box = secret_box()
    connected = await service.connect(
        store(),
        box,
        org=ORG,
        partner_name="swoogo",
        credentials={"key": "demo-key", "secret": "demo-secret"},
        base_url=f"{swoogo_url}/api/v1",
        allow_private=True,
    )
    console.print(f"\nconnected Swoogo ({connected.integration.credentials_hint})")
    mapping = await service.add_mapping(
        store(),
        box,
        event_slug=slug,
        partner_name="swoogo",
        partner_event_id=partner_event,
        allow_private=True,
    )
    console.print(f"mapped {slug} to Swoogo event {partner_event}\n")
    with progress_bar() as progress:
        first = await run_sync(store(), box, mapping, progress=progress, settings=sync_settings())
    print_report(first, limit=5)

    with store().transaction() as connection:
        content = load_event_content(connection, mapping.event_id)
        on_swoogo = {
            record
            for kind, record in repo.load_ledger(
                connection, repo.ledger_scope(connection, mapping.id)
            )
            if kind == "sessions"
        }
        synced = next(s for s in content.sessions if s.id in on_swoogo)
        synced.title = f"{synced.title} (updated)"
        save_event_content(connection, content.model_copy(update={"sessions": [synced]}))
    console.print(f"\nedited one session: [bold]{plain(synced.title)}[/]; syncing again\n")
    with progress_bar() as progress:
        second = await run_sync(store(), box, mapping, progress=progress, settings=sync_settings())
    print_report(second, limit=5)
