"""Word hashes: split_words, all numpy, against the same rules word by word in plain Python.
Stored signatures are made of these hashes: they must not change."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from flows.tokens import split_words

P = 0x9E3779B97F4A7C15
MASK = 2**64 - 1
WORD_BYTES = set(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") | set(
    range(128, 256)
)
SENTENCE_END = set(b'.!?:\n\x00"')


def mixed(x: int) -> int:
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & MASK
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


def words_one_by_one(texts: list[str]) -> list[tuple[int, int, int, int, bool]]:
    """(hash, stem, text, length, capitalised) of each word, a byte at a time."""
    raw = "\x00".join(t.replace("\x00", " ") for t in texts).encode()
    found, doc, start = [], 0, None
    for at in range(len(raw) + 1):
        inside = at < len(raw) and raw[at] in WORD_BYTES
        if inside and start is None:
            start = at
        if not inside and start is not None:
            word = bytes(raw[start:at]).lower()  # ASCII letters only: bytes.lower
            value = sum(b * pow(P, k, 2**64) for k, b in enumerate(word)) & MASK
            plural = word.endswith(b"s") and len(word) > 3 and word[-2:-1] != b"s"
            stem = (value - word[-1] * pow(P, len(word) - 1, 2**64)) & MASK if plural else value
            before = raw[start - 1] if start else None
            opens = start == 0 or before in SENTENCE_END
            opens = opens or (before == 32 and start > 1 and raw[start - 2] in SENTENCE_END)
            capital = 65 <= raw[start] <= 90 and not opens
            found.append((mixed(value), mixed(stem), doc, at - start, capital))
            start = None
        if at < len(raw) and raw[at] == 0:
            doc += 1
    return found


@given(st.lists(st.text(st.sampled_from("aAsS Zé0.!?:\n\"'\x00-ü€")), max_size=4))
def test_each_word_is_hashed_as_the_rules_say(texts: list[str]) -> None:
    words = split_words(texts)
    got = list(zip(words.hashes.tolist(), words.stems.tolist(), words.doc.tolist(),
                   words.length.tolist(), words.capital.tolist(), strict=True))  # fmt: skip
    assert got == words_one_by_one(texts)
    assert words.count == len(texts)
    assert words.hashes.dtype == np.uint64 and words.doc.dtype == np.int64


def test_a_word_and_its_plural_share_a_stem() -> None:
    words = split_words(["Patrol patrols Kigali. Boss bus"])
    assert words.stems[0] == words.stems[1] and words.hashes[0] != words.hashes[1]
    assert words.stems[3] == words.hashes[3]  # "boss": a double s makes no plural
    assert words.stems[4] == words.hashes[4]  # "bus": too short for one
    # A capital that opens a text or a sentence proves nothing; one inside a sentence does.
    assert words.capital.tolist() == [False, False, True, False, False]
