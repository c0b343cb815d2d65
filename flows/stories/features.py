"""Features of texts for stories: hashed TF-IDF terms (plurals folded) and names, counted in
numpy batches and weighed by document frequencies kept."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from flows.entities import name_mask
from flows.tokens import Words, hash_words, split_words

_STOPWORD_TEXT = """
a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from
further had has have having he her here hers him his how i if in into is it its itself just
me more most my no nor not now of off on once only or other our out over own same she should
so some such than that the their them then there these they this those through to too under
until up very was we were what when where which while who whom why will with would you your
said says say new one two three week weeks year years last next first day days time however
meanwhile including amid according monday tuesday wednesday thursday friday saturday sunday
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_STOP_COLUMNS = np.zeros(1 << 20, dtype=bool)
_STOP_COLUMNS[(hash_words(sorted(STOPWORDS)) % np.uint64(1 << 20)).astype(np.int64)] = True
DIMENSIONS = 1 << 20  # hashed feature space: no vocabulary to build or store
# A term in more texts than this tells no stories apart (and makes every product dense).
COMMON = (50, 0.01)  # more than max(50, 1% of the texts)
ROWS_AT_ONCE = 2000
TOP_TERMS = 30  # each text keeps its most distinctive shared terms: sharper, products sparse
BATCH = 500  # texts per pass: the temporary arrays of a pass stay near 100 MB


@dataclass(frozen=True)
class Features:
    """Row-normalised TF-IDF terms and IDF-weighted names, one row per text; the figures
    each states, one presence matrix per kind (flows.stories.figures), when counted."""

    terms: sparse.csr_matrix
    names: sparse.csr_matrix
    figures: tuple[sparse.csr_matrix, ...] = ()


def count_features(texts: Sequence[str]) -> tuple[sparse.csr_matrix, ...]:
    """Raw term counts and name presence, (texts x DIMENSIONS) each."""
    chunks = [texts[i : i + BATCH] for i in range(0, len(texts), BATCH)]
    parts = [_count_batch(chunk) for chunk in chunks]
    if not parts:
        empty = sparse.csr_matrix((0, DIMENSIONS), dtype=np.float32)
        return empty, empty
    terms = sparse.vstack([p[0] for p in parts]).tocsr()
    return terms, sparse.vstack([p[1] for p in parts]).tocsr()


def _count_batch(texts: Sequence[str]) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    return counts_of_words(split_words(texts))


def counts_of_words(words: Words) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    column = (words.stems % np.uint64(DIMENSIONS)).astype(np.int64)
    term = (words.length > 2) & ~_STOP_COLUMNS[
        (words.hashes % np.uint64(DIMENSIONS)).astype(np.int64)
    ]
    shape = (words.count, DIMENSIONS)
    # Counts as 16-bit integers: the stacked counts of 100,000 texts are the largest array.
    terms = sparse.csr_matrix(
        (np.ones(term.sum(), np.uint16), (words.doc[term], column[term])), shape=shape
    )
    name = name_mask(words)
    names = sparse.csr_matrix(
        (np.ones(name.sum(), np.uint16), (words.doc[name], column[name])), shape=shape
    )
    names.sum_duplicates()
    names.data[:] = 1.0
    return terms, names


def weigh(terms: sparse.csr_matrix, names: sparse.csr_matrix, df: DocFrequencies) -> Features:
    """TF-IDF (sublinear tf) for terms, IDF for names, terms too common dropped; each row
    keeps its TOP_TERMS strongest terms shared with another text, divided by the length of
    the whole row, so that a product of rows is the cosine of the shared part. Weighs
    `terms` and `names` in place, a block of rows at a time: at 100,000 texts a copy of
    the counts, or a temporary array as long as them, costs hundreds of MB."""
    common = max(COMMON[0], COMMON[1] * df.count)
    return Features(
        _shared(terms, df.terms, df.idf(df.terms), common, sublinear=True),
        _shared(names, df.names, df.idf(df.names), common, sublinear=False),
    )


def _shared(
    m: sparse.csr_matrix, df: np.ndarray, idf: np.ndarray, common: float, sublinear: bool
) -> sparse.csr_matrix:
    m.sum_duplicates()
    m.data = m.data.astype(np.float32, copy=False)
    lengths = np.ones(m.shape[0])
    floor = np.zeros(m.shape[0], dtype=np.float32)
    for first in range(0, m.shape[0], ROWS_AT_ONCE):
        last = min(first + ROWS_AT_ONCE, m.shape[0])
        span = slice(m.indptr[first], m.indptr[last])
        data, columns, counts = m.data[span], m.indices[span], np.diff(m.indptr[first : last + 1])
        if sublinear:
            np.log(data, out=data)
            data += 1.0
        data *= idf[columns]
        seen = df[columns]
        data[seen > common] = 0.0
        rows = np.repeat(np.arange(last - first), counts)
        squares = np.bincount(rows, weights=data.astype(np.float64) ** 2, minlength=last - first)
        lengths[first:last] = np.where(squares > 0, np.sqrt(squares), 1.0)
        # A term of one text alone joins nothing: it counts in the length, not in the top.
        data[seen < 2] = 0.0
        floor[first:last] = _kth_largest(data, rows, counts, TOP_TERMS)
        data[data < floor[first:last][rows]] = 0.0
    m.eliminate_zeros()
    return sparse.csr_matrix(sparse.diags(1.0 / lengths) @ m)


@dataclass
class DocFrequencies:
    """How many texts carry each hashed feature."""

    count: int
    terms: np.ndarray
    names: np.ndarray

    @classmethod
    def of(cls, terms: sparse.csr_matrix, names: sparse.csr_matrix) -> DocFrequencies:
        return cls(
            terms.shape[0],
            np.bincount(terms.indices, minlength=DIMENSIONS).astype(np.int32),
            np.bincount(names.indices, minlength=DIMENSIONS).astype(np.int32),
        )

    def idf(self, df: np.ndarray) -> np.ndarray:
        return np.log((1.0 + self.count) / (1.0 + df)).astype(np.float32)


def _kth_largest(data: np.ndarray, rows: np.ndarray, counts: np.ndarray, k: int) -> np.ndarray:
    """Each row's k-th largest value (0 for a row of k or fewer): one np.partition over the
    rows padded to the longest."""
    width = int(counts.max(initial=0))
    if width <= k:
        return np.zeros(counts.size, dtype=np.float32)
    padded = np.full((counts.size, width), -np.inf, dtype=np.float32)
    starts = np.cumsum(counts) - counts
    padded[rows, np.arange(data.size) - starts[rows]] = data
    kth = np.partition(padded, width - k, axis=1)[:, width - k]
    return np.where(np.isfinite(kth), kth, 0.0).astype(np.float32)
