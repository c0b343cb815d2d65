"""Distinctive names (people, places, organisations) found by their capitals: a light
extractor, no model. Words that open a sentence, and capitalised function words, are no names."""

from __future__ import annotations

import re

import numpy as np

from flows.tokens import Words, hash_words

# Capitalised words that name nothing: function words, titles, days and months.
_NOT_NAMES_TEXT = """
a an the this that these those it its he she they we i you our his her their in on at of
for to from by with and or but as if when while after before during since until about
into over under between amid among mr mrs ms dr prof president prime minister secretary
vice premier chief chairman minister's monday tuesday wednesday thursday friday saturday
sunday january february march april may june july august september october november
december today yesterday tomorrow also meanwhile however both all some many most more
following according despite still yet so there here what which who how why
"""
NOT_NAMES = frozenset(_NOT_NAMES_TEXT.split())
_BUCKETS = 1 << 20
_NOT_NAME_BUCKETS = np.zeros(_BUCKETS, dtype=bool)
_NOT_NAME_BUCKETS[(hash_words(sorted(NOT_NAMES)) % np.uint64(_BUCKETS)).astype(np.int64)] = True
_TOKEN = r"(?:[A-Z](?:\.[A-Z])+\.?|[A-Z][\w’'-]*)"
_NAME = re.compile(rf"{_TOKEN}(?:[ -](?:(?:of|de|la|al|van|von|bin) )?{_TOKEN})*")
_SENTENCE_OPEN = re.compile(r"(?:^|[.!?:\"“]\s+|\n)$")


def names(text: str) -> list[str]:
    """Capitalised sequences not opening a sentence, function words dropped from their ends:
    "talks in Kuala Lumpur with He Lifeng" gives ["Kuala Lumpur", "He Lifeng"]."""
    found: list[str] = []
    for match in _NAME.finditer(text):
        tokens = match.group(0).split()
        opens = bool(_SENTENCE_OPEN.search(text[: match.start()]))
        if opens and len(tokens) == 1:
            continue
        while tokens and tokens[0].lower().strip("’'") in NOT_NAMES:
            tokens = tokens[1:]
        while tokens and tokens[-1].lower().strip("’'") in NOT_NAMES:
            tokens = tokens[:-1]
        if tokens:
            found.append(" ".join(t.removesuffix("’s").removesuffix("'s") for t in tokens))
    return found


def name_mask(words: Words) -> np.ndarray:
    """Which of a batch's words are part of a name: capitalised mid-sentence, not a
    function word; the vectorised counterpart of `names` for clustering at scale."""
    bucket = (words.hashes % np.uint64(_BUCKETS)).astype(np.int64)
    return words.capital & ~_NOT_NAME_BUCKETS[bucket] & (words.length > 1)
