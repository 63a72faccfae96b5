"""The session form: its fields from a session (or from what was typed), and what was typed as
the values the REST API takes for a session (`SessionEntry`: taxonomy by name, people by
speaker id), so the page writes through the same service and validation."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData

from agendasync.domain.event_json import SessionEntry
from agendasync.domain.models import Event, Role, SessionStatus, TaxonomyItem, TaxonomyKind
from agendasync.store.editing import SpeakerChoice
from agendasync.web.forms import FormField, refilled
from agendasync.web.refusals import Refusal

# The session's lists the form offers to tick, with the kind of item each holds.
CLASSIFIED_AS: Sequence[tuple[str, TaxonomyKind, str]] = (
    ("locations", TaxonomyKind.LOCATION, "Rooms"),
    ("tracks", TaxonomyKind.TRACK, "Tracks"),
    ("tags", TaxonomyKind.TAG, "Tags"),
)
LABELS = {
    "title": "Title",
    "description": "Description",
    "status": "Status",
    "starts_at": "Start time",
    "ends_at": "End time",
    **{name: label for name, _, label in CLASSIFIED_AS},
}
_LOCAL = "%Y-%m-%dT%H:%M"  # what a datetime-local field holds
BLANK_ROWS = 2  # empty people rows under the session's own, to add people
_PERSON = re.compile(r"^people_(\d+)_speaker$")


@dataclass(frozen=True)
class Typed:
    """The form's values as typed (or as the session holds them)."""

    values: Mapping[str, str]
    chosen: Mapping[str, frozenset[str]]  # taxonomy list -> the names ticked
    people: Sequence[tuple[str, str]]  # (speaker id, role), in order


_VALUES = ("title", "description", "status", "starts_at", "ends_at")


def blank() -> Typed:
    """A new session's form."""
    return Typed(
        dict.fromkeys(_VALUES, ""), {name: frozenset() for name, _, _ in CLASSIFIED_AS}, []
    )


def typed(form: FormData) -> Typed:
    rows = sorted(int(m[1]) for key in form if (m := _PERSON.match(key)))
    people = [
        (str(form.get(f"people_{i}_speaker", "")), str(form.get(f"people_{i}_role", "")))
        for i in rows
    ]
    return Typed(
        values={
            name: str(form.get(name, ""))
            for name in ("title", "description", "status", "starts_at", "ends_at")
        },
        chosen={name: frozenset(map(str, form.getlist(name))) for name, _, _ in CLASSIFIED_AS},
        people=[(speaker, role) for speaker, role in people if speaker],
    )


def of_session(entry: SessionEntry, event: Event) -> Typed:
    def local(name: str) -> str:
        value = getattr(entry, name)
        return value.astimezone(event.tz).strftime(_LOCAL) if value else ""

    return Typed(
        values={
            "title": entry.title,
            "description": entry.description,
            "status": entry.status.value,
            "starts_at": local("starts_at"),
            "ends_at": local("ends_at"),
        },
        chosen={name: frozenset(getattr(entry, name)) for name, _, _ in CLASSIFIED_AS},
        people=[(p.speaker, p.role.value) for p in entry.people],
    )


def entry_values(given: Typed) -> dict[str, Any]:
    """What was typed as a session's values: times in the event's zone, empty ones none."""
    values = given.values
    return {
        "title": values["title"],
        "description": values["description"],
        "status": values["status"],
        "starts_at": values["starts_at"].strip() or None,
        "ends_at": values["ends_at"].strip() or None,
        **{name: sorted(given.chosen[name]) for name, _, _ in CLASSIFIED_AS},
        "people": [{"speaker": speaker, "role": role} for speaker, role in given.people],
    }


@dataclass(frozen=True)
class SessionForm:
    fields: list[FormField]
    people: list[tuple[FormField, FormField]]  # a row per person: who, in which role


def session_form(
    given: Typed,
    taxonomy: Sequence[TaxonomyItem],
    speakers: Sequence[SpeakerChoice],
    refused: Refusal | None = None,
) -> SessionForm:
    errors = refused.errors if refused else {}
    values = given.values
    fields = [
        FormField("title", LABELS["title"], value=values["title"], required=True),
        FormField("description", LABELS["description"], "textarea", values["description"]),
        FormField(
            "status",
            LABELS["status"],
            "select",
            values["status"] or SessionStatus.SUBMITTED.value,
            options=[(s.value, s.value.capitalize()) for s in SessionStatus],
        ),
        FormField(
            "starts_at",
            LABELS["starts_at"],
            "datetime-local",
            values["starts_at"],
            help="In the event's time zone. Leave both times empty for an unscheduled session.",
        ),
        FormField("ends_at", LABELS["ends_at"], "datetime-local", values["ends_at"]),
    ]
    for name, kind, label in CLASSIFIED_AS:
        items = [item for item in taxonomy if item.kind is kind]
        fields.append(
            FormField(
                name,
                label,
                "checkboxes",
                options=[(item.name, item.name) for item in items],
                chosen=given.chosen[name],
                swatches={item.name: item.colour for item in items if item.colour},
            )
        )
    return SessionForm(refilled(fields, {}, errors), _people_rows(given, speakers, errors))


def _people_rows(
    given: Typed, speakers: Sequence[SpeakerChoice], errors: Mapping[str, str]
) -> list[tuple[FormField, FormField]]:
    who = [("", "Nobody"), *((str(s.id), s.label) for s in speakers)]
    roles = [(role.value, role.value.capitalize()) for role in Role]
    rows = [*given.people, *[("", Role.SPEAKER.value)] * BLANK_ROWS]
    return [
        (
            FormField(
                f"people_{i}_speaker",
                f"Person {i + 1}",
                "select",
                speaker,
                options=who,
                error=errors.get(f"people_{i}_speaker", ""),
            ),
            FormField(f"people_{i}_role", f"Role of person {i + 1}", "select", role, options=roles),
        )
        for i, (speaker, role) in enumerate(rows)
    ]


def people_labels(given: Typed) -> dict[str, str]:
    """The people rows' labels, for naming their problems ("people.0.speaker" -> row 1)."""
    return {f"people_{i}_speaker": f"Person {i + 1}" for i in range(len(given.people))}


def people_places(given: Typed) -> dict[str, str]:
    return {f"people.{i}.speaker": f"people_{i}_speaker" for i in range(len(given.people))}
