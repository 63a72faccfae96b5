"""`agendasync demo`: a demo event, synced to a Swoogo simulator running in this process."""

from __future__ import annotations

import asyncio
import secrets
from datetime import date

from agendasync.cli.base import console, plain, secret_box, store, sync_settings, transaction
from agendasync.cli.content import find_or_create_org, print_event_summary
from agendasync.cli.reports import print_report
from agendasync.cli.syncing import progress_bar
from agendasync.domain.accounts import Role
from agendasync.partners.swoogo.simulator import SwoogoSimulator, SwoogoState
from agendasync.services import integrations as service
from agendasync.services.accounts import Accounts
from agendasync.services.syncing import run_sync
from agendasync.simulators import pictures as image_host
from agendasync.simulators.server import serve_in_thread
from agendasync.sources import demo_data
from agendasync.sources.eventfile import import_document
from agendasync.store import integrations as repo
from agendasync.store.content import load_event_content, save_event_content
from agendasync.store.events import find_event
from agendasync.store.exceptions import StoreError

ORG = "Demo Organisation"
DEMO_EMAIL = "demo@example.com"


def demo() -> None:
    """Fill the store with a demo event, sync it to a Swoogo simulator, edit, resync."""
    slug = f"devconf-{date.today():%Y%m%d}"
    swoogo = SwoogoState()
    swoogo.add_credentials("demo-key", "demo-secret")
    partner_event = swoogo.add_event(
        "DevConf (Swoogo)", timezone="Europe/Berlin", start_date=str(date.today())
    )
    with (
        serve_in_thread(image_host.create_app()) as pictures,
        serve_in_thread(SwoogoSimulator(swoogo)) as swoogo_url,
    ):
        with transaction() as connection:
            owner = find_or_create_org(connection, ORG)
            try:
                event_id = find_event(connection, slug).id
            except StoreError:
                document = demo_data.demo_event(slug=slug, sessions=60, pictures=pictures)
                event_id = import_document(connection, document, org=owner).event.id
            print_event_summary(connection, event_id)
            # Each demo has a new simulator: an earlier demo's connection points nowhere now.
            earlier = repo.find_integration(connection, owner.id, "swoogo")
            if earlier:
                repo.delete_integration(connection, earlier.id)

        asyncio.run(_connect_sync_edit_resync(slug, swoogo_url, str(partner_event)))
    console.print(
        "\n[bold]Explore further[/]\n"
        f"  agendasync session list {slug}\n"
        f"  agendasync runs {slug}                      past sync reports\n"
        "  agendasync simulate swoogo --port 8765      a Swoogo simulator that keeps running\n"
        "  agendasync integrations connect swoogo --org demo-organisation --key demo-key \\\n"
        "      --secret demo-secret --base-url http://127.0.0.1:8765/api/v1\n"
        f"  agendasync sync {slug} --to swoogo --dry-run"
    )
    password = _demo_login()
    console.print(
        "\n[bold]The pages and the API[/]\n"
        f"  agendasync --db {store().url} serve        then open http://127.0.0.1:8000/\n"
        f"  sign in as {DEMO_EMAIL} with password {password}   (API docs: /api/docs)",
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
