"""Feed values made storable, and taxonomy items found or made by name (pure; `plan` uses
them). Every fix a value needs is noted in the import's warnings."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from typing import Final

from pydantic import TypeAdapter, ValidationError

from agendasync.domain.models import Email, TaxonomyItem, TaxonomyKind
from agendasync.sources.sessionize.exceptions import MalformedPayload
from agendasync.sources.sessionize.report import (
    SHORT_TEXT_LIMIT,
    is_storable,
    shown,
    storable_text,
)

_EMAIL: Final = TypeAdapter(Email)
# R-SZ-11: titles and names organisers (and Sessionize's demo data) use for what is not known yet.
_PLACEHOLDER: Final = re.compile(
    r"\b(?:tba|tbd|tbc|to be (?:announced|confirmed|decided|determined|defined)|"
    r"an? amazing speaker|speaker placeholder|placeholder)\b",
    re.IGNORECASE,
)


def is_placeholder_text(text: str) -> bool:
    """Whether a title or name stands for something not known yet ("To be announced", "TBA",
    "An amazing Speaker")."""
    return _PLACEHOLDER.search(text) is not None


class Cleaner:
    """Makes feed values storable, noting every change it has to make."""

    def __init__(self, warnings: list[str]) -> None:
        self.warnings = warnings

    def text(self, value: str | None, limit: int, what: str) -> str:
        text = storable_text(value or "").strip()
        if len(text) > limit:
            self.warnings.append(f"{what}: cut to {limit} characters (it had {len(text)})")
            text = text[:limit].rstrip()
        return text

    def optional(self, value: str | None, what: str) -> str | None:
        return self.text(value, SHORT_TEXT_LIMIT, what) or None

    def url(self, value: str | None, what: str) -> str | None:
        text = storable_text(value or "").strip()
        if len(text) > SHORT_TEXT_LIMIT:
            self.warnings.append(f"{what}: longer than {SHORT_TEXT_LIMIT} characters; left out")
            return None
        return text or None

    def required(self, value: str | None, what: str, fallback: str) -> str:
        text = self.text(value, SHORT_TEXT_LIMIT, what)
        if not text:
            self.warnings.append(f"{what}: empty in Sessionize; {fallback!r} stored")
            return fallback
        return text

    def email(self, value: str, what: str) -> str | None:
        try:
            email = _EMAIL.validate_python(value)
        except ValidationError:
            email = None
        if email is None or len(email) > SHORT_TEXT_LIMIT or not is_storable(email):
            self.warnings.append(f"{what}: {value[:80]!r} is not an email address; ignored")
            return None
        return email


def storable_id(value: str, records: str) -> str:
    if len(value) > SHORT_TEXT_LIMIT or not is_storable(value):
        raise MalformedPayload(
            records,
            f"the id {shown(value)[:40]!r}... cannot be stored (it is longer than "
            f"{SHORT_TEXT_LIMIT} characters, or holds NUL or unpaired surrogate characters)",
        )
    return value


class TaxonomyBook:
    """The event's taxonomy items by kind and name; names not seen yet become new items."""

    def __init__(self, stored: Iterable[TaxonomyItem], cleaner: Cleaner) -> None:
        self._cleaner = cleaner
        self._exact: dict[tuple[TaxonomyKind, str], TaxonomyItem] = {}
        self._folded: dict[tuple[TaxonomyKind, str], TaxonomyItem] = {}
        for item in stored:
            self._remember(item)
        self._resolved: dict[tuple[TaxonomyKind, str], TaxonomyItem | None] = {}
        self.created: dict[uuid.UUID, TaxonomyItem] = {}
        self.reused: dict[uuid.UUID, TaxonomyItem] = {}

    def _remember(self, item: TaxonomyItem) -> None:
        self._exact.setdefault((item.kind, item.name), item)
        self._folded.setdefault((item.kind, item.name.casefold()), item)

    def item(self, kind: TaxonomyKind, name: str) -> TaxonomyItem | None:
        # The same few names come back for every session: each is resolved once.
        key = (kind, name)
        if key not in self._resolved:
            self._resolved[key] = self._resolve(kind, name)
        return self._resolved[key]

    def _resolve(self, kind: TaxonomyKind, name: str) -> TaxonomyItem | None:
        clean = self._cleaner.text(name, SHORT_TEXT_LIMIT, f"{kind.value} {name[:40]!r}")
        if not clean:
            return None
        found = self._exact.get((kind, clean)) or self._folded.get((kind, clean.casefold()))
        if found is None:
            found = TaxonomyItem(kind=kind, name=clean)
            self._remember(found)
            self.created[found.id] = found
        elif found.id not in self.created:
            self.reused[found.id] = found
        return found

    def items(self, kind: TaxonomyKind, names: Iterable[str]) -> list[TaxonomyItem]:
        found = (self.item(kind, name) for name in names)
        return list({item.id: item for item in found if item is not None}.values())


__all__ = ["Cleaner", "TaxonomyBook", "is_placeholder_text", "storable_id"]
