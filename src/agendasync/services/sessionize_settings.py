"""An event's Sessionize settings as the Settings page's one form gives them: the API ID and the
category map, both checked before either is saved (Save, and Sync before it imports)."""

from __future__ import annotations

from collections.abc import Mapping

from agendasync.domain.models import Event
from agendasync.services.records import update_event
from agendasync.sources.sessionize.categories import parse_map_setting
from agendasync.sources.sessionize.exceptions import SessionizeError
from agendasync.sources.sessionize.feed import parse_endpoint_id
from agendasync.store import Store


class SettingsRefused(Exception):
    """What is wrong, by form field; nothing was saved."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = dict(problems)


def save_sessionize_settings(
    store: Store, event: Event, *, endpoint_id: str, category_map: str
) -> Event:
    """The ID (empty: none; a pasted endpoint URL gives its ID) and the category map, one
    `TITLE=DIMENSION` a line."""
    # R-SZ-1, R-SZ-2
    problems = {}
    endpoint = None
    if endpoint_id.strip():
        try:
            endpoint = parse_endpoint_id(endpoint_id)
        except SessionizeError as exc:
            problems["endpoint_id"] = str(exc)
    mapping: dict[str, str] = {}
    for line in category_map.splitlines():
        if not line.strip():
            continue
        try:
            title, dimension = parse_map_setting(line)
        except ValueError as exc:
            problems["category_map"] = str(exc)
            break
        if dimension is not None:
            mapping[title] = dimension.value
    if problems:
        raise SettingsRefused(problems)
    with store.transaction() as connection:
        return update_event(
            connection,
            event,
            {"sessionize_endpoint_id": endpoint, "sessionize_category_map": mapping},
        )
