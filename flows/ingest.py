"""The ingest flow: batches of sources as tasks, fetch -> normalise -> store, each recorded."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack
from datetime import UTC, datetime

import httpx
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run, task_run
from prefect.task_runners import ThreadPoolTaskRunner

from db import documents as doc_store
from db import sources as source_store
from db.engine import session_scope
from db.migrate import upgrade
from flows.dedupe import raw_hash
from flows.fetch import make_client
from flows.health import next_fetch_at
from flows.model import SourceError, SourceReport, SourceStatus
from flows.normalise import normalise_items
from flows.reports import sources_markdown
from flows.runner import PARALLEL, heartbeats_only_for_deployments, run_cpu_bound, task_runner
from flows.settings import Settings, SourceSettings, load_settings
from flows.sources import Fetched, feed_items, fetch_feed, read_source


def _ingest_run_name() -> str:
    return f"ingest-{flow_run.parameters.get('source') or 'all-sources'}"


@flow(name="ingest", flow_run_name=_ingest_run_name, task_runner=ThreadPoolTaskRunner(PARALLEL))
def ingest_flow(source: str | None = None, config: str | None = None) -> list[SourceReport]:
    """Fetch every configured source (or the one named), store what is new, report each."""
    settings = load_settings(config)
    return ingest_sources(settings, source)


def run_ingest(
    settings: Settings, config: str | None, source: str | None = None
) -> list[SourceReport]:
    """The ingest flow on the task runner the settings choose (threads, or Dask)."""
    with heartbeats_only_for_deployments():
        flow = ingest_flow.with_options(task_runner=task_runner(settings))
        return flow(source=source, config=config)


def ingest_sources(settings: Settings, only: str | None = None) -> list[SourceReport]:
    """The body of the ingest flow, callable from other flows with settings already read."""
    logger = get_run_logger()
    prepare_database(settings)
    chosen = [s for s in settings.sources if only is None or s.name == only]
    if only is not None and not chosen:
        known = ", ".join(s.name for s in settings.sources) or "none"
        raise ValueError(f"no source named {only!r} in the config (known: {known})")
    now = datetime.now(UTC)
    futures = [ingest_batch.submit(settings, batch, now) for batch in batches(chosen)]
    reports = [report for f in futures for report in f.result()]
    for r in reports:
        logger.info(
            "%s: %s, %d new, %d updated, %d unchanged, %d duplicate, %d failed%s",
            r.source, r.status, r.new, r.updated, r.unchanged, r.duplicate, r.failed,
            f" ({r.error})" if r.error else "",
        )  # fmt: skip
    create_markdown_artifact(
        key="ingest-sources",
        markdown=sources_markdown(reports),
        description="What the last ingest fetched, skipped and failed, per source",
    )
    return reports


def prepare_database(settings: Settings) -> None:
    upgrade(settings.database_url)
    with session_scope(settings.database_url) as session:
        source_store.sync_sources(
            session, [(s.name, s.kind, str(s.path or s.url or "")) for s in settings.sources]
        )


def batches(sources: list[SourceSettings], parallel: int = PARALLEL) -> list[list[SourceSettings]]:
    """Sources dealt into at most `parallel` batches: a Prefect task costs about 10 ms,
    so a task per source would cost more than a feed that answers 304."""
    count = min(parallel, len(sources))
    return [sources[i::count] for i in range(count)]


def _batch_name() -> str:
    names = [s.name for s in task_run.parameters["batch"]]
    return f"ingest-{names[0]}" + (f"-and-{len(names) - 1}-more" if len(names) > 1 else "")


@task(name="ingest-batch", task_run_name=_batch_name, cache_policy=NO_CACHE)
def ingest_batch(
    settings: Settings, batch: list[SourceSettings], now: datetime
) -> list[SourceReport]:
    """Sources one after another; the batches run side by side (PARALLEL fetches at once).
    One query reads the batch's health and one write records its unchanged sources."""
    with session_scope(settings.database_url, read_only=True) as session:
        states = source_store.source_statuses(session, [s.name for s in batch])
    with _Batch() as context:
        reports = [
            ingest_source(settings, source, now, states[source.name], context) for source in batch
        ]
        if context.unchanged:
            with session_scope(settings.database_url) as session:
                for report, health in context.unchanged:
                    source_store.record_run(session, report.source, *_outcome(report), now,
                                            **health)  # type: ignore[arg-type]  # fmt: skip
    return reports


class _Batch(ExitStack):
    """What the sources of one batch share: HTTP clients (one per pair of timeouts, its
    connections kept alive), and the health of sources that answered "not modified",
    written together at the end: losing it to a crash costs one more conditional GET."""

    def __init__(self) -> None:
        super().__init__()
        self.clients: dict[tuple[float, float], httpx.Client] = {}
        self.unchanged: list[tuple[SourceReport, dict[str, object]]] = []

    def client_for(self, source: SourceSettings) -> httpx.Client:
        timeouts = _timeouts(source)
        key = (timeouts["connect_timeout"], timeouts["read_timeout"])
        if key not in self.clients:
            self.clients[key] = self.enter_context(make_client(**timeouts))
        return self.clients[key]


def ingest_source(
    settings: Settings, source: SourceSettings, now: datetime, state: SourceStatus, batch: _Batch
) -> SourceReport:
    """One source, start to end; its failure is recorded on it and never fails the run."""
    url = settings.database_url
    if state.disabled:
        return SourceReport(source.name, "skipped", error=f"disabled: {state.last_error}")
    if state.next_fetch_at and now < state.next_fetch_at:
        wait = f"backing off after {state.consecutive_failures} failures"
        return SourceReport(
            source.name, "skipped", error=f"{wait}, until {state.next_fetch_at:%Y-%m-%d %H:%M}Z"
        )
    try:
        fetched = _read(settings, source, state, now, batch.client_for)
    except SourceError as err:
        failures = state.consecutive_failures + 1
        report = SourceReport(source.name, "failed", error=str(err))
        _record(url, report, now, next_fetch_at=next_fetch_at(failures, now))
        return report
    if fetched.status == "unchanged":
        report = SourceReport(source.name, "unchanged")
        health = {"etag": fetched.etag, "last_modified": fetched.last_modified,
                  "moved_to": fetched.moved_to}  # fmt: skip
        batch.unchanged.append((report, health))
        return report
    if fetched.status != "ok":
        return _not_fetched(url, source, state, fetched, now)

    # Items whose bytes did not change since the last fetch are not normalised again.
    with session_scope(url, read_only=True) as session:
        known = doc_store.known_raw_hashes(session, source.name)
        fresh = [i for i in fetched.items if known.get(i.identity) != raw_hash(i.body)]
        learned = doc_store.learning_texts(session, {i.publisher for i in fresh if i.publisher})
    unchanged = len(fetched.items) - len(fresh)
    documents, bad = (
        run_cpu_bound(settings, normalise_items, fresh, learned, settings.zone)
        if fresh
        else ([], [])
    )
    failures = [*fetched.failures, *bad]

    with session_scope(url) as session:  # the documents and the source's health, together
        outcomes = doc_store.save_documents(session, documents, now)
        counts = {"new": 0, "updated": 0, "unchanged": unchanged, "duplicate": 0}
        for outcome in outcomes:
            counts[outcome.outcome] += 1
        status = "failed" if failures and not fetched.items else "partial" if failures else "ok"
        report = SourceReport(source.name, status, failures=tuple(failures), **counts)
        source_store.record_run(session, report.source, *_outcome(report), now,
                                etag=fetched.etag, last_modified=fetched.last_modified,
                                moved_to=fetched.moved_to)  # fmt: skip
    return report


def _read(
    settings: Settings,
    source: SourceSettings,
    state: SourceStatus,
    now: datetime,
    client_for: Callable[[SourceSettings], httpx.Client],
) -> Fetched:
    """Fetch here (threads hide network waits); parse a feed's body in the process pool."""
    if source.kind != "feed":
        return read_source(source, state, settings.zone, now)
    result = fetch_feed(source, state, client_for(source))
    if result.status != "ok":
        return feed_items(source.name, result, now)
    try:
        return run_cpu_bound(settings, feed_items, source.name, result, now)
    except BrokenProcessPool:
        raise SourceError(f"{source.name}: the process parsing the feed died") from None


def _not_fetched(
    url: str, source: SourceSettings, state: SourceStatus, fetched: Fetched, now: datetime
) -> SourceReport:
    """410 or "come back later": nothing to store, the health to update."""
    if fetched.status == "gone":
        report = SourceReport(source.name, "failed", error=f"{fetched.reason}; source disabled")
        _record(url, report, now, disable=True)
        return report
    failures = state.consecutive_failures + 1
    report = SourceReport(source.name, "failed", error=f"{fetched.reason}: retrying later")
    _record(url, report, now, next_fetch_at=next_fetch_at(failures, now, fetched.retry_after))
    return report


def _timeouts(source: SourceSettings) -> dict[str, float]:
    timeout = float(source.options.get("timeout", 30))
    return {"connect_timeout": min(timeout, 10.0), "read_timeout": timeout}


def _record(url: str, report: SourceReport, now: datetime, **health: object) -> None:
    with session_scope(url) as session:
        source_store.record_run(session, report.source, *_outcome(report), now, **health)  # type: ignore[arg-type]


def _outcome(report: SourceReport) -> tuple[str, str | None, dict[str, int]]:
    """What record_run keeps of a report: its status, its error, its counts."""
    error = report.error or "; ".join(f"{f.identity}: {f.reason}" for f in report.failures) or None
    counts = {
        "new": report.new,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "duplicate": report.duplicate,
        "failed": report.failed,
    }
    return report.status, error, counts
