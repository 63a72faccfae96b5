"""A record's form in the pages, described once per kind and handled the same way for all.

The form's names follow the places `InvalidContent` names ("email", "primary_contact.email",
"team.1.email"), so a refusal lands next to the field that caused it. What was typed is kept as
typed (strings) and shown again on a refusal; only a valid whole is written, by the services.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel

from agendasync.domain.wording import plain
from agendasync.web.forms import FormField

InputKind = Literal["text", "email", "url", "textarea", "select", "list"]


@dataclass(frozen=True)
class Input:
    """One value of the record; a "list" is typed as comma-separated names (tags)."""

    name: str
    label: str
    kind: InputKind = "text"
    required: bool = False
    help: str = ""
    options: Sequence[tuple[str, str]] = ()
    autocomplete: str = "off"


@dataclass(frozen=True)
class Group:
    """Inputs shown together; `nested` names the object of the record they fill (a primary
    contact), left out when all its inputs are empty."""

    legend: str
    inputs: tuple[Input, ...]
    nested: str | None = None


@dataclass(frozen=True)
class Rows:
    """A list of people of the record, a row each, with stable ids: rows are added with a
    button, removed with a box ticked, and an empty row adds nobody."""

    name: str
    legend: str  # of one row: "Team member"
    inputs: tuple[Input, ...]
    add_label: str


@dataclass(frozen=True)
class RecordForm:
    groups: tuple[Group, ...]
    rows: Rows | None = None


@dataclass
class Typed:
    """What the form holds: values by form name, the number of rows, refusals by form name."""

    values: dict[str, str] = field(default_factory=dict)
    rows: int = 0
    errors: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # refusals of no single field


# --- from a record, from a post -------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def _group_key(group: Group, item: Input) -> str:
    return f"{group.nested}.{item.name}" if group.nested else item.name


def _row_key(rows: Rows, index: int, name: str) -> str:
    return f"{rows.name}.{index}.{name}"


def typed_from(form: RecordForm, record: BaseModel | None, *, blank_rows: int = 1) -> Typed:
    """The form filled with a record's values (a new record's form when `record` is None),
    with `blank_rows` empty rows to add people."""
    typed = Typed()
    for group in form.groups:
        source: Any = getattr(record, group.nested) if record and group.nested else record
        for item in group.inputs:
            default = item.options[0][0] if item.options else ""
            value = _text(getattr(source, item.name)) if source is not None else default
            typed.values[_group_key(group, item)] = value
        if group.nested and source is not None:
            typed.values[f"{group.nested}.id"] = _text(source.id)
    if form.rows:
        people = list(getattr(record, form.rows.name)) if record else []
        for index, person in enumerate(people):
            for name in ("id", *(item.name for item in form.rows.inputs)):
                typed.values[_row_key(form.rows, index, name)] = _text(getattr(person, name))
        typed.rows = len(people) + blank_rows
    return typed


def typed_from_post(form: RecordForm, posted: Mapping[str, Any]) -> Typed:
    """The form as it was posted; its "add a row" button asks for one more empty row."""
    typed = Typed()
    for group in form.groups:
        keys = [_group_key(group, item) for item in group.inputs]
        for key in [*keys, *([f"{group.nested}.id"] if group.nested else [])]:
            typed.values[key] = str(posted.get(key, ""))
    if form.rows:
        rows = form.rows
        try:
            count = min(int(str(posted.get(f"{rows.name}.rows", "0"))), 500)
        except ValueError:
            count = 0
        for index in range(count):
            for name in ("id", "remove", *(item.name for item in rows.inputs)):
                key = _row_key(rows, index, name)
                typed.values[key] = str(posted.get(key, ""))
        typed.rows = count + (1 if posted.get("add_row") == rows.name else 0)
    return typed


# --- to the record's values -----------------------------------------------------------------------


def _value(item: Input, text: str) -> Any:
    if item.kind == "list":
        return [part.strip() for part in text.split(",") if part.strip()]
    return text


@dataclass(frozen=True)
class Values:
    """The record's values from a form, and where each row of people came from (row `i` of
    the record is row `origin[i]` of the form: empty and removed rows are left out)."""

    values: dict[str, Any]
    origin: tuple[int, ...] = ()


def values_of(form: RecordForm, typed: Typed, defaults: Mapping[str, Any]) -> Values:
    """The values to write. An empty field takes its default from `defaults` (a cleared field
    is cleared, not left as it was); a required one stays empty, and is refused by name."""
    values: dict[str, Any] = {}
    for group in form.groups:
        here = {
            item.name: typed.values.get(_group_key(group, item), "").strip()
            for item in group.inputs
        }
        given = {
            item.name: _value(item, here[item.name])
            for item in group.inputs
            if here[item.name] or item.required
        }
        if not group.nested:
            values |= {item.name: defaults.get(item.name) for item in group.inputs} | given
        elif any(here.values()):
            kept_id = typed.values.get(f"{group.nested}.id", "")
            values[group.nested] = given | ({"id": kept_id} if kept_id else {})
        else:
            values[group.nested] = None
    origin: list[int] = []
    if form.rows:
        rows = form.rows
        people = []
        for index in range(typed.rows):
            row = {
                item.name: typed.values.get(_row_key(rows, index, item.name), "").strip()
                for item in rows.inputs
            }
            if typed.values.get(_row_key(rows, index, "remove")) or not any(row.values()):
                continue
            person = {name: value for name, value in row.items() if value}
            person_id = typed.values.get(_row_key(rows, index, "id"), "")
            people.append(person | ({"id": person_id} if person_id else {}))
            origin.append(index)
        values[rows.name] = people
    return Values(values, tuple(origin))


# --- refusals -------------------------------------------------------------------------------------


def _labels(form: RecordForm) -> dict[str, Input]:
    found = {_group_key(g, item): item for g in form.groups for item in g.inputs}
    if form.rows:
        found |= {f"{form.rows.name}.{item.name}": item for item in form.rows.inputs}
    return found


def in_words(message: str, item: Input) -> str:
    """A validation message as a person reads it, next to the field labelled `item.label`."""
    text = plain(message, item.label[0].lower() + item.label[1:])
    if item.kind == "email" and text.endswith("is not an email address"):
        return f"{text}: write it as name@example.com."
    return text[0].upper() + text[1:] if text else text


def refused(
    form: RecordForm, typed: Typed, origin: Sequence[int], problems: Sequence[tuple[str, str]]
) -> Typed:
    """`typed` with each problem (place, message) next to its field, in the user's words."""
    labels = _labels(form)
    for place, message in problems:
        parts = place.split(".")
        if form.rows and parts[0] == form.rows.name and len(parts) > 2 and parts[1].isdigit():
            row = origin[int(parts[1])] if int(parts[1]) < len(origin) else 0
            key, label_key = _row_key(form.rows, row, parts[2]), f"{parts[0]}.{parts[2]}"
        else:
            # The longest start of the place that is a field: "tags.0" is the tags field.
            key = label_key = next(
                (".".join(parts[:n]) for n in (2, 1) if ".".join(parts[:n]) in labels), place
            )
        item = labels.get(label_key)
        if item is None or key in typed.errors:
            typed.problems.append(in_words(message, Input(place, place)))
        else:
            typed.errors[key] = in_words(message, item)
    return typed


# --- to the template ------------------------------------------------------------------------------


def _field(item: Input, key: str, typed: Typed) -> FormField:
    kinds = {"list": "text", "textarea": "textarea", "select": "select"}
    return FormField(
        name=key,
        label=item.label,
        kind=kinds.get(item.kind, item.kind),  # type: ignore[arg-type]
        value=typed.values.get(key, ""),
        required=item.required,
        options=item.options,
        help=item.help,
        autocomplete=item.autocomplete,
        error=typed.errors.get(key, ""),
    )


@dataclass(frozen=True)
class ShownGroup:
    legend: str
    fields: list[FormField]
    kept: dict[str, str] = field(default_factory=dict)  # hidden values: a person's id


@dataclass(frozen=True)
class ShownRow:
    legend: str
    fields: list[FormField]
    person_id: str
    remove: FormField


@dataclass(frozen=True)
class ShownForm:
    groups: list[ShownGroup]
    rows: list[ShownRow]
    rows_spec: Rows | None
    errors: list[tuple[str, str]]  # (field id, message) for the summary at the top


def shown(form: RecordForm, typed: Typed) -> ShownForm:
    groups = []
    for g in form.groups:
        id_key = f"{g.nested}.id"
        kept = {id_key: typed.values[id_key]} if typed.values.get(id_key) else {}
        groups.append(
            ShownGroup(
                g.legend, [_field(item, _group_key(g, item), typed) for item in g.inputs], kept
            )
        )
    rows = []
    if form.rows:
        spec = form.rows
        for index in range(typed.rows):
            person_id = typed.values.get(_row_key(spec, index, "id"), "")
            remove_key = _row_key(spec, index, "remove")
            rows.append(
                ShownRow(
                    f"{spec.legend} {index + 1}",
                    [_field(item, _row_key(spec, index, item.name), typed) for item in spec.inputs],
                    person_id,
                    FormField(
                        name=remove_key,
                        label="Remove from the list",
                        kind="checkbox",
                        value=typed.values.get(remove_key, ""),
                    ),
                )
            )
    errors = [(f"field-{key}", message) for key, message in typed.errors.items()]
    errors += [("", message) for message in typed.problems]
    return ShownForm(groups, rows, form.rows, errors)


def label_of(form: RecordForm, name: str) -> str | None:
    """The field's label as a sentence says it ("email"), if the form has the field."""
    item = _labels(form).get(name)
    return item.label[0].lower() + item.label[1:] if item else None
