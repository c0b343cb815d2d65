"""The ingest flow: a task per source, fetch -> normalise -> store, each outcome recorded."""

from __future__ import annotations

from datetime import UTC, datetime

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from db import documents as doc_store
from db import sources as source_store
from db.engine import session_scope
from db.migrate import upgrade
from flows.dedupe import raw_hash
from flows.files import SourceError, read_folder
from flows.model import RawItem, SourceReport
from flows.normalise import normalise_items
from flows.reports import sources_markdown
from flows.settings import Settings, SourceSettings, load_settings


def _ingest_run_name() -> str:
    return f"ingest-{flow_run.parameters.get('source') or 'all-sources'}"


@flow(name="ingest", flow_run_name=_ingest_run_name)
def ingest_flow(source: str | None = None, config: str | None = None) -> list[SourceReport]:
    """Fetch every configured source (or the one named), store what is new, report each."""
    settings = load_settings(config)
    return ingest_sources(settings, source)


def ingest_sources(settings: Settings, only: str | None = None) -> list[SourceReport]:
    """The body of the ingest flow, callable from other flows with settings already read."""
    logger = get_run_logger()
    prepare_database(settings)
    chosen = [s for s in settings.sources if only is None or s.name == only]
    if only is not None and not chosen:
        known = ", ".join(s.name for s in settings.sources) or "none"
        raise ValueError(f"no source named {only!r} in the config (known: {known})")
    now = datetime.now(UTC)
    futures = [ingest_source.submit(settings, s, now) for s in chosen]
    reports = [f.result() for f in futures]
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


@task(name="ingest-source", task_run_name="ingest-{source.name}", cache_policy=NO_CACHE)
def ingest_source(settings: Settings, source: SourceSettings, now: datetime) -> SourceReport:
    """One source, start to end; its failure is recorded on it and never fails the run."""
    url = settings.database_url
    try:
        items, failures = fetch_source(settings, source, now)
    except SourceError as err:
        report = SourceReport(source.name, "failed", error=str(err))
        _record(url, report, now)
        return report

    with session_scope(url) as session:
        known = doc_store.known_raw_hashes(session, source.name)
    fresh = [i for i in items if known.get(i.identity) != raw_hash(i.body)]
    unchanged = len(items) - len(fresh)

    with session_scope(url) as session:
        learned = doc_store.learning_texts(session, {i.publisher for i in fresh if i.publisher})
    documents, bad = normalise_items(fresh, learned, settings.zone)
    failures.extend(bad)

    with session_scope(url) as session:
        outcomes = doc_store.save_documents(session, documents, now)
    counts = {"new": 0, "updated": 0, "unchanged": unchanged, "duplicate": 0}
    for outcome in outcomes:
        counts[outcome.outcome] += 1
    status = "failed" if failures and not items else "partial" if failures else "ok"
    report = SourceReport(source.name, status, failures=tuple(failures), **counts)
    _record(url, report, now)
    return report


def fetch_source(
    settings: Settings, source: SourceSettings, now: datetime
) -> tuple[list[RawItem], list]:
    if source.kind == "files" and source.path is not None:
        return read_folder(source.name, source.path, settings.zone, now)
    raise SourceError(f"{source.name}: sources of kind {source.kind!r} cannot be read yet")


def _record(url: str, report: SourceReport, now: datetime) -> None:
    error = report.error or "; ".join(f"{f.identity}: {f.reason}" for f in report.failures) or None
    counts = {
        "new": report.new,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "duplicate": report.duplicate,
        "failed": report.failed,
    }
    with session_scope(url) as session:
        source_store.record_run(session, report.source, report.status, error, counts, now)
