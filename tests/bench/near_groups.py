"""Near-duplicate groups of a whole corpus at once, in memory: what bench_cluster.py measures
from nothing. The product never groups a corpus so: it links each new text to the stored
document it copies (flows/pipeline/linking.py)."""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from flows.dedupe.near import NEAR, band_keys, candidate_pairs, similarity

CHECKED = 20_000  # candidate pairs compared at once


def near_duplicate_groups(sigs: np.ndarray, order: np.ndarray) -> np.ndarray:
    """For each text, the index of the text it copies (itself when it is an original):
    groups are linked by estimated Jaccard >= NEAR; `order` ranks who came first."""
    n = sigs.shape[0]
    pairs = candidate_pairs(band_keys(sigs))
    # Checked a slice at a time: bands of one bin make many candidates (a common phrase is
    # the minimum of its bin in many texts), and the two signatures of each cost 1 KB.
    near = [
        similarity(sigs[part[:, 0]], sigs[part[:, 1]]) >= NEAR
        for part in np.array_split(pairs, max(1, len(pairs) // CHECKED))
    ]
    pairs = pairs[np.concatenate(near)] if near else pairs
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    if not n:
        return np.zeros(0, dtype=np.int64)
    by_order = np.argsort(order, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[by_order] = np.arange(n)
    earliest = np.full(label.max() + 1, n, dtype=np.int64)
    np.minimum.at(earliest, label, rank)
    return by_order[earliest[label]]
