"""`agendasync serve` (the pages and the API), `agendasync user
create|list|set-password|sign-out`, `agendasync token create|list|revoke`."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Annotated

import typer

from agendasync.cli.base import (
    JsonFlag,
    OrgOption,
    console,
    fail,
    print_json,
    private_urls_allowed,
    secret_box,
    store,
    sync_settings,
    table,
    transaction,
)
from agendasync.cli.demo import brought_back
from agendasync.cli.sessionize import sessionize_url_option
from agendasync.domain.accounts import Role, Scope
from agendasync.domain.exceptions import InvalidContent
from agendasync.services.accounts import Accounts, AmbiguousToken
from agendasync.sources.sessionize.client import DEFAULT_BASE_URL as SESSIONIZE_URL
from agendasync.store import accounts as accounts_repo
from agendasync.store.events import find_organisation
from agendasync.store.exceptions import StoreError

user_app = typer.Typer(help="People who sign in to the pages.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens of an organisation.", no_args_is_help=True)

OrgArgument = Annotated[str, typer.Argument(metavar="ORG", help="The organisation's name or slug.")]


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    secure_cookies: Annotated[
        bool,
        typer.Option(
            "--secure-cookies",
            envvar="AGENDASYNC_SECURE_COOKIES",
            help="Send the session cookie over https only (turn on behind https).",
        ),
    ] = False,
    sessionize_url: Annotated[str, sessionize_url_option()] = SESSIONIZE_URL,
) -> None:
    """Serve the admin pages and the REST API (OpenAPI at /api/docs).

    Partner base URLs given in the pages or the API, and pictures a sync downloads, must be
    https at public addresses; set AGENDASYNC_ALLOW_PRIVATE_PARTNER_URLS=1 to allow private
    ones (simulators, self-hosted partners).

    On a database filled by `agendasync demo`, the demo's Swoogo simulator and picture host
    run again too, with the data the demo left."""
    import uvicorn

    from agendasync.jobs.embedded import EmbeddedDispatcher
    from agendasync.jobs.worker import QueuedSyncs, procrastinate_app
    from agendasync.server import create_app
    from agendasync.services.context import WebSettings
    from agendasync.services.syncing import MappingRunner
    from agendasync.web.logs import quiet_http_client, uvicorn_log_config

    allow_private = private_urls_allowed()
    settings = WebSettings(
        secure_cookies=secure_cookies,
        sessionize_base_url=sessionize_url,
        allow_private_partner_urls=allow_private,
    )
    box = secret_box()
    if store().engine.dialect.name == "postgresql":
        # Workers (`agendasync worker`) run syncs and keep the schedule; pages queue jobs.
        queued = QueuedSyncs(procrastinate_app(store().url))
        app = create_app(
            store(), box, settings=settings, sync_starter=queued, lifespan_tasks=[queued.serve]
        )
        schedule = "syncs run on the workers (agendasync worker)"
    else:
        # One process does it all: the pages, and the continuous-sync schedule (R-MAP-4).
        sync = sync_settings(allow_private_urls=allow_private)
        dispatcher = EmbeddedDispatcher(
            store(),
            MappingRunner(store(), box, settings=sync),
            reconcile_every=sync.reconcile_every,
        )
        app = create_app(
            store(),
            box,
            settings=settings,
            sync_starter=dispatcher,
            lifespan_tasks=[dispatcher.run],
        )
        schedule = "continuous sync runs in this process"
    console.print(f"agendasync at [bold]http://{host}:{port}/[/] (API docs: /api/docs); {schedule}")
    logging.basicConfig(level=logging.INFO)
    quiet_http_client()
    with brought_back() as partners:
        if partners:
            _say_demo_partners(*partners, allow_private=allow_private)
        uvicorn.run(app, host=host, port=port, log_config=uvicorn_log_config(), proxy_headers=True)


def _say_demo_partners(pictures: str, swoogo: str, *, allow_private: bool) -> None:
    console.print(
        f"the demo's Swoogo simulator runs at {swoogo}, its picture host at {pictures}",
        markup=False,
        highlight=False,
        soft_wrap=True,  # addresses stay whole
    )
    if not allow_private:
        console.print(
            "they are at private addresses: to sync to them, start serve with\n"
            "    AGENDASYNC_ALLOW_PRIVATE_PARTNER_URLS=1",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


def _accounts() -> Accounts:
    return Accounts(store())


EmailArgument = Annotated[str, typer.Argument(help="Their email: what they sign in with.")]
PasswordOption = Annotated[
    str | None,
    typer.Option(
        envvar="AGENDASYNC_USER_PASSWORD",
        show_envvar=True,
        help="The password. Better kept off the command line (others can see it in the process "
        "list): without it, it is read from $AGENDASYNC_USER_PASSWORD, from standard input with "
        "--password-stdin, or asked for (not echoed).",
    ),
]
PasswordStdin = Annotated[
    bool,
    typer.Option("--password-stdin", help="Read the password from standard input (one line)."),
]


def read_password(given: str | None, from_stdin: bool) -> str:
    if given is not None:
        return given
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    prompted: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return prompted


@user_app.command("create")
def user_create(
    email: EmailArgument,
    org: OrgOption,
    role: Annotated[Role, typer.Option(help="admin, editor or viewer.")] = Role.ADMIN,
    password: PasswordOption = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """Create a person who signs in to the pages (or give an existing one a role)."""
    password = read_password(password, password_stdin)
    try:
        user = _accounts().create_user(email, password, org=org, role=role)
    except InvalidContent as exc:
        fail("; ".join(f"{place}: {message}" for place, message in exc.problems))
        return
    except StoreError as exc:
        fail(str(exc))
        return
    console.print(f"{user.email} is {role.value} of {org}")


@user_app.command("list")
def user_list(
    org: Annotated[
        str | None, typer.Argument(metavar="ORG", help="Only this organisation (name or slug).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """List the people who sign in, with their organisation and role there.

    A person of several organisations has a line for each."""
    with transaction() as connection:
        org_id = find_organisation(connection, org).id if org else None
        rows = accounts_repo.memberships_by_email(connection, org_id)
    listed = [
        {"email": email, "organisation": slug, "role": role.value if role else None}
        for email, slug, role in rows
    ]
    if as_json:
        print_json(listed)
        return
    table(
        f"People of {org}" if org else "People",
        ["email", "organisation", "role"],
        [[r["email"], r["organisation"] or "(none)", r["role"] or ""] for r in listed],
    )


@user_app.command("set-password")
def user_set_password(
    email: EmailArgument, password: PasswordOption = None, password_stdin: PasswordStdin = False
) -> None:
    """Give a person a new password; every browser they are signed in with is signed out."""
    password = read_password(password, password_stdin)
    try:
        ended = _accounts().set_password(email, password)
    except InvalidContent as exc:
        fail("; ".join(f"{place}: {message}" for place, message in exc.problems))
    except StoreError as exc:
        fail(str(exc))
    console.print(f"new password set; {ended} signed-in session(s) ended", markup=False)


@user_app.command("sign-out")
def user_sign_out(email: EmailArgument) -> None:
    """Sign a person out of every browser (say, a lost laptop)."""
    try:
        ended = _accounts().end_sessions(email)
    except StoreError as exc:
        fail(str(exc))
    console.print(f"{email}: {ended} signed-in session(s) ended", markup=False)


@token_app.command("create")
def token_create(
    org: OrgOption,
    name: Annotated[str, typer.Option(help="What the token is for.")],
    scope: Annotated[Scope, typer.Option(help="read, or write (read and change).")] = Scope.READ,
) -> None:
    """Issue an API token; it is printed this once and stored only as a hash."""
    scopes = [Scope.READ, Scope.WRITE] if scope is Scope.WRITE else [Scope.READ]
    try:
        with store().transaction() as connection:
            owner = find_organisation(connection, org)
        issued = _accounts().issue_token(owner.id, name, scopes)
    except StoreError as exc:
        fail(str(exc))
        return
    console.print(f"token [bold]{name}[/] ({', '.join(s.value for s in scopes)}), shown once:")
    typer.echo(issued.secret)


def _utc(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if value else None


@token_app.command("list")
def token_list(org: OrgArgument, as_json: JsonFlag = False) -> None:
    """List an organisation's API tokens (never the tokens themselves).

    How each starts tells tokens of one name apart (older tokens show -).

    Times are in UTC. With --json, each token's id and scopes too."""
    with transaction() as connection:
        owner = find_organisation(connection, org)
        tokens = accounts_repo.list_tokens(connection, owner.id)
    if as_json:
        print_json(
            [
                {
                    "id": str(token.id),
                    "name": token.name,
                    "prefix": token.prefix,
                    "scopes": [scope.value for scope in token.scopes],
                    "created_at": token.created_at.isoformat() if token.created_at else None,
                    "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
                }
                for token in tokens
            ]
        )
        return
    table(
        f"API tokens of {owner.name} ({len(tokens)})",
        ["name", "starts with", "created (UTC)", "last used (UTC)"],
        [
            [
                token.name,
                token.prefix or "-",
                _utc(token.created_at),
                _utc(token.last_used_at) or "never",
            ]
            for token in tokens
        ],
        whole=(1, 2, 3),
    )


@token_app.command("revoke")
def token_revoke(
    org: OrgArgument,
    which: Annotated[
        str,
        typer.Argument(
            metavar="PREFIX_OR_ID",
            help="How the token starts, as token list shows it, or its id (from --json).",
        ),
    ],
) -> None:
    """Revoke an API token: tools using it stop working at once."""
    try:
        with store().transaction() as connection:
            owner = find_organisation(connection, org)
        revoked = _accounts().revoke_token(owner.id, which)
    except (StoreError, AmbiguousToken) as exc:
        fail(str(exc))
    shown = f" ({revoked.prefix})" if revoked.prefix else ""
    console.print(f"revoked token {revoked.name}{shown} of {owner.name}", markup=False)
