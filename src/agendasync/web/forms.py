"""Form fields as data, rendered by the one `form` macro (templates/macros.html).

The Connect form and the mapping form are generated from what each partner declares
(`PartnerSpec.credential_fields`, `mapping_params`), so a new partner appears on the pages
without a page change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from agendasync.domain.models import Event
from agendasync.sync.partner import PartnerEvent, PartnerSpec

FieldKind = Literal[
    "text",
    "password",
    "email",
    "url",
    "select",
    "checkbox",
    "hidden",
    "textarea",
    "date",
    "datetime-local",
    "checkboxes",  # several of the options: `chosen`
]


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    kind: FieldKind = "text"
    value: str = ""
    required: bool = False
    options: Sequence[tuple[str, str]] = ()  # (value, label) for a select
    placeholder: str = ""
    help: str = ""
    autocomplete: str = "off"
    error: str = ""  # why the value typed was refused: shown at the field
    chosen: frozenset[str] = frozenset()  # the options ticked, for "checkboxes"
    swatches: Mapping[str, str] = field(default_factory=dict)  # option -> its #RRGGBB colour


def credential_fields(spec: PartnerSpec, given: dict[str, str] | None = None) -> list[FormField]:
    """The Connect form: the partner's credentials, and its API address.

    After a refusal only the non-secret values are shown again: a secret never goes back
    into a page."""
    given = given or {}
    fields = [
        FormField(
            name=f"credential_{field.name}",
            label=field.label,
            kind="password" if field.secret else "text",
            value="" if field.secret else given.get(field.name, ""),
            required=True,
            autocomplete="new-password" if field.secret else "off",
        )
        for field in spec.credential_fields
    ]
    fields.append(
        FormField(
            name="base_url",
            label="API address",
            value=given.get("base_url", ""),
            required=spec.base_url_required,
            placeholder=spec.default_base_url or "https://…",
            help="" if spec.base_url_required else "Leave empty for the usual address.",
        )
    )
    return fields


def mapping_fields(
    spec: PartnerSpec,
    partner_events: Iterable[PartnerEvent],
    events: Iterable[Event],
    given: Mapping[str, str] | None = None,
    problems: Mapping[str, str] | None = None,
) -> list[FormField]:
    """The mapping window's form: the partner's event, ours, and the partner's parameters;
    `given` the values chosen, `problems` what to say beside a field (by its name)."""
    given, problems = given or {}, problems or {}
    fields = [
        FormField(
            name="partner_event_id",
            label=f"{spec.title} event",
            kind="select",
            required=True,
            options=[(e.id, _partner_event_label(e)) for e in partner_events],
        ),
        FormField(
            name="event",
            label="Our event",
            kind="select",
            required=True,
            options=[(e.slug, f"{e.name} ({e.timezone})") for e in events],
        ),
        *(
            FormField(name=f"param_{p.name}", label=p.label, required=True)
            for p in spec.mapping_params
        ),
        FormField(
            name="continuous", label="Continuous sync (about every 30 minutes)", kind="checkbox"
        ),
    ]
    return [
        replace(f, value=given.get(f.name, f.value), error=problems.get(f.name, "")) for f in fields
    ]


def _partner_event_label(event: PartnerEvent) -> str:
    zone = f", {event.timezone}" if event.timezone else ""
    return f"{event.name} (#{event.id}{zone})"


LOGIN_FIELDS = [
    FormField(name="email", label="Email", kind="email", required=True, autocomplete="username"),
    FormField(
        name="password",
        label="Password",
        kind="password",
        required=True,
        autocomplete="current-password",
    ),
]

ROLE_OPTIONS = [
    ("viewer", "viewer: looks only"),
    ("editor", "editor: changes content and syncs"),
    ("admin", "admin: also integrations, tokens and people"),
]

MEMBER_FIELDS = [
    FormField(name="email", label="Email", kind="email", required=True, autocomplete="off"),
    FormField(name="role", label="Role", kind="select", value="editor", options=ROLE_OPTIONS),
    FormField(
        name="password",
        label="Initial password",
        kind="password",
        autocomplete="new-password",
        help="For someone new: at least 8 characters; tell it to them, they can change it "
        "under Account. Someone who has an account already keeps their password.",
    ),
]

PASSWORD_FIELDS = [
    FormField(
        name="current_password",
        label="Current password",
        kind="password",
        required=True,
        autocomplete="current-password",
    ),
    FormField(
        name="new_password",
        label="New password",
        kind="password",
        required=True,
        autocomplete="new-password",
        help="At least 8 characters.",
    ),
    FormField(
        name="new_password_again",
        label="New password again",
        kind="password",
        required=True,
        autocomplete="new-password",
    ),
]

TOKEN_FIELDS = [
    FormField(name="name", label="Name", required=True, placeholder="e.g. website build"),
    FormField(
        name="scope",
        label="Scope",
        kind="select",
        options=[("read", "read: look only"), ("write", "write: read and change")],
    ),
]


def sessionize_fields(
    event: Event, given: Mapping[str, str] | None = None, problems: Mapping[str, str] | None = None
) -> list[FormField]:
    """The Sessionize settings, one form with Save and Sync: the API ID, the category map (one
    `TITLE=DIMENSION` a line) and the speaker emails key. `given` the values as typed (shown
    again after a refusal), `problems` what to say beside a field."""
    given, problems = given or {}, problems or {}
    saved_map = "\n".join(
        f"{title}={value}" for title, value in sorted(event.sessionize_category_map.items())
    )
    fields = [
        FormField(
            name="endpoint_id",
            label="Sessionize API ID",
            value=event.sessionize_endpoint_id or "",
            placeholder="e.g. jl4ktls0",
            help="Only the ID from the event's API / Embed page in Sessionize "
            "(a pasted endpoint URL works too).",
        ),
        FormField(
            name="category_map",
            label="Category map",
            kind="textarea",
            value=saved_map,
            placeholder="Session format=format",
            help="One 'Category title=what its items become' a line: tracks, levels, format, "
            "language, tags or ignore. Categories not named here are mapped by a keyword of "
            "their title (track, level, format or type, language); multi-choice titles and all "
            "others become tags.",
        ),
        FormField(
            name="emails_key",
            label="Speaker emails key",
            kind="password",
            help="From Sessionize support; fills in speakers' emails when syncing. It is not kept.",
            autocomplete="new-password",
        ),
    ]
    # A secret typed (the emails key) never goes back into the page.
    return [
        replace(
            f,
            value=f.value if f.kind == "password" else given.get(f.name, f.value),
            error=problems.get(f.name, ""),
        )
        for f in fields
    ]


def refilled(
    fields: Iterable[FormField], values: Mapping[str, str], errors: Mapping[str, str]
) -> list[FormField]:
    """The fields again after a refusal: what was typed (never a password) and each field's
    error beside it."""
    return [
        replace(
            f,
            value=f.value if f.kind == "password" else values.get(f.name, f.value),
            error=as_sentence(errors.get(f.name, "")),
        )
        for f in fields
    ]


def as_sentence(text: str) -> str:
    """A message as a sentence: a capital first, a full stop last."""
    text = text.strip()
    if not text:
        return ""
    return text[0].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")
