"""What ExpoPlatform should hold for each eligible record (SPEC §5). Pure.

Kinds, in the order they are sent: the taxonomy `tracks`, `types` (our formats), `tags` and
`halls` (our locations), all matched by name; then `speakers` (accounts), then `sessions`,
which point at all of them (`speakers[]` and `moderators[]` are account ids, so the accounts
must exist first).

A session's language travels as its English name ("German"): the partner's languages are
matched by that name in the connector, which alone can ask the partner which exist (R-TX-2).
"""

from __future__ import annotations

import uuid
from datetime import datetime, tzinfo
from typing import Any

from agendasync.domain.integrations import FieldSpec
from agendasync.domain.models import EventContent, Role, Session, Speaker, TaxonomyItem
from agendasync.partners.transforms import first_by_name, one_day
from agendasync.sync.fields import FieldMaps, mapped_item
from agendasync.sync.model import Item, Ref
from agendasync.sync.partner import Transformed
from agendasync.sync.select import Selection, session_label, speaker_label

ENGLISH = "English"
TAXONOMY_KINDS = ("tracks", "types", "tags", "halls")

# ISO 639-1 codes and the English names ExpoPlatform lists its languages by.
LANGUAGE_NAMES = {
    "ar": "Arabic",
    "bg": "Bulgarian",
    "ca": "Catalan",
    "cs": "Czech",
    "da": "Danish",
    "de": "German",
    "el": "Greek",
    "en": "English",
    "es": "Spanish",
    "et": "Estonian",
    "fa": "Persian",
    "fi": "Finnish",
    "fr": "French",
    "he": "Hebrew",
    "hi": "Hindi",
    "hr": "Croatian",
    "hu": "Hungarian",
    "id": "Indonesian",
    "it": "Italian",
    "ja": "Japanese",
    "ko": "Korean",
    "lt": "Lithuanian",
    "lv": "Latvian",
    "ms": "Malay",
    "nl": "Dutch",
    "no": "Norwegian",
    "pl": "Polish",
    "pt": "Portuguese",
    "ro": "Romanian",
    "ru": "Russian",
    "sk": "Slovak",
    "sl": "Slovenian",
    "sr": "Serbian",
    "sv": "Swedish",
    "th": "Thai",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "vi": "Vietnamese",
    "zh": "Chinese",
}

# The default field maps (SPEC §6): what the hub fills on ExpoPlatform.
SESSION_FIELDS = (
    FieldSpec("title", "name", required=True),
    FieldSpec("description", "description"),
    FieldSpec("starts_at", "date", required=True),
    FieldSpec("starts_at", "startTime", required=True),
    FieldSpec("ends_at", "endTime", required=True),
    FieldSpec("language", "language", required=True),
    FieldSpec("format", "type", required=True),
    FieldSpec("tags", "tags"),
    FieldSpec("tracks", "track"),
    FieldSpec("locations", "hall"),
    FieldSpec("speakers", "speakers"),
    FieldSpec("moderators", "moderators"),
)
SPEAKER_FIELDS = (
    FieldSpec("first_name", "first_name", required=True),
    FieldSpec("last_name", "last_name", required=True),
    FieldSpec("email", "email", required=True),
    FieldSpec("job_title", "title"),
    FieldSpec("company", "company"),
    FieldSpec("website", "website"),
    FieldSpec("mobile_phone", "tel"),
    FieldSpec("biography", "about_me"),
    FieldSpec("address", "address"),
    FieldSpec("postcode", "postcode"),
    FieldSpec("headshot_url", "photo"),
    FieldSpec("facebook_url", "facebook"),
    FieldSpec("linkedin_url", "linkedin"),
    FieldSpec("twitter_url", "twitter"),
)


def one_day_clock(starts_at: datetime, ends_at: datetime, tz: tzinfo) -> tuple[str, str, str]:
    """R-TX-1 as ExpoPlatform takes it: the date, the start's and the end's `HH:MM` in `tz`."""
    start, end, _ = one_day(starts_at, ends_at, tz)
    return start.strftime("%Y-%m-%d"), start.strftime("%H:%M"), end.strftime("%H:%M")


def language_name(code: str | None) -> str:
    """The English name of an ISO 639-1 code; an unknown code stays as it is (upper case) so
    the connector can say which language was missing."""
    if not code:
        return ENGLISH
    return LANGUAGE_NAMES.get(code.lower(), code.upper())


def taxonomy_item(kind: str, item: TaxonomyItem) -> Item:
    label = f"{kind.removesuffix('s')} '{item.name}'"
    return Item(kind, item.id, label, {"name": item.name}, lookup=(("name", item.name.lower()),))


def session_item(session: Session, content: EventContent, speakers: set[uuid.UUID]) -> Item:
    """One session; `speakers` are the ids of the speakers being sent (the others are left
    off its `speakers[]` and `moderators[]`)."""
    assert session.starts_at is not None  # selection keeps only scheduled sessions
    assert session.ends_at is not None
    assert session.format is not None  # a required field of the partner's eligibility
    tz = content.event.tz
    starts, ends = session.starts_at.astimezone(tz), session.ends_at.astimezone(tz)
    day, start, end = one_day_clock(session.starts_at, session.ends_at, tz)
    notes = []
    if starts.date() != ends.date():
        notes.append(f"spans several days; sent as {day} {start}-{end}")
    if not session.language:
        notes.append("has no language; sent in English")
    track, hall = first_by_name(session.tracks), first_by_name(session.locations)
    if track and len(session.tracks) > 1:
        notes.append(f"ExpoPlatform holds one track per session; sent '{track.name}'")
    if hall and len(session.locations) > 1:
        notes.append(f"ExpoPlatform holds one hall per session; sent '{hall.name}'")
    on_stage: dict[str, list[Ref]] = {"speakers": [], "moderators": []}
    for person in session.people:
        if person.speaker_id not in speakers:
            continue
        # ExpoPlatform has speakers and moderators; a chairperson moderates.
        role = "speakers" if person.role is Role.SPEAKER else "moderators"
        ref = Ref("speakers", person.speaker_id, optional=True)
        if ref not in on_stage[role]:
            on_stage[role].append(ref)
    payload: dict[str, Any] = {
        "external_id": str(session.id),
        "name": session.title,
        "description": session.description,
        "date": day,
        "startTime": start,
        "endTime": end,
        "type": Ref("types", session.format.id),
        "language": language_name(session.language),
        "track": Ref("tracks", track.id) if track else "",
        "hall": Ref("halls", hall.id) if hall else "",
        "tags": [Ref("tags", tag.id) for tag in sorted(session.tags, key=lambda t: t.name)],
        **on_stage,
    }
    return Item(
        "sessions",
        session.id,
        session_label(session),
        payload,
        lookup=(("uuid", str(session.id)),),
        notes=tuple(notes),
    )


def speaker_item(speaker: Speaker) -> Item:
    photo = speaker.headshot_url or ""  # a web address: the hub takes no other (WebUrl)
    payload = {
        "external_id": str(speaker.id),
        "email": speaker.email or "",
        "first_name": speaker.first_name,
        "last_name": speaker.last_name,
        "title": speaker.job_title or "",
        "company": speaker.company or "",
        "website": speaker.website or "",
        "tel": speaker.mobile_phone or "",
        "about_me": speaker.biography,
        "address": speaker.address or "",
        "postcode": speaker.postcode or "",
        "photo": photo,
        "facebook": speaker.facebook_url or "",
        "linkedin": speaker.linkedin_url or "",
        "twitter": speaker.twitter_url or "",
    }
    return Item(
        "speakers",
        speaker.id,
        speaker_label(speaker),
        payload,
        lookup=(("uuid", str(speaker.id)), ("email", (speaker.email or "").lower())),
    )


def content_items(
    selection: Selection, content: EventContent, maps: FieldMaps | None = None
) -> Transformed:
    maps = maps or FieldMaps()
    out = Transformed(skipped=list(selection.skipped))
    taxonomy: dict[str, dict[uuid.UUID, TaxonomyItem]] = {kind: {} for kind in TAXONOMY_KINDS}
    for session in selection.sessions:
        track, hall = first_by_name(session.tracks), first_by_name(session.locations)
        for kind, items in (
            ("tracks", [track] if track else []),
            ("types", [session.format] if session.format else []),
            ("tags", session.tags),
            ("halls", [hall] if hall else []),
        ):
            taxonomy[kind].update((item.id, item) for item in items)
    for kind in TAXONOMY_KINDS:
        out.items += [taxonomy_item(kind, item) for item in taxonomy[kind].values()]
    out.items += [
        mapped_item(speaker_item(speaker), speaker, SPEAKER_FIELDS, maps)
        for speaker in selection.speakers
    ]
    sent = {speaker.id for speaker in selection.speakers}
    out.items += [
        mapped_item(session_item(session, content, sent), session, SESSION_FIELDS, maps)
        for session in selection.sessions
    ]
    return out
