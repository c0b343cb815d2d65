"""`digest sources`: the sources, their health, and feeds added or moved as OPML."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from flows.cli.common import (
    FAILED,
    Config,
    app,
    console,
    migrated_settings,
    settings_or_exit,
    shown,
    stop,
)
from flows.redact import mask_url
from flows.settings import Settings, SettingsError
from flows.settings_check import http_url

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
    if format not in ("table", "json"):
        stop(f"--format {format!r}: expected table or json")
    settings = migrated_settings(config)
    from db import sources as source_store
    from db.engine import session_scope

    with session_scope(settings.database_url) as session:
        source_store.sync_sources(session, _source_rows(settings))
        rows = source_store.list_sources(session)
    if format == "json":
        listed = [_masked(asdict(r)) for r in rows]
        sys.stdout.write(json.dumps(listed, default=str, indent=2) + "\n")
        return
    table = Table(
        "source", "kind", "status", "failures", "last run", "next try", "counts", "reason"
    )
    for r in rows:
        table.add_row(
            shown(r.name), r.kind, "disabled" if r.disabled else r.last_status or "never run",
            str(r.consecutive_failures),
            f"{r.last_run_at:%Y-%m-%d %H:%M}" if r.last_run_at else "",
            f"{r.next_fetch_at:%Y-%m-%d %H:%M}" if r.next_fetch_at else "",
            ", ".join(f"{k} {v}" for k, v in r.counts.items()), shown(r.last_error or ""),
        )  # fmt: skip
    console.print(table)


def _masked(row: dict) -> dict:
    """A source's row as shown: the password of any URL in it masked."""
    return {k: mask_url(v) if isinstance(v, str) else v for k, v in row.items()}


def _source_rows(settings: Settings) -> list[tuple[str, str, str]]:
    return [(s.name, s.kind, str(s.path or s.url or "")) for s in settings.sources]


@sources_app.command("add")
def sources_add(name: str, url: str, config: Config = None) -> None:
    """Add a feed to the settings file. Example: digest sources add harbour https://harbour.example/feed.xml"""
    settings = settings_or_exit(config)
    if reason := _not_a_feed(name, url):
        stop(f"not added: {reason}")
    if any(s.name == name or s.url == url for s in settings.sources):
        stop(f"not added: a source named {name!r} or with that URL exists", FAILED)
    _append_feeds(settings, [(name, url)])
    console.print(f"added feed {shown(repr(name))} to {shown(settings.config_path)}")


@sources_app.command("import")
def sources_import(file: Path, config: Config = None) -> None:
    """Add every feed of an OPML file. Example: digest sources import subscriptions.opml"""
    settings = settings_or_exit(config)
    from flows.sources.opml import OpmlError, read_opml

    try:
        feeds = read_opml(file.read_bytes())
    except (OSError, OpmlError) as err:
        stop(f"{file}: {err}")
    added, refused = _append_feeds(settings, feeds)
    names = {url: name for name, url in added}
    table = Table("feed", "url", "result")
    for title, url in feeds:
        result = refused.get((title, url)) or (
            f"added as {names[url]!r}" if names.get(url, title) != title else
            "added" if url in names else "already there"
        )  # fmt: skip
        table.add_row(shown(title), shown(mask_url(url)), shown(result))
    console.print(table)


@sources_app.command("export")
def sources_export(
    out: Annotated[Path | None, typer.Option(help="Write here instead of standard output")] = None,
    config: Config = None,
) -> None:
    """The feeds as OPML 2.0. Example: digest sources export --out feeds.opml"""
    settings = settings_or_exit(config)
    from flows.sources.opml import write_opml

    text = write_opml([(s.name, s.url or "") for s in settings.sources if s.kind == "feed"],
                      settings.title)  # fmt: skip
    if out:
        out.write_text(text, encoding="utf-8")
        console.print(f"wrote {shown(out)}")
    else:
        sys.stdout.write(text)


def _not_a_feed(name: str, url: str) -> str | None:
    """Why (name, url) cannot be a feed source, if it cannot."""
    if not name.strip() or not name.isprintable():
        return f"{name!r}: a name needs a printable character, and no line breaks"
    try:
        http_url(url, name, "not an http(s) URL")
    except SettingsError as err:
        return str(err)
    return None


def _append_feeds(
    settings: Settings, feeds: list[tuple[str, str]]
) -> tuple[list[tuple[str, str]], dict[tuple[str, str], str]]:
    """Add [[sources]] tables to the settings file for the feeds it does not name yet,
    keeping its comments and layout; the file is replaced whole, and only once the new
    text reads as settings. The feeds added, and those refused with why."""
    import tomlkit

    from flows.atomic_write import write_file
    from flows.settings import load_settings

    if settings.config_path is None:
        stop("no settings file to add sources to: create digest.toml first")
    names = {s.name for s in settings.sources}
    urls = {s.url for s in settings.sources}
    added, refused = [], {}
    for title, url in feeds:
        if url in urls:
            continue
        if reason := _not_a_feed(title, url):
            refused[(title, url)] = f"refused: {reason}"
            continue
        name, number = title, 1
        while name in names:  # two feeds of one title: both kept, the later one numbered
            number += 1
            name = f"{title} ({number})"
        names.add(name)
        urls.add(url)
        added.append((name, url))
    if added:
        path = settings.config_path
        document = tomlkit.parse(path.read_text(encoding="utf-8"))
        tables = document.setdefault("sources", tomlkit.aot())
        for name, url in added:
            tables.append(tomlkit.item({"name": name, "kind": "feed", "url": url}))
        text = tomlkit.dumps(document)
        trial = path.with_name(f".{path.name}.new")
        try:
            trial.write_text(text, encoding="utf-8")
            load_settings(trial)  # the new file must read, or the old one stays
        finally:
            trial.unlink(missing_ok=True)
        write_file(path, text.encode("utf-8"))
    return added, refused
