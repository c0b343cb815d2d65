"""Stories that continue one of an earlier week: the same event going on, not a later
development of it; decided with the similarity that groups a week's stories."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import numpy as np

from flows.records import PastStory, Story
from flows.stories.cluster import FULL_DAYS, SAME_STORY
from flows.stories.embed import embed, lead_text


def continuations(stories: Sequence[Story], past: Sequence[PastStory]) -> dict[str, PastStory]:
    """Story key of this week -> the earlier-week story it continues (the same event
    going on), for the stories that continue one; the rest are absent.

    The similarity is grouping's embedding part: the average cosine of the two stories'
    texts, at least SAME_STORY, when this story's oldest text is within FULL_DAYS of the
    earlier story's newest. A later development (a parade after the game, an aftershock
    two weeks on) starts too late to count, however alike it is told."""
    if not stories or not past:
        return {}
    mine = [[lead_text(d.title, d.text) for d in s.documents] for s in stories]
    theirs = [list(p.texts) for p in past]
    vectors = embed([t for texts in mine + theirs for t in texts])
    counts = np.array([len(texts) for texts in mine + theirs])
    starts_at = np.minimum(np.cumsum(counts) - counts, len(vectors) - 1)
    sums = np.add.reduceat(vectors, starts_at, axis=0)
    sums[counts == 0] = 0.0
    means = sums / np.maximum(counts, 1)[:, None]
    # The mean of unit vectors: their dot product is the average pairwise cosine.
    similar = means[: len(stories)] @ means[len(stories) :].T
    starts = np.array([min(d.published_at for d in s.documents).timestamp() for s in stories])
    newest = np.array([p.published_at.timestamp() for p in past])
    gap = (starts[:, None] - newest[None, :]) / 86400.0
    # Only a story that starts while the earlier one is still told (within the days
    # where grouping lets time apart cost nothing) goes on; later, it is a new development.
    score = np.where((gap > -1.0) & (gap <= FULL_DAYS), similar, 0.0)
    best = score.argmax(axis=1)
    held = score[np.arange(len(stories)), best] >= SAME_STORY
    return {story.key: past[b] for story, b, h in zip(stories, best, held, strict=True) if h}


def continued_from(stories: Sequence[Story]) -> datetime:
    """How old the newest text of an earlier story may be for one of `stories` to continue
    it (`continuations`); a minute earlier still, for the rounding of its float seconds."""
    start = min(d.published_at for s in stories for d in s.documents)
    return start - timedelta(days=FULL_DAYS, minutes=1)
