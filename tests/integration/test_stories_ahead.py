"""A backfill's weeks grouped ahead in the process pool give the very stories grouping in
the run's own process gives, and are not used once the week's documents have changed."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from db.engine import session_scope
from flows.pipeline import stories_ahead
from flows.pipeline.week_documents import week_documents
from flows.records import StoredDocument
from flows.settings import Settings, load_settings
from flows.sources.files import read_folder
from flows.stories.build import build_stories
from tests.conftest import write_config
from tests.support.pipeline import store_items

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
WEEKS = ["2025-W43", "2025-W49", "2026-W06"]
ZONE = ZoneInfo("UTC")

pytestmark = pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="no pool on one core")


@pytest.fixture
def settings(tmp_path: Path, sqlite_url: str) -> Settings:
    now = datetime(2026, 3, 1, tzinfo=UTC)
    items, _ = read_folder("seeds", SEEDS, ZONE, now)
    store_items(sqlite_url, "seeds", items, ZONE, now)
    return load_settings(write_config(tmp_path, sqlite_url, None))


def _own(settings: Settings, week: str) -> tuple[StoredDocument, ...]:
    with session_scope(settings.database_url) as session:
        return week_documents(session, week, ZONE, "weekly").own


def test_weeks_grouped_ahead_are_the_weeks_grouped_here(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = {week: build_stories(_own(settings, week)) for week in WEEKS}
    # The first week is left to the run; the others are grouped in the pool.
    assert stories_ahead.group_ahead(settings, ["2025-W40", *WEEKS], ["weekly"]) == len(WEEKS)

    def not_here(documents: object) -> None:
        raise AssertionError("grouped in the run's process, not ahead")

    monkeypatch.setattr(stories_ahead, "build_stories", not_here)
    for week in WEEKS:
        stories = stories_ahead.grouped(week, "weekly", _own(settings, week))
        assert stories == expected[week]
        assert stories  # every seed week has stories


def test_a_week_whose_documents_changed_is_grouped_again(settings: Settings) -> None:
    week = WEEKS[0]
    assert stories_ahead.group_ahead(settings, ["2025-W40", week], ["weekly"]) == 1
    own = _own(settings, week)
    changed = own[1:]  # as if the store had lost one since
    assert stories_ahead.grouped(week, "weekly", changed) == build_stories(changed)
    assert stories_ahead.grouped(week, "weekly", changed) != stories_ahead.grouped(
        week, "weekly", own
    )


def test_a_few_weeks_are_grouped_ahead_at_a_time_and_forgotten_at_the_end(
    settings: Settings,
) -> None:
    weeks = ["2025-W40", *WEEKS, "2026-W07", "2026-W08", "2026-W09"]  # 4 with no documents
    assert stories_ahead.group_ahead(settings, weeks, ["weekly"]) == len(weeks) - 1
    assert len(stories_ahead._ahead) == stories_ahead.AHEAD < len(weeks) - 1
    assert ("2025-W40", "weekly") not in stories_ahead._ahead  # the run groups the first
    stories_ahead.grouped(WEEKS[0], "weekly", _own(settings, WEEKS[0]))
    assert (weeks[1 + stories_ahead.AHEAD], "weekly") in stories_ahead._ahead  # the next one
    stories_ahead.forget_ahead()
    assert stories_ahead._ahead == {} and not stories_ahead._waiting


def test_weeks_asked_for_before_the_run_are_not_asked_again(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backfill with nothing to ingest asks for its first weeks before it loads Prefect,
    the first one included; the run's own request then adds nothing, and the first week
    too comes from the pool."""
    expected = build_stories(_own(settings, WEEKS[0]))
    early = stories_ahead.group_ahead(settings, WEEKS, ["weekly"], first_too=True)
    assert early == len(WEEKS)
    asked = set(stories_ahead._ahead) | {(w, n) for _, w, n in stories_ahead._waiting}
    assert asked == {(week, "weekly") for week in WEEKS}
    stories_ahead.group_ahead(settings, WEEKS, ["weekly"])  # as the run asks, at its start
    assert len(stories_ahead._ahead) + len(stories_ahead._waiting) == len(WEEKS)

    def not_here(documents: object) -> None:
        raise AssertionError("grouped in the run's process, not ahead")

    monkeypatch.setattr(stories_ahead, "build_stories", not_here)
    assert stories_ahead.grouped(WEEKS[0], "weekly", _own(settings, WEEKS[0])) == expected
    stories_ahead.forget_ahead()
