"""Words of many texts at once, as stable 64-bit hashes: numpy over the bytes, no Python loop
per word, so near-duplicates and stories scale to hundreds of thousands of documents."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# A word's hash is the polynomial sum(byte * P**(position in word)) mod 2**64, computed for
# every word at once from powers of P and of its inverse over the joined bytes. It must not
# change between processes (signatures are stored), so Python's salted hash() is out.
_P = 0x9E3779B97F4A7C15
_P_INVERSE = pow(_P, -1, 2**64)
_powers: list[np.ndarray] = []  # [P**(i+1)], [P**-(i+1)], grown on demand

_LOWER = np.arange(256, dtype=np.uint8)
_LOWER[65:91] += 32
_WORD_BYTE = np.zeros(256, dtype=bool)
_WORD_BYTE[48:58] = _WORD_BYTE[65:91] = _WORD_BYTE[97:123] = True
_WORD_BYTE[128:] = True  # any byte of a UTF-8 letter: "Müller", "Zürich"
_WORD_LOWER = np.where(_WORD_BYTE, _LOWER, 0).astype(np.uint8)  # a word's bytes, 0 elsewhere
_UPPER = np.zeros(256, dtype=bool)
_UPPER[65:91] = True
_SENTENCE_END = np.zeros(256, dtype=bool)
for _ch in b'.!?:\n\x00"':
    _SENTENCE_END[_ch] = True
_SEPARATOR = "\x00"


@dataclass(frozen=True)
class Words:
    """The words of a batch of texts, in order: hash, owning text, length, capitalised."""

    hashes: np.ndarray  # uint64
    stems: np.ndarray  # uint64: the hash without a plural "s" ("patrols" as "patrol")
    doc: np.ndarray  # int64, index of the text each word belongs to
    length: np.ndarray  # int64, bytes
    capital: np.ndarray  # bool: starts upper-case and does not open a sentence
    count: int  # number of texts


def mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads every input bit over the output (wrapping uint64)."""
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint64(30))
        x = x * np.uint64(0xBF58476D1CE4E5B9)
        x = x ^ (x >> np.uint64(27))
        x = x * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def split_words(texts: Sequence[str]) -> Words:
    """Hash every word of every text (case folded), in one pass over the joined bytes."""
    raw = np.frombuffer(
        (_SEPARATOR.join(t.replace(_SEPARATOR, " ") for t in texts)).encode("utf-8"),
        dtype=np.uint8,
    )
    starts, ends = _word_bounds(_WORD_BYTE.take(raw))
    if starts.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        hashes = empty.astype(np.uint64)
        return Words(hashes, hashes, empty, empty, empty.astype(bool), len(texts))
    lowered = _WORD_LOWER.take(raw)  # take: half the time of indexing, for a byte table
    up, down = _powers_upto(raw.size)
    with np.errstate(over="ignore"):
        contrib = lowered.astype(np.uint64)
        np.multiply(contrib, up[: raw.size], out=contrib)
        sums = np.add.reduceat(contrib, starts)
        last = ends - 1
        plural = (lowered[last] == 115) & (ends - starts > 3) & (lowered[last - 1] != 115)
        stems = np.where(plural, sums - contrib[last], sums) * down[starts]
        sums = sums * down[starts]
    # A capital after a sentence end (or a paragraph, or the text's start) proves nothing.
    prev1 = raw[np.maximum(starts - 1, 0)]
    prev2 = raw[np.maximum(starts - 2, 0)]
    opens = (starts == 0) | _SENTENCE_END[prev1] | ((prev1 == 32) & _SENTENCE_END[prev2])
    doc = np.searchsorted(np.flatnonzero(raw == 0), starts)
    return Words(
        hashes=mix(sums),
        stems=mix(stems),
        doc=doc.astype(np.int64, copy=False),
        length=ends - starts,
        capital=_UPPER[raw[starts]] & ~opens,
        count=len(texts),
    )


def _word_bounds(is_word: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first byte of each word, and the byte after its last, as int64 positions."""
    change = np.diff(is_word.view(np.int8))
    starts = np.flatnonzero(change == 1) + 1
    ends = np.flatnonzero(change == -1) + 1
    if is_word.size and is_word[0]:
        starts = np.concatenate(([0], starts))
    if is_word.size and is_word[-1]:
        ends = np.concatenate((ends, [is_word.size]))
    return starts.astype(np.int64, copy=False), ends.astype(np.int64, copy=False)


def _powers_upto(size: int) -> tuple[np.ndarray, np.ndarray]:
    if not _powers or _powers[0].size < size:
        n = -(-size // (1 << 20)) * (1 << 20)  # whole MiB: the largest batch, not twice it
        with np.errstate(over="ignore"):
            up = np.cumprod(np.full(n, _P, dtype=np.uint64))
            down = np.cumprod(np.full(n, _P_INVERSE, dtype=np.uint64))
        _powers[:] = [up, down]
    return _powers[0], _powers[1]


def hash_words(words: Sequence[str]) -> np.ndarray:
    """The hashes split_words gives these words: to compare against word lists."""
    return split_words(list(words)).hashes
