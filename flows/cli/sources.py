"""`digest sources`: the sources, their health, and feeds added or moved as OPML."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from flows.cli.common import Config, app, console, migrated_settings, settings_or_exit
from flows.settings import Settings

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

    settings = migrated_settings(config)
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
    settings = settings_or_exit(config)
    added = _append_feeds(settings, [(name, url)])
    if not added:
        console.print(f"[red]not added:[/red] a source named {name!r} or with that URL exists")
        raise typer.Exit(1)
    console.print(f"added feed {name!r} to {settings.config_path}")


@sources_app.command("import")
def sources_import(file: Path, config: Config = None) -> None:
    """Add every feed of an OPML file. Example: digest sources import subscriptions.opml"""
    from flows.sources.opml import OpmlError, read_opml

    settings = settings_or_exit(config)
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
    from flows.sources.opml import write_opml

    settings = settings_or_exit(config)
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
