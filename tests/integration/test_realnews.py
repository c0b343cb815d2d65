"""Grouping floors on real news (../shared/realnews, read in place) through the production
steps: each event one story within a week and followed across weeks, wire copies folded,
reworded copies and newsletter items with their event."""

from __future__ import annotations

import pytest

from tests.conftest import IN_CI
from tests.support import realnews


@pytest.fixture(scope="module")
def figures(tmp_path_factory: pytest.TempPathFactory) -> realnews.Figures:
    if not realnews.available():
        if IN_CI:
            pytest.fail(f"{realnews.REALNEWS} is missing")
        pytest.skip(f"{realnews.REALNEWS} is absent: the real-news set is measured where it is")
    return realnews.measure(f"sqlite:///{tmp_path_factory.mktemp('realnews') / 'real.db'}")


def test_events_are_found_within_a_week(figures: realnews.Figures) -> None:
    assert figures.within.recall >= 0.95, figures.misses
    assert figures.pairwise.recall >= 0.92, figures.misses


def test_articles_each_story_once_within_a_week_and_across_weeks(
    figures: realnews.Figures,
) -> None:
    """The floors on the articles alone: what grouping and continuations decide."""
    assert figures.articles_within.precision >= 0.97, figures.misses
    assert figures.articles_within.f1 >= 0.97, figures.misses
    assert figures.articles_across.precision >= 0.97, figures.misses
    assert figures.articles_across.f1 >= 0.95, figures.misses


def test_each_story_once_within_a_week(figures: realnews.Figures) -> None:
    assert figures.within.precision >= 0.97, figures.misses
    assert figures.within.f1 >= 0.97, figures.misses


def test_stories_followed_across_weeks(figures: realnews.Figures) -> None:
    assert figures.across.f1 >= 0.95, figures.misses


def test_newsletter_items_join_their_event(figures: realnews.Figures) -> None:
    assert figures.items_in_event == 1.0


def test_close_wire_copies_are_folded(figures: realnews.Figures) -> None:
    assert figures.close_copies.precision >= 0.98
    assert figures.close_copies.recall >= 0.98


def test_reworded_copies_join_their_original(figures: realnews.Figures) -> None:
    assert figures.reworded_together == 1.0, figures.misses
