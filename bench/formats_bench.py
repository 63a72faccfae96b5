"""How long the schedule formats take: a generated event of 5,000 sessions exported to
schedule.json, schedule.xml and iCal, each checked against its schema, and the two schedule
files imported back into fresh events of a SQLite store.

Run: `.venv/bin/python bench/formats_bench.py [--sessions N]`. Prints seconds per step, then
one JSON line of them.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from agendasync.domain.models import Event
from agendasync.sources.demo_data import demo_event
from agendasync.sources.eventfile import import_document
from agendasync.sources.schedule.export import schedule_ical, schedule_json_text, schedule_xml
from agendasync.sources.schedule.importer import import_schedule_body
from agendasync.sources.schedule.validation import json_problems, xml_document, xml_problems
from agendasync.store import Store
from agendasync.store.content import load_event_content
from agendasync.store.events import create_organisation, save_event

URL = "https://hub.example/api/events/bench/schedule.json"


def _timed(figures: dict[str, float], name: str, step: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    result = step()
    figures[name] = round(time.perf_counter() - started, 3)
    print(f"{name:<28} {figures[name]:>8.3f} s", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=5000)
    arguments = parser.parse_args()
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        store = Store(f"sqlite:///{Path(folder) / 'bench.db'}")
        document = demo_event(slug="bench", sessions=arguments.sessions, today=date(2027, 5, 10))
        with store.transaction() as connection:
            org = create_organisation(connection, "Bench")
            event = import_document(connection, document, org=org).event
            content = load_event_content(connection, event.id)
        as_json = _timed(
            figures, "export schedule.json", lambda: schedule_json_text(content, url=URL)
        )
        as_xml = _timed(figures, "export schedule.xml", lambda: schedule_xml(content, url=URL))
        _timed(figures, "export ical", lambda: schedule_ical(content, url=URL))
        problems = _timed(
            figures, "validate schedule.json", lambda: json_problems(json.loads(as_json))
        )
        resource = xml_document(as_xml.encode())
        problems += _timed(figures, "validate schedule.xml", lambda: xml_problems(resource))
        assert problems == [], problems[:3]
        for name, body in (("json", as_json), ("xml", as_xml)):
            target = Event(
                org_id=org.id,
                slug=f"copy-{name}",
                name=f"Copy ({name})",
                timezone=event.timezone,
                start_date=event.start_date,
                end_date=event.end_date,
            )
            with store.transaction() as connection:
                save_event(connection, target)
            report = _timed(
                figures,
                f"import schedule.{name}",
                lambda target=target, body=body: import_schedule_body(
                    store, target.slug, body.encode()
                ),
            )
            figures[f"imported sessions ({name})"] = report.sessions.created
        store.close()
    print(json.dumps({"bench": "formats", "sessions": arguments.sessions, **figures}))


if __name__ == "__main__":
    main()
