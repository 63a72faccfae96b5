"""Select: which records a sync sends, and for every other one the reason why not (SPEC §4).

Pure. The partner's declared `Eligibility` supplies what differs between partners.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from agendasync.domain.models import (
    EventContent,
    Session,
    SessionStatus,
    Speaker,
    SpeakerStatus,
)
from agendasync.sync.model import Skip


@dataclass(frozen=True)
class Eligibility:
    """What a partner requires of what it receives."""

    session_required: tuple[str, ...] = ()  # beyond title, start and end (R-ELIG-4: ASP)
    speaker_required: tuple[str, ...] = ("first_name", "last_name", "email")
    skip_ended: bool = True  # R-ELIG-2: Swoogo, ExpoPlatform, ASP Events
    future_start_only: bool = False  # R-ELIG-2: ExpoPlatform


@dataclass
class Selection:
    sessions: list[Session] = field(default_factory=list)
    speakers: list[Speaker] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)


def session_label(session: Session) -> str:
    return f"session '{session.title}'"


def speaker_label(speaker: Speaker) -> str:
    return f"speaker {speaker.first_name} {speaker.last_name}"


def _local(moment: datetime, tz: tzinfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _session_problem(session: Session, rules: Eligibility, now: datetime, tz: tzinfo) -> str | None:
    if session.withdrawn:
        return "withdrawn: it is no longer in the source it was imported from"
    if session.is_service:
        return "a service session (break, meal); those are never synced"
    if session.placeholder:
        return "a placeholder (to be announced); placeholders are never synced"
    if session.status is not SessionStatus.ACCEPTED:
        return f"status is '{session.status.value}'; only accepted sessions are synced"
    if session.starts_at is None or session.ends_at is None:
        return "no start or end time; sessions need both to be synced"
    if rules.skip_ended and session.ends_at <= now:
        return f"already ended ({_local(session.ends_at, tz)})"
    if rules.future_start_only and session.starts_at <= now:
        return f"already started ({_local(session.starts_at, tz)})"
    missing = [name for name in rules.session_required if not getattr(session, name)]
    if missing:
        return f"missing required field: {', '.join(missing)}"
    return None


def _speaker_problem(speaker: Speaker, rules: Eligibility) -> str | None:
    if speaker.withdrawn:
        return "withdrawn: it is no longer in the source it was imported from"
    if speaker.placeholder:
        return "a placeholder (to be announced); placeholders are never synced"
    if speaker.status is not SpeakerStatus.ACCEPTED:
        return f"status is '{speaker.status.value}'; only accepted speakers are synced"
    missing = [name for name in rules.speaker_required if not getattr(speaker, name)]
    if missing:
        return f"missing required field: {', '.join(missing)}"
    return None


def select(content: EventContent, rules: Eligibility, now: datetime) -> Selection:
    """Eligible sessions, the eligible people on them, and a reason for every one left out."""
    selection = Selection()
    for session in content.sessions:
        problem = _session_problem(session, rules, now, content.event.tz)
        if problem:
            selection.skipped.append(Skip("sessions", session.id, session_label(session), problem))
        else:
            selection.sessions.append(session)

    on_eligible_sessions = {p.speaker_id for s in selection.sessions for p in s.people}
    for speaker in content.speakers:
        if speaker.id not in on_eligible_sessions:
            continue  # not part of what is synced at all
        problem = _speaker_problem(speaker, rules)
        if problem:
            selection.skipped.append(Skip("speakers", speaker.id, speaker_label(speaker), problem))
        else:
            selection.speakers.append(speaker)
    return selection


def focus(content: EventContent, record_id: uuid.UUID) -> set[uuid.UUID]:
    """R-SYNC-2: the records a sync of one session or one speaker covers.

    A session brings its taxonomy and its people; a speaker comes alone (linked to those of
    its sessions the partner already holds).
    """
    for session in content.sessions:
        if session.id == record_id:
            taxonomy: Iterable[uuid.UUID] = (
                item.id
                for item in (
                    *session.tags,
                    *session.tracks,
                    *session.locations,
                    *session.levels,
                    *([session.format] if session.format else []),
                )
            )
            return {session.id, *taxonomy, *(p.speaker_id for p in session.people)}
    if any(speaker.id == record_id for speaker in content.speakers):
        return {record_id}
    raise LookupError(f"no session or speaker with id {record_id} in this event")
