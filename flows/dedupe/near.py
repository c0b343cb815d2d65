"""Near-duplicates: MinHash signatures over word shingles (one-permutation hashing in numpy),
banded for locality-sensitive look-ups, how much of one text another holds, and the fold."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TypeVar

import numpy as np

from flows.dedupe.signature_format import SIGNATURE_VERSION
from flows.records import Document, StoredDocument
from flows.tokens import Words, mix, split_words

SHINGLE = 3  # words per shingle
BINS = 128  # signature length: one minimum per bin of the hash space
ROWS = 1  # bins per LSH band
# 20 bands of one bin each: a trimmed copy (a teaser, a headline and lead) shares few bins
# with the long text it was cut from (its estimated Jaccard is about its share of the
# long text's shingles), and a band of two bins met only where both bins did. One bin of
# 20 meets at Jaccard 0.12 with p = 0.92 (0.99 at 0.2); more bands would meet more often
# but make every text store more keys and, a common phrase being the minimum of its bin in
# many texts, make many more candidates. The candidates are then checked on all 128 bins.
BANDS = 20
# Estimated Jaccard at which two texts are one (where the benchmarks group a whole corpus;
# the store links copies by CONTAINED): a copy with a changed intro and sign-off, or a light
# rewrite, stays above; two outlets' own articles on one event are far below.
NEAR = 0.45
# Estimated containment (the share of the shorter text's shingles found in the longer) at
# which the shorter copies the longer: measured on real wire copies (../shared/realnews),
# trimmed, retitled and re-chromed copies came out at 0.47 and above, machine-reworded
# copies and two outlets' texts on one event at 0.38 and below.
CONTAINED = 0.42
EMPTY = np.uint32(0xFFFFFFFF)
_SHINGLE_MULT = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F))
B = TypeVar("B")
R = TypeVar("R")
BATCH = 1000  # texts per numpy pass: bounds the temporary arrays to about 100 MB


def signatures_of_words(words: Words) -> np.ndarray:
    """(texts x BINS) uint32 MinHash signatures; a text of fewer than SHINGLE words gets its
    words as shingles, an empty one a row of EMPTY that matches nothing."""
    return _signature(*_shingles(words), words.count)


def sketches_of_words(words: Words) -> tuple[np.ndarray, np.ndarray]:
    """The signatures, and each text's count of distinct shingles (int64): with the two,
    how much of a short text a long one holds can be estimated (`containment`)."""
    shingles, owner = _shingles(words)
    # One 64-bit key per (text, shingle): the text in the top bits, so one sort counts all
    # (np.sort and a comparison of neighbours: np.unique cost five times as much).
    keyed = np.sort((owner.astype(np.uint64) << np.uint64(40)) | (shingles >> np.uint64(24)))
    first = np.concatenate((keyed[:1] == keyed[:1], keyed[1:] != keyed[:-1]))
    counts = np.bincount((keyed[first] >> np.uint64(40)).astype(np.intp), minlength=words.count)
    return _signature(shingles, owner, words.count), counts.astype(np.int64)


def _shingles(words: Words) -> tuple[np.ndarray, np.ndarray]:
    """(shingle hashes, owning text) of every text: SHINGLE words running, or the words of
    a text shorter than that."""
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
    return shingles, owner


def _signature(shingles: np.ndarray, owner: np.ndarray, count: int) -> np.ndarray:
    signature = np.full((count, BINS), EMPTY, dtype=np.uint32)
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


def signature_of(text: str) -> bytes:
    """One text's signature as stored with its document."""
    return signature_bytes([text])[0]


def signature_bytes(texts: Sequence[str]) -> list[bytes]:
    """The stored form of each text's signature, computed in one pass: BINS x 4 bytes then
    its count of distinct shingles in 4 more, little-endian."""
    parts = [sketches_of_words(split_words(texts[i : i + BATCH]))
             for i in range(0, len(texts), BATCH)]  # fmt: skip
    rows = [np.column_stack((sig, np.minimum(n, 0xFFFFFFFF))) for sig, n in parts]
    return [row.tobytes() for part in rows for row in part.astype("<u4")]


def signed(documents: Sequence[Document]) -> list[Document]:
    """The documents with their signatures (`minhash`), all computed in one pass: numpy's
    cost is per call, so one pass over a batch costs far less than one pass per text."""
    blobs = signature_bytes([d.text for d in documents])
    return [
        replace(d, minhash=m, minhash_version=SIGNATURE_VERSION)
        for d, m in zip(documents, blobs, strict=True)
    ]


def from_bytes(blob: bytes) -> np.ndarray:
    """The signature of a stored one."""
    return np.frombuffer(blob, dtype="<u4", count=BINS).astype(np.uint32)


def size_of(blob: bytes) -> int:
    """The count of distinct shingles kept with a stored signature; 0 in a format that
    kept none (an older one)."""
    return int.from_bytes(blob[BINS * 4 : BINS * 4 + 4], "little") if len(blob) > BINS * 4 else 0


def band_keys(signature: np.ndarray) -> np.ndarray:
    """(texts x BANDS) int64 keys: equal keys in a band make two texts candidates. The band
    number is mixed in, so one indexed column holds every band: above the 32 bits of a bin,
    so that two bands' keys never meet (a short text repeats a value over several bins)."""
    sig = np.atleast_2d(signature).astype(np.uint64)
    band = (np.arange(BANDS, dtype=np.uint64) + np.uint64(1)) << np.uint64(32)
    key = np.broadcast_to(band, (sig.shape[0], BANDS))
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


def containment(a: np.ndarray, b: np.ndarray, size_a: np.ndarray, size_b: np.ndarray) -> np.ndarray:
    """Estimated share of the shorter text's shingles found in the longer, row by row, from
    the estimated Jaccard J and the sizes: |A & B| = J(|A| + |B|) / (1 + J). Where a size
    is unknown (0), the Jaccard estimate itself."""
    jaccard = similarity(a, b)
    size_a, size_b = np.asarray(size_a, dtype=float), np.asarray(size_b, dtype=float)
    shorter = np.minimum(size_a, size_b)
    known = shorter > 0
    common = jaccard * (size_a + size_b) / (1 + jaccard)
    estimate = np.divide(common, shorter, out=jaccard.copy(), where=known)
    return np.clip(estimate, 0.0, 1.0)


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
