"""What a source's row keeps of a run (its report, its health), and the reason of an
unforeseen error: shared by the batch that fetches and the job that stores."""

from __future__ import annotations

from datetime import datetime

from db import sources as source_store
from flows.records import SourceReport
from flows.sanitise import single_line
from flows.sources.health import next_fetch_at


def named_error(err: Exception) -> str:
    """An unforeseen error, named by its type and the first line of its message (a
    database error's message goes on with the whole statement)."""
    first = (str(err).strip().splitlines() or [""])[0]
    return f"{type(err).__name__}: {first}"


def failed_run(
    name: str, reason: str, consecutive_failures: int, now: datetime,
    retry_after: float | None = None, backs_off: bool = True,
) -> tuple[SourceReport, source_store.Run]:  # fmt: skip
    """The report of a source that failed this time, and its health: tried again after a
    back-off that grows with its failures (longer when the server said how long to wait);
    a local source (`backs_off` False) is tried again at the next run."""
    report = SourceReport(name, "failed", error=reason)
    wait = next_fetch_at(consecutive_failures + 1, now, retry_after) if backs_off else None
    return report, run_of(report, next_fetch_at=wait)


def run_of(report: SourceReport, **health: object) -> source_store.Run:
    """What the source's row keeps of a report: status, error, counts, and its health."""
    error = report.error or "; ".join(f"{f.identity}: {f.reason}" for f in report.failures)
    # A source's error may quote what it sent (a parser's message): one safe line, kept whole.
    error = single_line(error, 100_000)
    counts = {
        "new": report.new,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "duplicate": report.duplicate,
        "failed": report.failed,
    }
    return source_store.Run(report.source, report.status, error, counts, health)
