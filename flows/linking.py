"""The near-duplicate step after storing: the band keys of new texts are indexed with them,
then each new text is matched against stored signatures and linked to the one it copies."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from db import neardup as store
from flows.model import Document, SaveOutcome
from flows.neardup import BINS, band_keys, choose_original, from_bytes, similarity

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
# A band key shared by more texts than this is a template's, not a sign of a copy: a copy
# shares several keys with its original, and comparing with every holder of a common
# key would make each new text cost more as the store grows.
BUCKET = 50


@dataclass(frozen=True)
class Indexed:
    """Texts whose band keys were just stored: ids in storing order, with their keys and
    signatures row by row."""

    ids: list[int]
    keys: list[list[int]]
    signatures: np.ndarray


def link_near_duplicates(
    session: Session, outcomes: Sequence[SaveOutcome], documents: Sequence[Document]
) -> dict[int, int]:
    """Index and link in one transaction the documents just saved (`outcomes` of saving
    `documents`); returns {copy id: original id} for those linked."""
    links = find_originals(session, index_bands(session, outcomes, documents))
    store.set_duplicate_of(session, links)
    return links


def index_bands(
    session: Session, outcomes: Sequence[SaveOutcome], documents: Sequence[Document]
) -> Indexed:
    """Store the band keys of the new or changed texts among those just saved (in the
    transaction that saved them); a changed text loses its old keys and link."""
    changed = {
        o.document_id: d.minhash
        for o, d in zip(outcomes, documents, strict=True)
        if o.outcome in ("new", "updated") and d.minhash
    }
    updated = {o.document_id for o in outcomes if o.outcome == "updated"}
    ids = sorted(changed)
    signatures = np.zeros((len(ids), BINS), dtype=np.uint32)
    for row, doc_id in enumerate(ids):
        signatures[row] = from_bytes(changed[doc_id])
    keys = band_keys(signatures).tolist()
    store.replace_bands(session, dict(zip(ids, keys, strict=True)), replacing=updated)
    store.set_duplicate_of(session, dict.fromkeys(updated & changed.keys()))
    return Indexed(ids, keys, signatures)


def find_originals(session: Session, indexed: Indexed) -> dict[int, int]:
    """{copy id: original id} for the indexed texts that copy an earlier document.

    Read once their keys are stored, by anyone: two texts stored side by side find each
    other, the later one linking to the earlier. Two look-ups (who shares a band key,
    then their signatures) and one comparison of every candidate pair at once.
    """
    if not indexed.ids:
        return {}
    members = store.band_members(
        session, {k for row in indexed.keys for k in row}, exclude=indexed.ids
    )
    for doc_id, row in zip(indexed.ids, indexed.keys, strict=True):
        for k in row:  # the batch's own keys, known here: not read back
            members.setdefault(k, set()).add(doc_id)
    # Only earlier documents can be originals: a batch is linked in the order it was stored.
    near = [
        sorted({i for k in row if len(members[k]) <= BUCKET for i in members[k] if i < doc_id})
        for doc_id, row in zip(indexed.ids, indexed.keys, strict=True)
    ]
    new = set(indexed.ids)
    stored = {d.id: d for d in store.signatures(session, {i for f in near for i in f} - new)}
    near = [[i for i in found if i in stored or i in new] for found in near]
    row_of = {doc_id: row for row, doc_id in enumerate(indexed.ids)}
    row_of.update({doc_id: len(row_of) + n for n, doc_id in enumerate(stored)})
    signatures = np.vstack(
        [indexed.signatures, *[from_bytes(d.minhash)[None, :] for d in stored.values()]]
    )
    pairs = np.array(
        [(row_of[d], row_of[i]) for d, found in zip(indexed.ids, near, strict=True) for i in found],
        dtype=np.intp,
    ).reshape(-1, 2)
    scores = similarity(signatures[pairs[:, 0]], signatures[pairs[:, 1]]).tolist()
    links: dict[int, int | None] = {}
    start = 0
    for doc_id, found in zip(indexed.ids, near, strict=True):
        originals = [links[i] if i in new else stored[i].duplicate_of for i in found]
        own = scores[start : start + len(found)]
        start += len(found)
        links[doc_id] = choose_original(
            zip((o or i for o, i in zip(originals, found, strict=True)), own, strict=True)
        )
    linked = {k: v for k, v in links.items() if v is not None}
    if linked:
        log.info("%d near-duplicates linked to the documents they copy", len(linked))
    return linked
