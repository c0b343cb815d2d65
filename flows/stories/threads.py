"""Whether a story of this week continues a story of an earlier week (the same event going
on): a plain rule of shared distinctive names and shared words, within two weeks."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import timedelta

from flows.entities import NOT_NAMES, names
from flows.records import PastStory, Story
from flows.text import key

__all__ = ["PastStory", "continuations"]

WINDOW = timedelta(days=14)  # an event that went quiet longer than this is a new story
MIN_SHARED_NAMES = 3  # one shared country or leader is not one event
MIN_NAME_SHARE = 0.3  # of the smaller story's names
MIN_WORD_COSINE = 0.3  # of content words: the same subject told again, not a mention
_STOP = NOT_NAMES | frozenset(("said", "says", "will", "would", "have", "been", "were", "that"))
Profile = tuple[set[str], Counter[str]]  # a story's distinctive names and content words


def continuations(stories: Sequence[Story], past: Sequence[PastStory]) -> dict[str, PastStory]:
    """Story key of this week -> the earlier-week story it continues (the same event
    going on), for the stories that continue one; the rest are absent."""
    earlier = [(story, _profile(story.texts)) for story in past]
    by_name: dict[str, list[int]] = defaultdict(list)  # candidates first: not all pairs
    for index, (_, (found_names, _)) in enumerate(earlier):
        for name in found_names:
            by_name[name].append(index)
    found: dict[str, PastStory] = {}
    for story in stories:
        profile = _profile([f"{d.title}\n\n{d.text}" for d in story.documents])
        shared = Counter(i for name in profile[0] for i in by_name.get(name, ()))
        best: tuple[float, PastStory] | None = None
        for index in sorted(i for i, n in shared.items() if n >= MIN_SHARED_NAMES):
            candidate, other = earlier[index]
            if abs(story.published_at - candidate.published_at) > WINDOW:
                continue
            score = _score(profile, other)
            if score is not None and (best is None or score > best[0]):
                best = (score, candidate)
        if best is not None:
            found[story.key] = best[1]
    return found


def _profile(texts: Sequence[str]) -> Profile:
    """The texts' distinctive names and their content words."""
    joined = "\n\n".join(texts)
    found = {key(name) for name in names(joined)}
    counts = Counter(w for w in key(joined).split() if len(w) > 3 and w not in _STOP)
    return found, counts


def _score(one: Profile, other: Profile) -> float | None:
    """The words' cosine when both tests pass, else None."""
    shared = one[0] & other[0]
    smaller = min(len(one[0]), len(other[0]))
    if len(shared) < MIN_SHARED_NAMES or len(shared) < MIN_NAME_SHARE * smaller:
        return None
    cosine = _cosine(one[1], other[1])
    return cosine if cosine >= MIN_WORD_COSINE else None


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    dot = sum(count * b[word] for word, count in a.items() if word in b)
    norm = math.sqrt(sum(c * c for c in a.values()) * sum(c * c for c in b.values()))
    return dot / norm if norm else 0.0
