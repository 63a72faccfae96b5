"""Rendering pages: the templates, who is signed in, flash messages and finished syncs."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from agendasync.domain.accounts import Access, Principal
from agendasync.domain.models import Event, record_flags
from agendasync.domain.run_summary import summarise
from agendasync.services.browser_session import (
    CSRF_FIELD,
    Flash,
    FlashLevel,
    csrf_token,
    flash,
    take_flashes,
    user_id_of,
)
from agendasync.services.context import Services, services
from agendasync.services.sync_requests import Pending
from agendasync.store import integrations as repo
from agendasync.store.exceptions import NotFound

TEMPLATES = Jinja2Templates(directory=str(files("agendasync.web") / "templates"))
# A sync that has not finished after this long is no longer waited for (its process died).
_PENDING_FOR = timedelta(hours=6)
REFRESH_WHILE_SYNCING_S = 2


def _local_time(value: datetime | None, event: Event, pattern: str = "%a %d %b %H:%M") -> str:
    return value.astimezone(event.tz).strftime(pattern) if value else ""


def _inline_markdown(text: str) -> Markup:
    """`code`, **strong** and *emphasis* in text written for the OpenAPI document (Swagger UI
    reads them as Markdown), escaped first so that only these three become markup."""
    html = str(escape(text))
    html = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html)
    html = re.sub(r"`(.+?)`", r"<code>\1</code>", html)
    html = re.sub(r"\*(.+?)\*", r"<em>\1</em>", html)
    return Markup(html)  # safe: escaped before the three replacements


TEMPLATES.env.filters["local_time"] = _local_time
TEMPLATES.env.filters["inline_markdown"] = _inline_markdown
TEMPLATES.env.globals["record_flags"] = record_flags  # withdrawn, placeholder, ... in lists


class LoginRequired(Exception):
    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


def signed_in(request: Request, app: Annotated[Services, Depends(services)]) -> Principal:
    """The signed-in person; anyone else is sent to the login page (and brought back)."""
    user_id = user_id_of(request)
    principal = app.accounts.user_principal(user_id) if user_id else None
    if principal is None:
        raise LoginRequired(request.url.path)
    return principal


User = Annotated[Principal, Depends(signed_in)]
App = Annotated[Services, Depends(services)]


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


def _report_finished_syncs(request: Request, app: Services) -> bool:
    """Flash the syncs that finished since the last page; True while others still run."""
    waiting = [Pending.from_session(item) for item in request.session.get("pending_syncs", [])]
    if not waiting:
        return False
    still: list[Pending] = []
    now = datetime.now(UTC)
    for pending in waiting:
        run = pending.finished_run(app.store)
        if run is None:
            mapped = _still_mapped(app, pending)
            if mapped and now - pending.since < _PENDING_FOR:
                still.append(pending)
            continue
        summary = summarise(run)
        level: FlashLevel = (
            "error" if run.status == "failed" else "warning" if summary.has_issues else "success"
        )
        flash(
            request,
            Flash(
                level,
                summary.sentence(pending.title),
                link=f"/events/{pending.event}/runs/{run.id}",
                link_text="See the report",
            ),
        )
    request.session["pending_syncs"] = [p.to_session() for p in still]
    return bool(still)


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
    syncing = principal is not None and _report_finished_syncs(request, app)
    values = {
        "user": principal.user if principal else None,
        "principal": principal,
        "Access": Access,
        "csrf_field": CSRF_FIELD,
        "csrf_token": csrf_token(request),
        "flashes": take_flashes(request),
        "refresh_s": REFRESH_WHILE_SYNCING_S if syncing else None,
    } | (context or {})
    return TEMPLATES.TemplateResponse(request, template, values, status_code=status_code)
