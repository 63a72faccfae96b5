"""The one sentence a finished sync run says to people (the pages' flash messages)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from agendasync.domain.integrations import RunStatus, SyncRun
from agendasync.domain.run_summary import summarise


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
        report={"counts": counts},
        **extra,
    )


def _counts(attempted: int, created: int = 0, unchanged: int = 0, **rest: int) -> dict[str, int]:
    return {"attempted": attempted, "created": created, "unchanged": unchanged} | rest


def test_a_clean_sync_says_data_has_been_synced() -> None:
    run = _run(
        RunStatus.SUCCEEDED,
        {"sessions": _counts(3, created=2, unchanged=1), "speakers": _counts(2, created=2)},
    )
    assert summarise(run).sentence("Sync to Swoogo") == (
        "Sync to Swoogo finished: data has been synced (3 sessions and 2 speakers)."
    )
    assert not summarise(run).has_issues


def test_skips_and_failures_give_attempted_and_synced_counts() -> None:
    run = _run(
        RunStatus.PARTIAL,
        {
            "sessions": _counts(4, created=3, skipped=2, failed=1),
            "speakers": _counts(5, created=5, skipped=1),
            "rooms": _counts(2, created=2),  # rides along, not counted for people
        },
    )
    assert summarise(run).sentence("Sync to Swoogo") == (
        "Sync to Swoogo finished with issues: 3 of 6 sessions and 5 of 6 speakers synced "
        "(3 skipped, 1 failed)."
    )


def test_a_failed_run_gives_its_reason_and_a_dry_run_what_would_happen() -> None:
    failed = _run(RunStatus.FAILED, {}, message="time zones differ")
    assert (
        summarise(failed).sentence("Sync to Swoogo") == "Sync to Swoogo failed: time zones differ"
    )
    preview = _run(
        RunStatus.SUCCEEDED,
        {"sponsors": _counts(2, created=2, skipped=1)},
        action="sponsors",
        dry_run=True,
    )
    assert summarise(preview).sentence("Sponsor sync to Swoogo") == (
        "Sponsor sync to Swoogo would sync 2 of 3 sponsors (1 would be skipped)."
    )
