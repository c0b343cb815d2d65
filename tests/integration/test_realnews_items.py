"""Newsletter items on real news (../shared/realnews, read in place): through normalise_items
and story_units, every labelled item of its eight newsletters and roundups starts a story
unit of its own, and none of its 152 articles is cut into items."""

from __future__ import annotations

import pytest

from tests.conftest import IN_CI
from tests.support import realnews, realnews_items


@pytest.fixture(scope="module")
def figures() -> realnews_items.ItemFigures:
    if not realnews.available():
        if IN_CI:
            pytest.fail(f"{realnews.REALNEWS} is missing")
        pytest.skip(f"{realnews.REALNEWS} is absent: the real-news set is measured there")
    return realnews_items.measure()


def test_every_labelled_item_starts_a_unit(figures: realnews_items.ItemFigures) -> None:
    assert len(figures.newsletters) == 8
    assert figures.items_found == figures.items_labelled == 21, realnews_items.report(figures)
    assert figures.fully_cut == 8


def test_no_article_is_cut_into_items(figures: realnews_items.ItemFigures) -> None:
    assert figures.articles == 152
    assert figures.articles_cut == (), realnews_items.report(figures)


def test_no_unit_starts_where_no_item_does(figures: realnews_items.ItemFigures) -> None:
    """A page's title, its summary of the items and its author's hello make no unit."""
    assert sum(n.extra for n in figures.newsletters) == 0, realnews_items.report(figures)
