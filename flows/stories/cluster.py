"""Story clustering: candidate pairs by shared TF-IDF terms and names within a sliding time
window, verified by the cosine of sentence embeddings damped by time apart, grouped by
average-link agglomeration."""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from flows.stories.embed import embed
from flows.stories.features import DocFrequencies, Features, count_features, weigh
from flows.stories.figures import conflicts, figure_rows

# Each text keeps its strongest pairs: a graph that grows linearly. An event told by a
# dozen outlets and newsletter items has more texts than that; a close text of another
# event, as similar to each as they are to each other, pushes some of their pairs out of
# 10 and splits the event: 12 keeps them.
NEIGHBOURS = 12
ROWS_AT_ONCE = 500  # texts compared at once: their dense products stay near 10 MB
# The similarity: the cosine of sentence embeddings (how outlets tell one event in their own
# words) plus the shared TF-IDF terms, raised by up to half by shared names (what short
# texts of one event share). Terms count twice: on the labelled set, embeddings alone
# split short texts (B-cubed recall 0.86); on the real-news set terms change little.
TERMS_WEIGHT = 2.0
NAME_BOOST = 0.5
# Below 0.5 the labelled set's calls between the same leaders merge (precision 0.90);
# above it, real events told through different angles split.
SAME_STORY = 0.5  # average similarity at which two groups are one story
EMBED_FLOOR = 0.3  # pairs whose cosine is below this count as unrelated (zero)
# Texts that each state a range or a score and share none tell different events (a rate
# decision of another meeting, told in the same words): their similarity counts this much.
FIGURES_APART = 0.5
WINDOW_DAYS = 7.0  # texts further apart than this are never one story
FULL_DAYS = 3.0  # within this, time apart costs nothing; beyond it similarity fades


def time_factor(days_apart: np.ndarray) -> np.ndarray:
    """1 within FULL_DAYS, then fading linearly to 0 at WINDOW_DAYS."""
    days_apart = np.asarray(days_apart)
    fade = np.abs(days_apart, dtype=np.result_type(days_apart.dtype, np.float32))
    fade -= WINDOW_DAYS
    fade /= FULL_DAYS - WINDOW_DAYS
    return np.clip(fade, 0.0, 1.0, out=fade)


def edges(
    vectors: np.ndarray, days: np.ndarray, features: Features | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (i, j, similarity) with similarity >= EMBED_FLOOR, i < j, within the window:
    the cosine of the texts' `vectors` (unit rows) plus their shared terms (`features`),
    damped by time apart; each text keeps its NEIGHBOURS strongest.

    Texts are taken in order of time, ROWS_AT_ONCE at a time, each meeting itself and the
    texts of the WINDOW_DAYS before it: the work grows with the number of texts, not its
    square.
    """
    order = np.argsort(days, kind="stable")
    when = days[order]
    found_i, found_j, found_s = [], [], []
    for start in range(0, order.size, ROWS_AT_ONCE):
        chunk = order[start : start + ROWS_AT_ONCE]
        first = np.searchsorted(when, days[chunk[0]] - WINDOW_DAYS)
        cols = order[first : start + chunk.size]
        i, j, s = _nearest(vectors, days, chunk, cols, features)
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


def _nearest(
    vectors: np.ndarray,
    days: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    f: Features | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row's NEIGHBOURS + 1 most similar columns (itself among them) at or above the
    floor: the products are dense, so only the strongest leave the block."""
    # Vectors may be kept as float16 (half the memory); products are taken in float32.
    sim = vectors[rows].astype(np.float32) @ vectors[cols].astype(np.float32).T
    if f is not None and TERMS_WEIGHT:
        text = (f.terms[rows] @ f.terms[cols].T).tocsr()
        name = (f.names[rows] @ f.names[cols].T).tocsr()
        shared = (text + text.multiply(name) * NAME_BOOST).tocoo()
        sim[shared.row, shared.col] += TERMS_WEIGHT * shared.data.astype(np.float32)
    if f is not None and f.figures:
        sim[conflicts(f.figures, rows, cols)] *= FIGURES_APART  # once, if on two kinds
    apart = days[rows].astype(np.float32)[:, None] - days[cols].astype(np.float32)[None, :]
    sim *= time_factor(apart)
    k = min(NEIGHBOURS + 1, cols.size)
    top = np.argpartition(-sim, k - 1, axis=1)[:, :k]
    s = np.take_along_axis(sim, top, axis=1).ravel()
    i, j = np.repeat(rows, k), cols[top.ravel()]
    keep = s >= EMBED_FLOOR
    return i[keep], j[keep], s[keep].astype(np.float64)


def average_link(
    n: int,
    i: np.ndarray,
    j: np.ndarray,
    s: np.ndarray,
    threshold: float | None = None,
) -> np.ndarray:
    """Merge the two groups with the highest average pairwise similarity (missing pairs
    count as 0) while it is >= threshold; a label per item. Averages, not single links,
    so that a chain of loosely related texts does not become one story."""
    threshold = SAME_STORY if threshold is None else threshold
    size = dict.fromkeys(range(n), 1)
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


def cluster(
    texts: Sequence[str],
    days: Sequence[float],
    vectors: np.ndarray | None = None,
) -> np.ndarray:
    """A story label per text (the index of one member); `days` are times in days;
    `vectors` the texts' embeddings when already made (flows.stories.embed)."""
    vectors = embed(texts) if vectors is None else vectors
    when = np.asarray(days, dtype=np.float64)
    features = None
    if TERMS_WEIGHT:
        terms, names = count_features(texts)
        features = weigh(terms, names, DocFrequencies.of(terms, names))
        features = replace(features, figures=figure_rows(texts))
    i, j, s = edges(vectors, when, features)
    del features, vectors  # the agglomeration needs only the pairs; the features are large
    return average_link(len(texts), i, j, s)
