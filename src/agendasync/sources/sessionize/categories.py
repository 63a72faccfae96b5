"""The category map (R-SZ-2): what a Sessionize category's items become in the hub. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from agendasync.sources.sessionize.languages import language_code
from agendasync.sources.sessionize.model import Answer, Category, Session, category_tag, unique


class Dimension(StrEnum):
    TRACKS = "tracks"
    LEVELS = "levels"
    FORMAT = "format"
    LANGUAGE = "language"
    TAGS = "tags"
    IGNORE = "ignore"  # the category's items are left out


_KEYWORDS: Final = (
    (re.compile(r"\btracks?\b", re.IGNORECASE), Dimension.TRACKS),
    (re.compile(r"\blevels?\b", re.IGNORECASE), Dimension.LEVELS),
    (re.compile(r"\b(?:formats?|types?)\b", re.IGNORECASE), Dimension.FORMAT),
    (re.compile(r"\blanguages?\b", re.IGNORECASE), Dimension.LANGUAGE),
)


_MULTI_CHOICE: Final = re.compile(
    r"\ball that apply\b|\b(?:select|choose|check|tick|pick|type) (?:all|any|several|multiple)\b"
    r"|\bmultiple\b|\bmulti[- ]?(?:choice|select)",
    re.IGNORECASE,
)


def parse_map_setting(text: str) -> tuple[str, Dimension | None]:
    """`TITLE=DIMENSION` (as the command line and the page take it) -> (title, dimension);
    `TITLE=` or `TITLE=default` gives None: the title goes back to the default map."""
    title, sep, value = text.rpartition("=")
    title = " ".join(title.split())
    if not sep or not title:
        raise ValueError(f"{text!r}: expected TITLE=DIMENSION, e.g. 'Session format=format'")
    value = value.strip().lower()
    if value in ("", "default"):
        return title, None
    try:
        return title, Dimension(value)
    except ValueError:
        choices = "|".join(d.value for d in Dimension)
        raise ValueError(f"{text!r}: {value!r} is not one of {choices} (or default)") from None


def default_dimension(title: str, category_type: str = "session") -> Dimension:
    """The default dimension of one category: speaker categories are (speaker) tags; so are
    multi-choice categories ("Technology stack (type all that apply)"); any other session
    category by the first keyword found in its title, checked in the order track, level,
    format/type, language; otherwise tags."""
    if category_type == "speaker" or _MULTI_CHOICE.search(title):
        return Dimension.TAGS
    for pattern, dimension in _KEYWORDS:
        if pattern.search(title):
            return dimension
    return Dimension.TAGS


def _title_key(title: str) -> str:
    return " ".join(title.split()).casefold()


def default_category_map(
    categories: Iterable[Category],
    overrides: Mapping[str, Dimension | str] | None = None,
) -> dict[str, Dimension]:
    """Category title -> dimension for every category of the feed.

    `overrides` (the event's own map, category title -> dimension) wins over the default; its
    titles match exactly or case- and whitespace-insensitively. Speaker categories always map to
    `tags`: their items become speaker tags (`Speaker.tags`) whatever the map says.
    """
    wanted: dict[str, Dimension] = {}
    for title, value in (overrides or {}).items():
        try:
            wanted[_title_key(title)] = Dimension(value)
        except ValueError:
            choices = ", ".join(d.value for d in Dimension)
            raise ValueError(
                f"category map: {value!r} for {title!r} is not one of {choices}"
            ) from None
    result: dict[str, Dimension] = {}
    for category in categories:
        if category.title in result:
            continue
        if category.type == "speaker":
            result[category.title] = Dimension.TAGS
            continue
        override = wanted.get(_title_key(category.title))
        result[category.title] = override or default_dimension(category.title, category.type)
    return result


@dataclass(frozen=True, slots=True)
class SessionTaxonomy:
    tracks: tuple[str, ...]
    levels: tuple[str, ...]
    format: str | None
    language: str | None
    tags: tuple[str, ...]
    notes: tuple[str, ...] = ()


def classify_session(session: Session, category_map: Mapping[str, Dimension]) -> SessionTaxonomy:
    """A session's tracks, levels, format (the first one), language (ISO 639-1 or None) and tags.

    Items are taken in the order of the session's `categoryItems`. Nothing is lost (R-SZ-3):
    a second format or language item, and a language name that is not recognised, become tags
    named by their category, and `notes` says so for the import report.
    """
    tracks: list[str] = []
    levels: list[str] = []
    format_: str | None = None
    language: str | None = None
    tags: list[str] = []
    notes: list[str] = []
    for ref in session.category_items:
        name = ref.item_name
        if not name:
            continue
        dimension = category_map.get(ref.category_title)
        if dimension is None:
            dimension = default_dimension(ref.category_title, ref.category_type)
        if dimension is Dimension.TRACKS:
            tracks.append(name)
        elif dimension is Dimension.LEVELS:
            levels.append(name)
        elif dimension is Dimension.FORMAT and format_ in (None, name):
            format_ = name
        elif (
            dimension is Dimension.LANGUAGE
            and language_code(name) is not None
            and (language in (None, language_code(name)))
        ):
            language = language_code(name)
        elif dimension in (Dimension.FORMAT, Dimension.LANGUAGE):
            tag = category_tag(ref.category_title, name)
            tags.append(tag)
            if dimension is Dimension.FORMAT:
                why = f"format {format_!r} kept"
            elif language_code(name) is None:
                why = f"{name!r} is not a known language"
            else:
                why = f"language {language!r} kept"
            notes.append(f"session {session.id}: {why}; {name!r} kept as the tag {tag!r}")
        elif dimension is Dimension.TAGS:
            tags.append(name)
    return SessionTaxonomy(
        tracks=unique(tracks),
        levels=unique(levels),
        format=format_,
        language=language,
        tags=unique(tags),
        notes=tuple(notes),
    )


# Speaker questions whose title names a field fill it (R-SZ-2); link kinds are checked first,
# so "Company website" is a website and "Company name" a company.
_QUESTION_FIELDS: Final = (
    (re.compile(r"linked\s*in", re.IGNORECASE), "linkedin_url"),
    (re.compile(r"\btwitter\b|\bx\b", re.IGNORECASE), "twitter_url"),
    (re.compile(r"\bfacebook\b", re.IGNORECASE), "facebook_url"),
    (re.compile(r"\b(?:website|web\s*site|homepage|blog|url)\b", re.IGNORECASE), "website"),
    (re.compile(r"\b(?:phone|mobile|cell)\b", re.IGNORECASE), "mobile_phone"),
    (re.compile(r"\b(?:company|organi[sz]ation|employer|firm)\b", re.IGNORECASE), "company"),
    (re.compile(r"\b(?:job|roles?|position)\b", re.IGNORECASE), "job_title"),
)


def question_field(question: str) -> str | None:
    """The speaker field a question fills, by a keyword of its title, or None."""
    for pattern, field_name in _QUESTION_FIELDS:
        if pattern.search(question):
            return field_name
    return None


def speaker_fields(answers: Iterable[Answer]) -> dict[str, str]:
    """The speaker fields the answers fill (the first answer per field wins)."""
    fields: dict[str, str] = {}
    for answer in answers:
        field_name = question_field(answer.question)
        if field_name is not None and answer.value.strip():
            fields.setdefault(field_name, answer.value.strip())
    return fields


__all__ = [
    "Dimension",
    "SessionTaxonomy",
    "category_tag",
    "classify_session",
    "default_category_map",
    "default_dimension",
    "parse_map_setting",
    "question_field",
    "speaker_fields",
]
