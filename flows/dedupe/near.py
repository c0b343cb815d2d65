"""Near-duplicates: MinHash signatures over word shingles (one-permutation hashing in numpy),
banded for locality-sensitive look-ups, and the decision of which document copies which."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import TypeVar

import numpy as np

from flows.records import Document, StoredDocument
from flows.tokens import Words, mix, split_words

SHINGLE = 3  # words per shingle
BINS = 128  # signature length: one minimum per bin of the hash space
ROWS = 2  # bins per LSH band
# 20 bands over the first 40 bins: a pair at Jaccard 0.45 meets in one with p = 0.99 (0.97
# at 0.4), while each text stores and looks up 20 keys; the candidates are then checked
# on all 128 bins. Bands of 3 bins, twice as many of them, met no more copies of the
# labelled set and doubled the keys each text stores and looks up.
BANDS = 20
# Estimated Jaccard at which two texts are one: a copy with a changed intro and sign-off,
# or a light rewrite, stays above; two outlets' own articles on one event are far below.
NEAR = 0.45
# The format of stored signatures and band keys: raised whenever SHINGLE, BINS, ROWS, BANDS,
# the hashing or the byte layout change, so that `digest migrate --rebuild-signatures`
# recomputes those stored in an older one (a text signed in two formats matches nothing).
SIGNATURE_VERSION = 1
EMPTY = np.uint32(0xFFFFFFFF)
_SHINGLE_MULT = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F))
B = TypeVar("B")
R = TypeVar("R")
BATCH = 1000  # texts per numpy pass: bounds the temporary arrays to about 100 MB


def signatures_of_words(words: Words) -> np.ndarray:
    """(texts x BINS) uint32 MinHash signatures; a text of fewer than SHINGLE words gets its
    words as shingles, an empty one a row of EMPTY that matches nothing."""
    h, doc = words.hashes, words.doc
    with np.errstate(over="ignore"):
        if h.size >= SHINGLE:
            shingles = h[2:] + h[1:-1] * _SHINGLE_MULT[0] + h[:-2] * _SHINGLE_MULT[1]
            same = doc[2:] == doc[:-2]
            shingles, owner = mix(shingles[same]), doc[2:][same]
        else:
            shingles, owner = h[:0], doc[:0]
        counts = np.bincount(doc, minlength=words.count)
        short = np.flatnonzero((counts > 0) & (counts < SHINGLE))
        if short.size:
            take = np.isin(doc, short)
            shingles = np.concatenate((shingles, mix(h[take] + np.uint64(1))))
            owner = np.concatenate((owner, doc[take]))
    signature = np.full((words.count, BINS), EMPTY, dtype=np.uint32)
    bins = (shingles >> np.uint64(57)).astype(np.intp)  # top 7 bits: one of 128 bins
    values = ((shingles >> np.uint64(16)) & np.uint64(0xFFFFFFFE)).astype(np.uint32)
    np.minimum.at(signature, (owner, bins), values)
    return _densify(signature)


def _densify(signature: np.ndarray) -> np.ndarray:
    """An empty bin borrows its right neighbour's value (circularly), marked by an odd low
    bit so that a borrowed value never equals a real one by chance."""
    filled = signature.copy()
    live = (signature != EMPTY).any(axis=1)
    for _ in range(BINS):
        holes = (filled == EMPTY) & live[:, None]
        if not holes.any():
            break
        borrowed = np.roll(filled, -1, axis=1)
        take = holes & (borrowed != EMPTY)
        filled[take] = borrowed[take] | np.uint32(1)
    return filled


def signatures(texts: Sequence[str]) -> np.ndarray:
    """Signatures of many texts, in batches of BATCH."""
    parts = [_signature_batch(texts[i : i + BATCH]) for i in range(0, len(texts), BATCH)]
    return np.vstack(parts) if parts else np.zeros((0, BINS), dtype=np.uint32)


def _signature_batch(texts: Sequence[str]) -> np.ndarray:
    return signatures_of_words(split_words(texts))


def map_batches(fn: Callable[[B], R], batches: Sequence[B], processes: int) -> list[R]:
    """`fn` over each batch: on `processes` worker processes when there are several of
    both, else here. (Only flows.stories.features calls it, and only its benchmarks ask
    for processes: the pool goes when their `processes` parameter does.)"""
    if processes > 1 and len(batches) > 1:
        with worker_pool(processes) as pool:
            return pool.map(fn, batches)
    return [fn(b) for b in batches]


def worker_pool(processes: int) -> multiprocessing.pool.Pool:
    """Forked workers where the system has fork: the texts reach them without a copy."""
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    return context.Pool(processes)


def signature_of(text: str) -> bytes:
    """One text's signature as stored with its document (BINS x 4 bytes, little-endian)."""
    return signature_bytes([text])[0]


def signature_bytes(texts: Sequence[str]) -> list[bytes]:
    """The stored form of each text's signature, computed in one pass."""
    stored = signatures(texts).astype("<u4")
    return [row.tobytes() for row in stored]


def signed(documents: Sequence[Document]) -> list[Document]:
    """The documents with their signatures (`minhash`), all computed in one pass: numpy's
    cost is per call, so one pass over a batch costs far less than one pass per text."""
    blobs = signature_bytes([d.text for d in documents])
    return [
        replace(d, minhash=m, minhash_version=SIGNATURE_VERSION)
        for d, m in zip(documents, blobs, strict=True)
    ]


def from_bytes(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<u4").astype(np.uint32)


def band_keys(signature: np.ndarray) -> np.ndarray:
    """(texts x BANDS) int64 keys: equal keys in a band make two texts candidates. The band
    number is mixed in, so one indexed column holds every band."""
    sig = np.atleast_2d(signature).astype(np.uint64)
    key = np.broadcast_to(np.arange(BANDS, dtype=np.uint64) + np.uint64(1), (sig.shape[0], BANDS))
    for r in range(ROWS):
        key = mix(key ^ sig[:, r : BANDS * ROWS : ROWS])
    live = np.atleast_2d(signature)[:, 0] != EMPTY
    return np.where(live[:, None], key.view(np.int64), 0)


def similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Estimated Jaccard similarity of shingle sets, row by row (or one against many)."""
    return (np.atleast_2d(a) == np.atleast_2d(b)).mean(axis=1)


def candidate_pairs(keys: np.ndarray, max_bucket: int = 50) -> np.ndarray:
    """(pairs x 2) indices sharing a band key. A bucket larger than `max_bucket` (a template
    shared by many texts) links each member to its first only, keeping this linear."""
    n = keys.shape[0]
    flat = keys.ravel()
    owner = np.repeat(np.arange(n), keys.shape[1])
    keep = flat != 0
    flat, owner = flat[keep], owner[keep]
    order = np.lexsort((owner, flat))
    flat, owner = flat[order], owner[order]
    new_run = np.concatenate(([True], flat[1:] != flat[:-1]))
    run_id = np.cumsum(new_run) - 1
    run_start = np.flatnonzero(new_run)
    run_size = np.diff(np.append(run_start, flat.size))
    pairs = [np.column_stack((owner[run_start[run_id]], owner))[~new_run]]
    small = run_size[run_id] <= max_bucket
    for gap in range(1, min(max_bucket, flat.size)):
        same = (run_id[gap:] == run_id[:-gap]) & small[gap:]
        if not same.any():
            break
        pairs.append(np.column_stack((owner[gap:][same], owner[:-gap][same])))
    found = np.vstack(pairs)
    found = found[found[:, 0] != found[:, 1]]
    found.sort(axis=1)
    # One int64 per pair: a 1-D unique is far cheaper than unique rows.
    codes = np.unique(found[:, 0].astype(np.int64) * n + found[:, 1])
    return np.column_stack((codes // n, codes % n))


def best_original(
    signature: np.ndarray, candidates: Sequence[tuple[int, int | None, bytes]]
) -> int | None:
    """Among stored (id, original id, signature) candidates, the original the new text copies."""
    if not candidates:
        return None
    scores = similarity(signature, np.stack([from_bytes(blob) for _, _, blob in candidates]))
    return choose_original(
        (original or doc_id, float(score))
        for (doc_id, original, _), score in zip(candidates, scores, strict=True)
    )


def choose_original(matches: Iterable[tuple[int, float]]) -> int | None:
    """The original (of (original id, estimated Jaccard) matches) that a text copies: the
    closest at NEAR or above, the earliest on a tie; None when none is that close."""
    near = [(score, -original) for original, score in matches if score >= NEAR]
    return -max(near)[1] if near else None


def collapse(documents: Sequence[StoredDocument]) -> list[StoredDocument]:
    """A near-duplicate folds into the document it copies, bringing its sightings along;
    a copy whose original is not among `documents` stands for it."""
    by_id = {d.id: d for d in documents}
    merged: dict[int, StoredDocument] = {}
    order: list[int] = []
    for doc in documents:
        root = _root(doc, by_id)
        if root not in merged:
            merged[root] = by_id[root] if root != doc.id else doc
            order.append(root)
        if root != doc.id:
            merged[root] = replace(
                merged[root], sightings=(*merged[root].sightings, *doc.sightings)
            )
    return [merged[i] for i in order]


def _root(doc: StoredDocument, by_id: dict[int, StoredDocument]) -> int:
    """The first document of the chain of copies `doc` starts (a copy may be linked to
    another copy when the two were stored side by side), among `by_id`."""
    seen = {doc.id}
    while doc.duplicate_of in by_id and doc.duplicate_of not in seen:
        doc = by_id[doc.duplicate_of]
        seen.add(doc.id)
    return doc.id
