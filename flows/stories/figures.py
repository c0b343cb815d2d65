"""Figures a text states as two numbers at once: a range ("4.25%-4.5%", "4 to 4-1/4
percent") or a score or vote ("40-22", "11-1"). Two texts that each state figures of one kind
and share none report different events (two rate decisions of one bank, two finals of one
team), however alike their words: clustering damps their similarity (flows.stories.cluster)."""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

import numpy as np
from scipy import sparse

# The opening tells the event (as for embeddings); it also bounds the time per text.
LEAD_CHARACTERS = 1500
DIMENSIONS = 1 << 16
KINDS = ("percent", "plain")  # a range of percentages; two bare numbers (scores, votes)

_NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?(?:[-‑]\d/\d)?"
_PERCENT = r"(?:\s?(?:%|percent\b|per\s?cent\b))"
_DASH = r"\s?[-–‑]\s?"
_END = r"(?![-–‑/.,]?\w)"  # not a longer number, date or code ("2025-09-17", "4.25.1")
_START = r"(?<![\w.,/-])"
# "to" joins a range only with a unit: "from 3 to 5" alone is no figure of an event.
_MONTH = re.compile(
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s$", re.IGNORECASE
)
_PAIR = re.compile(
    rf"{_START}({_NUMBER})({_PERCENT})?(?:{_DASH}|\s(?:to|and)\s)({_NUMBER})({_PERCENT})?{_END}"
    rf"|{_START}({_NUMBER}){_DASH}({_NUMBER}){_END}"
)


def value(number: str) -> float:
    """ "1,644" -> 1644, "4.00" -> 4, "4-1/4" -> 4.25."""
    whole, _, fraction = number.replace(",", "").replace("‑", "-").partition("-")
    if fraction:
        top, bottom = fraction.split("/")
        return float(whole) + int(top) / int(bottom)
    return float(whole)


def figures(text: str) -> dict[str, set[str]]:
    """Each kind's figures stated in the text's opening, as "low-high" (a score's order
    does not matter: "40-22" and "22-40" are one result)."""
    found: dict[str, set[str]] = {kind: set() for kind in KINDS}
    for match in _PAIR.finditer(text[:LEAD_CHARACTERS]):
        if match[1] is not None:
            if not (match[2] or match[4]):
                if not re.match(_DASH, text[match.end(1) : match.start(3)]):
                    continue  # "3 to 5" without a unit
                kind = "plain"
            else:
                kind = "percent"
            pair = (value(match[1]), value(match[3]))
        else:
            kind, pair = "plain", (value(match[5]), value(match[6]))
        if kind == "plain" and (max(pair) >= 1000 or _MONTH.search(text[: match.start()])):
            continue  # years ("2024-25"), codes, or days of a month ("Sept. 16-17")
        low, high = sorted(pair)
        found[kind].add(f"{low:g}-{high:g}")
    return found


def figure_rows(texts: Sequence[str]) -> tuple[sparse.csr_matrix, ...]:
    """One presence matrix per kind (texts x DIMENSIONS, hashed figures)."""
    rows: dict[str, list[int]] = {kind: [] for kind in KINDS}
    columns: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for row, text in enumerate(texts):
        if not _MAYBE.search(text[:LEAD_CHARACTERS]):
            continue
        for kind, found in figures(text).items():
            rows[kind].extend([row] * len(found))
            columns[kind].extend(sorted(found))
    return tuple(_matrix(rows[k], columns[k], len(texts)) for k in KINDS)


_MAYBE = re.compile(r"\d\s?(?:%|per|[-–‑]|to|and)")  # a cheap test before the full pattern


def _matrix(rows: list[int], figures: list[str], count: int) -> sparse.csr_matrix:
    columns = np.array([zlib.crc32(f.encode()) % DIMENSIONS for f in figures], np.int64)
    ones = np.ones(len(rows), dtype=np.float32)
    m = sparse.csr_matrix((ones, (np.array(rows, np.int64), columns)), shape=(count, DIMENSIONS))
    m.sum_duplicates()
    m.data[:] = 1.0
    return m


def conflicts(kinds: Sequence[sparse.csr_matrix], rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """(rows x cols) True where both texts state figures of one kind and share none."""
    apart = np.zeros((rows.size, cols.size), dtype=bool)
    for m in kinds:
        a, b = m[rows], m[cols]
        stated_a, stated_b = np.diff(a.indptr) > 0, np.diff(b.indptr) > 0
        if not (stated_a.any() and stated_b.any()):
            continue
        both = stated_a[:, None] & stated_b[None, :]
        shared = (a @ b.T).toarray() > 0
        apart |= both & ~shared
    return apart
