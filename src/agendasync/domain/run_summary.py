"""What a sync run says to people: one sentence (the pages' messages, the run lists) and the
badge beside it, both from the same counts.

The seed's wording: when a sync is complete a message confirms that data has been synced; if
there is an issue, the message gives the number of records that were attempted and how many
were synced. Here a record counts as *attempted* when the sync looked at it (sent it, found it
unchanged, or left it out with a reason), and as *synced* when the partner holds it as it is now
(created, updated or unchanged). Every kind a run looked at is counted: pictures and links
fail like any record and are never hidden behind the sessions' numbers.

What a run left out falls in two groups: *left out by design* (declined, withdrawn, service
sessions, already over: nothing to do) and *needs your attention* (a missing email, a record
the partner refused: a person must fix something). Only the second makes a run one "with
issues".

A report also names the records a run created and updated (reports stored before it did have
only their counts: they name none), each with the kind of page it belongs to.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from agendasync.domain.integrations import RunStatus, SyncRun

# The records a person counts first, per action; every other kind follows in the run's order.
HEADLINE_KINDS: Mapping[str, tuple[str, ...]] = {
    "content": ("sessions", "speakers"),
    "sponsors": ("sponsors",),
    "exhibitors": ("exhibitors",),
}
# How people call the kinds whose names are not words of their own.
KIND_NAMES: Mapping[str, str] = {
    "speaker_sessions": "speaker links",
    "sponsor_levels": "sponsor levels",
}
PICTURE_KINDS = frozenset({"headshots", "logos"})  # the kinds partners send pictures as

# Reasons (their beginnings) a record is left out by design; any other reason needs a person.
BY_DESIGN = (
    "withdrawn",
    "a service session",
    "a placeholder",
    "status is '",
    "already ended",
    "already started",
    "deleted on ",
)


# The kinds of records with a page of their own (/events/EVENT/KIND/ID), and the kinds that
# belong to one of them (a speaker's headshot and session links, a sponsor's logo).
RECORD_KINDS = ("sessions", "speakers", "sponsors", "exhibitors")
OWNER_KINDS: Mapping[str, str] = {
    "headshots": "speakers",
    "speaker_sessions": "speakers",
    "logos": "sponsors",
}
# Kinds whose records carry their owner's name alone ("speaker Ada Lovelace" for her links).
NAMED_BY_OWNER = frozenset({"speaker_sessions"})


def page_kind(kind: str) -> str | None:
    """The kind of record page a record of `kind` shows on, if any (rooms and tracks: none)."""
    return kind if kind in RECORD_KINDS else OWNER_KINDS.get(kind)


def kind_name(kind: str) -> str:
    return KIND_NAMES.get(kind, kind.replace("_", " "))


def by_design(reason: str) -> bool:
    """True when a record was left out on purpose (nothing for a person to fix)."""
    return reason.startswith(BY_DESIGN)


# Pictures ride along with their records: one that cannot be sent (a broken or unreachable
# headshot or logo) is reported apart, under "pictures", and does not make a run partial,
# which would hide the failures of records among them.


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
        return f"{self.synced} of {self.attempted} {kind_name(self.kind)}"


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


def _joined(phrases: Iterable[str]) -> str:
    items = list(phrases)
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


@dataclass(frozen=True)
class SentRecord:
    """A record a run created or updated (or, previewed, would)."""

    kind: str
    record_id: uuid.UUID | None
    label: str

    @property
    def title(self) -> str:
        """Its name for people, saying what it is when the name is its owner's."""
        if self.kind in NAMED_BY_OWNER:
            return f"{self.label} ({kind_name(self.kind)})"
        return self.label

    @property
    def page(self) -> str | None:
        """Its record page under the event's address ("sessions/ID"), if it has one."""
        found = page_kind(self.kind)
        return f"{found}/{self.record_id}" if found and self.record_id else None


def _record_id(text: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(text))
    except ValueError:
        return None


def _sent(report: Mapping[str, Any], outcome: str) -> tuple[SentRecord, ...]:
    return tuple(
        SentRecord(str(p.get("kind", "")), _record_id(p.get("record_id")), str(p.get("label", "")))
        for p in report.get(outcome, [])
    )


@dataclass(frozen=True)
class KindProgress:
    """A running run's progress on one kind of record."""

    kind: str
    done: int
    total: int

    @property
    def name(self) -> str:
        return kind_name(self.kind)


@dataclass(frozen=True)
class RunSummary:
    status: RunStatus
    message: str | None
    tallies: tuple[Tally, ...]
    dry_run: bool = False
    left_out: int = 0  # skipped by design
    attention: int = 0  # skipped for a reason a person must fix
    progress: tuple[KindProgress, ...] = ()
    created: tuple[SentRecord, ...] = ()
    updated: tuple[SentRecord, ...] = ()

    @property
    def failed(self) -> int:
        return sum(t.failed for t in self.tallies)

    @property
    def running(self) -> bool:
        return self.status in (RunStatus.RUNNING, RunStatus.QUEUED)

    @property
    def has_issues(self) -> bool:
        if self.running:
            return False
        return self.status is not RunStatus.SUCCEEDED or bool(self.failed or self.attention)

    @property
    def label(self) -> str:
        """The badge's words: what the sentence says, in one or three words."""
        if self.running:
            return self.status.value
        if self.dry_run:
            return "preview"
        if self.status is RunStatus.FAILED:
            return "failed"
        return "finished with issues" if self.has_issues else "succeeded"

    @property
    def badge(self) -> str:
        """The badge's colour (a CSS class)."""
        if self.running or self.dry_run:
            return self.status.value if self.running else "unchanged"
        if self.status is RunStatus.FAILED:
            return "failed"
        return "partial" if self.has_issues else "succeeded"

    def _left_out(self, would: bool = False) -> list[str]:
        parts = [f"{self.failed} failed"] if self.failed else []
        if self.attention:
            verb = "would need" if would else ("needs" if self.attention == 1 else "need")
            parts.append(f"{self.attention} {verb} your attention")
        if self.left_out:
            parts.append(f"{self.left_out} {'would be ' if would else ''}left out by design")
        return parts

    def sentence(self, title: str) -> str:
        """`title` names the action for people: "Sync to Swoogo"."""
        if self.running:
            done = _joined(f"{p.done} of {p.total} {p.name}" for p in self.progress)
            so_far = f": {done} done so far" if done else ""
            verb = "is waiting to start" if self.status is RunStatus.QUEUED else "is running"
            return f"{title} {verb}{so_far}."
        if self.status is RunStatus.FAILED:
            return f"{title} failed: {self.message or 'see the report'}"
        phrases = _joined(t.phrase() for t in self.tallies if t.attempted) or "nothing"
        if self.dry_run:
            parts = self._left_out(would=True)
            detail = f" ({', '.join(parts)})" if parts else ""
            pictures = any(t.kind in PICTURE_KINDS and t.attempted for t in self.tallies)
            unknown = (
                " Whether each picture downloads is known only when it is sent." if pictures else ""
            )
            return f"{title} would sync {phrases}{detail}.{unknown}"
        parts = self._left_out()
        if not self.has_issues:
            synced = _joined(f"{t.synced} {kind_name(t.kind)}" for t in self.tallies if t.synced)
            aside = f"; {', '.join(parts)}" if parts else ""
            return f"{title} finished: data has been synced ({synced or 'nothing to send'}){aside}."
        detail = f" ({', '.join(parts)})" if parts else ""
        note = f" {self.message.rstrip('.')}." if self.message else ""
        return f"{title} finished with issues: {phrases} synced{detail}.{note}"


def _ordered_kinds(action: str, counts: Mapping[str, Any]) -> list[str]:
    headline = [kind for kind in HEADLINE_KINDS.get(action, ()) if kind in counts]
    return headline + [kind for kind in counts if kind not in headline]


def summarise(run: SyncRun) -> RunSummary:
    counts: Mapping[str, Any] = run.report.get("counts", {})
    skipped = [str(p.get("reason", "")) for p in run.report.get("skipped", [])]
    total_skipped = sum(int(c.get("skipped", 0)) for c in counts.values())
    designed = sum(by_design(reason) for reason in skipped)
    progress: Mapping[str, Any] = run.report.get("progress", {})
    return RunSummary(
        status=run.status,
        message=run.message,
        tallies=tuple(_tally(kind, counts[kind]) for kind in _ordered_kinds(run.action, counts)),
        dry_run=run.dry_run,
        # A scheduled check that sent nothing keeps its counts without the list (the last run
        # named those records): its skips are not counted again as needing attention.
        left_out=designed if skipped else total_skipped,
        attention=max(total_skipped - designed, 0) if skipped else 0,
        progress=tuple(
            KindProgress(kind, int(p.get("done", 0)), int(p.get("total", 0)))
            for kind, p in progress.items()
        ),
        created=_sent(run.report, "created"),
        updated=_sent(run.report, "updated"),
    )
