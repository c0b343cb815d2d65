"""Grouping floors on real news (../shared/realnews, read in place) through the production
steps: each event one story within a week and followed across weeks, wire copies folded,
reworded copies and newsletter items with their event. The floors are measured without the
five undated distractors; with them, each on the day of the event it resembles, the figures
are reported and what holds is asserted."""

from __future__ import annotations

import pytest

from tests.conftest import IN_CI
from tests.support import realnews

# Two undated distractors are told in their event's words, on its day, with no figure or name
# of their own that the event's pages lack: a first chancellor vote that fails (beside the
# election) and a museum's reopening (beside the theft): precision falls just under its floors.
UNDATED_DISTRACTORS_JOINED = pytest.mark.xfail(
    strict=True, reason="two undated distractors share their event's words, day and names"
)


def _measure(tmp_path_factory: pytest.TempPathFactory, distractors: bool) -> realnews.Figures:
    if not realnews.available():
        if IN_CI:
            pytest.fail(f"{realnews.REALNEWS} is missing")
        pytest.skip(f"{realnews.REALNEWS} is absent: the real-news set is measured where it is")
    database = tmp_path_factory.mktemp("realnews") / "real.db"
    return realnews.measure(f"sqlite:///{database}", undated_distractors=distractors)


@pytest.fixture(scope="module")
def figures(tmp_path_factory: pytest.TempPathFactory) -> realnews.Figures:
    return _measure(tmp_path_factory, distractors=False)


@pytest.fixture(scope="module")
def with_distractors(tmp_path_factory: pytest.TempPathFactory) -> realnews.Figures:
    return _measure(tmp_path_factory, distractors=True)


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


def test_undated_distractors_mostly_stand_apart(with_distractors: realnews.Figures) -> None:
    """Rate cuts of other meetings, told alike on the event's day, stand apart by their
    ranges, and no event splits around the distractors that join it."""
    assert with_distractors.distractors_apart >= 0.85, with_distractors.misses
    assert with_distractors.within.precision >= 0.97, with_distractors.misses
    assert with_distractors.within.f1 >= 0.97, with_distractors.misses
    assert with_distractors.across.f1 >= 0.95, with_distractors.misses
    assert with_distractors.items_in_event == 1.0, with_distractors.misses


@UNDATED_DISTRACTORS_JOINED
def test_every_floor_holds_with_the_undated_distractors(
    with_distractors: realnews.Figures,
) -> None:
    assert with_distractors.across.precision >= 0.97
    assert with_distractors.articles_within.precision >= 0.97
    assert with_distractors.articles_across.precision >= 0.97
