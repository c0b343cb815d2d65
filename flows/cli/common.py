"""What every `digest` command shares: the app, the console, settings and option types."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from flows.orchestration.local_server import LocalServerError, configured_api_url, local_api_url
from flows.redact import mask_text
from flows.settings import Settings, SettingsError, load_settings
from flows.tls import CaFileError, verified_context
from flows.weeks import WeekError, parse_week

# Exit codes, for cron and scripts (README, "The command line").
OK, FAILED, USAGE, PARTIAL = 0, 1, 2, 3  # PARTIAL: done, but some sources failed

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


_UsageError = typer.BadParameter.__bases__[0]  # click's, as typer ships it


class _App(typer.Typer):
    """The `digest` app: a mistake of usage (an unknown option, a missing argument) or of
    settings, met anywhere, even inside a flow, is one line and exit code 2."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            code = super().__call__(*args, **{**kwargs, "standalone_mode": False})
        except _UsageError as err:
            if type(err).__name__ == "NoArgsIsHelpError":  # `digest` or a group alone
                err.show()  # its help
                sys.exit(err.exit_code)
            where = err.ctx.command_path if err.ctx is not None else "digest"
            code = _said(f"{err.format_message()} (see {where} --help)")
        except SettingsError as err:
            code = _said(f"config error: {err}")
        except typer.Abort:
            code = _said("aborted", FAILED)
        sys.exit(code if isinstance(code, int) else OK)


app = _App(help="A weekly digest of newsletters and feeds.", no_args_is_help=True)
console = Console()
# Errors and warnings: one line each on standard error, never wrapped, markup not read.
errors = Console(stderr=True, soft_wrap=True, highlight=False)
DigestName = Annotated[
    str | None,
    typer.Option("--digest", help="Only this digest of [[digests]] (default: every one)"),
]
notices = Console(stderr=True, style="dim")  # not mixed with what a command writes out
Config = Annotated[
    Path | None,
    typer.Option("--config", help="Settings file (default: $DIGEST_CONFIG or ./digest.toml)"),
]


def stop(message: str, code: int = USAGE) -> NoReturn:
    """Say what is wrong in one line (passwords in URLs masked) and exit with `code`."""
    raise typer.Exit(_said(message, code))


def _said(message: str, code: int = USAGE) -> int:
    errors.print(f"[red]digest:[/red] {escape(mask_text(message))}")
    return code


def shown(text: object) -> str:
    """User text (a source's name, a reason, an address) as a table cell: its markup shown,
    not read; a password in a URL masked; control characters (a line break, a terminal
    escape) shown as escapes."""
    visible = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))
    return escape(mask_text(visible))


def warn(message: str) -> None:
    errors.print(f"[yellow]digest: warning:[/yellow] {escape(mask_text(message))}")


def settings_or_exit(config: Path | None, *, reads_sources: bool = False) -> Settings:
    """The settings, checked whole, or one line and exit 2. Without a settings file a
    command would make an empty database where it stands: it stops instead, unless
    DIGEST_DATABASE_URL says where the database is (and it reads no sources)."""
    try:
        settings = load_settings(config)
        if settings.ca_file:  # a CA file that cannot be read is a config error
            verified_context(settings.ca_file)
    except (SettingsError, CaFileError) as err:
        stop(f"config error: {err}")
    if settings.config_path is None and (reads_sources or "DIGEST_DATABASE_URL" not in os.environ):
        stop(
            f"no digest.toml in {Path.cwd()} and DIGEST_CONFIG is not set: run where your "
            "digest.toml is, pass --config FILE, or write one with a [[sources]] table "
            "(README, Settings)"
        )
    for warning in settings.warnings:
        warn(warning)
    if reads_sources and not settings.sources:
        warn(f"{settings.config_path} has no [[sources]]: nothing to ingest")
    return settings


def prefect_defaults(local_server: bool = True) -> None:
    """Prefect's environment for a command that runs flows: with no Prefect API chosen
    (PREFECT_API_URL or the Prefect profile), the local server this and later commands share
    (started if none answers), rather than a temporary one started and stopped per command."""
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)
    if not local_server or configured_api_url(os.environ) is not None:
        return
    try:
        os.environ["PREFECT_API_URL"] = local_api_url(say=notices.print, meanwhile=_warm_up)
    except LocalServerError as err:
        stop(f"prefect error: {err}", FAILED)


def _warm_up(url: str) -> None:
    """While the local server starts: the imports every flow command makes next, Prefect
    told the server's address first (it reads its settings when imported)."""
    os.environ["PREFECT_API_URL"] = url
    if "prefect" in sys.modules:  # a second try, on another port
        from flows.orchestration.prefect_internals import settings_from_environment

        settings_from_environment()
        return
    import flows.orchestration.ingest_flow  # noqa: F401  prefect, SQLAlchemy, the pipeline


def week_option(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        parse_week(value)
    except WeekError as err:
        stop(str(err))
    return value


def migrated_settings(config: Path | None) -> Settings:
    settings = settings_or_exit(config)  # first: a wrong one costs no import of the database
    from db.migrate import upgrade

    upgrade(settings.database_url)
    return settings


def known_digest(settings: Settings, name: str | None) -> None:
    """Exit with a clear message when --digest names no configured digest."""
    if name is not None and name not in {d.name for d in settings.digests}:
        known = ", ".join(d.name for d in settings.digests)
        stop(f"--digest: no digest is named {name!r} (digests: {known})")
