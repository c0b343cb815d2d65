"""What every `digest` command shares: the app, the console, settings and option types."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

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

Resend = Annotated[bool, typer.Option("--resend", help="Send again to those already sent")]
DryRun = Annotated[
    bool, typer.Option("--dry-run", help="Show what would be built and sent; send nothing")
]
app = typer.Typer(help="A weekly digest of newsletters and feeds.", no_args_is_help=True)
console = Console()
DigestName = Annotated[
    str | None,
    typer.Option("--digest", help="Only this digest of [[digests]] (default: every one)"),
]
Config = Annotated[
    Path | None,
    typer.Option("--config", help="Settings file (default: $DIGEST_CONFIG or ./digest.toml)"),
]


def settings_or_exit(config: Path | None) -> Settings:
    try:
        return load_settings(config)
    except SettingsError as err:
        console.print(f"[red]config error:[/red] {err}")
        raise typer.Exit(2) from None


def prefect_defaults() -> None:
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)


def week_option(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        parse_week(value)
    except WeekError as err:
        raise typer.BadParameter(str(err)) from None
    return value


def migrated_settings(config: Path | None) -> Settings:
    from db.migrate import upgrade

    settings = settings_or_exit(config)
    upgrade(settings.database_url)
    return settings


def known_digest(settings: Settings, name: str | None) -> None:
    """Exit with a clear message when --digest names no configured digest."""
    if name is not None and name not in {d.name for d in settings.digests}:
        known = ", ".join(d.name for d in settings.digests)
        console.print(f"[red]--digest:[/red] no digest is named {name!r} (digests: {known})")
        raise typer.Exit(2)
