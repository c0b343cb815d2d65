"""Stories that continue one of an earlier week: the same event going on, not a later
development of it; decided with the similarity that groups a week's stories."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np

from flows.records import PastStory, Story
from flows.stories.cluster import FULL_DAYS, SAME_STORY
from flows.stories.embed import embed


def continuations(stories: Sequence[Story], past: Sequence[PastStory]) -> dict[str, PastStory]:
    """Story key of this week -> the earlier-week story it continues (the same event
    going on), for the stories that continue one; the rest are absent.

    The similarity is grouping's embedding part: the average cosine of the two stories'
    texts, at least SAME_STORY, when this story's oldest text is within FULL_DAYS of the
    earlier story's newest. A later development (a parade after the game, an aftershock
    two weeks on) starts too late to count, however alike it is told."""
    if not stories or not past:
        return {}
    mine = [[f"{d.title}\n\n{d.text}" for d in s.documents] for s in stories]
    theirs = [list(p.texts) for p in past]
    vectors = embed([t for texts in mine + theirs for t in texts])
    ends = np.cumsum([0] + [len(texts) for texts in mine + theirs])
    means = np.array([vectors[a:b].sum(axis=0) / max(b - a, 1) for a, b in pairwise(ends)])
    # The mean of unit vectors: their dot product is the average pairwise cosine.
    similar = means[: len(stories)] @ means[len(stories) :].T
    starts = np.array([min(d.published_at for d in s.documents).timestamp() for s in stories])
    newest = np.array([p.published_at.timestamp() for p in past])
    gap = (starts[:, None] - newest[None, :]) / 86400.0
    # Only a story that starts while the earlier one is still told (within the days
    # where grouping lets time apart cost nothing) goes on; later, it is a new development.
    score = np.where((gap > -1.0) & (gap <= FULL_DAYS), similar, 0.0)
    found = {}
    for row, story in enumerate(stories):
        best = int(np.argmax(score[row]))
        if score[row, best] >= SAME_STORY:
            found[story.key] = past[best]
    return found
