"""What a sync run says to people (the pages' messages): one sentence and its badge, from the
same counts, every kind counted, left out by design apart from what needs a person."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from agendasync.domain.integrations import RunStatus, SyncRun
from agendasync.domain.run_summary import by_design, summarise


def _run(status: RunStatus, counts: dict[str, Any], **extra: Any) -> SyncRun:
    return SyncRun(
        mapping_id=None,
        event_id=uuid.uuid4(),
        partner="swoogo",
        action=extra.pop("action", "content"),
        trigger="web",
        dry_run=extra.pop("dry_run", False),
        status=status,
        started_at=datetime.now(UTC),
        report={"counts": counts, "skipped": extra.pop("skipped", [])} | extra.pop("report", {}),
        **extra,
    )


def _counts(attempted: int, created: int = 0, unchanged: int = 0, **rest: int) -> dict[str, int]:
    return {"attempted": attempted, "created": created, "unchanged": unchanged} | rest


def _skip(kind: str, reason: str) -> dict[str, str]:
    return {"kind": kind, "record_id": str(uuid.uuid4()), "label": "x", "reason": reason}


def test_a_clean_sync_says_data_has_been_synced() -> None:
    run = _run(
        RunStatus.SUCCEEDED,
        {"sessions": _counts(3, created=2, unchanged=1), "speakers": _counts(2, created=2)},
    )
    summary = summarise(run)
    assert summary.sentence("Sync to Swoogo") == (
        "Sync to Swoogo finished: data has been synced (3 sessions and 2 speakers)."
    )
    assert not summary.has_issues
    assert (summary.label, summary.badge) == ("succeeded", "succeeded")


def test_every_kind_is_counted_pictures_and_links_included() -> None:
    run = _run(
        RunStatus.PARTIAL,
        {
            "rooms": _counts(2, created=2),
            "sessions": _counts(40, created=40),
            "speakers": _counts(57, created=57),
            "speaker_sessions": _counts(60, created=60),
            "headshots": _counts(48, failed=48),
        },
    )
    summary = summarise(run)
    assert summary.sentence("Sync to Swoogo") == (
        "Sync to Swoogo finished with issues: 40 of 40 sessions, 57 of 57 speakers, "
        "2 of 2 rooms, 60 of 60 speaker links and 0 of 48 headshots synced (48 failed)."
    )
    assert (summary.label, summary.badge) == ("finished with issues", "partial")


def test_logos_that_fail_make_a_sponsor_sync_one_with_issues_even_if_it_succeeded() -> None:
    run = _run(
        RunStatus.SUCCEEDED,
        {"sponsors": _counts(6, created=6), "logos": _counts(6, failed=6)},
        action="sponsors",
    )
    summary = summarise(run)
    assert summary.sentence("Sponsor sync to Swoogo") == (
        "Sponsor sync to Swoogo finished with issues: 6 of 6 sponsors and 0 of 6 logos synced "
        "(6 failed)."
    )
    assert summary.label == "finished with issues"


def test_left_out_by_design_is_apart_from_what_needs_attention() -> None:
    reasons = [
        "status is 'declined'; only accepted sessions are synced",
        "withdrawn: it is no longer in the source it was imported from",
        "a service session (break, meal); those are never synced",
        "already ended (2026-01-01 10:00)",
        "missing required field: email",
        "Swoogo refused it: email already used by another speaker",
    ]
    assert [by_design(r) for r in reasons] == [True, True, True, True, False, False]
    by_design_only = _run(
        RunStatus.SUCCEEDED,
        {"sessions": _counts(2, created=2, skipped=4)},
        skipped=[_skip("sessions", r) for r in reasons[:4]],
    )
    summary = summarise(by_design_only)
    assert summary.sentence("Sync to Swoogo") == (
        "Sync to Swoogo finished: data has been synced (2 sessions); 4 left out by design."
    )
    assert summary.label == "succeeded"
    needs_a_person = _run(
        RunStatus.SUCCEEDED,
        {
            "sessions": _counts(2, created=2, skipped=1),
            "speakers": _counts(2, created=1, skipped=2),
        },
        skipped=[
            _skip("sessions", reasons[0]),
            _skip("speakers", reasons[4]),
            _skip("speakers", reasons[5]),
        ],
    )
    summary = summarise(needs_a_person)
    assert summary.sentence("Sync to Swoogo") == (
        "Sync to Swoogo finished with issues: 2 of 3 sessions and 1 of 4 speakers synced "
        "(2 need your attention, 1 left out by design)."
    )
    assert (summary.attention, summary.left_out, summary.label) == (2, 1, "finished with issues")


def test_a_running_sync_is_never_called_finished() -> None:
    run = _run(
        RunStatus.RUNNING,
        {},
        report={
            "progress": {
                "sessions": {"done": 12, "total": 40},
                "speakers": {"done": 0, "total": 70},
            }
        },
    )
    summary = summarise(run)
    assert summary.sentence("Sync to Swoogo") == (
        "Sync to Swoogo is running: 12 of 40 sessions and 0 of 70 speakers done so far."
    )
    assert (summary.label, summary.badge, summary.has_issues) == ("running", "running", False)


def test_a_failed_run_gives_its_reason_and_a_dry_run_what_would_happen() -> None:
    failed = _run(RunStatus.FAILED, {}, message="time zones differ")
    assert (
        summarise(failed).sentence("Sync to Swoogo") == "Sync to Swoogo failed: time zones differ"
    )
    assert summarise(failed).label == "failed"
    preview = _run(
        RunStatus.SUCCEEDED,
        {"sponsors": _counts(2, created=2, skipped=1), "logos": _counts(2, created=2)},
        action="sponsors",
        dry_run=True,
        skipped=[_skip("sponsors", "missing required field: name")],
    )
    assert summarise(preview).sentence("Sponsor sync to Swoogo") == (
        "Sponsor sync to Swoogo would sync 2 of 3 sponsors and 2 of 2 logos "
        "(1 would need your attention). Whether each picture downloads is known only when it "
        "is sent."
    )
    assert summarise(preview).label == "preview"


def test_created_and_updated_records_are_named_with_their_pages_r_sync_5() -> None:
    session, speaker, room = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    sent = {
        "created": [
            {"kind": "sessions", "record_id": str(session), "label": "session 'Keynote'"},
            {"kind": "rooms", "record_id": str(room), "label": "room 'Hall A'"},
        ],
        "updated": [
            {"kind": "speaker_sessions", "record_id": str(speaker), "label": "speaker Ada Lo"},
            {"kind": "headshots", "record_id": str(speaker), "label": "headshot of speaker Ada Lo"},
        ],
    }
    summary = summarise(_run(RunStatus.SUCCEEDED, {"sessions": _counts(1, 1)}, report=sent))

    assert [(r.title, r.page) for r in summary.created] == [
        ("session 'Keynote'", f"sessions/{session}"),
        ("room 'Hall A'", None),
    ]
    assert [(r.title, r.page) for r in summary.updated] == [
        ("speaker Ada Lo (speaker links)", f"speakers/{speaker}"),
        ("headshot of speaker Ada Lo", f"speakers/{speaker}"),
    ]


def test_a_report_stored_before_records_were_named_names_none() -> None:
    old = _run(RunStatus.SUCCEEDED, {"sessions": _counts(2, created=2)})
    assert "created" not in old.report

    summary = summarise(old)

    assert (summary.created, summary.updated) == ((), ())
    assert summary.sentence("Sync to Swoogo") == (
        "Sync to Swoogo finished: data has been synced (2 sessions)."
    )
