"""Unit tests of the importer's pure part, `plan_import` (SPEC §9): no store, no HTTP."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from agendasync.domain.models import Event, EventContent, Speaker
from agendasync.sources.sessionize.exceptions import MalformedPayload
from agendasync.sources.sessionize.feed import parse_all
from agendasync.sources.sessionize.plan import ImportPlan, import_fingerprint, plan_import
from agendasync.sources.sessionize.report import LeftOut, LeftOutReason, RecordCounts

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "sessionize"
ASNE = "7c2d4f1a-93b5-4e0b-a1d2-5f6e7a8b9c01"
JOSE = "b41e0c9d-2a7f-4c3e-8d5b-6a1f2e3d4c02"
EVENT = Event(
    org_id=uuid.uuid4(),
    slug="conf27",
    name="Conf 2027",
    timezone="Europe/Berlin",
    start_date=date(2027, 5, 12),
    end_date=date(2027, 5, 13),
)


def feed_2024(edit: Any = None) -> bytes:
    data = json.loads((FIXTURES / "all_2024.json").read_bytes())
    if edit:
        edit(data)
    return json.dumps(data).encode("utf-8")


def plan(
    body: bytes, stored: EventContent | None = None, emails: dict[str, str] | None = None
) -> ImportPlan:
    feed = parse_all(body, timezone=EVENT.timezone)
    return plan_import(stored or EventContent(event=EVENT), feed, emails=emails)


def applied(result: ImportPlan) -> EventContent:
    """The content a store would hold after saving `result` into an empty event."""
    return result.changes.model_copy(deep=True)


def test_planning_again_changes_nothing_and_leaves_its_input_alone_r_sz_5() -> None:
    stored = applied(plan(feed_2024()))
    before = stored.model_copy(deep=True)
    again = plan(feed_2024(), stored)
    assert stored == before
    assert (again.sessions, again.speakers) == (
        RecordCounts(unchanged=7),
        RecordCounts(unchanged=4),
    )
    assert again.taxonomy == RecordCounts(unchanged=22)
    assert (again.changes.sessions, again.changes.speakers, again.changes.taxonomy) == ([], [], [])


def test_two_feed_speakers_offered_one_email_the_first_keeps_it_r_sz_2() -> None:
    emails = {ASNE: "team@example.com", JOSE: "TEAM@example.com"}
    result = plan(feed_2024(), emails=emails)
    by_id = {s.sessionize_id: s.email for s in result.changes.speakers}
    assert (by_id[ASNE], by_id[JOSE]) == ("team@example.com", None)
    assert result.warnings[0] == (
        f"speaker José Núñez ({JOSE}): email 'TEAM@example.com' from Sessionize is already used "
        "by Åsne Seierstad-Lind of this event; left empty"
    )


def test_hub_email_is_kept_unless_the_emails_view_gives_one_r_sz_2() -> None:
    stored = applied(plan(feed_2024()))
    stored.speakers = [
        s.model_copy(update={"email": f"{s.first_name.lower()}@hub.example"})
        for s in stored.speakers
    ]
    result = plan(feed_2024(), stored, emails={ASNE: "asne@fjordtech.no"})
    assert result.speakers == RecordCounts(updated=1, unchanged=3)
    assert [(s.sessionize_id, s.email) for s in result.changes.speakers] == [
        (ASNE, "asne@fjordtech.no")
    ]


def test_email_clash_keeps_the_speakers_own_email_r_sz_2() -> None:
    stored = applied(plan(feed_2024()))
    hub = Speaker(first_name="Hub", last_name="Person", email="taken@example.com")
    stored.speakers = [
        *(
            s.model_copy(update={"email": "asne@hub.example"}) if s.sessionize_id == ASNE else s
            for s in stored.speakers
        ),
        hub,
    ]
    result = plan(feed_2024(), stored, emails={ASNE: "Taken@example.com"})
    assert result.changes.speakers == []
    assert result.warnings[0].endswith(
        "email 'Taken@example.com' from Sessionize is already used by Hub Person of this event; "
        "kept 'asne@hub.example'"
    )


def test_a_session_ending_when_it_starts_is_left_out_as_unscheduled_r_sz_3() -> None:
    def zero_length(data: dict[str, Any]) -> None:
        talk = next(s for s in data["sessions"] if s["id"] == "880002")
        talk["endsAt"] = talk["startsAt"]

    result = plan(feed_2024(zero_length))
    assert result.left_out[0] == LeftOut(
        "session",
        "880002",
        "Datenpipelines ohne Drama",
        LeftOutReason.UNSCHEDULED,
        "unscheduled: it ends (2027-05-12 11:00) before or when it starts",
    )


def test_values_the_hub_cannot_store_are_fixed_and_reported_r_sz_7() -> None:
    def dirty(data: dict[str, Any]) -> None:
        talk = next(s for s in data["sessions"] if s["id"] == "880001")
        talk["title"] = "T\x00" * 300  # NUL characters dropped, then 300 characters remain
        talk["description"] = "d" * 100_001
        asne = next(s for s in data["speakers"] if s["id"] == ASNE)
        asne["firstName"], asne["lastName"] = "Åsne", " "
        asne["profilePicture"] = "https://example.com/" + "p" * 500

    result = plan(feed_2024(dirty))
    talk = next(s for s in result.changes.sessions if s.sessionize_id == "880001")
    asne = next(s for s in result.changes.speakers if s.sessionize_id == ASNE)
    assert (talk.title, len(talk.description)) == ("T" * 300, 100_000)
    assert (asne.last_name, asne.headshot_url) == ("-", None)
    assert result.warnings[:3] == (
        f"speaker {ASNE} last name: empty in Sessionize; '-' stored",
        f"speaker {ASNE} picture: longer than 500 characters; left out",
        "session 880001 description: cut to 100000 characters (it had 100001)",
    )


def test_an_id_the_store_cannot_hold_is_a_malformed_feed_r_sz_4() -> None:
    def long_id(data: dict[str, Any]) -> None:
        data["sessions"][1]["id"] = "9" * 501

    with pytest.raises(MalformedPayload, match=r"^The Sessionize feed is malformed: sessions: "):
        plan(feed_2024(long_id))


def test_fingerprint_follows_the_feed_the_emails_and_the_event_settings_r_sz_5() -> None:
    body = feed_2024()
    base = import_fingerprint(body, None, EVENT)
    assert import_fingerprint(body, None, copy.deepcopy(EVENT)) == base
    assert import_fingerprint(b"\xef\xbb\xbf" + body, None, EVENT) == base  # a BOM is no change
    changed = [
        import_fingerprint(feed_2024(lambda d: d["rooms"].pop()), None, EVENT),
        import_fingerprint(body, b"[]", EVENT),
        import_fingerprint(body, None, EVENT.model_copy(update={"end_date": date(2027, 5, 14)})),
        import_fingerprint(
            body, None, EVENT.model_copy(update={"sessionize_category_map": {"Topics": "tracks"}})
        ),
    ]
    assert base not in changed
    assert len(set(changed)) == 4
