"""Newsletter sections: a newsletter covering several subjects is cut into its items, where
a paragraph shares too little with the item before it, so that each item joins its own story."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from itertools import pairwise

from flows.entities import NOT_NAMES
from flows.normalise.boilerplate import GREETING
from flows.text import words

# Openings that announce a change of subject in a digest.
TURN = re.compile(
    r"^(?:meanwhile|elsewhere|separately|in other news|also this week|on another front"
    r"|turning to|in (?:other|related) (?:news|developments))\b",
    re.IGNORECASE,
)
COHESION = 0.12  # cosine of content words below which a paragraph starts a new item
MIN_ITEM_WORDS = 25  # a shorter run (a caption, a quote) stays with the item before it
HEADING_MAX_WORDS = 14
_STOP_TEXT = """is are was were be been has have had will would could should can not no said
says that this with from they their them its it's which what who than then also"""
_STOP = NOT_NAMES | frozenset(_STOP_TEXT.split())


MARKER = re.compile(
    r"\b(?:newsletter|unsubscribe|view (?:this email )?in (?:your )?browser|forwarded this"
    r"|this (?:week|month)'s (?:issue|edition|digest))\b",
    re.IGNORECASE,
)


def is_newsletter(raw_lines: Sequence[str], removed: Sequence[str]) -> bool:
    """A greeting near the top, or a removed line that speaks of the newsletter itself
    ("this weekly newsletter offers you...", "Unsubscribe"): what an article has not."""
    greeting = any(GREETING.match(line.strip()) for line in raw_lines[:3])
    return greeting or any(MARKER.search(line) for line in removed)


def item_starts(paragraphs: Sequence[str]) -> tuple[int, ...]:
    """Paragraph numbers where each item begins (always 0 first); () for a single item."""
    starts = [0]
    current: Counter[str] = Counter()
    for index, paragraph in enumerate(paragraphs):
        bag = _bag(paragraph)
        heading = _is_heading(paragraph)
        new = index > 0 and (
            bool(TURN.match(paragraph))
            or (heading and _words_since(paragraphs, starts[-1], index) >= MIN_ITEM_WORDS)
            or (
                not heading
                and not _is_heading(paragraphs[index - 1])
                and _cosine(bag, current) < COHESION
                and _words_since(paragraphs, starts[-1], index) >= MIN_ITEM_WORDS
                and len(words(paragraph)) >= MIN_ITEM_WORDS
            )
        )
        if new:
            starts.append(index)
            current = Counter()
        current.update(bag)
    return tuple(starts) if len(starts) > 1 else ()


def split(text: str, starts: Sequence[int]) -> list[str]:
    """The text of each item (paragraphs joined as in the document)."""
    paragraphs = text.split("\n\n")
    if not starts:
        return [text]
    bounds = [*starts, len(paragraphs)]
    return ["\n\n".join(paragraphs[a:b]) for a, b in pairwise(bounds)]


def _words_since(paragraphs: Sequence[str], start: int, end: int) -> int:
    return sum(len(words(p)) for p in paragraphs[start:end])


def _is_heading(paragraph: str) -> bool:
    return len(words(paragraph)) <= HEADING_MAX_WORDS and not paragraph.rstrip().endswith(
        (".", "!", "?", '"', "”", ":")
    )


def _bag(paragraph: str) -> Counter[str]:
    return Counter(
        w.lower().removesuffix("'s").removesuffix("’s")
        for w in words(paragraph)
        if len(w) > 2 and w.lower() not in _STOP and not w.isdigit()
    )


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(v * b[k] for k, v in a.items() if k in b)
    return dot / math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))
