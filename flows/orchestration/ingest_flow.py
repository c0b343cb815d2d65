"""The ingest flow: batches of sources as tasks, fetch -> normalise -> store, each recorded."""

from __future__ import annotations

import gc
import logging
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.task_runners import ThreadPoolTaskRunner

from db import sources as source_store
from db.engine import session_scope
from flows.orchestration.prefect_internals import (
    on_thread_runner,
    plain_parameters,
    uninspected,
    unwrapped,
)
from flows.orchestration.run_settings import given_settings, run_settings
from flows.orchestration.runner import PARALLEL, heartbeats_only_for_deployments, task_runner
from flows.pipeline.cpu_pool import start_cpu_pool
from flows.pipeline.ingest_chunk import SourceBatch
from flows.records import SourceReport, SourceStatus
from flows.redact import mask_text
from flows.render.reports import sources_markdown, sources_summary
from flows.settings import Settings, SourceSettings

T = TypeVar("T")
_frozen = False  # the collector's freeze is done in this process


def _ingest_run_name() -> str:
    return f"ingest-{flow_run.parameters.get('source') or 'all-sources'}"


# Its parameters are two names and a flag, checked by the body; Prefect's validation
# would build a pydantic model of them at every run.
@plain_parameters
@flow(name="ingest", flow_run_name=_ingest_run_name, task_runner=ThreadPoolTaskRunner(PARALLEL),
      validate_parameters=False)  # fmt: skip
def ingest_flow(
    source: str | None = None, config: str | None = None, force: bool = False
) -> list[SourceReport]:
    """Fetch every configured source (or the one named), store what is new, report each;
    `force` tries now the sources that are backing off after failures."""
    with run_settings(config) as settings:
        return ingest_sources(settings, source, force=force)


def run_ingest(
    settings: Settings, config: str | None, source: str | None = None, force: bool = False
) -> list[SourceReport]:
    """The ingest flow on the task runner the settings choose (threads, or Dask)."""
    # What is alive before the first run (Prefect, SQLAlchemy, the settings) lives as long
    # as the process: frozen out of the collector's sight, each full collection in a run
    # walks only what the run made. Once only: a later freeze would also keep the garbage
    # of the runs before (a flag, as gc.get_freeze_count() walks every frozen object).
    global _frozen
    if not _frozen:
        gc.freeze()
        _frozen = True
    with given_settings(config, settings), heartbeats_only_for_deployments():
        flow = ingest_flow  # on its own runner, threads: a copy would build its schema again
        if settings.task_runner == "dask":
            flow = plain_parameters(ingest_flow.with_options(task_runner=task_runner(settings)))
        return flow(source=source, config=config, force=force)


def ingest_sources(
    settings: Settings, only: str | None = None, force: bool = False
) -> list[SourceReport]:
    """The body of the ingest flow, callable from other flows with settings already read."""
    logger = get_run_logger()
    with session_scope(settings.database_url) as session:
        source_store.sync_sources(
            session, [(s.name, s.kind, str(s.path or s.url or "")) for s in settings.sources]
        )
    chosen = [s for s in settings.sources if only is None or s.name == only]
    if only is not None and not chosen:
        known = ", ".join(s.name for s in settings.sources) or "none"
        raise ValueError(f"no source named {only!r} in the config (known: {known})")
    now = datetime.now(UTC)
    # Prefect would otherwise walk the settings and the batch, every source of them, for
    # futures to wait on, once per task, and so the reports each task returns. Dask gets
    # them plain: its workers receive the wrapper as a bare tuple.
    threads = on_thread_runner()
    wrap = uninspected if threads else _plain
    with session_scope(settings.database_url, read_only=True) as session:
        states = source_store.source_statuses(session, [s.name for s in chosen])
    if any(s.kind == "feed" and _answers_in_full(states[s.name]) for s in chosen):
        # Its processes come up while the first feeds are fetched. Not otherwise: on two
        # cores, their start slowed a run where every feed answers 304 by a second.
        start_cpu_pool(settings)
    futures = [
        ingest_batch.submit(
            wrap(settings),
            wrap(batch),
            wrap({s.name: states[s.name] for s in batch}),
            now,
            quoted=threads,
            force=force,
        )
        for batch in batches(chosen)
    ]
    results = [f.result() for f in futures]
    # Logs and the artifact go to Prefect's database: no password of a URL in them.
    reports = [masked_report(r) for result in results for r in unwrapped(result)]
    # One line for the run and one per source that needs a look: a line per source sent
    # to Prefect's API cost more than a run where every feed answers 304.
    logger.info("%s", sources_summary(reports))
    for r in reports:
        if r.status in ("failed", "partial", "skipped"):
            level = logging.INFO if r.status == "skipped" else logging.WARNING
            logger.log(level, "%s: %s, %d new, %d updated, %d failed (%s)", r.source, r.status,
                       r.new, r.updated, r.failed, r.error or "see its failures")  # fmt: skip
    create_markdown_artifact(
        key="ingest-sources",
        markdown=sources_markdown(reports),
        description="What the last ingest fetched, skipped and failed, per source",
    )
    return reports


def masked_report(report: SourceReport) -> SourceReport:
    """The report with the password of any URL in its reasons masked."""
    failures = tuple(replace(f, reason=mask_text(f.reason)) for f in report.failures)
    error = mask_text(report.error) if report.error else report.error
    return replace(report, error=error, failures=failures)


def _answers_in_full(state: SourceStatus) -> bool:
    """A feed with no validators stored cannot answer 304: it sends its whole body."""
    return not (state.etag or state.last_modified)


def _plain(value: T) -> T:
    return value


def batches(sources: list[SourceSettings], parallel: int = PARALLEL) -> list[list[SourceSettings]]:
    """Sources dealt into at most `parallel` batches: a Prefect task costs more than
    a feed that answers 304, so sources share a task."""
    count = min(parallel, len(sources))
    return [sources[i::count] for i in range(count)]


def batch_name(batch: list[SourceSettings]) -> str:
    names = [s.name for s in batch]
    return f"ingest-{names[0]}" + (f"-and-{len(names) - 1}-more" if len(names) > 1 else "")


def _batch_run_name(parameters: dict[str, Any]) -> str:
    """The name of an ingest-batch run, from its sources (a task copied by with_options
    for each name would read its function's source anew: 7% of an all-304 run)."""
    return batch_name(parameters["batch"])


@task(name="ingest-batch", task_run_name=_batch_run_name, cache_policy=NO_CACHE)
def ingest_batch(
    settings: Settings,
    batch: list[SourceSettings],
    states: dict[str, SourceStatus],
    now: datetime,
    quoted: bool = False,
    force: bool = False,
) -> list[SourceReport]:
    """A batch's sources a chunk at a time; the batches run side by side (PARALLEL fetches
    at once). A source's failure is recorded on it and never fails the run.

    `quoted` (on the thread runner, as its arguments are): the reports are returned
    quoted, else Prefect walks every field of every report looking for futures, twice.
    `force`: the sources backing off are tried too."""
    with SourceBatch(settings, states, now, force=force) as sources:
        reports = sources.ingest(batch)
    return uninspected(reports) if quoted else reports
