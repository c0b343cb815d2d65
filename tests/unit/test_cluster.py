"""Story clustering on tiny cases: same event joins, same names apart in time or topic do not,
and average links do not chain."""

from __future__ import annotations

import numpy as np
import pytest

from flows.stories import cluster as clustering
from flows.stories.cluster import average_link, cluster, time_factor

CALL = (
    "President Raka Wirawan and Prime Minister Claire Donnelly agreed in a phone call to start "
    "joint naval patrols against illegal fishing in the Arafura Sea, officials in Jakarta said."
)
CALL_2 = (
    "Claire Donnelly and Raka Wirawan spoke by telephone and settled on joint patrols of the "
    "Arafura Sea against illegal fishing boats, a first result for the new prime minister."
)
CALL_3 = (
    "Fishing communities welcomed the naval patrols in the Arafura Sea that Wirawan and "
    "Donnelly agreed on in their call, though cattle exports stayed unresolved."
)
AID = (
    "Claire Donnelly offered Raka Wirawan cyclone relief in a second phone call, pledging "
    "emergency aid flights and engineers after the storm flooded villages across Sumba."
)
AID_2 = (
    "Wirawan thanked Donnelly for cyclone relief as emergency aid flights and army engineers "
    "prepared to leave Darwin for the flooded villages of Sumba."
)
QUAKE = (
    "An earthquake of magnitude 7.1 struck off Antofagasta in northern Chile, shaking copper "
    "mines and sending residents to higher ground before a tsunami warning was lifted."
)

# Two rate decisions of one bank told alike on the same days: only their ranges differ.
RATE = (
    "The central bank of Norland cut its key interest rate by a quarter point on Wednesday "
    "to a range of 3.5%-3.75%, citing slower hiring, and signalled two more cuts this year."
)
RATE_2 = (
    "Norland's central bank lowered borrowing costs by a quarter percentage point, to "
    "3.50 per cent to 3.75 per cent, as job growth cooled; officials see further easing."
)
OTHER_RATE = (
    "Policymakers in Norland trimmed the benchmark lending rate by 25 basis points to "
    "4.25%-4.5% at their meeting, pointing to a softer labour market and more cuts ahead."
)


@pytest.mark.parametrize(
    ("texts", "days", "stories"),
    [
        ([CALL, CALL_2, CALL_3, QUAKE], [0, 0.5, 1, 0], [[0, 1, 2], [3]]),
        # The same two leaders, five weeks apart: two stories however close the words.
        (
            [CALL, CALL_2, QUAKE, CALL, CALL_3, QUAKE],
            [0, 1, 0, 35, 36, 35],
            [[0, 1], [2], [3, 4], [5]],
        ),
        # The same two leaders, the same days, another subject.
        ([CALL, CALL_2, CALL_3, AID, AID_2], [0, 0, 1, 1, 1], [[0, 1, 2], [3, 4]]),
        ([QUAKE], [0], [[0]]),
        # Alike in words, apart in figures: a decision of another meeting.
        ([RATE, RATE_2, OTHER_RATE], [0, 0.2, 0.1], [[0, 1], [2]]),
    ],
)
def test_cluster(texts: list[str], days: list[float], stories: list[list[int]]) -> None:
    labels = cluster(texts, days).tolist()
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(label, []).append(i)
    assert sorted(groups.values()) == stories


def test_the_words_alone_would_join_decisions_whose_figures_differ(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(clustering, "FIGURES_APART", 1.0)
    assert len(set(cluster([RATE, RATE_2, OTHER_RATE], [0, 0.2, 0.1]).tolist())) == 1


def test_average_link_does_not_chain() -> None:
    # a-b close, b-c close, a-c unrelated: single link would make one group of three.
    i, j, s = np.array([0, 1]), np.array([1, 2]), np.array([0.9, 0.25])
    assert average_link(3, i, j, s, threshold=0.2).tolist() == [0, 0, 2]
    assert average_link(3, i, j, s, threshold=0.1).tolist() == [0, 0, 0]


@pytest.mark.parametrize(("days", "factor"), [(0, 1.0), (3, 1.0), (5, 0.5), (7, 0.0), (-9, 0.0)])
def test_time_factor(days: float, factor: float) -> None:
    assert time_factor(np.array([days]))[0] == pytest.approx(factor)
