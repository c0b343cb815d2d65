"""Bench-only: the words of a whole corpus read once, on forked worker processes, for the
signatures, term counts and names that bench_cluster.py measures from nothing. A run of
the product reads its texts chunk by chunk instead (flows/pipeline/store_chunk.py)."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np
from scipy import sparse

from flows.dedupe.near import signatures_of_words
from flows.stories.features import counts_of_words
from flows.tokens import split_words

B = TypeVar("B")
R = TypeVar("R")


def map_batches(fn: Callable[[B], R], batches: Sequence[B], processes: int) -> list[R]:
    """`fn` over each batch, on `processes` forked workers: the texts reach them uncopied."""
    if processes > 1 and len(batches) > 1:
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        with context.Pool(processes) as pool:
            return pool.map(fn, batches)
    return [fn(b) for b in batches]


def analyse_batch(texts: Sequence[str]) -> tuple[np.ndarray, sparse.csr_matrix, sparse.csr_matrix]:
    """Signatures, term counts and names of a batch of texts, from one pass over its words."""
    words = split_words(texts)
    return (signatures_of_words(words), *counts_of_words(words))


def stack(parts: list, column: int) -> sparse.csr_matrix:  # type: ignore[type-arg]
    """Stack one matrix of every part, letting each part go once it is copied."""
    stacked = sparse.vstack([p[column] for p in parts]).tocsr()
    for i, part in enumerate(parts):
        parts[i] = tuple(None if c == column else x for c, x in enumerate(part))
    return stacked
