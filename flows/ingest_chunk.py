"""A few sources of one batch together: fetched one by one here, parsed and normalised in
the process pool side by side, read and stored in one transaction each."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack
from dataclasses import replace
from datetime import datetime
from threading import Lock

import httpx

from db import documents as doc_store
from db import sources as source_store
from db.engine import session_scope
from db.neardup import set_duplicate_of
from flows.dedupe import raw_hash
from flows.fetch import make_client
from flows.health import next_fetch_at
from flows.linking import Indexed, find_originals, index_bands
from flows.model import Document, Failure, RawItem, SourceError, SourceReport, SourceStatus
from flows.normalise import normalise_items
from flows.runner import submit_cpu_bound
from flows.settings import Settings, SourceSettings
from flows.sources import Fetched, feed_items, fetch_feed, read_source

# Chunks of a batch stored or being stored while it fetches the next.
AHEAD = 1
_writer_pool: ThreadPoolExecutor | None = None
_writer_lock = Lock()
# Sources stored in one transaction: the statements of a save cost about as much for
# twenty documents as for one, and a chunk's bodies and texts are all it holds in memory.
CHUNK = 16


class Batch(ExitStack):
    """What the sources of one batch share: HTTP clients (one per pair of timeouts, its
    connections kept alive), and the health of sources that answered "not modified",
    written together at the end: losing it to a crash costs one more conditional GET."""

    def __init__(self, settings: Settings, states: dict[str, SourceStatus], now: datetime):
        super().__init__()
        self.settings, self.states, self.now = settings, states, now
        self.clients: dict[tuple[float, float], httpx.Client] = {}
        self.unchanged: list[source_store.Run] = []

    def client_for(self, source: SourceSettings) -> httpx.Client:
        timeouts = timeouts_of(source)
        key = (timeouts["connect_timeout"], timeouts["read_timeout"])
        if key not in self.clients:
            self.clients[key] = self.enter_context(make_client(**timeouts))
        return self.clients[key]

    def ingest(self, sources: Sequence[SourceSettings]) -> list[SourceReport]:
        """Chunk after chunk: while one chunk is normalised and stored, the next is fetched."""
        reports: dict[str, SourceReport] = {}
        storing: deque[Future[tuple[dict[str, SourceReport], Indexed]]] = deque()
        for chunk in _chunks(sources, CHUNK):
            fetched = self._fetch(chunk, reports)
            if fetched:
                storing.append(self._store(fetched))
            while len(storing) > AHEAD:  # bounds what a batch holds in memory
                reports.update(self._link(storing.popleft().result()))
        for pending in storing:
            reports.update(self._link(pending.result()))
        if self.unchanged:
            with session_scope(self.settings.database_url) as session:
                source_store.record_runs(session, self.unchanged, self.now)
        return [reports[s.name] for s in sources]

    def _fetch(
        self, chunk: Sequence[SourceSettings], reports: dict[str, SourceReport]
    ) -> dict[str, Fetched]:
        """The chunk's sources that gave items; the others' reports go into `reports`."""
        reading: dict[str, Future[Fetched]] = {}
        for source in chunk:  # parsing runs in the pool while the next source is fetched
            skipped = _skipped(source, self.states[source.name], self.now)
            if skipped is not None:
                reports[source.name] = skipped
            else:
                reading[source.name] = self._read(source)
        fetched: dict[str, Fetched] = {}
        for source in chunk:
            if source.name in reading:
                result = self._settle(source, reading[source.name])
                if isinstance(result, SourceReport):
                    reports[source.name] = result
                else:
                    fetched[source.name] = result
        return fetched

    def _read(self, source: SourceSettings) -> Future[Fetched]:
        """Fetch here (threads hide network waits); parse a feed's body in the pool."""
        state = self.states[source.name]
        if source.kind != "feed":
            return _now(read_source, source, state, self.settings.zone, self.now)
        result = fetch_feed(source, state, self.client_for(source))
        if result.status != "ok":  # nothing to parse
            return _now(feed_items, source.name, result, self.now)
        return submit_cpu_bound(self.settings, feed_items, source.name, result, self.now)

    def _settle(self, source: SourceSettings, reading: Future[Fetched]) -> Fetched | SourceReport:
        """A source that gave items, or the report of one that did not (recorded here)."""
        url, state, now = self.settings.database_url, self.states[source.name], self.now
        try:
            fetched = reading.result()
        except (SourceError, BrokenProcessPool) as err:
            reason = str(err) if isinstance(err, SourceError) else "the parsing process died"
            report = SourceReport(source.name, "failed", error=reason)
            record(url, report, now, next_fetch_at=next_fetch_at(state.consecutive_failures + 1,
                                                                 now))  # fmt: skip
            return report
        if fetched.status == "unchanged":
            report = SourceReport(source.name, "unchanged")
            self.unchanged.append(run_of(report, etag=fetched.etag,
                                         last_modified=fetched.last_modified,
                                         moved_to=fetched.moved_to))  # fmt: skip
            return report
        if fetched.status == "gone":
            report = SourceReport(source.name, "failed", error=f"{fetched.reason}; source disabled")
            record(url, report, now, disable=True)
            return report
        if fetched.status != "ok":  # "come back later"
            report = SourceReport(source.name, "failed", error=f"{fetched.reason}: retrying later")
            wait = next_fetch_at(state.consecutive_failures + 1, now, fetched.retry_after)
            record(url, report, now, next_fetch_at=wait)
            return report
        return fetched

    def _store(
        self, fetched: dict[str, Fetched]
    ) -> Future[tuple[dict[str, SourceReport], Indexed]]:
        """Items whose bytes did not change since the last fetch are not normalised again;
        the rest go to the pool, then to the writer, which stores them with each source's
        health in one transaction."""
        with session_scope(self.settings.database_url, read_only=True) as session:
            known = doc_store.known_raw_hashes_of(session, fetched)
            fresh = {
                name: [i for i in f.items if known[name].get(i.identity) != raw_hash(i.body)]
                for name, f in fetched.items()
            }
            publishers = {i.publisher for items in fresh.values() for i in items if i.publisher}
            learned = doc_store.learning_texts(session, publishers)
        normalising = {
            name: submit_cpu_bound(
                self.settings,
                normalise_items,
                items,
                _learned_for(items, learned),
                self.settings.zone,
            )
            for name, items in fresh.items()
            if items
        }
        return _writer().submit(self._write, fetched, fresh, normalising)

    def _link(self, stored: tuple[dict[str, SourceReport], Indexed]) -> dict[str, SourceReport]:
        """Near-duplicates of a stored chunk, looked up here rather than by the writer: its
        transactions are what every batch waits for."""
        reports, indexed = stored
        url = self.settings.database_url
        with session_scope(url, read_only=True) as session:
            links = find_originals(session, indexed)
        if links:
            with session_scope(url) as session:
                set_duplicate_of(session, links)
        return reports

    def _write(
        self,
        fetched: dict[str, Fetched],
        fresh: dict[str, list[RawItem]],
        normalising: dict[str, Future[tuple[list[Document], list[Failure]]]],
    ) -> tuple[dict[str, SourceReport], Indexed]:
        url, now = self.settings.database_url, self.now
        normalised = {name: future.result() for name, future in normalising.items()}
        documents = [d for docs, _ in normalised.values() for d in docs]
        reports, runs = {}, []
        for name, f in fetched.items():
            failures = [*f.failures, *normalised.get(name, ([], []))[1]]
            status = "failed" if failures and not f.items else "partial" if failures else "ok"
            reports[name] = SourceReport(name, status, unchanged=len(f.items) - len(fresh[name]),
                                         failures=tuple(failures))  # fmt: skip
        with session_scope(url) as session:
            counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
            outcomes = doc_store.save_documents(session, documents, now)
            for saved in outcomes:
                counts[saved.source][saved.outcome] += 1
            indexed = index_bands(session, outcomes, documents)
            for name, f in fetched.items():
                reports[name] = replace(reports[name], **_saved(counts[name]))
                runs.append(run_of(reports[name], etag=f.etag, last_modified=f.last_modified,
                                   moved_to=f.moved_to))  # fmt: skip
            source_store.record_runs(session, runs, now)
        return reports, indexed


def _writer() -> ThreadPoolExecutor:
    """The one thread of this process that stores chunks: SQLite takes one writer at a
    time, and a batch goes on fetching while its last chunk is stored."""
    global _writer_pool
    with _writer_lock:
        if _writer_pool is None:
            _writer_pool = ThreadPoolExecutor(1, thread_name_prefix="ingest-writer")
        return _writer_pool


def _skipped(source: SourceSettings, state: SourceStatus, now: datetime) -> SourceReport | None:
    if state.disabled:
        return SourceReport(source.name, "skipped", error=f"disabled: {state.last_error}")
    if state.next_fetch_at and now < state.next_fetch_at:
        wait = f"backing off after {state.consecutive_failures} failures"
        return SourceReport(
            source.name, "skipped", error=f"{wait}, until {state.next_fetch_at:%Y-%m-%d %H:%M}Z"
        )
    return None


def _saved(counts: dict[str, int]) -> dict[str, int]:
    return {kind: counts[kind] for kind in ("new", "updated", "duplicate")}


def _learned_for(items: list[RawItem], learned: dict[str, list[str]]) -> dict[str, list[str]]:
    return {p: learned[p] for p in {i.publisher for i in items} if p in learned}


def _now(fn: Callable[..., object], *args: object) -> Future:  # type: ignore[type-arg]
    """A call made here, as a settled future (so pooled and local reads look alike)."""
    done: Future = Future()  # type: ignore[type-arg]
    try:
        done.set_result(fn(*args))
    except SourceError as err:
        done.set_exception(err)
    return done


def _chunks(sources: Sequence[SourceSettings], size: int) -> Iterator[Sequence[SourceSettings]]:
    for start in range(0, len(sources), size):
        yield sources[start : start + size]


def timeouts_of(source: SourceSettings) -> dict[str, float]:
    timeout = float(source.options.get("timeout", 30))
    return {"connect_timeout": min(timeout, 10.0), "read_timeout": timeout}


def record(url: str, report: SourceReport, now: datetime, **health: object) -> None:
    with session_scope(url) as session:
        source_store.record_runs(session, [run_of(report, **health)], now)


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
