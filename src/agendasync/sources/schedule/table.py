"""A programme kept in a spreadsheet (CSV or .xlsx) into the same records a schedule file
gives, so that it is imported by the same rules (see `plan.py`).

Columns are mapped to fields with `COLUMN=field` pairs; a column named like a field (`title`,
`Starts At`, `speaker email`: case, spaces and dashes do not matter) maps itself. One row per
session, or one row per speaker in a session: rows with the same session (the `id` column where
mapped, else the title and start) are one session with all their speakers.

Times are ISO 8601 (`2026-09-01 10:00`, or with an offset); without an offset they are the
event's local time. Every error names its row (as a spreadsheet numbers it, the header being
row 1) and column.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

import openpyxl

from agendasync.sources.schedule.parse import Schedule, ScheduledPerson, ScheduledSession
from agendasync.sources.schedule.validation import MalformedSchedule

FIELDS: Final = {
    "id": "the session's own id in the sheet (rows with the same id are one session)",
    "title": "the session's title (required)",
    "description": "the session's description",
    "starts_at": "when it starts (required)",
    "ends_at": "when it ends (this or duration_minutes is required)",
    "duration_minutes": "how long it lasts, in minutes",
    "room": "its room",
    "track": "its track",
    "format": "its format (session type); 'break' makes a service session",
    "language": "its language (ISO 639-1, e.g. en)",
    "speaker": "a speaker's full name (several: separated by ';')",
    "speaker_first_name": "a speaker's first name",
    "speaker_last_name": "a speaker's last name",
    "speaker_email": "a speaker's email",
    "speaker_biography": "a speaker's biography",
}
_NAMESPACE: Final = uuid.UUID("6b1f2a7e-3c4d-5e6f-8a9b-0c1d2e3f4a5b")
_LANGUAGE: Final = re.compile(r"^[a-z]{2}$")


def _field_name(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def column_map(header: list[str], mapping: Mapping[str, str]) -> dict[str, str]:
    """Field -> column: the pairs given, and columns named like a field. Refuses a pair whose
    field or column does not exist, naming it."""
    problems = []
    fields: dict[str, str] = {}
    for column in header:
        if _field_name(column) in FIELDS:
            fields[_field_name(column)] = column
    for column, name in mapping.items():
        target = _field_name(name)
        if target not in FIELDS:
            known = ", ".join(FIELDS)
            problems.append((f"--map {column}={name}", f"no field {name!r}; fields: {known}"))
        elif column not in header:
            problems.append((f"--map {column}={name}", f"the file has no column {column!r}"))
        else:
            fields[target] = column
    if not problems:
        for required in ("title", "starts_at"):
            if required not in fields:
                problems.append(("(the columns)", f"no column for {required!r}; map one"))
        if "ends_at" not in fields and "duration_minutes" not in fields:
            problems.append(("(the columns)", "no column for 'ends_at' or 'duration_minutes'"))
    if problems:
        raise MalformedSchedule(problems)
    return fields


@dataclass
class _Session:
    key: str
    row: int
    values: dict[str, str]
    persons: dict[str, ScheduledPerson] = field(default_factory=dict)


def _persons(cells: dict[str, str]) -> list[ScheduledPerson]:
    email = cells.get("speaker_email", "").strip() or None
    biography = cells.get("speaker_biography")
    first, last = cells.get("speaker_first_name", ""), cells.get("speaker_last_name", "")
    names = [f"{first.strip()} {last.strip()}".strip()] if first or last else []
    if not names:
        names = [n.strip() for n in cells.get("speaker", "").split(";") if n.strip()]
    people = []
    for name in names:
        key = f"email:{email.lower()}" if email and len(names) == 1 else f"name:{name.casefold()}"
        people.append(ScheduledPerson(key, None, name, biography, None, email))
    return people


def _csv_rows(body: bytes) -> list[list[str]]:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MalformedSchedule([("(the document)", f"not UTF-8 text ({exc.reason})")]) from None
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            text[:4096], delimiters=",;\t"
        )
    except csv.Error:
        dialect = csv.excel
    return list(csv.reader(io.StringIO(text), dialect))


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_rows(body: bytes) -> list[list[str]]:
    """The first sheet's rows; dates and times as the spreadsheet holds them."""
    try:
        book = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except Exception as exc:  # a damaged or foreign zip file
        problem = f"not a readable .xlsx file ({type(exc).__name__})"
        raise MalformedSchedule([("(the document)", problem)]) from None
    try:
        sheet = book.worksheets[0]
        return [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def parse_table(body: bytes, *, mapping: Mapping[str, str], timezone: str) -> Schedule:
    """Read a programme from a CSV file (comma, semicolon or tab separated; UTF-8) or the first
    sheet of an .xlsx workbook."""
    rows = _xlsx_rows(body) if body.startswith(b"PK\x03\x04") else _csv_rows(body)
    if not rows:
        raise MalformedSchedule([("(the document)", "the file is empty")])
    header = [cell.strip() for cell in rows[0]]
    fields = column_map(header, mapping)
    index = {name: header.index(column) for name, column in fields.items()}
    zone = ZoneInfo(timezone)
    sessions: dict[str, _Session] = {}
    problems: list[tuple[str, str]] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {name: row[i].strip() if i < len(row) else "" for name, i in index.items()}
        if not cells["title"]:
            problems.append((f"row {number}, column {fields['title']!r}", "the title is empty"))
            continue
        key = cells.get("id") or f"{cells['title']}|{cells['starts_at']}"
        session = sessions.setdefault(key, _Session(key, number, cells))
        for person in _persons(cells):
            session.persons.setdefault(person.key, person)
    built = []
    for session in sessions.values():
        try:
            built.append(_session(session, fields, zone))
        except MalformedSchedule as exc:
            problems.extend(exc.problems)
    if problems:
        raise MalformedSchedule(problems)
    rooms = tuple(dict.fromkeys(s.room for s in built if s.room))
    tracks: dict[str, str | None] = {s.track: None for s in built if s.track}
    return Schedule("csv", "", rooms, tracks, tuple(built))


def _moment(text: str, zone: ZoneInfo, place: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise MalformedSchedule(
            [(place, f"{text!r} is not a date and time such as 2026-09-01 10:00")]
        ) from None
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


def _session(session: _Session, fields: dict[str, str], zone: ZoneInfo) -> ScheduledSession:
    cells, row = session.values, session.row

    def place(name: str) -> str:
        return f"row {row}, column {fields[name]!r}"

    starts = _moment(cells["starts_at"], zone, place("starts_at"))
    if cells.get("ends_at"):
        ends = _moment(cells["ends_at"], zone, place("ends_at"))
    elif cells.get("duration_minutes", "").isdigit():
        ends = starts + timedelta(minutes=int(cells["duration_minutes"]))
    else:
        name = "ends_at" if "ends_at" in fields else "duration_minutes"
        raise MalformedSchedule([(place(name), "no end: give an end time or a duration")])
    language = cells.get("language", "").lower() or None
    if language is not None and not _LANGUAGE.match(language):
        raise MalformedSchedule([(place("language"), f"{language!r} is not a code such as en")])
    return ScheduledSession(
        guid=uuid.uuid5(_NAMESPACE, session.key),
        place=f"row {row}",
        title=cells["title"],
        starts_at=starts,
        ends_at=ends,
        room=cells.get("room", ""),
        track=cells.get("track") or None,
        type=cells.get("format", ""),
        language=language,
        abstract=cells.get("description", ""),
        description="",
        persons=tuple(session.persons.values()),
        links=(),
    )


__all__ = ["FIELDS", "column_map", "parse_table"]
