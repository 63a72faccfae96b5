"""What Swoogo should hold for each eligible record (SPEC §5). Pure.

Kinds, in the order they are sent: `rooms` and `tracks` (matched by name), `sessions`,
`speakers`, `speaker_sessions` (the links), `headshots`; and for the sponsors action
`sponsor_levels` (choices of the sponsor field `level`), `sponsors`, `logos`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from datetime import datetime, tzinfo

from agendasync.domain.integrations import FieldSpec
from agendasync.domain.models import EventContent, Session, Speaker, Sponsor, TaxonomyItem
from agendasync.partners.transforms import first_by_name, one_day
from agendasync.sync.fields import FieldMaps, mapped_item
from agendasync.sync.model import Item, Ref
from agendasync.sync.partner import Transformed
from agendasync.sync.select import Selection, session_label, speaker_label

# Our id travels in the record's admin notes: Swoogo's search ignores custom fields, so this
# is what finds a session or sponsor again (R-SYNC-7, R-INT-6).
NOTES_PREFIX = "agendasync-id: "
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def notes_for(record_id: uuid.UUID) -> str:
    return f"{NOTES_PREFIX}{record_id}"


def id_in_notes(notes: str | None) -> str | None:
    """Our id in a record's notes, if someone has not edited it away."""
    if notes and NOTES_PREFIX in notes:
        words = notes.split(NOTES_PREFIX, 1)[1].split()
        return words[0] if words else None
    return None


def one_day_clock(starts_at: datetime, ends_at: datetime, tz: tzinfo) -> tuple[str, str, str]:
    """R-TX-1 as Swoogo takes it: the date, the start's and the end's `HH:MM:SS` in `tz`."""
    start, end, _ = one_day(starts_at, ends_at, tz)
    return start.strftime("%Y-%m-%d"), start.strftime("%H:%M:%S"), end.strftime("%H:%M:%S")


def _taxonomy_item(kind: str, item: TaxonomyItem) -> Item:
    payload: dict[str, str] = {"name": item.name}
    if item.colour:
        payload["color"] = item.colour
    label = f"{kind.removesuffix('s')} '{item.name}'"
    return Item(kind, item.id, label, payload, lookup=(("name", item.name.lower()),))


# The default field maps (SPEC §6): what the hub fills on Swoogo; pairs added to a mapping's
# map fill Swoogo custom fields (`c_<id>`).
SESSION_FIELDS = (
    FieldSpec("title", "name", required=True),
    FieldSpec("description", "description"),
    FieldSpec("starts_at", "date", required=True),
    FieldSpec("starts_at", "start_time", required=True),
    FieldSpec("ends_at", "end_time", required=True),
    FieldSpec("locations", "location_id"),
    FieldSpec("tracks", "track_id"),
)
SPEAKER_FIELDS = (
    FieldSpec("first_name", "first_name", required=True),
    FieldSpec("last_name", "last_name", required=True),
    FieldSpec("email", "email", required=True),
    FieldSpec("honorific", "prefix"),
    FieldSpec("job_title", "job_title"),
    FieldSpec("company", "company"),
    FieldSpec("biography", "bio"),
    FieldSpec("mobile_phone", "mobile_phone"),
    FieldSpec("twitter_url", "twitter_handle"),
)


def session_item(session: Session, content: EventContent) -> Item:
    # Selection keeps only scheduled sessions.
    assert session.starts_at is not None
    assert session.ends_at is not None
    tz = content.event.tz
    day, start, end = one_day_clock(session.starts_at, session.ends_at, tz)
    notes = []
    if session.starts_at.astimezone(tz).date() != session.ends_at.astimezone(tz).date():
        notes.append(f"spans several days; sent as {day} {start}-{end}")
    room = first_by_name(session.locations)
    track = first_by_name(session.tracks)
    if len(session.tracks) > 1 and track:
        notes.append(f"Swoogo holds one track per session; sent '{track.name}'")
    if len(session.locations) > 1 and room:
        notes.append(f"Swoogo holds one room per session; sent '{room.name}'")
    payload = {
        "name": session.title,
        "description": session.description,
        "date": day,
        "start_time": start,
        "end_time": end,
        "use_event_timezone": 1,
        "notes": notes_for(session.id),
        "location_id": Ref("rooms", room.id) if room else "",
        "track_id": Ref("tracks", track.id) if track else "",
    }
    return Item(
        "sessions",
        session.id,
        session_label(session),
        payload,
        lookup=(("uuid", str(session.id)), ("name", session.title.lower())),
        notes=tuple(notes),
    )


def speaker_item(speaker: Speaker) -> Item:
    notes = []
    phone = (speaker.mobile_phone or "").replace(" ", "").replace("-", "")
    if speaker.mobile_phone and not _E164.match(phone):
        notes.append(f"mobile phone {speaker.mobile_phone!r} is not E.164; not sent")
        phone = ""
    payload = {
        "first_name": speaker.first_name,
        "last_name": speaker.last_name,
        "email": speaker.email or "",
        "prefix": speaker.honorific or "",
        "job_title": speaker.job_title or "",
        "company": speaker.company or "",
        "bio": speaker.biography,
        "mobile_phone": phone,
        "twitter_handle": _handle(speaker.twitter_url),
    }
    return Item(
        "speakers",
        speaker.id,
        speaker_label(speaker),
        payload,
        lookup=(("email", (speaker.email or "").lower()),),
        notes=tuple(notes),
    )


def _handle(url: str | None) -> str:
    if not url:
        return ""
    return "@" + url.rstrip("/").rsplit("/", 1)[-1].lstrip("@")


def content_items(
    selection: Selection, content: EventContent, maps: FieldMaps | None = None
) -> Transformed:
    maps = maps or FieldMaps()
    out = Transformed(skipped=list(selection.skipped))
    rooms: dict[uuid.UUID, TaxonomyItem] = {}
    tracks: dict[uuid.UUID, TaxonomyItem] = {}
    for session in selection.sessions:
        for item in session.locations:
            rooms[item.id] = item
        for item in session.tracks:
            tracks[item.id] = item
    out.items += [_taxonomy_item("rooms", item) for item in rooms.values()]
    out.items += [_taxonomy_item("tracks", item) for item in tracks.values()]
    out.items += [
        mapped_item(session_item(session, content), session, SESSION_FIELDS, maps)
        for session in selection.sessions
    ]

    sessions_of: dict[uuid.UUID, set[uuid.UUID]] = {}
    for session in selection.sessions:
        for person in session.people:  # every role speaks on Swoogo, which has no roles
            sessions_of.setdefault(person.speaker_id, set()).add(session.id)
    for speaker in selection.speakers:
        out.items.append(mapped_item(speaker_item(speaker), speaker, SPEAKER_FIELDS, maps))
        # In id order: the same links hash alike whatever order the sessions were loaded in.
        ids = sorted(sessions_of[speaker.id])
        links = {
            "speaker": Ref("speakers", speaker.id),
            "sessions": [Ref("sessions", sid, optional=True) for sid in ids],
        }
        out.items.append(Item("speaker_sessions", speaker.id, speaker_label(speaker), links))
        if speaker.headshot_url:
            out.items.append(
                Item(
                    "headshots",
                    speaker.id,
                    f"headshot of {speaker_label(speaker)}",
                    {"speaker": Ref("speakers", speaker.id), "url": speaker.headshot_url},
                )
            )
    return out


def tier_id(event_id: uuid.UUID, tier: str) -> uuid.UUID:
    """Tiers are names on sponsors, not records: each gets a stable id per event."""
    return uuid.uuid5(event_id, f"sponsor-tier:{tier.lower()}")


def sponsor_items(sponsors: Iterable[Sponsor], content: EventContent) -> Transformed:
    out = Transformed()
    tiers: dict[uuid.UUID, str] = {}
    for sponsor in sponsors:
        level: Ref | str = ""
        if sponsor.tier:
            level_id = tier_id(content.event.id, sponsor.tier)
            tiers.setdefault(level_id, sponsor.tier)
            level = Ref("sponsor_levels", level_id)
        label = f"sponsor '{sponsor.name}'"
        payload = {
            "name": sponsor.name,
            "description": sponsor.description,
            "website": sponsor.website or "",
            "level": level,
            "notes": notes_for(sponsor.id),
        }
        lookup = (("uuid", str(sponsor.id)), ("name", sponsor.name.lower()))
        out.items.append(Item("sponsors", sponsor.id, label, payload, lookup=lookup))
        if sponsor.logo_url:
            logo = {"sponsor": Ref("sponsors", sponsor.id), "url": sponsor.logo_url}
            out.items.append(Item("logos", sponsor.id, f"logo of {label}", logo))
    levels = [
        Item(
            "sponsor_levels",
            level_id,
            f"sponsor tier '{name}'",
            {"name": name},
            lookup=(("name", name.lower()),),
        )
        for level_id, name in tiers.items()
    ]
    out.items[:0] = levels
    return out
