"""Quality floors on the labelled set (tests/data/eval/) through the real steps (the seeds'
digests are tested in test_seed_digests)."""

from __future__ import annotations

import pytest

from tests.support.quality import Figures, measure


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
