"""The Swoogo simulator's rules, without HTTP (`simulator.py` serves them): validation,
seeding, the generic create/update/delete/list over the `EntitySpec`s, field definitions and
their choices, speakers' sessions, images, and search/sort/paging. Its errors are
`SwoogoError`s; the tables are `SwoogoTables`', the credentials and credits `SwoogoAccess`'.

Settled here (ASSUMPTIONs, where the notes leave it open):

- Unknown form fields are silently ignored (Yii2 "safe attributes"), so is `event_id` on
  update. An empty optional field clears it.
- Validation beyond the documented rules, with Yii2 wording: `capacity` >= 0, `end_time` >=
  `start_time` (a session cannot span midnight), `use_event_timezone=0` needs a `timezone`.
  `location_id`/`track_id`/`level` must exist in the record's event ("... is invalid.").
- Lists: the minimal default `fields` apply to list calls only; a single GET returns every
  field unless `fields=` is given. `page` past the last page answers the last page again
  (Yii2 `validatePage`); `per-page` is clamped to 1..200. `event_id` is required on sessions,
  speakers, sponsors, locations and tracks (400 "Missing required parameters: event_id"); an
  unknown event answers 404. On `/sessions/fields` and `/sponsors/fields` `event_id` is an
  optional filter. Unknown sort fields are ignored. Conditions on `c_<id>` are dropped
  silently (the real API's bug); an unknown attribute answers 400.
- Speakers' sessions are added all-or-nothing and de-duplicated; unlinking a session that is
  not linked is a 404.
- Field choices: `{"name"}` adds, `{"id","name"}` renames, `{"id","delete":true}` removes.
- Images: there are no registrants, so that type always answers 404.
"""

from __future__ import annotations

import copy
import math
import re
import secrets
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from agendasync.partners.swoogo.simulator_access import Credential
from agendasync.partners.swoogo.simulator_entities import (
    CHOICE_TYPES,
    ENTITIES,
    EVENTS,
    FIELDS,
    Attr,
    EntitySpec,
    url_slug,
)
from agendasync.partners.swoogo.simulator_images import (
    ASSET_BASE,
    EXTENSION_KIND,
    IMAGE_EXTENSIONS,
    IMAGE_FIELDS,
    StoredImage,
    format_size,
    sniff_image,
)
from agendasync.partners.swoogo.simulator_query import (
    FORMATS,
    INTEGER,
    INTEGER_KINDS,
    ListQuery,
    as_list,
    form_value,
    invalid_message,
    sort_key,
)
from agendasync.partners.swoogo.simulator_rules import (
    FieldErrors,
    Form,
    Row,
    SwoogoError,
    ValidationFailed,
    not_found,
)
from agendasync.partners.swoogo.simulator_tables import SwoogoTables


class SwoogoState(SwoogoTables):
    """Swoogo's data, in memory, and the rules that guard it (see `SwoogoTables` for the
    tables and rows)."""

    # -- seeding (Python API) ----------------------------------------------------------------

    def add_credentials(self, key: str, secret: str) -> int:
        """Register an API credential; returns the id of the user it acts as."""
        user_id = self._next_id("users")
        self._credentials[key] = Credential(key, secret, user_id)
        return user_id

    def add_event(
        self,
        name: str,
        *,
        timezone: str = "UTC",
        start_date: str | None = None,
        end_date: str | None = None,
        status: str = "live",
        sponsor_levels: Sequence[str] = ("Gold", "Silver", "Bronze"),
        **fields: Any,
    ) -> int:
        """Create an event (validated like any write: `America/New_York` is refused)."""
        values = {"name": name, "timezone": timezone, "status": status, **fields}
        values |= {"start_date": start_date, "end_date": end_date}
        row = self._insert(EVENTS, {k: form_value(v) for k, v in values.items()}, None)
        row["url"] = row.get("url") or url_slug(name)
        for spec in ENTITIES.values():
            for sort, (attribute, label, kind) in enumerate(spec.builtin_fields):
                self._add_field_def(spec.name, row["id"], attribute, label, kind, sort)
        for level in sponsor_levels:
            self.add_sponsor_level(row["id"], level)
        return int(row["id"])

    def add_custom_field(
        self,
        entity: str,
        event_id: int,
        name: str,
        *,
        type: str = "text",
        choices: Sequence[str] = (),
    ) -> int:
        """Define a custom field `c_<id>` on sessions or sponsors of an event."""
        spec = self._spec(entity)
        if not spec.custom_fields:
            raise ValueError(f"{spec.name} have no custom fields")
        self._row("events", event_id)
        sort = sum(1 for r in self.field_defs.values() if r["entity"] == spec.name)
        row = self._add_field_def(spec.name, event_id, "", name, type, sort)
        row["attribute"] = f"c_{row['id']}"
        for choice in choices:
            self._add_choice(row, choice)
        return int(row["id"])

    def add_sponsor_level(self, event_id: int, name: str) -> int:
        """Add a tier to the event's `level` field; returns the choice id."""
        return self._add_choice(self.level_field(event_id), name)

    def seed(self, entity: str, **values: Any) -> int:
        """Create a row through the same rules as `POST /<entity>/create`; returns its id."""
        spec = self._spec(entity)
        form = {k: form_value(v) for k, v in values.items()}
        return int(self._insert(spec, form, None)["id"])

    def admin_delete(self, entity: str, row_id: int) -> None:
        """Delete as a person would in Swoogo's UI: any entity, no credits, links cleaned."""
        spec = self._spec(entity)
        self._row(spec.name, row_id)
        self._remove(spec.name, row_id)

    # -- generic create / update / delete / list ---------------------------------------------

    def create(self, entity: str, form: Form, *, user_id: int | None = None) -> Row:
        spec = self._spec(entity)
        if not spec.writable:
            raise SwoogoError(405, f"{spec.name} cannot be created through the API.")
        return self._insert(spec, form, user_id)

    def update(self, entity: str, row_id: int, form: Form, *, user_id: int | None = None) -> Row:
        spec = self._spec(entity)
        current = self._row(spec.name, row_id)
        row = self._clean(spec, form, current)
        row["updated_at"], row["updated_by"] = self._now(), user_id
        self._tables[spec.name][row_id] = row
        return row

    def delete(self, entity: str, row_id: int) -> None:
        spec = self._spec(entity)
        self._row(spec.name, row_id)
        self._remove(spec.name, row_id)

    def list_records(
        self, entity: str, query: ListQuery
    ) -> tuple[list[dict[str, Any]], dict[str, int]]:
        spec = self._spec(entity)
        rows = list(self._tables[spec.name].values())
        if spec.event_scoped:
            if query.event_id is None:
                raise SwoogoError(400, "Missing required parameters: event_id")
            self._row("events", query.event_id)
            rows = [r for r in rows if r["event_id"] == query.event_id]
        return self._page(spec, rows, query)

    def list_fields(
        self, entity: str, query: ListQuery
    ) -> tuple[list[dict[str, Any]], dict[str, int]]:
        """`GET /<entity>/fields`: field definitions, optionally of one event."""
        name = self._spec(entity).name
        rows = [
            r
            for r in self.field_defs.values()
            if r["entity"] == name and query.event_id in (None, r["event_id"])
        ]
        return self._page(FIELDS, rows, query)

    def field_def(self, entity: str, field_id: int) -> Row:
        row = self.field_defs.get(field_id)
        if row is None or row["entity"] != self._spec(entity).name:
            raise not_found(field_id)
        return row

    def update_field(self, entity: str, field_id: int, body: Any) -> Row:
        """`PUT /<entity>/field/{id}` with `{"name"?, "choices": [...]}` (add/rename/delete)."""
        row = self.field_def(entity, field_id)
        if not isinstance(body, dict):
            raise SwoogoError(400, "The request body must be a JSON object.")
        errors = FieldErrors()
        updated = copy.deepcopy(row)
        if "name" in body:
            if not isinstance(body["name"], str) or not body["name"].strip():
                errors.add("name", "Name cannot be blank.")
            else:
                updated["name"] = body["name"]
        if "choices" in body:
            self._apply_choices(updated, body["choices"], errors)
        errors.raise_if_any()
        for choice in updated["choices"]:
            if choice["id"] is None:
                choice["id"] = self._next_id("choices")
        updated["updated_at"] = self._now()
        self.field_defs[field_id] = updated
        return updated

    # -- speakers <-> sessions ---------------------------------------------------------------

    def link_sessions(self, speaker_id: int, session_ids: Any) -> Row:
        """Add sessions to a speaker (de-duplicated, all-or-nothing, same event only)."""
        speaker = self._row("speakers", speaker_id)
        if session_ids in (None, "", []):
            raise ValidationFailed(
                [{"field": "session_ids", "message": "Session Ids cannot be blank."}]
            )
        items = session_ids if isinstance(session_ids, list) else [session_ids]
        wanted: list[int] = []
        for item in items:
            if isinstance(item, bool) or not (
                isinstance(item, int) or (isinstance(item, str) and item.strip().isdigit())
            ):
                raise ValidationFailed(
                    [{"field": "session_ids", "message": "Session Ids must be a list of integers."}]
                )
            wanted.append(int(item))
        for session_id in wanted:
            session = self.sessions.get(session_id)
            if session is None:
                message = f"Session {session_id} does not exist."
            elif session["event_id"] != speaker["event_id"]:
                message = f"Session {session_id} does not belong to the speaker's event."
            else:
                continue
            raise ValidationFailed([{"field": "session_ids", "message": message}])
        linked = speaker["session_ids"]
        for session_id in wanted:
            if session_id not in linked:
                linked.append(session_id)
        speaker["updated_at"] = self._now()
        return speaker

    def unlink_session(self, speaker_id: int, session_id: int) -> None:
        speaker = self._row("speakers", speaker_id)
        if session_id not in speaker["session_ids"]:
            raise not_found(session_id)
        speaker["session_ids"].remove(session_id)
        speaker["updated_at"] = self._now()

    # -- images ------------------------------------------------------------------------------

    def upload_image(
        self,
        image_type: str,
        target_id: int,
        field_id: str,
        filename: str | None,
        data: bytes | None,
    ) -> dict[str, Any]:
        stored_field = self._image_target(image_type, target_id, field_id)
        label = filename or "file"
        extensions = ", ".join(IMAGE_EXTENSIONS)
        extension = filename.rpartition(".")[2].lower() if filename and "." in filename else ""
        if data is None:
            message = "Please upload a file."
        elif len(data) > self.knobs.image_max_bytes:
            limit = format_size(self.knobs.image_max_bytes)
            message = f'The file "{label}" is too big. Its size cannot exceed {limit}.'
        elif extension not in EXTENSION_KIND:
            message = f"Only files with these extensions are allowed: {extensions}."
        elif sniff_image(data) != EXTENSION_KIND[extension]:
            message = f'The file "{label}" is not an image.'
        else:
            message = ""
        if message or data is None:
            raise ValidationFailed([{"field": "file", "message": message}])
        image_id = self._next_id("images")
        url = f"{ASSET_BASE}/medium/{image_id}-{secrets.token_hex(4)}.{extension}"
        self.images[(image_type, target_id, stored_field)] = StoredImage(
            image_type, target_id, stored_field, url, label, data
        )
        if image_type == "contact":
            for speaker in self.find("speakers", contact_id=target_id):
                speaker["profile_picture"] = url
        elif image_type == "sponsor":
            self.sponsors[target_id]["logo_id"] = url
        return {
            "message": "File Uploaded Successfully",
            "status": 200,
            "type": image_type,
            "id": str(target_id),
            "field": field_id,
            "url": url,
        }

    def get_image(self, image_type: str, target_id: int, field_id: str) -> dict[str, Any]:
        stored_field = self._image_target(image_type, target_id, field_id)
        image = self.images.get((image_type, target_id, stored_field))
        return {
            "field": field_id,
            "id": str(target_id),
            "message": "File Retrieved Successfully",
            "status": 200,
            "type": image_type,
            "url": image.url if image else None,
        }

    # -- internals ---------------------------------------------------------------------------

    def _insert(self, spec: EntitySpec, form: Form, user_id: int | None) -> Row:
        row = self._clean(spec, form, None)
        row["id"] = self._next_id(spec.name)
        row["created_at"] = row["updated_at"] = self._now()
        row["created_by"] = row["updated_by"] = user_id
        if spec.on_create is not None:
            spec.on_create(self, row)
        self._tables[spec.name][row["id"]] = row
        return row

    def _clean(self, spec: EntitySpec, form: Form, current: Row | None) -> Row:
        """Validate `form` against `spec` (Yii2 rules and wording) into a new row."""
        errors = FieldErrors()
        creating = current is None
        row: Row = dict(current) if current else {a.name: a.default for a in spec.attrs}
        for attr in spec.attrs:
            if attr.immutable and not creating:
                continue
            raw = form.get(attr.name)
            if raw is None or raw in ("", []):
                if attr.required and (creating or raw is not None):
                    errors.add(attr.name, f"{attr.label} cannot be blank.")
                elif raw is not None:
                    row[attr.name] = attr.default
                continue
            try:
                row[attr.name] = self._convert(attr, raw)
            except ValueError as exc:
                errors.add(attr.name, str(exc))
        event_id = row.get("event_id")
        if spec.event_scoped and event_id in self.events:
            for attr in spec.attrs:
                value = row.get(attr.name)
                checked = attr.name in form and value is not None and not errors.has(attr.name)
                if checked and not self._belongs(attr, value, event_id):
                    errors.add(attr.name, f"{attr.label} is invalid.")
            if spec.custom_fields:
                for definition in self._custom_defs(spec.name, event_id):
                    name = definition["attribute"]
                    if name in form:
                        try:
                            row[name] = _custom_value(definition, form[name])
                        except ValueError as exc:
                            errors.add(name, str(exc))
        if spec.check is not None:
            spec.check(self, row, errors)
        errors.raise_if_any()
        return row

    def _convert(self, attr: Attr, raw: str | list[str]) -> Any:
        label = attr.label
        if isinstance(raw, list):
            raise ValueError(invalid_message(attr.kind, label))
        if attr.kind in INTEGER_KINDS:
            if not INTEGER.fullmatch(raw):
                raise ValueError(invalid_message(attr.kind, label))
            value = int(raw)
            if attr.minimum is not None and value < attr.minimum:
                raise ValueError(f"{label} must be no less than {attr.minimum}.")
            if attr.kind == "event" and value not in self.events:
                raise ValueError(f"{label} is invalid.")
            return value
        if attr.kind == "bool":
            if raw not in ("1", "0"):
                raise ValueError(invalid_message("bool", label))
            return raw == "1"
        if attr.kind in FORMATS:
            accepts, message = FORMATS[attr.kind]
            if not accepts(raw):
                raise ValueError(message.format(label=label))
            return raw
        limit = attr.max_length or (255 if attr.kind == "string" else None)
        if limit is not None and len(raw) > limit:
            raise ValueError(f"{label} should contain at most {limit} characters.")
        return raw

    def _belongs(self, attr: Attr, value: Any, event_id: int) -> bool:
        """Does a `ref`/`level` value exist within the event?"""
        if attr.kind == "ref":
            target = self._tables[attr.ref].get(value)
            return target is not None and target["event_id"] == event_id
        if attr.kind == "level":
            return any(c["id"] == value for c in self.level_field(event_id)["choices"])
        return True

    def _add_field_def(
        self, entity: str, event_id: int, attribute: str, name: str, kind: str, sort: int
    ) -> Row:
        row: Row = {
            "id": self._next_id("fields"),
            "entity": entity,
            "event_id": event_id,
            "attribute": attribute,
            "name": name,
            "type": kind,
            "required": attribute == "name",
            "visible": True,
            "sort": sort,
            "choices": [],
            "created_at": self._now(),
            "updated_at": self._now(),
        }
        self.field_defs[row["id"]] = row
        return row

    def _add_choice(self, definition: Row, name: str) -> int:
        choice_id = self._next_id("choices")
        sort = max((c["sort"] for c in definition["choices"]), default=-1) + 1
        definition["choices"].append({"id": choice_id, "name": name, "sort": sort})
        return choice_id

    def _apply_choices(self, row: Row, changes: Any, errors: FieldErrors) -> None:
        if row["type"] not in CHOICE_TYPES:
            errors.add("choices", f"{row['name']} has no choices.")
            return
        if not isinstance(changes, list) or not all(isinstance(c, dict) for c in changes):
            errors.add("choices", "Choices must be a list of objects.")
            return
        choices: list[dict[str, Any]] = row["choices"]
        for change in changes:
            name = change.get("name")
            if "id" not in change:
                if not isinstance(name, str) or not name.strip():
                    errors.add("choices", "Choice name cannot be blank.")
                    return
                sort = max((c["sort"] for c in choices), default=-1) + 1
                choices.append({"id": None, "name": name, "sort": sort})
                continue
            existing = next((c for c in choices if c["id"] == change["id"]), None)
            if existing is None:
                errors.add("choices", f"Choice {change['id']} does not exist.")
                return
            if change.get("delete") is True:
                choices.remove(existing)
            elif isinstance(name, str) and name.strip():
                existing["name"] = name

    def _image_target(self, image_type: str, target_id: int, field_id: str) -> str:
        fields = IMAGE_FIELDS.get(image_type)
        exists = {
            "contact": target_id in self._contacts,
            "sponsor": target_id in self.sponsors,
        }.get(image_type, False)
        if fields is None or not exists:
            raise not_found(target_id)
        if field_id not in fields:
            raise ValidationFailed([{"field": "field_id", "message": "Field ID is invalid."}])
        return fields[field_id]

    def _remove(self, table: str, row_id: int) -> None:
        """Delete a row and whatever pointed at it."""
        self._tables[table].pop(row_id, None)
        if table == "sessions":
            for speaker in self.speakers.values():
                if row_id in speaker["session_ids"]:
                    speaker["session_ids"].remove(row_id)
        elif table in ("locations", "tracks"):
            key = "location_id" if table == "locations" else "track_id"
            for session in self.find("sessions", **{key: row_id}):
                session[key] = None
        elif table == "sponsors":
            for image_key in [k for k in self.images if k[:2] == ("sponsor", row_id)]:
                del self.images[image_key]
        elif table == "events":
            for name in ("sessions", "speakers", "sponsors", "locations", "tracks"):
                for child in self.find(name, event_id=row_id):
                    self._remove(name, child["id"])
            for definition in self.find("fields", event_id=row_id):
                del self.field_defs[definition["id"]]

    def _page(
        self, spec: EntitySpec, rows: list[Row], query: ListQuery
    ) -> tuple[list[dict[str, Any]], dict[str, int]]:
        if query.ids is not None:
            rows = [r for r in rows if r["id"] in query.ids]
        conditions = [c for c in query.conditions if not re.fullmatch(r"c_\d+", c.attribute)]
        unknown = [c.attribute for c in conditions if c.attribute not in spec.output_names]
        if unknown:
            raise SwoogoError(400, f"Unknown search attribute: {unknown[0]}")
        sort = [s for s in query.sort if s.lstrip("-+") in spec.output_names]
        rows.sort(key=lambda r: r["id"])
        if conditions or sort:
            full = {r["id"]: self.render(spec, r) for r in rows}
            if conditions:
                combine = any if query.match_any else all
                rows = [
                    r
                    for r in rows
                    if combine(c.matches(full[r["id"]].get(c.attribute)) for c in conditions)
                ]
            for term in reversed(sort):
                name = term.lstrip("-+")
                rows.sort(key=partial(_row_sort_key, full, name), reverse=term.startswith("-"))
        per_page = min(max(query.per_page, 1), self.knobs.max_per_page)
        total = len(rows)
        page_count = math.ceil(total / per_page)
        page = min(max(query.page, 1), max(page_count, 1))
        chunk = rows[(page - 1) * per_page : page * per_page]
        fields: Sequence[str] | None = (
            None if query.fields == ("*",) else (query.fields or spec.default_fields)
        )
        items = [self.render(spec, r, fields, query.expand) for r in chunk]
        meta = {
            "totalCount": total,
            "pageCount": page_count,
            "currentPage": page,
            "perPage": per_page,
        }
        return items, meta


def _row_sort_key(
    full: Mapping[int, dict[str, Any]], name: str, row: Row
) -> tuple[int, float, str]:
    return sort_key(full[row["id"]].get(name))


def _custom_value(definition: Row, raw: str | list[str]) -> Any:
    """Validate a `c_<id>` value: text is a string; choice fields take choice ids."""
    label, kind = definition["name"], definition["type"]
    if kind not in CHOICE_TYPES:
        if isinstance(raw, list):
            raise ValueError(f"{label} must be a string.")
        return raw
    ids = {c["id"] for c in definition["choices"]}
    values = as_list(raw)
    if kind != "checkboxList" and len(values) != 1:
        raise ValueError(f"{label} is invalid.")
    if not all(INTEGER.fullmatch(v) and int(v) in ids for v in values):
        raise ValueError(f"{label} is invalid.")
    chosen = [int(v) for v in values]
    return chosen if kind == "checkboxList" else chosen[0]
