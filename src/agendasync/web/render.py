"""Rendering pages: the templates, who is signed in, flash messages and finished syncs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from agendasync.domain.accounts import Access, Principal
from agendasync.domain.integrations import SyncRun
from agendasync.domain.models import WEB_SCHEMES, Event, record_flags
from agendasync.domain.run_summary import KindProgress, kind_name, summarise
from agendasync.services.browser_session import (
    CSRF_FIELD,
    Flash,
    FlashLevel,
    csrf_token,
    flash,
    session_key_of,
    take_flashes,
)
from agendasync.services.context import Services, services
from agendasync.services.sync_requests import Pending
from agendasync.store import integrations as repo
from agendasync.store.exceptions import NotFound
from agendasync.store.records import PageRequest, latest_run_since

TEMPLATES = Jinja2Templates(directory=str(files("agendasync.web") / "templates"))
# A sync that has not finished after this long is no longer waited for (its process died).
_PENDING_FOR = timedelta(hours=6)


def _local_time(value: datetime | None, event: Event, pattern: str = "%a %d %b %H:%M") -> str:
    return value.astimezone(event.tz).strftime(pattern) if value else ""


def _when(value: datetime | None, never: str = "never") -> str:
    """A moment of the organisation's own (a sign-in, a token's use): in UTC, saying so."""
    return value.astimezone(UTC).strftime("%d %b %Y %H:%M UTC") if value else never


def _inline_markdown(text: str) -> Markup:
    """`code`, **strong** and *emphasis* in text written for the OpenAPI document (Swagger UI
    reads them as Markdown), escaped first so that only these three become markup."""
    html = str(escape(text))
    html = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html)
    html = re.sub(r"`(.+?)`", r"<code>\1</code>", html)
    html = re.sub(r"\*(.+?)\*", r"<em>\1</em>", html)
    return Markup(html)  # safe: escaped before the three replacements


def _web_href(url: str | None) -> str:
    """A link target only for web addresses: a value stored before URLs were checked could be a
    `javascript:` URL, which a link would run."""
    scheme = (url or "").strip().partition(":")[0].lower()
    return url.strip() if url and scheme in WEB_SCHEMES else ""


_CELL = re.compile(r"<(td|th)\b")


def _label_cells(cells: str, columns: list[str]) -> Markup:
    """Give each cell of a row its column's name (`data-label`): on a phone the rows stack and
    every value shows under its name. The cells are the caller's markup, already escaped."""
    names = iter(columns)

    def labelled(match: re.Match[str]) -> str:
        name = next(names, "")
        return f'{match.group(0)} data-label="{escape(name)}"'

    return Markup(_CELL.sub(labelled, str(cells)))  # safe: only escaped names are added


TEMPLATES.env.filters["local_time"] = _local_time
TEMPLATES.env.filters["when"] = _when
TEMPLATES.env.filters["web_href"] = _web_href
TEMPLATES.env.filters["kind_name"] = kind_name
TEMPLATES.env.filters["label_cells"] = _label_cells
TEMPLATES.env.filters["inline_markdown"] = _inline_markdown
TEMPLATES.env.globals["record_flags"] = record_flags  # withdrawn, placeholder, ... in lists


class LoginRequired(Exception):
    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


def signed_in(request: Request, app: Annotated[Services, Depends(services)]) -> Principal:
    """The signed-in person; anyone else is sent to the login page (and brought back)."""
    key = session_key_of(request)
    principal = app.accounts.session_principal(key) if key else None
    if principal is None:
        raise LoginRequired(request.url.path)
    return principal


User = Annotated[Principal, Depends(signed_in)]
App = Annotated[Services, Depends(services)]


def page_request(app: App, offset: Annotated[int, Query(ge=0)] = 0) -> PageRequest:
    """The part of a list the address asks for: from `offset` on, a page's worth of rows (a
    negative offset is a bad address, not a database error)."""
    return PageRequest(app.settings.page_size, offset)


Paging = Annotated[PageRequest, Depends(page_request)]


def login_redirect(error: LoginRequired) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(error.next_path)}", status_code=303)


def redirect(path: str) -> RedirectResponse:
    """After a POST: see the result with a GET (a reload does not post again)."""
    return RedirectResponse(path, status_code=303)


def safe_back(path: str | None, default: str) -> str:
    """Only a path of this site: never redirect elsewhere from a form's value."""
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return default


# --- syncs someone is waiting for ------------------------------------------------------------


def remember_sync(request: Request, pending: Pending) -> None:
    waiting = request.session.get("pending_syncs", [])
    request.session["pending_syncs"] = [*waiting, pending.to_session()][-5:]


def _still_mapped(app: Services, pending: Pending) -> bool:
    try:
        with app.store.transaction() as connection:
            repo.get_mapping(connection, pending.mapping_id)
    except NotFound:
        return False
    return True


@dataclass(frozen=True)
class SyncState:
    """A sync this person asked for, as the progress area shows it."""

    title: str
    phase: str  # "queued", "running" or "done"
    label: str  # the badge's words
    badge: str  # the badge's colour
    sentence: str
    link: str | None = None
    kinds: tuple[KindProgress, ...] = ()


@dataclass(frozen=True)
class Syncing:
    states: tuple[SyncState, ...]
    polling: bool  # True while one still runs: the area asks for itself again


def _run_of(app: Services, pending: Pending) -> SyncRun | None:
    with app.store.transaction() as connection:
        return latest_run_since(connection, pending.mapping_id, pending.action, pending.since)


def sync_states(request: Request, app: Services, *, flash_finished: bool) -> Syncing | None:
    """The syncs this person waits for. A finished one leaves the session: flashed on a full
    page (`flash_finished`), or shown once in the progress area that polls for it."""
    waiting = [Pending.from_session(item) for item in request.session.get("pending_syncs", [])]
    if not waiting:
        return None
    still: list[Pending] = []
    states: list[SyncState] = []
    now = datetime.now(UTC)
    for pending in waiting:
        run = _run_of(app, pending)
        if run is None or run.finished_at is None:
            if _still_mapped(app, pending) and now - pending.since < _PENDING_FOR:
                still.append(pending)
                states.append(_unfinished(pending, run))
            continue
        summary = summarise(run)
        link = f"/events/{pending.event}/runs/{run.id}"
        if flash_finished:
            level: FlashLevel = (
                "error"
                if run.status == "failed"
                else "warning"
                if summary.has_issues
                else "success"
            )
            flash(
                request,
                Flash(
                    level, summary.sentence(pending.title), link=link, link_text="See the report"
                ),
            )
        else:
            states.append(
                SyncState(
                    pending.title,
                    "done",
                    summary.label,
                    summary.badge,
                    summary.sentence(pending.title),
                    link,
                )
            )
    request.session["pending_syncs"] = [p.to_session() for p in still]
    return Syncing(tuple(states), polling=bool(still)) if states else None


def _unfinished(pending: Pending, run: SyncRun | None) -> SyncState:
    if run is None:
        queued = f"{pending.title} is waiting to start (after any sync ahead of it)."
        return SyncState(pending.title, "queued", "queued", "queued", queued)
    summary = summarise(run)
    return SyncState(
        pending.title,
        "running",
        summary.label,
        summary.badge,
        summary.sentence(pending.title),
        kinds=summary.progress,
    )


# --- pages ---------------------------------------------------------------------------------


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    principal: Principal | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    app: Services = request.app.state.services
    syncing = sync_states(request, app, flash_finished=True) if principal is not None else None
    values = {
        "user": principal.user if principal else None,
        "principal": principal,
        "Access": Access,
        "csrf_field": CSRF_FIELD,
        "csrf_token": csrf_token(request),
        "flashes": take_flashes(request),
        "syncing": syncing,
    } | (context or {})
    return TEMPLATES.TemplateResponse(request, template, values, status_code=status_code)


# htmx stops polling when an answer has this status (a signed-out page stops asking).
HTMX_STOP_POLLING = 286


def render_fragment(request: Request, template: str, context: dict[str, Any]) -> HTMLResponse:
    """A part of a page (htmx swaps it in): no frame, no flash messages taken."""
    values = {"csrf_field": CSRF_FIELD, "csrf_token": csrf_token(request)} | context
    response = TEMPLATES.TemplateResponse(request, template, values)
    response.headers["Cache-Control"] = "no-store"
    return response
