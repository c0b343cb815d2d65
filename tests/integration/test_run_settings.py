"""A top-level run reads its settings once and upgrades the schema once, however many flows
it starts inside (the weekly run's ingest and digest, a backfill's weeks)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from flows.orchestration import run_settings
from flows.orchestration.weekly_flow import backfill_flow, weekly_flow
from flows.settings import load_settings
from tests.conftest import write_config

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    counted: Counter[str] = Counter()
    read, prepare = run_settings.load_settings, run_settings.prepare_database

    def counting_read(config: str | None) -> object:
        counted["read"] += 1
        return read(config)

    def counting_prepare(url: str) -> None:
        counted["upgrade"] += 1
        prepare(url)

    monkeypatch.setattr(run_settings, "load_settings", counting_read)
    monkeypatch.setattr(run_settings, "prepare_database", counting_prepare)
    return counted


def test_a_weekly_run_reads_settings_and_upgrades_once(
    sqlite_url: str, tmp_path: Path, seeds_copy: Path, calls: Counter[str]
) -> None:
    config = str(write_config(tmp_path, sqlite_url, seeds_copy))
    sources, [week] = weekly_flow(week="2025-W43", config=config)
    assert [s.new for s in sources] == [5] and week.sent == 1
    assert calls == {"read": 1, "upgrade": 1}


def test_a_backfill_of_three_weeks_reads_settings_and_upgrades_once(
    sqlite_url: str, tmp_path: Path, seeds_copy: Path, calls: Counter[str]
) -> None:
    config = str(write_config(tmp_path, sqlite_url, seeds_copy))
    _, weeks = backfill_flow(ingest=True, config=config)
    assert len(weeks) == 3 and all(w.status == "sent" for w in weeks)
    assert calls == {"read": 1, "upgrade": 1}


def test_settings_handed_down_by_the_command_line_are_not_read_again(
    sqlite_url: str, tmp_path: Path, seeds_copy: Path, calls: Counter[str]
) -> None:
    config = str(write_config(tmp_path, sqlite_url, seeds_copy))
    with run_settings.given_settings(config, load_settings(config)):
        weekly_flow(week="2025-W43", config=config)
    assert calls == {"upgrade": 1}
