"""What every `digest` command shares: the app, the console, settings and option types."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from flows.orchestration.local_server import LocalServerError, configured_api_url, local_api_url
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
notices = Console(stderr=True, style="dim")  # not mixed with what a command writes out
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


def prefect_defaults(local_server: bool = True) -> None:
    """Prefect's environment for a command that runs flows: with no Prefect API chosen
    (PREFECT_API_URL or the Prefect profile), the local server this and later commands share
    (started if none answers), rather than a temporary one started and stopped per command."""
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)
    if not local_server or configured_api_url(os.environ) is not None:
        return
    try:
        os.environ["PREFECT_API_URL"] = local_api_url(say=notices.print)
    except LocalServerError as err:
        console.print(f"[red]prefect error:[/red] {err}")
        raise typer.Exit(1) from None


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
