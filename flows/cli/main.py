"""The `digest` command line: a thin layer over the flows and the steps."""

from __future__ import annotations

import os
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from flows.cli.common import (
    FAILED,
    PARTIAL,
    Config,
    DigestName,
    DryRun,
    Resend,
    app,
    console,
    known_digest,
    migrated_settings,
    prefect_defaults,
    settings_or_exit,
    shown,
    stop,
    week_option,
)
from flows.cli.early import group_early, start_pool_early
from flows.loading import collector_paused
from flows.records import DEFAULT_DIGEST
from flows.settings import Settings
from flows.settings_check import did_you_mean
from flows.weeks import WeekError, week_range


@app.command()
def migrate(
    rebuild_signatures: Annotated[
        bool,
        typer.Option(
            "--rebuild-signatures",
            help="Recompute stored near-duplicate signatures of an older format",
        ),
    ] = False,
    config: Config = None,
) -> None:
    """Create or upgrade the database schema. Example: digest migrate"""
    settings = migrated_settings(config)
    console.print("database is at the latest revision")
    if rebuild_signatures:
        from flows.pipeline.signatures import rebuild_signatures as rebuild

        console.print(f"{rebuild(settings.database_url)} signatures rebuilt")


@app.command()
def ingest(
    source: Annotated[str | None, typer.Option(help="Only this source")] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Try now, even sources backing off after failures")
    ] = False,
    config: Config = None,
) -> None:
    """Fetch the sources and store what is new. Example: digest ingest --source seeds --force"""
    settings = settings_or_exit(config, reads_sources=True)
    if source is not None:
        _known_source(settings, source)  # before Prefect starts: a typo costs no 20 s
    from flows.pipeline.fetch_ahead import fetching_ahead

    with fetching_ahead(settings, source, force):  # GETs and parsing while Prefect loads
        from db.location import not_made_yet

        if not_made_yet(settings.database_url):  # a first ingest parses every feed
            start_pool_early(settings, storing=True, grouping=False)
        prefect_defaults()
        with collector_paused():
            from flows.orchestration.ingest_flow import run_ingest

        reports = run_ingest(settings, str(config) if config else None, source, force=force)
    console.print(_sources_table(reports))
    if reports and all(r.status == "failed" for r in reports):
        raise typer.Exit(FAILED)
    if _unwell(reports):
        raise typer.Exit(PARTIAL)


def _unwell(reports) -> bool:  # type: ignore[no-untyped-def]
    """Some source failed now, or is skipped for failing before (backing off, or disabled):
    for cron, exit code 3."""
    return any(r.status in ("failed", "skipped") for r in reports or ())


def _known_source(settings: Settings, name: str) -> None:
    names = [s.name for s in settings.sources]
    if name not in names:
        hint = did_you_mean(name, names, repr) or (
            f" (known: {', '.join(names) or 'none'})"
            if len(names) <= LISTED_SOURCES
            else f" ({len(names)} sources: `digest sources` lists them)"
        )
        stop(f"no source named {name!r} in {settings.config_path}{hint}")


@app.command()
def run(
    week: Annotated[
        str | None, typer.Option(help="ISO week, e.g. 2025-W43 (default: last week)")
    ] = None,
    no_ingest: Annotated[bool, typer.Option("--no-ingest", help="Skip ingesting first")] = False,
    resend: Resend = False,
    all_weeks: Annotated[
        bool, typer.Option("--all-weeks", help="Every week that has documents")
    ] = False,
    dry_run: DryRun = False,
    digest: DigestName = None,
    config: Config = None,
) -> None:
    """Ingest, then build and deliver a week's digest. Example: digest run --week 2025-W43"""
    settings = settings_or_exit(config, reads_sources=not no_ingest)
    known_digest(settings, digest)
    week = week_option(week)
    from flows.pipeline.fetch_ahead import fetching_ahead

    # First: the child that fetches ahead is a fork of this process, made before any thread.
    with fetching_ahead(settings) if not no_ingest else nullcontext():
        if all_weeks:
            start_pool_early(settings, storing=not no_ingest, grouping=True)
            if no_ingest:
                group_early(settings, None, None, digest)
        prefect_defaults()
        with collector_paused():
            from flows.orchestration.run_settings import given_settings
            from flows.orchestration.runner import heartbeats_only_for_deployments
            from flows.orchestration.weekly_flow import backfill_flow, weekly_flow

        cfg = str(config) if config else None
        # Read once: the flows take them, not read again. No heartbeats: each flow run waited
        # up to 1 s for its heartbeat thread to stop, 11 runs in a backfill of 10 weeks.
        with given_settings(cfg, settings), heartbeats_only_for_deployments():
            if all_weeks:
                sources, weeks = backfill_flow(
                    ingest=not no_ingest, resend=resend, dry_run=dry_run, config=cfg,
                    digest=digest,
                )  # fmt: skip
            else:
                sources, weeks = weekly_flow(
                    week=week, ingest=not no_ingest, resend=resend, dry_run=dry_run,
                    config=cfg, digest=digest,
                )  # fmt: skip
    if sources:
        console.print(_sources_table(sources))
    console.print(_weeks_table(weeks))
    if any(w.status in ("failed", "partial") for w in weeks):
        raise typer.Exit(FAILED)
    if _unwell(sources):  # the digest went out, without them
        raise typer.Exit(PARTIAL)


@app.command()
def backfill(
    from_week: Annotated[str, typer.Argument(help="First ISO week, e.g. 2025-W40")],
    to_week: Annotated[str, typer.Argument(help="Last ISO week, e.g. 2025-W50")],
    resend: Resend = False,
    dry_run: DryRun = False,
    digest: DigestName = None,
    config: Config = None,
) -> None:
    """Build and deliver each week of a range that has documents.

    Example: digest backfill 2025-W40 2025-W50
    """
    settings = settings_or_exit(config)
    try:
        week_range(from_week, to_week)  # before Prefect starts: a typo costs no 20 s
    except WeekError as err:
        stop(f"{err} (backfill FIRST LAST, e.g. 2025-W40 2025-W50)")
    known_digest(settings, digest)
    start_pool_early(settings, storing=False, grouping=True)
    group_early(settings, from_week, to_week, digest)
    prefect_defaults()
    with collector_paused():
        from flows.orchestration.run_settings import given_settings
        from flows.orchestration.runner import heartbeats_only_for_deployments
        from flows.orchestration.weekly_flow import backfill_flow

    cfg = str(config) if config else None
    with given_settings(cfg, settings), heartbeats_only_for_deployments():
        _, weeks = backfill_flow(
            from_week=from_week,
            to_week=to_week,
            resend=resend,
            dry_run=dry_run,
            config=cfg,
            digest=digest,
        )
    console.print(_weeks_table(weeks))
    if any(w.status in ("failed", "partial") for w in weeks):
        raise typer.Exit(FAILED)


@app.command()
def serve(config: Config = None) -> None:
    """Run the weekly schedule and a backfill deployment from this process. Example: digest serve"""
    settings = settings_or_exit(config, reads_sources=True)
    prefect_defaults()
    from flows.orchestration.serve import serve_deployments

    serve_deployments(settings, config=str(config) if config else None)


@app.command()
def deploy(config: Config = None) -> None:
    """Deploy deploy/prefect.yaml to the Prefect server at PREFECT_API_URL, the weekly
    schedule in the settings' time zone; makes the `digest` process pool if missing.

    Example: PREFECT_API_URL=http://127.0.0.1:4200/api digest deploy
    """
    settings = settings_or_exit(config, reads_sources=True)
    prefect_defaults(local_server=False)  # deploys to the server PREFECT_API_URL names
    from flows.orchestration.deploy import POOL, DeployError, deploy_all

    try:
        deploy_all(settings, os.environ)
    except DeployError as err:
        stop(f"deploy failed: {err}", FAILED)
    from flows.digest_settings import weekly_schedules

    weekly = ", ".join(f"{p.deployment} ({p.cron})" for p in weekly_schedules(settings.digests))
    console.print(
        f"deployed {weekly} in {settings.timezone}, ingest and backfill "
        f"to the work pool {POOL!r}; start a worker: prefect worker start --pool {POOL}"
    )


QUIET_ROWS = 10  # more sources than this with nothing new are one row: the table shows news
LISTED_SOURCES = 20  # past this many, an unknown --source is told how to list them, not all


def _sources_table(reports) -> Table:  # type: ignore[no-untyped-def]
    table = Table(
        "source", "status", "new", "updated", "unchanged", "duplicate", "failed", "reason"
    )
    quiet = [r for r in reports if _quiet(r)]
    if len(quiet) > QUIET_ROWS:
        reports = [r for r in reports if not _quiet(r)]  # not `in quiet`: n² comparisons
        total = sum(r.unchanged for r in quiet)
        table.add_row(f"{len(quiet)} sources", "unchanged", "0", "0", str(total), "0", "0", "")
    for r in reports:
        reason = r.error or "; ".join(f"{f.identity}: {f.reason}" for f in r.failures)
        table.add_row(
            shown(r.source), r.status, str(r.new), str(r.updated), str(r.unchanged),
            str(r.duplicate), str(r.failed), shown(reason),
        )  # fmt: skip
    return table


def _quiet(report) -> bool:  # type: ignore[no-untyped-def]
    return report.status == "unchanged" and not (report.error or report.failures)


def _weeks_table(weeks) -> Table:  # type: ignore[no-untyped-def]
    named = {w.digest for w in weeks} - {DEFAULT_DIGEST} != set()  # say whose week it is
    table = Table(*(["digest"] if named else []), "week", "status", "stories", "documents",
                  "file written")  # fmt: skip
    for w in weeks:
        lines = [*(_relative(f) for f in w.files), *(w.error.splitlines() if w.error else [])]
        table.add_row(*([w.digest] if named else []), w.week, w.status, str(w.stories),
                      str(w.documents), "\n".join(shown(x) for x in lines))  # fmt: skip
    return table


def _relative(path: str) -> str:
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return path


# Registered after the commands above, so that --help lists the everyday ones first.
from flows.cli import channels, readers, reading, sources  # noqa: E402, F401

if __name__ == "__main__":
    app()
