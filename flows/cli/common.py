"""What every `digest` command shares: the app, the console, settings and option types."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from flows.settings import Settings, SettingsError, load_settings
from flows.tls import CaFileError, verified_context
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
Config = Annotated[
    Path | None,
    typer.Option("--config", help="Settings file (default: $DIGEST_CONFIG or ./digest.toml)"),
]


def settings_or_exit(config: Path | None) -> Settings:
    try:
        settings = load_settings(config)
        verified_context(settings.ca_file)  # a CA file that cannot be read is a config error
        return settings
    except (SettingsError, CaFileError) as err:
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
