"""The `digest` command line: a thin layer over the flows and the steps."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from flows.settings import Settings, SettingsError, load_settings
from flows.weeks import WeekError, parse_week

# Prefect reads these when imported: no phoning home, a patient local server, our loggers.
PREFECT_DEFAULTS = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_LOGGING_EXTRA_LOGGERS": "flows,db",
    "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
}

DryRun = Annotated[
    bool, typer.Option("--dry-run", help="Show what would be built and sent; send nothing")
]
app = typer.Typer(help="A weekly digest of newsletters and feeds.", no_args_is_help=True)
console = Console()
Config = Annotated[
    Path | None,
    typer.Option("--config", help="Settings file (default: $DIGEST_CONFIG or ./digest.toml)"),
]


def _settings(config: Path | None) -> Settings:
    try:
        return load_settings(config)
    except SettingsError as err:
        console.print(f"[red]config error:[/red] {err}")
        raise typer.Exit(2) from None


def _prefect() -> None:
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)


def _week(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        parse_week(value)
    except WeekError as err:
        raise typer.BadParameter(str(err)) from None
    return value


@app.command()
def migrate(config: Config = None) -> None:
    """Create or upgrade the database schema. Example: digest migrate"""
    from db.migrate import upgrade

    settings = _settings(config)
    upgrade(settings.database_url)
    console.print("database is at the latest revision")


@app.command()
def ingest(
    source: Annotated[str | None, typer.Option(help="Only this source")] = None,
    config: Config = None,
) -> None:
    """Fetch the sources and store what is new. Example: digest ingest --source seeds"""
    _settings(config)
    _prefect()
    from flows.ingest import ingest_flow

    reports = ingest_flow(source=source, config=str(config) if config else None)
    console.print(_sources_table(reports))
    if reports and all(r.status == "failed" for r in reports):
        raise typer.Exit(1)


@app.command()
def run(
    week: Annotated[
        str | None, typer.Option(help="ISO week, e.g. 2025-W43 (default: last week)")
    ] = None,
    no_ingest: Annotated[bool, typer.Option("--no-ingest", help="Skip ingesting first")] = False,
    resend: Annotated[
        bool, typer.Option("--resend", help="Send again to those already sent")
    ] = False,
    all_weeks: Annotated[
        bool, typer.Option("--all-weeks", help="Every week that has documents")
    ] = False,
    dry_run: DryRun = False,
    config: Config = None,
) -> None:
    """Ingest, then build and deliver a week's digest. Example: digest run --week 2025-W43"""
    _settings(config)
    _prefect()
    from flows.weekly import backfill_flow, weekly_flow

    cfg = str(config) if config else None
    if all_weeks:
        sources, weeks = backfill_flow(
            ingest=not no_ingest, resend=resend, dry_run=dry_run, config=cfg
        )
    else:
        sources, one = weekly_flow(
            week=_week(week), ingest=not no_ingest, resend=resend, dry_run=dry_run, config=cfg
        )
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
    resend: Annotated[
        bool, typer.Option("--resend", help="Send again to those already sent")
    ] = False,
    dry_run: DryRun = False,
    config: Config = None,
) -> None:
    """Build and deliver each week of a range that has documents.

    Example: digest backfill 2025-W40 2025-W50
    """
    _settings(config)
    _prefect()
    from flows.weekly import backfill_flow

    _, weeks = backfill_flow(
        from_week=_week(from_week), to_week=_week(to_week), resend=resend, dry_run=dry_run,
        config=str(config) if config else None,
    )  # fmt: skip
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
    from flows.preview import preview_week

    if format not in ("html", "text", "json"):
        raise typer.BadParameter("format must be html, text or json")
    settings = _settings(config)
    upgrade(settings.database_url)
    output = preview_week(settings, _week(week) or week, format)
    if out:
        out.write_text(output, encoding="utf-8")
        console.print(f"wrote {out}")
    else:
        sys.stdout.write(output if output.endswith("\n") else output + "\n")


sources_app = typer.Typer(help="The sources and their health.")
app.add_typer(sources_app, name="sources")


@sources_app.callback(invoke_without_command=True)
def sources(
    ctx: typer.Context,
    format: Annotated[str, typer.Option(help="table or json")] = "table",
    config: Config = None,
) -> None:
    """Each source with its last status and reason. Example: digest sources --format json"""
    if ctx.invoked_subcommand is not None:
        return
    from db import sources as source_store
    from db.engine import session_scope

    settings = _store(config)
    with session_scope(settings.database_url) as session:
        source_store.sync_sources(session, _source_rows(settings))
        rows = source_store.list_sources(session)
    if format == "json":
        sys.stdout.write(json.dumps([asdict(r) for r in rows], default=str, indent=2) + "\n")
        return
    table = Table(
        "source", "kind", "status", "failures", "last run", "next try", "counts", "reason"
    )
    for r in rows:
        table.add_row(
            r.name, r.kind, "disabled" if r.disabled else r.last_status or "never run",
            str(r.consecutive_failures),
            f"{r.last_run_at:%Y-%m-%d %H:%M}" if r.last_run_at else "",
            f"{r.next_fetch_at:%Y-%m-%d %H:%M}" if r.next_fetch_at else "",
            ", ".join(f"{k} {v}" for k, v in r.counts.items()), r.last_error or "",
        )  # fmt: skip
    console.print(table)


def _source_rows(settings: Settings) -> list[tuple[str, str, str]]:
    return [(s.name, s.kind, str(s.path or s.url or "")) for s in settings.sources]


@sources_app.command("add")
def sources_add(name: str, url: str, config: Config = None) -> None:
    """Add a feed to the settings file. Example: digest sources add harbour https://harbour.example/feed.xml"""
    settings = _settings(config)
    added = _append_feeds(settings, [(name, url)])
    if not added:
        console.print(f"[red]not added:[/red] a source named {name!r} or with that URL exists")
        raise typer.Exit(1)
    console.print(f"added feed {name!r} to {settings.config_path}")


@sources_app.command("import")
def sources_import(file: Path, config: Config = None) -> None:
    """Add every feed of an OPML file. Example: digest sources import subscriptions.opml"""
    from flows.opml import OpmlError, read_opml

    settings = _settings(config)
    try:
        feeds = read_opml(file.read_bytes())
    except (OSError, OpmlError) as err:
        console.print(f"[red]{file}:[/red] {err}")
        raise typer.Exit(2) from None
    added = _append_feeds(settings, feeds)
    table = Table("feed", "url", "result")
    for name, url in feeds:
        table.add_row(name, url, "added" if (name, url) in added else "already there")
    console.print(table)


@sources_app.command("export")
def sources_export(
    out: Annotated[Path | None, typer.Option(help="Write here instead of standard output")] = None,
    config: Config = None,
) -> None:
    """The feeds as OPML 2.0. Example: digest sources export --out feeds.opml"""
    from flows.opml import write_opml

    settings = _settings(config)
    text = write_opml([(s.name, s.url or "") for s in settings.sources if s.kind == "feed"],
                      settings.title)  # fmt: skip
    if out:
        out.write_text(text, encoding="utf-8")
        console.print(f"wrote {out}")
    else:
        sys.stdout.write(text)


def _append_feeds(settings: Settings, feeds: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Append [[sources]] tables to the settings file for feeds it does not name yet."""
    from flows.settings import load_settings

    if settings.config_path is None:
        console.print("[red]no settings file[/red] to add sources to (create digest.toml)")
        raise typer.Exit(2)
    names = {s.name for s in settings.sources}
    urls = {s.url for s in settings.sources}
    added = []
    for name, url in feeds:
        if name in names or url in urls:
            continue
        if not url.startswith(("http://", "https://")):
            console.print(f"[red]{name}:[/red] {url!r} is not an http(s) URL")
            raise typer.Exit(2)
        names.add(name)
        urls.add(url)
        added.append((name, url))
    if added:
        tables = "".join(
            f'\n[[sources]]\nname = {json.dumps(n)}\nkind = "feed"\nurl = {json.dumps(u)}\n'
            for n, u in added
        )
        with settings.config_path.open("a", encoding="utf-8") as handle:
            handle.write(tables)
        load_settings(settings.config_path)  # the file must still read: fail loudly if not
    return added


@app.command()
def deliveries(
    week: Annotated[str, typer.Option(help="ISO week, e.g. 2025-W43")],
    config: Config = None,
) -> None:
    """The delivery ledger of a week. Example: digest deliveries --week 2025-W43"""
    from db import digests as digest_store
    from db.engine import session_scope
    from db.migrate import upgrade

    settings = _settings(config)
    upgrade(settings.database_url)
    with session_scope(settings.database_url) as session:
        rows = digest_store.deliveries_for_week(session, _week(week) or week)
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
    from db import documents as doc_store
    from db.engine import session_scope
    from flows.archive import write_archive
    from flows.preview import load_week
    from flows.weeks import weeks_with

    settings = _store(config)
    with session_scope(settings.database_url) as session:
        weeks = weeks_with(doc_store.publication_dates(session), settings.zone)
    written = write_archive([load_week(settings, w) for w in weeks], out, settings.title)
    console.print(f"wrote {len(written)} pages to {out}/ (open {out / 'index.html'})")


subscribers_app = typer.Typer(help="Readers beyond the config's recipients.", no_args_is_help=True)
app.add_typer(subscribers_app, name="subscribers")


def _store(config: Path | None) -> Settings:
    from db.migrate import upgrade

    settings = _settings(config)
    upgrade(settings.database_url)
    return settings


@subscribers_app.command("add")
def subscribers_add(email: str, config: Config = None) -> None:
    """Subscribe an address. Example: digest subscribers add ana@example.org"""
    from db import subscribers as subscriber_store
    from db.engine import session_scope

    if "@" not in email:
        raise typer.BadParameter(f"{email!r} is not an email address")
    settings = _store(config)
    with session_scope(settings.database_url) as session:
        subscriber_store.add(session, email, datetime.now(UTC))
    console.print(f"subscribed {email}")


@subscribers_app.command("remove")
def subscribers_remove(email: str, config: Config = None) -> None:
    """Stop sending to an address. Example: digest subscribers remove ana@example.org"""
    unsubscribe(email, config)


@subscribers_app.command("list")
def subscribers_list(config: Config = None) -> None:
    """Every subscriber and whether they still get the digest. Example: digest subscribers list"""
    from db import subscribers as subscriber_store
    from db.engine import session_scope

    settings = _store(config)
    with session_scope(settings.database_url) as session:
        rows = subscriber_store.list_all(session)
    table = Table("email", "from", "since", "status")
    for r in rows:
        status = f"unsubscribed {r.unsubscribed_at:%Y-%m-%d}" if r.unsubscribed_at else "active"
        table.add_row(r.email, r.origin, f"{r.added_at:%Y-%m-%d}", status)
    console.print(table)


@app.command()
def unsubscribe(email: str, config: Config = None) -> None:
    """Honour a request sent to the unsubscribe mailto address.

    Example: digest unsubscribe ana@example.org
    """
    from db import subscribers as subscriber_store
    from db.engine import session_scope

    settings = _store(config)
    with session_scope(settings.database_url) as session:
        changed = subscriber_store.unsubscribe_email(session, email, datetime.now(UTC))
    console.print(f"{email} {'unsubscribed' if changed else 'was already unsubscribed'}")


@app.command("serve-unsubscribe")
def serve_unsubscribe(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8025,
    config: Config = None,
) -> None:
    """Serve the unsubscribe links of delivery.base_url.

    Example: digest serve-unsubscribe --port 8025
    """
    from db import subscribers as subscriber_store
    from db.engine import session_scope
    from flows.unsubscribe import make_server

    settings = _store(config)

    def by_token(token: str) -> str | None:
        with session_scope(settings.database_url) as session:
            return subscriber_store.unsubscribe_token(session, token, datetime.now(UTC))

    server = make_server(host, port, by_token)
    console.print(f"unsubscribe endpoint on http://{host}:{server.server_port}/unsubscribe")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@app.command()
def serve(config: Config = None) -> None:
    """Run the weekly schedule and a backfill deployment from this process. Example: digest serve"""
    settings = _settings(config)
    _prefect()
    from flows.serve import serve_deployments

    serve_deployments(settings, config=str(config) if config else None)


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


if __name__ == "__main__":
    app()
