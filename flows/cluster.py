"""Story clustering: TF-IDF terms plus shared names, damped by time apart, grouped by
average-link agglomeration over candidate pairs found within a sliding time window."""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from flows.entities import name_mask
from flows.neardup import BINS, _pool, signatures_of_words
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
NEIGHBOURS = 10  # each text keeps its strongest pairs: a graph that grows linearly
TOP_TERMS = 30  # each text keeps its most distinctive shared terms: sharper, products sparse
# Shared names raise the similarity of shared terms by up to half; alone they join nothing
# (two calls between the same leaders share every name). Set on the labelled set, where
# B-cubed is at its best for SAME_STORY anywhere in 0.05-0.08 (shared-term cosines).
NAME_BOOST = 0.5
SAME_STORY = 0.06  # average similarity at which two groups are one story
EDGE_FLOOR = 0.02  # pairs below this count as unrelated (zero) in the averages
WINDOW_DAYS = 7.0  # texts further apart than this are never one story
FULL_DAYS = 3.0  # within this, time apart costs nothing; beyond it similarity fades
BATCH = 1000


@dataclass(frozen=True)
class Features:
    """Row-normalised TF-IDF terms and IDF-weighted names, one row per text."""

    terms: sparse.csr_matrix
    names: sparse.csr_matrix


def count_features(texts: Sequence[str], processes: int = 1) -> tuple[sparse.csr_matrix, ...]:
    """Raw term counts and name presence, (texts x DIMENSIONS) each."""
    chunks = [texts[i : i + BATCH] for i in range(0, len(texts), BATCH)]
    if processes > 1 and len(chunks) > 1:
        with _pool(processes) as pool:
            parts = pool.map(_count_batch, chunks)
    else:
        parts = [_count_batch(c) for c in chunks]
    if not parts:
        empty = sparse.csr_matrix((0, DIMENSIONS), dtype=np.float32)
        return empty, empty
    terms = sparse.vstack([p[0] for p in parts]).tocsr()
    return terms, sparse.vstack([p[1] for p in parts]).tocsr()


def analyse(
    texts: Sequence[str], processes: int = 1
) -> tuple[np.ndarray, sparse.csr_matrix, sparse.csr_matrix]:
    """Signatures, term counts and names of many texts from one pass over their words: for
    texts that arrive together (a benchmark, a rebuild), near-duplicates and stories at once."""
    chunks = [texts[i : i + BATCH] for i in range(0, len(texts), BATCH)]
    if processes > 1 and len(chunks) > 1:
        with _pool(processes) as pool:
            parts = pool.map(_analyse_batch, chunks)
    else:
        parts = [_analyse_batch(c) for c in chunks]
    if not parts:
        empty = sparse.csr_matrix((0, DIMENSIONS), dtype=np.float32)
        return np.zeros((0, BINS), dtype=np.uint32), empty, empty
    terms = sparse.vstack([p[1] for p in parts]).tocsr()
    return np.vstack([p[0] for p in parts]), terms, sparse.vstack([p[2] for p in parts]).tocsr()


def _analyse_batch(texts: Sequence[str]) -> tuple[np.ndarray, sparse.csr_matrix, sparse.csr_matrix]:
    words = split_words(texts)
    return (signatures_of_words(words), *_counts(words))


def _count_batch(texts: Sequence[str]) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    return _counts(split_words(texts))


def _counts(words: Words) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    column = (words.stems % np.uint64(DIMENSIONS)).astype(np.int64)
    term = (words.length > 2) & ~_STOP_COLUMNS[
        (words.hashes % np.uint64(DIMENSIONS)).astype(np.int64)
    ]
    shape = (words.count, DIMENSIONS)
    terms = sparse.csr_matrix(
        (np.ones(term.sum(), np.float32), (words.doc[term], column[term])), shape=shape
    )
    name = name_mask(words)
    names = sparse.csr_matrix(
        (np.ones(name.sum(), np.float32), (words.doc[name], column[name])), shape=shape
    )
    names.sum_duplicates()
    names.data[:] = 1.0
    return terms, names


def weigh(terms: sparse.csr_matrix, names: sparse.csr_matrix, df: DocFrequencies) -> Features:
    """TF-IDF (sublinear tf) for terms, IDF for names, terms too common dropped; each row
    keeps its TOP_TERMS strongest terms shared with another text, divided by the length of
    the whole row, so that a product of rows is the cosine of the shared part. Weighs
    `terms` and `names` in place (at 100,000 texts a copy costs hundreds of MB)."""
    common = max(COMMON[0], COMMON[1] * df.count)
    terms.data = (1.0 + np.log(terms.data)) * df.idf(df.terms)[terms.indices]
    names.data = names.data * df.idf(df.names)[names.indices]
    return Features(_shared(terms, df.terms, common), _shared(names, df.names, common))


def _shared(m: sparse.csr_matrix, df: np.ndarray, common: float) -> sparse.csr_matrix:
    m.data[df[m.indices] > common] = 0.0
    length = _lengths(m)
    # A term of one text alone joins nothing: it counts in the length, not in the top terms.
    m.data[df[m.indices] < 2] = 0.0
    m = _top(m, TOP_TERMS)
    return sparse.csr_matrix(sparse.diags(1.0 / length) @ m)


@dataclass
class DocFrequencies:
    """How many texts carry each hashed feature: kept, so new texts are weighed alike."""

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

    def add(self, terms: sparse.csr_matrix, names: sparse.csr_matrix) -> None:
        self.count += terms.shape[0]
        self.terms += np.bincount(terms.indices, minlength=DIMENSIONS).astype(np.int32)
        self.names += np.bincount(names.indices, minlength=DIMENSIONS).astype(np.int32)

    def idf(self, df: np.ndarray) -> np.ndarray:
        return np.log((1.0 + self.count) / (1.0 + df)).astype(np.float32)


def _top(m: sparse.csr_matrix, k: int, rows_at_once: int = 2000) -> sparse.csr_matrix:
    """Each row's k largest values (ties kept): the k-th largest of each row found by one
    np.partition over a padded block of rows, then everything below it dropped."""
    m.sum_duplicates()
    m.eliminate_zeros()
    lengths = np.diff(m.indptr)
    if lengths.max(initial=0) <= k:
        return m
    floor = np.zeros(m.shape[0], dtype=m.dtype)
    for first in range(0, m.shape[0], rows_at_once):
        block = m[first : first + rows_at_once]
        width = int(np.diff(block.indptr).max(initial=0))
        if width <= k:
            continue
        padded = np.full((block.shape[0], width), -np.inf, dtype=np.float64)
        lens = np.diff(block.indptr)
        column = np.arange(block.nnz) - np.repeat(block.indptr[:-1], lens)
        padded[np.repeat(np.arange(block.shape[0]), lens), column] = block.data
        floor[first : first + block.shape[0]] = np.partition(padded, width - k, axis=1)[
            :, width - k
        ]
    rows = np.repeat(np.arange(m.shape[0]), lengths)
    m.data[m.data < floor[rows]] = 0.0
    m.eliminate_zeros()
    return m


def _lengths(m: sparse.csr_matrix) -> np.ndarray:
    lengths = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    lengths[lengths == 0] = 1.0
    return lengths


def time_factor(days_apart: np.ndarray) -> np.ndarray:
    """1 within FULL_DAYS, then fading linearly to 0 at WINDOW_DAYS."""
    fade = (WINDOW_DAYS - np.abs(days_apart)) / (WINDOW_DAYS - FULL_DAYS)
    return np.clip(fade, 0.0, 1.0)


def edges(
    features: Features, days: np.ndarray, only: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (i, j, similarity) with similarity >= EDGE_FLOOR, i < j, within the window.

    Texts are taken in blocks of WINDOW_DAYS; each block meets itself and the block before,
    so the work grows with the number of texts, not its square. With `only`, pairs are
    kept only when one side is among those rows (new texts meeting stored ones).
    """
    order = np.argsort(days, kind="stable")
    block = np.floor((days[order] - days.min(initial=0)) / WINDOW_DAYS).astype(np.int64)
    bounds = np.searchsorted(block, np.arange(block.max(initial=-1) + 2))
    wanted = None if only is None else np.isin(np.arange(len(days)), only)
    found_i, found_j, found_s = [], [], []
    for b in range(len(bounds) - 1):
        rows = order[bounds[b] : bounds[b + 1]]
        if rows.size == 0:
            continue
        cols = order[bounds[max(b - 1, 0)] : bounds[b + 1]]
        if wanted is not None:
            if not (wanted[rows].any() or wanted[cols].any()):
                continue
            rows_new = rows[wanted[rows]]
            # New rows meet every column; old rows meet only the new columns.
            pairs = [(rows_new, cols), (rows[~wanted[rows]], cols[wanted[cols]])]
        else:
            pairs = [(rows, cols)]
        for r, c in pairs:
            if r.size and c.size:
                i, j, s = _similar(features, days, r, c)
                found_i.append(i), found_j.append(j), found_s.append(s)
    if not found_i:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    i, j, s = np.concatenate(found_i), np.concatenate(found_j), np.concatenate(found_s)
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    keep = lo != hi
    key = np.unique(lo[keep] * len(days) + hi[keep], return_index=True)[1]
    lo, hi, s = lo[keep][key], hi[keep][key], s[keep][key]
    strong = _strongest(lo, hi, s, len(days), NEIGHBOURS)
    return lo[strong], hi[strong], s[strong]


def _strongest(i: np.ndarray, j: np.ndarray, s: np.ndarray, n: int, k: int) -> np.ndarray:
    """Pairs among the k strongest of either of their two texts."""
    ends = np.concatenate((i, j))
    pair = np.concatenate((np.arange(i.size), np.arange(i.size)))
    order = np.lexsort((-np.concatenate((s, s)), ends))
    counts = np.bincount(ends, minlength=n)
    rank = np.arange(order.size) - np.repeat(np.cumsum(counts) - counts, counts)
    keep = np.zeros(i.size, dtype=bool)
    keep[pair[order[rank < k]]] = True
    return keep


def _similar(
    f: Features, days: np.ndarray, rows: np.ndarray, cols: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    text = (f.terms[rows] @ f.terms[cols].T).tocsr()
    name = (f.names[rows] @ f.names[cols].T).tocsr()
    both = (text + text.multiply(name) * NAME_BOOST).tocoo()
    i, j = rows[both.row], cols[both.col]
    s = both.data * time_factor(days[i] - days[j])
    keep = s >= EDGE_FLOOR
    return i[keep], j[keep], s[keep]


def average_link(
    n: int,
    i: np.ndarray,
    j: np.ndarray,
    s: np.ndarray,
    threshold: float | None = None,
    sizes: Sequence[int] | None = None,
) -> np.ndarray:
    """Merge the two groups with the highest average pairwise similarity (missing pairs
    count as 0) while it is >= threshold; a label per item. Averages, not single links,
    so that a chain of loosely related texts does not become one story. An item may stand
    for a group already made (`sizes`, with `s` summed over its members)."""
    threshold = SAME_STORY if threshold is None else threshold
    size = dict(enumerate(sizes)) if sizes is not None else dict.fromkeys(range(n), 1)
    links: dict[int, dict[int, float]] = {}
    for a, b, w in zip(i.tolist(), j.tolist(), s.tolist(), strict=True):
        links.setdefault(a, {})[b] = links.get(a, {}).get(b, 0.0) + w
        links.setdefault(b, {})[a] = links.get(b, {}).get(a, 0.0) + w
    heap = [
        (-w / (size[a] * size[b]), a, b, size[a], size[b])
        for a in links
        for b, w in links[a].items()
        if a < b
    ]
    heapq.heapify(heap)
    parent = list(range(n))
    while heap:
        neg, a, b, size_a, size_b = heapq.heappop(heap)
        if -neg < threshold:
            break
        if size.get(a) != size_a or size.get(b) != size_b:
            continue  # stale: one side has grown or gone since this was pushed
        if size_a < size_b:
            a, b = b, a
        parent[b] = a
        size[a] += size.pop(b)
        for c, w in links.pop(b, {}).items():
            del links[c][b]
            if c != a:
                links[a][c] = links[a].get(c, 0.0) + w
                links[c][a] = links[a][c]
        links[a].pop(b, None)
        for c, w in links[a].items():
            avg = w / (size[a] * size[c])
            if avg >= threshold:
                heapq.heappush(heap, (-avg, a, c, size[a], size[c]))
    return np.array([_root(parent, x) for x in range(n)], dtype=np.int64)


def _root(parent: list[int], x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def cluster(texts: Sequence[str], days: Sequence[float], processes: int = 1) -> np.ndarray:
    """A story label per text (the index of one member); `days` are times in days."""
    terms, names = count_features(texts, processes)
    features = weigh(terms, names, DocFrequencies.of(terms, names))
    when = np.asarray(days, dtype=np.float64)
    i, j, s = edges(features, when)
    return average_link(len(texts), i, j, s)
