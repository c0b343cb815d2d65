"""Quality floors on the labelled set (tests/data/eval/) through the real steps, and the
seeds' 2025-W43 digest: the lead item of newsletter 000 joins the Kuala Lumpur talks."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from db import documents as doc_store
from db import sources as source_store
from db.engine import session_scope
from db.migrate import upgrade
from flows.pipeline.linking import link_near_duplicates
from flows.pipeline.store_chunk import normalise_and_sign as normalise_items
from flows.sources.files import read_folder
from flows.stories.build import build_stories
from flows.weeks import week_bounds
from tests.support.quality import Figures, measure

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


@pytest.fixture(scope="module")
def figures(tmp_path_factory: pytest.TempPathFactory) -> Figures:
    return measure(f"sqlite:///{tmp_path_factory.mktemp('quality') / 'eval.db'}")


def test_near_duplicates_are_found_and_nothing_else(figures: Figures) -> None:
    assert figures.near_duplicates.precision >= 0.98
    assert figures.near_duplicates.recall >= 0.98


def test_stories_match_the_events(figures: Figures) -> None:
    assert figures.stories.precision >= 0.92
    assert figures.stories.recall >= 0.92


def test_no_boilerplate_reaches_a_digest_and_content_stays(figures: Figures) -> None:
    assert figures.boilerplate_in_digests == []
    assert figures.content_kept >= 0.98


def test_undated_documents_land_in_their_week(figures: Figures) -> None:
    assert figures.undated >= 20
    assert figures.undated_right_week >= 0.95, figures.wrong_weeks


def test_the_seed_newsletter_lead_joins_the_kuala_lumpur_talks(database_url: str) -> None:
    zone = ZoneInfo("UTC")
    now = datetime(2026, 3, 1, tzinfo=UTC)
    items, _ = read_folder("seeds", SEEDS, zone, now)
    documents, failures = normalise_items(items, {}, zone)
    assert not failures
    upgrade(database_url)
    with session_scope(database_url) as session:
        source_store.sync_sources(session, [("seeds", "files", str(SEEDS))])
    with session_scope(database_url) as session:
        saved = doc_store.save_documents(session, documents, now)
        link_near_duplicates(session, saved, documents)
    starts, ends = week_bounds("2025-W43", zone)
    with session_scope(database_url) as session:
        week = doc_store.documents_between(session, starts, ends)
    stories = build_stories(week)

    def holding(text: str) -> list[set[str]]:
        return [
            {s.identity for d in story.documents for s in d.sightings}
            for story in stories
            if any(text in d.text for d in story.documents)
        ]

    lead = holding("resume high-level trade talks in Kuala Lumpur")
    assert lead == [{"000_87c2033d37bbf742.txt", "002_5ad21c7eb4c845a8.txt",
                     "003_10e8502773846869.txt"}]  # fmt: skip
    plenum = holding("Fourth Plenary Session")
    assert plenum == [{"000_87c2033d37bbf742.txt"}]  # another item, another story
