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
# A digit first, so that the search skips to digits; what stands before it is checked after.
_PAIR = re.compile(
    rf"({_NUMBER})({_PERCENT})?({_DASH}|\s(?:to|and)\s)({_NUMBER})({_PERCENT})?"
    r"(?![-–‑/.,]?\w)"  # not a longer number, date or code ("2025-09-17", "4.25.1")
)
_PART_OF_WORD = re.compile(r"[\w.,/-]")
_MONTH = re.compile(
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s$", re.IGNORECASE
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
    lead = text[:LEAD_CHARACTERS]
    for match in _PAIR.finditer(lead):
        start = match.start()
        if start and _PART_OF_WORD.match(lead, start - 1):
            continue  # inside a word or a longer number ("Covid-19", "1.4-2")
        dash = match[3].strip() not in ("to", "and")
        if match[2] or match[5]:
            kind = "percent"
        elif dash:
            kind = "plain"
        else:
            continue  # "from 3 to 5": a count, without a unit no figure of an event
        pair = (value(match[1]), value(match[4]))
        if kind == "plain" and (
            max(pair) >= 1000 or _MONTH.search(lead, max(start - 12, 0), start)
        ):
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


def conflicts(
    kinds: Sequence[sparse.csr_matrix], rows: np.ndarray, cols: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(i, j) places in a rows x cols block where both texts state figures of one kind and
    share none; only the texts that state figures are compared, so that a block of texts
    without any costs next to nothing."""
    found_i, found_j = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for m in kinds:
        a, b = m[rows], m[cols]
        stated_a = np.flatnonzero(np.diff(a.indptr))
        stated_b = np.flatnonzero(np.diff(b.indptr))
        if not (stated_a.size and stated_b.size):
            continue
        apart = np.ones((stated_a.size, stated_b.size), dtype=bool)
        shared = (a[stated_a] @ b[stated_b].T).tocoo()
        apart[shared.row, shared.col] = False
        i, j = np.nonzero(apart)
        found_i.append(stated_a[i]), found_j.append(stated_b[j])
    return np.concatenate(found_i), np.concatenate(found_j)
