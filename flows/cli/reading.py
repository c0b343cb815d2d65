"""`digest preview`, `deliveries` and `archive`: a week read back, without delivering it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from flows.cli.common import (
    Config,
    DigestName,
    app,
    console,
    known_digest,
    migrated_settings,
    settings_or_exit,
    shown,
    stop,
    week_option,
)
from flows.loading import collector_paused


@app.command()
def preview(
    week: Annotated[str, typer.Option(help="ISO week, e.g. 2025-W43")],
    format: Annotated[str, typer.Option(help="html, text, markdown or json")] = "html",
    out: Annotated[Path | None, typer.Option(help="Write here instead of standard output")] = None,
    digest: Annotated[
        str | None, typer.Option("--digest", help="This digest (default: the first configured)")
    ] = None,
    config: Config = None,
) -> None:
    """Render a week without delivering it. Example: digest preview --week 2025-W43 --format json"""
    if format not in ("html", "text", "markdown", "json"):
        stop(f"--format {format!r}: expected html, text, markdown or json")
    week = week_option(week) or week
    settings = settings_or_exit(config)
    with collector_paused():
        from db.migrate import upgrade
        from flows.pipeline.preview import preview_week

    known_digest(settings, digest)
    upgrade(settings.database_url)
    output = preview_week(settings, week, format, digest)
    if out:
        out.write_text(output, encoding="utf-8")
        console.print(f"wrote {shown(out)}")
    else:
        sys.stdout.write(output if output.endswith("\n") else output + "\n")


@app.command()
def deliveries(
    week: Annotated[str, typer.Option(help="ISO week, e.g. 2025-W43")],
    digest: DigestName = None,
    config: Config = None,
) -> None:
    """The delivery ledger of a week. Example: digest deliveries --week 2025-W43"""
    week = week_option(week) or week
    settings = settings_or_exit(config)
    from db import digests as digest_store
    from db.engine import session_scope
    from db.migrate import upgrade

    upgrade(settings.database_url)
    with session_scope(settings.database_url) as session:
        rows = digest_store.deliveries_for_week(session, week, digest)
    several = len(settings.digests) > 1
    table = Table("recipient", "transport", "state", "attempts", "updated", "where", "error")
    if several:
        table.add_column("digest")
    for r in rows:
        table.add_row(
            shown(r.recipient), r.transport, r.state, str(r.attempts),
            f"{r.updated_at:%Y-%m-%d %H:%M}", shown(r.location or ""), shown(r.error or ""),
            *([r.digest] if several else []),
        )  # fmt: skip
    console.print(table)


@app.command()
def archive(
    out: Annotated[Path, typer.Option(help="Folder of the static site")] = Path("site"),
    digest: DigestName = None,
    config: Config = None,
) -> None:
    """Write the web archive: an index, a page per week and an Atom feed of the weeks sent,
    of each digest (the default one at the top of the folder, another in a folder of its name).

    Example: digest archive --out site/
    """
    from flows.pipeline.archive import archive_digests

    settings = migrated_settings(config)
    known_digest(settings, digest)
    for folder, written in archive_digests(settings, out, digest):
        console.print(
            f"wrote {len(written)} pages to {shown(folder)}/ (open {shown(folder / 'index.html')})"
        )
