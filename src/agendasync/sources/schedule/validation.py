"""The c3voc schemas (copied unchanged into `schemas/`, with their licence) and checking a
document against them, each problem named by its place in the file."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final

import jsonschema
from lxml import etree

SCHEMAS: Final = Path(__file__).resolve().parent / "schemas"
JSON_SCHEMA: Final = SCHEMAS / "c3voc-schedule.schema.json"
XML_SCHEMA: Final = SCHEMAS / "c3voc-schedule.xml.xsd"
_SHOWN: Final = 5  # problems named in one error; the count says how many more


class MalformedSchedule(ValueError):
    """A schedule file that cannot be imported: `problems` are (place, message) pairs."""

    code = "schedule.malformed"

    def __init__(self, problems: Iterable[tuple[str, str]]) -> None:
        self.problems = list(problems)
        shown = "; ".join(f"{place}: {message}" for place, message in self.problems[:_SHOWN])
        more = len(self.problems) - _SHOWN
        suffix = f" (and {more} more)" if more > 0 else ""
        super().__init__(f"the schedule file is not valid: {shown}{suffix}")


@functools.cache
def json_validator() -> jsonschema.Draft6Validator:
    schema = json.loads(JSON_SCHEMA.read_text(encoding="utf-8"))
    checker = jsonschema.Draft6Validator.FORMAT_CHECKER
    return jsonschema.Draft6Validator(schema, format_checker=checker)


@functools.cache
def xml_schema() -> Any:
    return etree.XMLSchema(etree.parse(str(XML_SCHEMA)))


def json_place(path: Iterable[Any]) -> str:
    """`schedule.conference.days[0].rooms["Hall 1"][2].guid` for a jsonschema path."""
    place = ""
    for part in path:
        if isinstance(part, int):
            place += f"[{part}]"
        elif part.isidentifier():
            place += f".{part}" if place else part
        else:
            place += f"[{json.dumps(part, ensure_ascii=False)}]"
    return place or "(the document)"


def json_problems(document: Any) -> list[tuple[str, str]]:
    errors = sorted(json_validator().iter_errors(document), key=lambda e: list(map(str, e.path)))
    return [(json_place(error.absolute_path), _short(error.message)) for error in errors]


def check_json(document: Any) -> None:
    problems = json_problems(document)
    if problems:
        raise MalformedSchedule(problems)


def xml_document(body: bytes) -> Any:
    """The parsed document's root element. Entities are never expanded, nothing is fetched,
    and a document type with declarations of its own is refused."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:  # the message names line and column
        problem = f"not well-formed XML: {_short(str(exc))}"
        raise MalformedSchedule([("(the document)", problem)]) from None
    if root.getroottree().docinfo.internalDTD is not None:
        problem = "not accepted: the document declares a DTD of its own (entities)"
        raise MalformedSchedule([("(the document)", problem)])
    return root


def xml_problems(root: Any) -> list[tuple[str, str]]:
    schema = xml_schema()
    if schema.validate(root):
        return []
    return [
        (f"line {error.line}, {error.path}", _short(error.message)) for error in schema.error_log
    ]


def check_xml(root: Any) -> None:
    problems = xml_problems(root)
    if problems:
        raise MalformedSchedule(problems)


def _short(message: str, limit: int = 300) -> str:
    message = " ".join(message.split())
    return message if len(message) <= limit else message[: limit - 1] + "…"


__all__ = [
    "JSON_SCHEMA",
    "XML_SCHEMA",
    "MalformedSchedule",
    "check_json",
    "check_xml",
    "json_place",
    "json_problems",
    "json_validator",
    "xml_document",
    "xml_problems",
    "xml_schema",
]
