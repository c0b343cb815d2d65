"""The near-duplicate step after storing: the band keys of new texts are indexed with them,
then each new text is matched against stored signatures and linked to the one it copies."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from db import neardup as store
from flows.dedupe.copies import Match, Text, links
from flows.dedupe.near import (
    BANDS,
    BINS,
    CONTAINED,
    band_keys,
    candidate_pairs,
    containment,
    from_bytes,
    size_of,
)
from flows.records import Document, SaveOutcome

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
# A band key shared by more texts than this is a template's, not a sign of a copy: a copy
# shares several keys with its original, and comparing with every holder of a common
# key would make each new text cost more as the store grows.
BUCKET = 50


@dataclass(frozen=True)
class Indexed:
    """Texts whose band keys were just stored: ids in storing order, with their keys,
    signatures and what the choice of an original needs of them, row by row."""

    ids: list[int]
    keys: np.ndarray  # (texts x BANDS) int64, 0 where a text has no band
    signatures: np.ndarray
    texts: list[Text]


def index_bands(
    session: Session, outcomes: Sequence[SaveOutcome], documents: Sequence[Document]
) -> Indexed:
    """Store the band keys of the new or changed texts among those just saved (in the
    transaction that saved them); a changed text loses its old keys and link."""
    changed = {
        o.document_id: d
        for o, d in zip(outcomes, documents, strict=True)
        if o.outcome in ("new", "updated") and d.minhash
    }
    updated = {o.document_id for o in outcomes if o.outcome == "updated"}
    ids = sorted(changed)
    signatures = np.zeros((len(ids), BINS), dtype=np.uint32)
    for row, doc_id in enumerate(ids):
        signatures[row] = from_bytes(changed[doc_id].minhash)
    keys = band_keys(signatures)
    store.replace_bands(session, band_rows(ids, keys), replacing=updated)
    store.set_duplicate_of(session, dict.fromkeys(updated & changed.keys()))
    texts = [Text(i, size_of(changed[i].minhash), bool(changed[i].sections)) for i in ids]
    return Indexed(ids, keys, signatures, texts)


def band_rows(ids: Sequence[int], keys: np.ndarray) -> list[tuple[int, int]]:
    """(key, document id) rows to store, each pair once and in key order (each insert next
    to the last in the key's B-tree). Once: a short text repeats one value over many bins,
    and whatever the band scheme, a document holding a key twice must not fail its store.
    Key 0 marks a text without words: it has no bands, and matches nothing."""
    owners = np.repeat(np.array(ids, dtype=np.int64), keys.shape[1] if keys.ndim == 2 else 0)
    pairs = np.column_stack((keys.ravel(), owners)) if owners.size else np.zeros((0, 2), int)
    pairs = np.unique(pairs[pairs[:, 0] != 0], axis=0)
    return list(map(tuple, pairs.tolist()))


def joined(parts: Sequence[Indexed]) -> Indexed:
    """Texts indexed apart (one by one, when a batch could not be stored whole) as one."""
    parts = [p for p in parts if p.ids]
    if not parts:
        return Indexed([], np.zeros((0, BANDS), np.int64), np.zeros((0, BINS), np.uint32), [])
    return Indexed(
        [i for p in parts for i in p.ids],
        np.vstack([p.keys for p in parts]),
        np.vstack([p.signatures for p in parts]),
        [t for p in parts for t in p.texts],
    )


def find_originals(session: Session, indexed: Indexed) -> dict[int, int]:
    """{copy id: original id} for the indexed texts that copy another document, and for the
    stored texts without an original that a new, longer text holds (a teaser stored before
    the article it was cut from).

    Read once their keys are stored, by anyone: two texts stored side by side find each
    other, the pair decided by the later one's look-up. Two look-ups (who else holds a band
    key, then their signatures) and one comparison of every candidate pair at once, in numpy:
    bands of one bin make tens of candidates per text.
    """
    ids, keys = np.array(indexed.ids, dtype=np.int64), indexed.keys
    if not ids.size:
        return {}
    rows, others = _candidates(session, ids, keys)
    if not rows.size:
        return {}
    stored = {d.id: d for d in store.signatures(session, set(others.tolist()) - set(indexed.ids))}
    known = np.isin(others, ids) | np.isin(others, list(stored))
    rows, others = rows[known], others[known]
    if not rows.size:
        return {}
    texts = {t.id: t for t in indexed.texts}
    texts.update((i, Text(i, size_of(d.minhash), d.newsletter, d.duplicate_of))
                 for i, d in stored.items())  # fmt: skip
    # Every signature in one matrix: the new texts' rows first, then the stored ones'.
    listed = sorted(stored)
    matrix = np.vstack([indexed.signatures, *(from_bytes(stored[i].minhash) for i in listed)])
    place = dict(zip([*indexed.ids, *listed], range(len(indexed.ids) + len(listed)), strict=True))
    where = np.array([place[i] for i in others.tolist()], dtype=np.intp)
    size = np.array([texts[i].size for i in [*indexed.ids, *listed]], dtype=np.int64)
    scores = containment(matrix[rows], matrix[where], size[rows], size[where])
    held = np.flatnonzero(scores >= CONTAINED)
    matches = [Match(int(ids[rows[k]]), int(others[k]), float(scores[k])) for k in held]
    linked = links(texts, matches)
    if linked:
        log.info("%d near-duplicates linked to the documents they copy", len(linked))
    return linked


def _candidates(session: Session, ids: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, ...]:
    """(row of a new text, id of an earlier document sharing a band key with it), as two
    arrays, each pair once: among the new texts, and among the stored holders of their keys
    (a key held by more than BUCKET is a common phrase's, left out)."""
    pairs = candidate_pairs(keys, max_bucket=BUCKET)
    found = [pairs[:, 1], ids[pairs[:, 0]]]
    holders = store.band_members(session, set(keys[keys != 0].tolist()), exclude=ids.tolist())
    common = [(k, i) for k, held in holders.items() if len(held) <= BUCKET for i in held]
    if common:
        held_key, held_id = np.array(common, dtype=np.int64).T
        order = np.argsort(held_key, kind="stable")
        held_key, held_id = held_key[order], held_id[order]
        flat = keys.ravel()
        start = np.searchsorted(held_key, flat, "left")
        count = np.searchsorted(held_key, flat, "right") - start
        row = np.repeat(np.arange(flat.size) // keys.shape[1], count)
        first = np.repeat(start - np.cumsum(count) + count, count)
        other = held_id[np.arange(row.size) + first]
        later = other < ids[row]
        found = [np.concatenate((found[0], row[later])), np.concatenate((found[1], other[later]))]
    codes = np.unique(found[0].astype(np.int64) * (1 << 40) + found[1])
    return codes >> 40, codes & ((1 << 40) - 1)
