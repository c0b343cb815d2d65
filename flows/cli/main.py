"""The `digest` command line: a thin layer over the flows and the steps."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from flows.cli.common import (
    Config,
    DryRun,
    Resend,
    app,
    console,
    migrated_settings,
    prefect_defaults,
    settings_or_exit,
    week_option,
)


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
    config: Config = None,
) -> None:
    """Fetch the sources and store what is new. Example: digest ingest --source seeds"""
    settings = settings_or_exit(config)
    prefect_defaults()
    from flows.orchestration.ingest_flow import run_ingest

    reports = run_ingest(settings, str(config) if config else None, source)
    console.print(_sources_table(reports))
    if reports and all(r.status == "failed" for r in reports):
        raise typer.Exit(1)


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
    config: Config = None,
) -> None:
    """Ingest, then build and deliver a week's digest. Example: digest run --week 2025-W43"""
    settings = settings_or_exit(config)
    prefect_defaults()
    from flows.orchestration.run_settings import given_settings
    from flows.orchestration.runner import heartbeats_only_for_deployments
    from flows.orchestration.weekly_flow import backfill_flow, weekly_flow

    cfg = str(config) if config else None
    # Read once: the flows take them, not read again. No heartbeats: each flow run waited
    # up to 1 s for its heartbeat thread to stop, 11 runs in a backfill of 10 weeks.
    with given_settings(cfg, settings), heartbeats_only_for_deployments():
        if all_weeks:
            sources, weeks = backfill_flow(
                ingest=not no_ingest, resend=resend, dry_run=dry_run, config=cfg
            )
        else:
            sources, one = weekly_flow(
                week=week_option(week), ingest=not no_ingest, resend=resend, dry_run=dry_run,
                config=cfg,
            )  # fmt: skip
            weeks = [one]
    if sources:
        console.print(_sources_table(sources))
    console.print(_weeks_table(weeks))
    if any(w.status == "failed" for w in weeks):
        raise typer.Exit(1)


@app.command()
def backfill(
    from_week: Annotated[str, typer.Argument(help="First ISO week, e.g. 2025-W40")],
    to_week: Annotated[str, typer.Argument(help="Last ISO week, e.g. 2025-W50")],
    resend: Resend = False,
    dry_run: DryRun = False,
    config: Config = None,
) -> None:
    """Build and deliver each week of a range that has documents.

    Example: digest backfill 2025-W40 2025-W50
    """
    settings = settings_or_exit(config)
    prefect_defaults()
    from flows.orchestration.run_settings import given_settings
    from flows.orchestration.runner import heartbeats_only_for_deployments
    from flows.orchestration.weekly_flow import backfill_flow

    cfg = str(config) if config else None
    with given_settings(cfg, settings), heartbeats_only_for_deployments():
        _, weeks = backfill_flow(
            from_week=week_option(from_week),
            to_week=week_option(to_week),
            resend=resend,
            dry_run=dry_run,
            config=cfg,
        )
    console.print(_weeks_table(weeks))
    if any(w.status == "failed" for w in weeks):
        raise typer.Exit(1)


@app.command()
def preview(
    week: Annotated[str, typer.Option(help="ISO week, e.g. 2025-W43")],
    format: Annotated[str, typer.Option(help="html, text or json")] = "html",
    out: Annotated[Path | None, typer.Option(help="Write here instead of standard output")] = None,
    config: Config = None,
) -> None:
    """Render a week without delivering it. Example: digest preview --week 2025-W43 --format json"""
    from db.migrate import upgrade
    from flows.pipeline.preview import preview_week

    if format not in ("html", "text", "json"):
        raise typer.BadParameter("format must be html, text or json")
    settings = settings_or_exit(config)
    upgrade(settings.database_url)
    output = preview_week(settings, week_option(week) or week, format)
    if out:
        out.write_text(output, encoding="utf-8")
        console.print(f"wrote {out}")
    else:
        sys.stdout.write(output if output.endswith("\n") else output + "\n")


@app.command()
def deliveries(
    week: Annotated[str, typer.Option(help="ISO week, e.g. 2025-W43")],
    config: Config = None,
) -> None:
    """The delivery ledger of a week. Example: digest deliveries --week 2025-W43"""
    from db import digests as digest_store
    from db.engine import session_scope
    from db.migrate import upgrade

    settings = settings_or_exit(config)
    upgrade(settings.database_url)
    with session_scope(settings.database_url) as session:
        rows = digest_store.deliveries_for_week(session, week_option(week) or week)
    table = Table("recipient", "transport", "state", "attempts", "updated", "where", "error")
    for r in rows:
        table.add_row(
            r.recipient, r.transport, r.state, str(r.attempts),
            f"{r.updated_at:%Y-%m-%d %H:%M}", r.location or "", r.error or "",
        )  # fmt: skip
    console.print(table)


@app.command()
def archive(
    out: Annotated[Path, typer.Option(help="Folder of the static site")] = Path("site"),
    config: Config = None,
) -> None:
    """Write the web archive: an index and a page per week. Example: digest archive --out site/"""
    from db import digests as digest_store
    from db import documents as doc_store
    from db.engine import session_scope
    from flows.pipeline.preview import load_week
    from flows.render.archive import write_archive
    from flows.weeks import weeks_with

    settings = migrated_settings(config)
    with session_scope(settings.database_url) as session:
        weeks = weeks_with(doc_store.publication_dates(session), settings.zone)
        weeks = sorted(set(weeks) | set(digest_store.stored_weeks(session)))
    written = write_archive([load_week(settings, w) for w in weeks], out, settings.title)
    console.print(f"wrote {len(written)} pages to {out}/ (open {out / 'index.html'})")


@app.command()
def serve(config: Config = None) -> None:
    """Run the weekly schedule and a backfill deployment from this process. Example: digest serve"""
    settings = settings_or_exit(config)
    prefect_defaults()
    from flows.orchestration.serve import serve_deployments

    serve_deployments(settings, config=str(config) if config else None)


@app.command()
def deploy(config: Config = None) -> None:
    """Deploy deploy/prefect.yaml to the Prefect server at PREFECT_API_URL, the weekly
    schedule in the settings' time zone; makes the `digest` process pool if missing.

    Example: PREFECT_API_URL=http://127.0.0.1:4200/api digest deploy
    """
    settings = settings_or_exit(config)
    prefect_defaults(local_server=False)  # deploys to the server PREFECT_API_URL names
    from flows.orchestration.deploy import POOL, DeployError, deploy_all

    try:
        deploy_all(settings, os.environ)
    except DeployError as err:
        console.print(f"[red]deploy failed:[/red] {err}")
        raise typer.Exit(1) from None
    console.print(
        f"deployed weekly (Mondays 07:00, {settings.timezone}), ingest and backfill "
        f"to the work pool {POOL!r}; start a worker: prefect worker start --pool {POOL}"
    )


def _sources_table(reports) -> Table:  # type: ignore[no-untyped-def]
    table = Table(
        "source", "status", "new", "updated", "unchanged", "duplicate", "failed", "reason"
    )
    for r in reports:
        reason = r.error or "; ".join(f"{f.identity}: {f.reason}" for f in r.failures)
        table.add_row(
            r.source, r.status, str(r.new), str(r.updated), str(r.unchanged),
            str(r.duplicate), str(r.failed), reason,
        )  # fmt: skip
    return table


def _weeks_table(weeks) -> Table:  # type: ignore[no-untyped-def]
    table = Table("week", "status", "stories", "documents", "file written")
    for w in weeks:
        files = "\n".join(_relative(f) for f in w.files)
        table.add_row(w.week, w.status, str(w.stories), str(w.documents), files or w.error or "")
    return table


def _relative(path: str) -> str:
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return path


# Registered after the commands above, so that --help lists the everyday ones first.
from flows.cli import readers, sources  # noqa: E402, F401

if __name__ == "__main__":
    app()
