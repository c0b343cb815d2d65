"""Which of two matching texts copies which, and the original each copy folds into: the
shorter copies the longer that holds it; of two about as long, the later copies the earlier."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flows.dedupe.near import CONTAINED

# Two texts whose shingle counts are at least this close are one text told twice (a copy
# with other chrome, a sign-off, a light edit): the one stored first is the original. Below
# it the shorter is a trimmed copy (a teaser, a headline and lead) of the longer.
SAME_LENGTH = 0.8


@dataclass(frozen=True)
class Text:
    """What the decision needs of a text: its id (storing order), its count of distinct
    shingles (0: unknown), whether it is a newsletter, and the original it already has."""

    id: int
    size: int
    newsletter: bool = False
    original: int | None = None


@dataclass(frozen=True)
class Match:
    """Two texts and the estimated share of the shorter's shingles found in the longer."""

    a: int
    b: int
    containment: float


def direction(a: Text, b: Text) -> tuple[Text, Text]:
    """(copy, original) of two matching texts."""
    short, long = sorted((a, b), key=lambda t: (t.size, -t.id))
    if short.size and short.size < SAME_LENGTH * long.size:
        return short, long
    return (a, b) if a.id > b.id else (b, a)


def links(texts: Mapping[int, Text], matches: Iterable[Match]) -> dict[int, int]:
    """{copy id: original id} for the texts of `texts` that copy another, given the matches
    found among them. A text that already has an original keeps it; a newsletter is a copy
    or an original of another newsletter only (an article it quotes is not the newsletter,
    nor is the newsletter a copy of it). Each copy takes the match that holds the most of
    it (the earliest on a tie), unless that would close a loop of copies, and is linked to
    the first of the chain it joins."""
    edges = []
    for m in matches:
        a, b = texts[m.a], texts[m.b]
        if m.containment >= CONTAINED and a.newsletter == b.newsletter:
            copy, original = direction(a, b)
            edges.append((-m.containment, original.id, copy.id))
    made: dict[int, int] = {}

    def up(i: int) -> int | None:
        return made.get(i, texts[i].original if i in texts else None)

    def root(i: int) -> int:
        seen = {i}
        while (nxt := up(i)) is not None and nxt not in seen:
            i = nxt
            seen.add(i)
        return i

    for _, original, copy in sorted(edges):
        if up(copy) is None and root(original) != copy:
            made[copy] = original
    return {copy: root(original) for copy, original in made.items()}
