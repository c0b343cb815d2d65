"""Figures stated as two numbers at once (ranges, scores, votes), and the texts whose figures
say they report different events."""

from __future__ import annotations

import numpy as np
import pytest

from flows.stories.figures import conflicts, figure_rows, figures


@pytest.mark.parametrize(
    ("text", "percent", "plain"),
    [
        ("The bank set its rate in a range of 3.5%-3.75% on Wednesday.", {"3.5-3.75"}, set()),
        ("It now stands at 3.50 per cent to 3.75 per cent.", {"3.5-3.75"}, set()),
        ("a target of 3-1/2 to 3-3/4 percent", {"3.5-3.75"}, set()),
        ("rates between 3.5% and 3.75%", {"3.5-3.75"}, set()),
        ("The Hawks beat the Rams 31-17 and took the title.", set(), {"17-31"}),
        ("The Rams lost 17–31 in the final.", set(), {"17-31"}),
        ("The board approved it in a 7-2 vote.", set(), {"2-7"}),
        # No figures of an event: counts joined by "to", dates, seasons, day spans, codes.
        ("The council grew from 3 to 5 members.", set(), set()),
        ("Filed on 2025-09-17 at noon.", set(), set()),
        ("the 2024-25 season", set(), set()),
        ("The committee met on Sept. 16-17 in the capital.", set(), set()),
        ("Covid-19 cases rose.", set(), set()),
    ],
)
def test_figures(text: str, percent: set[str], plain: set[str]) -> None:
    found = figures(text)
    assert (found["percent"], found["plain"]) == (percent, plain)


def test_conflicts_need_figures_of_one_kind_on_both_sides_and_none_shared() -> None:
    texts = [
        "The rate is now 3.5%-3.75% after the cut.",  # 0
        "The range is 3.50 per cent to 3.75 per cent, the bank said.",  # 1: shares 0's range
        "The rate is now 4.25%-4.5% after the cut.",  # 2: another range
        "The cut passed in a 9-3 vote.",  # 3: a vote, no range: nothing to compare with 0-2
        "The bank cut rates again.",  # 4: no figures at all
        "The cut passed 10-2.",  # 5: a vote other than 3's
    ]
    rows = np.arange(len(texts))
    apart = np.zeros((6, 6), dtype=bool)
    apart[conflicts(figure_rows(texts), rows, rows)] = True
    expected = np.zeros((6, 6), dtype=bool)
    for a, b in ((0, 2), (1, 2), (3, 5)):
        expected[a, b] = expected[b, a] = True
    assert (apart == expected).all()
