"""What Gleanin should hold for each eligible record (README "Gleanin decisions"). Pure.

Content action: `speakers` (name is first and last name joined), then `sessions` (times with the
event zone's offset, track names, and the people on the session in order as refs to speaker
items). Exhibitors action: `exhibitors`, then `team_members` (each a ref to its exhibitor). The
payloads hold Gleanin's attribute names; the connector adds `event_id`/`exhibitor_id` and
`external_idx` (our id) and wraps them as JSON:API documents.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from agendasync.domain.integrations import FieldSpec
from agendasync.domain.models import (
    EventContent,
    Exhibitor,
    Person,
    Session,
    Speaker,
    derived_person_id,
)
from agendasync.sync.fields import FieldMaps, mapped_item
from agendasync.sync.model import Item, Ref
from agendasync.sync.partner import Transformed
from agendasync.sync.select import Selection, session_label, speaker_label

# The default field maps (SPEC §6). A speaker's `name` is first and last name joined.
SESSION_FIELDS = (
    FieldSpec("title", "title", required=True),
    FieldSpec("description", "description"),
    FieldSpec("starts_at", "starts_at", required=True),
    FieldSpec("ends_at", "ends_at", required=True),
    FieldSpec("tracks", "tracks"),
)
SPEAKER_FIELDS = (
    FieldSpec("first_name", "name", required=True),
    FieldSpec("email", "email", required=True),
    FieldSpec("job_title", "job_title"),
    FieldSpec("company", "company_name"),
    FieldSpec("headshot_url", "image_url"),
)
# Gleanin's writable attributes per kind, beside the owner and `external_idx`.
ATTRIBUTES: Mapping[str, tuple[str, ...]] = {
    "speakers": ("name", "job_title", "company_name", "email", "image_url"),
    "sessions": ("title", "description", "starts_at", "ends_at", "tracks"),
    "exhibitors": ("name", "description", "stand", "website", "logo_url", "email"),
    "team_members": ("name", "job_title", "email"),
}


def instant(moment: datetime, tz: Any) -> str:
    """ISO 8601 with the event zone's offset at that moment: `2027-06-10T09:30:00+02:00`."""
    return moment.astimezone(tz).isoformat(timespec="seconds")


def speaker_item(speaker: Speaker) -> Item:
    email = (speaker.email or "").lower()
    payload = {
        "name": f"{speaker.first_name} {speaker.last_name}",
        "job_title": speaker.job_title,
        "company_name": speaker.company,
        "email": speaker.email,
        "image_url": speaker.headshot_url,
    }
    lookup = (("uuid", str(speaker.id)), *((("email", email),) if email else ()))
    return Item("speakers", speaker.id, speaker_label(speaker), payload, lookup=lookup)


def session_item(session: Session, content: EventContent) -> Item:
    # Selection keeps only sessions with a start and an end.
    assert session.starts_at is not None
    assert session.ends_at is not None
    tz = content.event.tz
    people: list[uuid.UUID] = []
    for person in session.people:  # every role is a speaker on Gleanin, which has no roles
        if person.speaker_id not in people:
            people.append(person.speaker_id)
    payload = {
        "title": session.title,
        "description": session.description,
        "starts_at": instant(session.starts_at, tz),
        "ends_at": instant(session.ends_at, tz),
        "tracks": sorted((track.name for track in session.tracks), key=str.lower),
        # Optional: a speaker left out (a clash, ineligible) does not hold the session back.
        "speakers": [Ref("speakers", speaker_id, optional=True) for speaker_id in people],
    }
    return Item(
        "sessions",
        session.id,
        session_label(session),
        payload,
        lookup=(("uuid", str(session.id)),),
    )


def content_items(
    selection: Selection, content: EventContent, maps: FieldMaps | None = None
) -> Transformed:
    maps = maps or FieldMaps()
    out = Transformed(skipped=list(selection.skipped))
    eligible = {speaker.id for speaker in selection.speakers}
    out.items += [
        mapped_item(speaker_item(speaker), speaker, SPEAKER_FIELDS, maps)
        for speaker in selection.speakers
    ]
    for session in selection.sessions:
        item = mapped_item(session_item(session, content), session, SESSION_FIELDS, maps)
        if "speakers" in item.payload:
            kept = [ref for ref in item.payload["speakers"] if ref.record_id in eligible]
            item = replace(item, payload={**item.payload, "speakers": kept})
        out.items.append(item)
    return out


def person_id(exhibitor: Exhibitor, person: Person) -> uuid.UUID:
    """A team member's stable id (an `Exhibitor` gives every person one)."""
    return person.id if person.id is not None else derived_person_id(exhibitor.id, person, set())


def team_of(exhibitor: Exhibitor) -> list[Person]:
    """The people who get their own share links: the team, and the primary contact first if
    the team does not list them (by id or email)."""
    team = list(exhibitor.team)
    contact = exhibitor.primary_contact
    if contact is not None:
        ids = {person_id(exhibitor, p) for p in team}
        emails = {p.email.lower() for p in team if p.email}
        known = person_id(exhibitor, contact) in ids or (
            contact.email is not None and contact.email.lower() in emails
        )
        if not known:
            team.insert(0, contact)
    return team


def exhibitor_items(exhibitors: Iterable[Exhibitor]) -> Transformed:
    out = Transformed()
    members: list[Item] = []
    for exhibitor in exhibitors:
        label = f"exhibitor '{exhibitor.name}'"
        contact = exhibitor.primary_contact
        payload = {
            "name": exhibitor.name,
            "description": exhibitor.description,
            "website": exhibitor.website,
            "email": contact.email if contact else None,
        }
        lookup = (("uuid", str(exhibitor.id)),)
        out.items.append(Item("exhibitors", exhibitor.id, label, payload, lookup=lookup))
        for person in team_of(exhibitor):
            member_id = person_id(exhibitor, person)
            email = (person.email or "").lower()
            members.append(
                Item(
                    "team_members",
                    member_id,
                    f"team member {person.first_name} {person.last_name} of {label}",
                    {
                        "exhibitor": Ref("exhibitors", exhibitor.id),
                        "name": f"{person.first_name} {person.last_name}",
                        "email": person.email,
                    },
                    lookup=(("uuid", str(member_id)), *((("email", email),) if email else ())),
                )
            )
    out.items += members
    return out
