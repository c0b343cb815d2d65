"""A chunk of fetched sources parsed, normalised and stored in one go, in a worker process of
the pool: its work, the writes included, then runs beside the fetching, not behind it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from db import documents as doc_store
from db import raw_texts
from db import sources as source_store
from db.engine import session_scope
from db.neardup import set_duplicate_of
from flows.dedupe.near import signed
from flows.normalise.documents import normalise_items
from flows.normalise.fingerprints import raw_hash
from flows.pipeline.linking import find_originals, index_bands
from flows.records import (
    Document,
    Failure,
    Fetched,
    HttpResult,
    RawItem,
    SourceError,
    SourceReport,
)
from flows.sources.feeds import feed_items
from flows.sources.health import next_fetch_at


@dataclass(frozen=True)
class Chunk:
    """What a worker needs to store a chunk: feeds still to parse, or items already read,
    by source name, and each source's consecutive failures (for a parse that fails)."""

    database_url: str
    zone: ZoneInfo
    now: datetime
    fetched: dict[str, HttpResult | Fetched]
    consecutive_failures: dict[str, int]


def store_chunk(chunk: Chunk) -> dict[str, SourceReport]:
    """Parse, normalise and store the chunk's sources, their health with them in one
    transaction; then link the near-duplicates among the new texts. A report per source."""
    reports: dict[str, SourceReport] = {}
    runs: list[source_store.Run] = []
    read: dict[str, Fetched] = {}
    for name, got in chunk.fetched.items():
        try:
            read[name] = feed_items(name, got, chunk.now) if isinstance(got, HttpResult) else got
        except SourceError as err:
            reports[name], run = failed_run(
                name, str(err), chunk.consecutive_failures[name], chunk.now
            )
            runs.append(run)
    fresh, normalised = _normalise(chunk, read)
    documents = [d for docs, _ in normalised.values() for d in docs]
    with session_scope(chunk.database_url) as session:
        outcomes = doc_store.save_documents(session, documents, chunk.now)
        counts = Counter((saved.source, saved.outcome) for saved in outcomes)
        indexed = index_bands(session, outcomes, documents)
        for name, f in read.items():
            failures = [*f.failures, *normalised.get(name, ([], []))[1]]
            status = "failed" if failures and not f.items else "partial" if failures else "ok"
            saved = {kind: counts[name, kind] for kind in ("new", "updated", "duplicate")}
            reports[name] = SourceReport(name, status, unchanged=len(f.items) - len(fresh[name]),
                                         failures=tuple(failures), **saved)  # fmt: skip
            runs.append(run_of(reports[name], etag=f.etag, last_modified=f.last_modified,
                               moved_to=f.moved_to))  # fmt: skip
        source_store.record_runs(session, runs, chunk.now)
    # Looked up once the new keys are stored, by a read that takes no write lock: two
    # chunks stored side by side find each other's texts.
    with session_scope(chunk.database_url, read_only=True) as session:
        links = find_originals(session, indexed)
    if links:
        with session_scope(chunk.database_url) as session:
            set_duplicate_of(session, links)
    return reports


def _normalise(
    chunk: Chunk, read: dict[str, Fetched]
) -> tuple[dict[str, list[RawItem]], dict[str, tuple[list[Document], list[Failure]]]]:
    """Items whose bytes did not change since the last fetch are not normalised again; the
    rest are, against what each publisher's earlier texts teach of its boilerplate."""
    with session_scope(chunk.database_url, read_only=True) as session:
        known = raw_texts.known_raw_hashes_of(session, read)
        fresh = {
            name: [i for i in f.items if known[name].get(i.identity) != raw_hash(i.body)]
            for name, f in read.items()
        }
        publishers = {i.publisher for items in fresh.values() for i in items if i.publisher}
        learned = raw_texts.learning_texts(session, publishers)
    normalised = {}
    for name, items in fresh.items():
        if items:
            mine = {p: learned[p] for p in {i.publisher for i in items} if p in learned}
            normalised[name] = normalise_and_sign(items, mine, chunk.zone)
    return fresh, normalised


def normalise_and_sign(
    items: Sequence[RawItem], learned: Mapping[str, Sequence[str]], zone: ZoneInfo
) -> tuple[list[Document], list[Failure]]:
    """Normalise the items into documents, each signed for the near-duplicate look-ups."""
    documents, failures = normalise_items(items, learned, zone)
    return signed(documents), failures


def failed_run(
    name: str, reason: str, consecutive_failures: int, now: datetime,
    retry_after: float | None = None,
) -> tuple[SourceReport, source_store.Run]:  # fmt: skip
    """The report of a source that failed this time, and its health: tried again after a
    back-off that grows with its failures (longer when the server said how long to wait)."""
    report = SourceReport(name, "failed", error=reason)
    wait = next_fetch_at(consecutive_failures + 1, now, retry_after)
    return report, run_of(report, next_fetch_at=wait)


def run_of(report: SourceReport, **health: object) -> source_store.Run:
    """What the source's row keeps of a report: status, error, counts, and its health."""
    error = report.error or "; ".join(f"{f.identity}: {f.reason}" for f in report.failures) or None
    counts = {
        "new": report.new,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "duplicate": report.duplicate,
        "failed": report.failed,
    }
    return source_store.Run(report.source, report.status, error, counts, health)
