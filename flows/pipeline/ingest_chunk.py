"""A few sources of one batch together: fetched one by one here, then parsed, normalised and
stored as one job of the process pool while the batch fetches its next few."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack
from datetime import datetime
from typing import TYPE_CHECKING

from db import sources as source_store
from db.engine import session_scope
from flows.pipeline import fetch_ahead
from flows.pipeline.cpu_pool import submit_cpu_bound
from flows.pipeline.fetchers import Fetchers, skipped
from flows.pipeline.source_runs import failed_run, named_error, run_of
from flows.records import Fetched, HttpResult, SourceError, SourceReport, SourceStatus
from flows.settings import Settings, SourceSettings
from flows.sources.feeds import feed_items
from flows.sources.fetch import fetch
from flows.sources.health import backs_off
from flows.sources.read import feed_request, read_source

if TYPE_CHECKING:
    from flows.pipeline.store_chunk import Chunk

log = logging.getLogger(__name__)
# Sources stored in one transaction: the statements of a save cost about as much for
# twenty documents as for one, and a chunk's bodies and texts are all it holds in memory.
CHUNK = 16
# Chunks of a batch being stored while it fetches the next: bounds what it holds.
AHEAD = 1


class SourceBatch(ExitStack):
    """What the sources of one batch share: fetchers (one per pair of timeouts, its
    connections kept alive), and the health of sources that answered "not modified",
    written together at the end: losing it to a crash costs one more conditional GET."""

    def __init__(
        self, settings: Settings, states: dict[str, SourceStatus], now: datetime,
        force: bool = False,
    ) -> None:  # fmt: skip
        super().__init__()
        self.settings, self.states, self.now, self.force = settings, states, now, force
        self.backs_off = {s.name: backs_off(s.kind, s.options) for s in settings.sources}
        self.fetchers = self.enter_context(Fetchers(settings))
        self.unchanged: list[source_store.Run] = []

    def ingest(self, sources: Sequence[SourceSettings]) -> list[SourceReport]:
        """Chunk after chunk: while one chunk is parsed and stored, the next is fetched.
        Nothing escapes: should the batch itself stop, each source it had not reported on
        yet fails, recorded, with why."""
        reports: dict[str, SourceReport] = {}
        try:
            return self._ingest(sources, reports)
        except Exception as err:  # a bug of ours met mid-batch: its sources' failure, not the run's
            log.exception("a batch of sources stopped")
            reason = f"the batch stopped: {named_error(err)}"
            return [reports.get(s.name) or self._failed(s.name, f"{s.name}: {reason}")
                    for s in sources]  # fmt: skip

    def _ingest(
        self, sources: Sequence[SourceSettings], reports: dict[str, SourceReport]
    ) -> list[SourceReport]:
        storing: deque[tuple[Chunk, Future[dict[str, SourceReport]]]] = deque()
        for chunk in _chunks(sources, CHUNK):
            fetched = self._fetch(chunk, reports)
            if fetched:
                # Imported at the first body to parse: the parsing and storing modules
                # (feedparser, numpy, the normalise steps) are no part of a run where every
                # feed answers 304.
                from flows.pipeline.store_chunk import Chunk, store_chunk

                job = Chunk(self.settings.database_url, self.settings.zone, self.now, fetched,
                            {n: self.states[n].consecutive_failures for n in fetched})  # fmt: skip
                storing.append((job, submit_cpu_bound(self.settings, store_chunk, job)))
            while len(storing) > AHEAD:
                reports.update(self._stored(*storing.popleft()))
        for pending in storing:
            reports.update(self._stored(*pending))
        if self.unchanged:
            self._record(*self.unchanged)
        return [reports[s.name] for s in sources]

    def _fetch(
        self, chunk: Sequence[SourceSettings], reports: dict[str, SourceReport]
    ) -> dict[str, HttpResult | Fetched]:
        """What the chunk's sources gave (a feed's body still to parse); the reports of
        those that gave nothing go into `reports`, recorded."""
        fetched: dict[str, HttpResult | Fetched] = {}
        for source in chunk:
            state = self.states[source.name]
            waits = self.backs_off.get(source.name, True) and not self.force
            not_tried = skipped(source, state, self.now, waits)
            if not_tried is not None:
                reports[source.name] = not_tried
                continue
            try:
                got = self._read(source, state)
            except Exception as err:  # SourceError says why; anything else, its type does
                reason = (
                    str(err)
                    if isinstance(err, SourceError)
                    else f"{source.name}: {named_error(err)}"
                )
                reports[source.name] = self._failed(source.name, reason)
                continue
            if isinstance(got, HttpResult) or got.status == "ok":
                fetched[source.name] = got
            else:
                reports[source.name] = self._settle(source, got)
        return fetched

    def _read(self, source: SourceSettings, state: SourceStatus) -> HttpResult | Fetched:
        """A feed is fetched here (threads hide network waits) and parsed by the job that
        stores it, unless it came parsed from the child that fetches ahead; other sources
        are read here."""
        if source.kind != "feed":
            return read_source(
                source.name,
                source.kind,
                source.path,
                source.options,
                password=source.password,
                zone=self.settings.zone,
                now=self.now,
                ca_file=self.settings.ca_file,
            )
        request = feed_request(source.url or "", source.options, state, self.settings.fetch_timeout)
        ahead = fetch_ahead.taken(source.name, request)
        if isinstance(ahead, Fetched):
            return ahead
        result = ahead or fetch(self.fetchers.fetcher_for(source), request)
        if result.status == "ok":
            return result
        return feed_items(source.name, result, self.now)  # nothing to parse

    def _settle(self, source: SourceSettings, fetched: Fetched) -> SourceReport:
        """The report of a source that answered without items (recorded here)."""
        if fetched.status == "unchanged":
            report = SourceReport(source.name, "unchanged")
            self.unchanged.append(run_of(report, etag=fetched.etag,
                                         last_modified=fetched.last_modified,
                                         moved_to=fetched.moved_to))  # fmt: skip
            return report
        if fetched.status == "gone":
            report = SourceReport(source.name, "failed", error=f"{fetched.reason}; source disabled")
            self._record(run_of(report, disable=True))
            return report
        return self._failed(source.name, f"{fetched.reason}: retrying later", fetched.retry_after)

    def _failed(self, name: str, reason: str, retry_after: float | None = None) -> SourceReport:
        consecutive = self.states[name].consecutive_failures
        report, run = failed_run(name, reason, consecutive, self.now, retry_after,
                                 self.backs_off.get(name, True))  # fmt: skip
        self._record(run)
        return report

    def _record(self, *runs: source_store.Run) -> None:
        """Record the runs; a store that refuses is logged, and the reports still go back:
        the batch ends either way."""
        try:
            with session_scope(self.settings.database_url) as session:
                source_store.record_runs(session, list(runs), self.now)
        except Exception as err:  # the database itself failing: nothing more to do here
            log.error("the status of %s could not be recorded: %s",
                      ", ".join(r.name for r in runs), named_error(err))  # fmt: skip

    def _stored(
        self, job: Chunk, storing: Future[dict[str, SourceReport]]
    ) -> dict[str, SourceReport]:
        """The job's reports; when its worker process died, each of its sources failed."""
        try:
            return storing.result()
        except BrokenProcessPool:
            return {n: self._failed(n, "the parsing process died") for n in job.fetched}
        except Exception as err:  # the job's transaction failed: each of its sources did
            reason = f"could not be stored: {named_error(err)}"
            return {n: self._failed(n, f"{n}: {reason}") for n in job.fetched}


def _chunks(sources: Sequence[SourceSettings], size: int) -> Iterator[Sequence[SourceSettings]]:
    for start in range(0, len(sources), size):
        yield sources[start : start + size]
