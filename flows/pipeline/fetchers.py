"""What an ingest's fetching shares, in the tasks and in the child that fetches ahead (which
imports no database): one HTTP fetcher per pair of timeouts, and whether a source is tried."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import datetime

from flows.records import SourceReport, SourceStatus
from flows.settings import Settings, SourceSettings
from flows.sources.fetch import Fetcher


class Fetchers(ExitStack):
    """One fetcher per pair of timeouts the sources ask for, its connections kept alive."""

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings
        self.made: dict[tuple[float, float], Fetcher] = {}

    def fetcher_for(self, source: SourceSettings) -> Fetcher:
        timeouts = timeouts_of(source)
        key = (timeouts["connect_timeout"], timeouts["read_timeout"])
        if key not in self.made:
            fetcher = Fetcher(**timeouts, proxy=self.settings.http_proxy,
                              ca_file=self.settings.ca_file)  # fmt: skip
            self.made[key] = self.enter_context(fetcher)
        return self.made[key]


def timeouts_of(source: SourceSettings) -> dict[str, float]:
    timeout = float(source.options.get("timeout", 30))
    return {"connect_timeout": min(timeout, 10.0), "read_timeout": timeout}


def skipped(
    source: SourceSettings, state: SourceStatus, now: datetime, waits: bool = True
) -> SourceReport | None:
    """Why the source is not tried this time, or None: disabled (gone), or backing off
    after failures (only when it `waits`: not a local one, not forced)."""
    if state.disabled:
        return SourceReport(source.name, "skipped", error=f"disabled: {state.last_error}")
    if waits and state.next_fetch_at and now < state.next_fetch_at:
        wait = f"backing off after {state.consecutive_failures} failures"
        return SourceReport(
            source.name, "skipped", error=f"{wait}, until {state.next_fetch_at:%Y-%m-%d %H:%M}Z"
        )
    return None
