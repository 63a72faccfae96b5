"""What a finished sync run says to people in one sentence (the pages' flash messages).

The seed's wording: when a sync is complete a message confirms that data has been synced; if
there is an issue, the message gives the number of sessions and speakers that were attempted
and how many were synced. Here a record counts as *attempted* when the sync looked at it
(sent it, found it unchanged, or left it out with a reason), and as *synced* when the partner
holds it as it is now (created, updated or unchanged).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agendasync.domain.integrations import RunStatus, SyncRun

# The records a person counts, per action: the rest (rooms, links, pictures) ride along.
HEADLINE_KINDS: Mapping[str, tuple[str, ...]] = {
    "content": ("sessions", "speakers"),
    "sponsors": ("sponsors",),
    "exhibitors": ("exhibitors",),
}


# Pictures ride along with their records: one that cannot be sent (a broken or unreachable
# headshot or logo) is reported apart, under "pictures", and does not make a run partial,
# which would hide the failures of records among them. The kinds partners send pictures as.
PICTURE_KINDS = frozenset({"headshots", "logos"})


def pictures_apart(report: dict[str, Any]) -> dict[str, Any]:
    """The report with the pictures' failures moved from "failed" to "pictures"."""
    failed = report.get("failed", [])
    return {
        **report,
        "failed": [p for p in failed if p["kind"] not in PICTURE_KINDS],
        "pictures": [p for p in failed if p["kind"] in PICTURE_KINDS],
    }


@dataclass(frozen=True)
class Tally:
    kind: str
    attempted: int
    synced: int
    skipped: int
    failed: int

    def phrase(self) -> str:
        return f"{self.synced} of {self.attempted} {self.kind}"


def _tally(kind: str, counts: Mapping[str, Any]) -> Tally:
    synced = sum(int(counts.get(name, 0)) for name in ("created", "updated", "unchanged"))
    skipped = int(counts.get("skipped", 0))
    return Tally(
        kind=kind,
        attempted=int(counts.get("attempted", 0)) + skipped,
        synced=synced,
        skipped=skipped,
        failed=int(counts.get("failed", 0)),
    )


@dataclass(frozen=True)
class RunSummary:
    status: RunStatus
    message: str | None
    tallies: tuple[Tally, ...]
    dry_run: bool = False
    pictures_not_sent: int = 0

    @property
    def has_issues(self) -> bool:
        return self.status is not RunStatus.SUCCEEDED or any(
            t.skipped or t.failed for t in self.tallies
        )

    def sentence(self, title: str) -> str:
        """`title` names the action for people: "Sync to Swoogo"."""
        if self.status is RunStatus.FAILED:
            return f"{title} failed: {self.message or 'see the report'}"
        phrases = " and ".join(t.phrase() for t in self.tallies) or "nothing"
        skipped = sum(t.skipped for t in self.tallies)
        failed = sum(t.failed for t in self.tallies)
        if self.dry_run:
            left_out = f" ({skipped} would be skipped)" if skipped else ""
            return f"{title} would sync {phrases}{left_out}."
        pictures = (
            f" {self.pictures_not_sent} picture{'s' if self.pictures_not_sent != 1 else ''}"
            " could not be sent (see the report)."
            if self.pictures_not_sent
            else ""
        )
        if not self.has_issues:
            synced = " and ".join(f"{t.synced} {t.kind}" for t in self.tallies)
            done = f"{title} finished: data has been synced ({synced or 'nothing to send'})."
            return done + pictures
        problems = [f"{skipped} skipped"] if skipped else []
        problems += [f"{failed} failed"] if failed else []
        detail = f" ({', '.join(problems)})" if problems else ""
        note = f" {self.message.rstrip('.')}." if self.message else ""
        return f"{title} finished with issues: {phrases} synced{detail}.{note}{pictures}"


def summarise(run: SyncRun) -> RunSummary:
    counts: Mapping[str, Any] = run.report.get("counts", {})
    kinds = HEADLINE_KINDS.get(run.action, tuple(counts))
    return RunSummary(
        status=run.status,
        message=run.message,
        tallies=tuple(_tally(kind, counts.get(kind, {})) for kind in kinds),
        dry_run=run.dry_run,
        pictures_not_sent=len(run.report.get("pictures", [])),
    )
