"""The seeds' digests as a reader sees them, built through the real steps (files source ->
normalise -> store and link near-duplicates -> stories per ISO week -> render): what leads
each week, headlines a reader can trust, newsletter items that are news, no file names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from db import stored_documents as stored_docs
from db.engine import session_scope
from flows.normalise.headlines import is_quotation
from flows.records import Digest, RenderedDigest, Story
from flows.render.digest import render_digest
from flows.sources.files import read_folder
from flows.stories.build import build_stories
from flows.text import key
from flows.weeks import week_bounds
from tests.support.pipeline import store_items

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
WEEKS = ("2025-W43", "2025-W49", "2026-W06")
ZONE = ZoneInfo("UTC")


@dataclass(frozen=True)
class Week:
    stories: list[Story]
    rendered: RenderedDigest


@pytest.fixture(scope="module")
def weeks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Week]:
    database_url = f"sqlite:///{tmp_path_factory.mktemp('seeds') / 'digest.db'}"
    now = datetime(2026, 3, 1, tzinfo=UTC)
    items, _ = read_folder("seeds", SEEDS, ZONE, now)
    store_items(database_url, "seeds", items, ZONE, now)
    built = {}
    for week in WEEKS:
        starts, ends = week_bounds(week, ZONE)
        with session_scope(database_url) as session:
            stored = stored_docs.documents_between(session, starts, ends)
        stories = build_stories(stored)
        digest = Digest(week, "Weekly digest", starts, ends, tuple(stories), len(stored))
        built[week] = Week(stories, render_digest(digest))
    return built


def _holding(stories: list[Story], text: str) -> list[int]:
    """The ranks of the stories with a member whose text holds `text`."""
    return [n for n, s in enumerate(stories) if any(text in d.text for d in s.documents)]


def _files(story: Story) -> set[str]:
    return {s.identity for d in story.documents for s in d.sightings}


def test_2025_w43_leads_with_the_kuala_lumpur_talks_and_the_newsletters_lead_item(
    weeks: dict[str, Week],
) -> None:
    stories = weeks["2025-W43"].stories
    assert _holding(stories, "resume high-level trade talks in Kuala Lumpur") == [0]
    assert {"000_87c2033d37bbf742.txt", "003_10e8502773846869.txt"} <= _files(stories[0])
    assert _holding(stories, "Fourth Plenary Session") not in ([], [0])  # another story


def test_2025_w43_the_kuala_lumpur_story_holds_all_three_seeds(weeks: dict[str, Week]) -> None:
    assert _files(weeks["2025-W43"].stories[0]) == {
        "000_87c2033d37bbf742.txt",
        "002_5ad21c7eb4c845a8.txt",
        "003_10e8502773846869.txt",
    }


def test_2025_w49_leads_with_the_trade_officials_video_call(weeks: dict[str, Week]) -> None:
    stories = weeks["2025-W49"].stories
    assert "video call" in stories[0].headline
    assert _holding(stories, "in-depth and constructive") == [0]


def test_2026_w06_leads_with_the_xi_trump_call_and_the_nuclear_test_is_its_own_story(
    weeks: dict[str, Week],
) -> None:
    stories = weeks["2026-W06"].stories
    assert "phone call" in stories[0].headline
    assert _holding(stories, "closely watched phone call") == [0]
    [nuclear] = _holding(stories, "secret nuclear test")
    assert nuclear != 0
    assert "nuclear test" in stories[nuclear].headline


@pytest.mark.parametrize(
    "not_a_story",
    [
        "Territorial integrity and national sovereignty",  # a pull-quote
        "Europe increasingly sees the U.S.",  # a pull-quote
        "The U.S. national debt, now larger",  # a chart's title
        "Russia's fossil fuel revenue in 2024",  # a chart's caption
        "The EU's share of global exports",  # a chart's caption
        "In this episode of China Current",  # a video's promotion
    ],
)
def test_pull_quotes_charts_and_promotions_are_no_stories(
    weeks: dict[str, Week], not_a_story: str
) -> None:
    for week in weeks.values():
        assert _holding(week.stories, not_a_story) == []
        assert not_a_story not in week.rendered.html


def test_headlines_are_whole_phrases_over_their_own_text(weeks: dict[str, Week]) -> None:
    for week in weeks.values():
        for story in week.stories:
            headline = story.headline
            assert not headline.endswith(("...", "…")), headline
            assert not is_quotation(headline), headline
            lead = story.documents[0]
            assert headline == lead.title or key(headline) in key(lead.text), headline
            assert key(headline) not in key(story.extract), (headline, story.extract)


def test_no_file_name_is_shown(weeks: dict[str, Week]) -> None:
    for week in weeks.values():
        shown = week.rendered.html + week.rendered.text + week.rendered.subject
        assert ".txt" not in shown
        assert "seeds/" not in shown
        for name in (p.name for p in SEEDS.glob("*.txt")):
            assert name.removesuffix(".txt") not in shown


def test_every_week_is_built_from_its_own_documents(weeks: dict[str, Week]) -> None:
    for name, week in weeks.items():
        starts, ends = week_bounds(name, ZONE)
        assert week.stories
        assert all(starts <= s.published_at < ends for s in week.stories)
