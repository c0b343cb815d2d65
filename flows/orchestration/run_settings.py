"""Settings read, and the schema upgraded, once per top-level run: a flow started inside
another (the weekly run's ingest and digest, a backfill's weeks) gets what the outer one read.

The flows take the config file's path, not the settings: a flow's parameters are stored by
the Prefect API and shown in its UI, and the settings hold secrets."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from flows.pipeline.signatures import prepare_database
from flows.settings import Settings, load_settings


@dataclass
class _Run:
    config: str | None  # the path the settings were read from, as the flows are given it
    settings: Settings
    upgraded: bool


_current: ContextVar[_Run | None] = ContextVar("run_settings", default=None)


@contextmanager
def run_settings(config: str | None) -> Iterator[Settings]:
    """The settings of the run under way (read now at the top of a run, else handed down)
    with the database prepared: schema and stored signatures current."""
    current = _current.get()
    if current is not None and current.config == config:
        if not current.upgraded:
            prepare_database(current.settings.database_url)
            current.upgraded = True
        yield current.settings
        return
    settings = load_settings(config)
    prepare_database(settings.database_url)
    token = _current.set(_Run(config, settings, upgraded=True))
    try:
        yield settings
    finally:
        _current.reset(token)


@contextmanager
def given_settings(config: str | None, settings: Settings) -> Iterator[None]:
    """Flows started inside take these settings (read from `config` by the caller, the
    command line, which reports their errors) instead of reading them again."""
    current = _current.get()
    if current is not None and current.settings is settings:  # within the run that read them
        yield
        return
    token = _current.set(_Run(config, settings, upgraded=False))
    try:
        yield
    finally:
        _current.reset(token)
