"""What the Sessionize feed unit tests share: the fixtures and small feed builders."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from agendasync.sources.sessionize import SessionizeFeed, parse_all

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "sessionize"
BERLIN = ZoneInfo("Europe/Berlin")
TZ = "Europe/Berlin"

ASNE = "7c2d4f1a-93b5-4e0b-a1d2-5f6e7a8b9c01"
JOSE = "b41e0c9d-2a7f-4c3e-8d5b-6a1f2e3d4c02"
MEI = "e9f8a7b6-c5d4-4e3f-9a2b-1c0d9e8f7a03"
JUERGEN = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e104"
LUNCH = "f91513e5-6e73-4910-9ee5-070a6ab04035"


def raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(raw(name).decode("utf-8-sig"))
    return data


def dump(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def feed(name: str, timezone: str = TZ) -> SessionizeFeed:
    return parse_all(raw(name), timezone=timezone)


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def minimal_feed(**session: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "1",
        "title": "Talk",
        "startsAt": "2027-05-12T10:00:00",
        "endsAt": "2027-05-12T10:30:00",
    }
    base.update(session)
    return {"sessions": [base]}
