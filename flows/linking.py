"""The near-duplicate step after storing: new texts are matched against stored signatures
through their band keys, and each copy is linked to the document it copies."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from db import neardup as store
from flows.model import SaveOutcome
from flows.neardup import band_keys, choose_original, from_bytes, similarity

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
# A band key shared by more texts than this is a template's, not a sign of a copy: a copy
# shares several keys with its original, and comparing with every holder of a common
# key would make each new text cost more as the store grows.
BUCKET = 50


def link_near_duplicates(session: Session, outcomes: Iterable[SaveOutcome]) -> dict[int, int]:
    """Index the new or changed documents; returns {copy id: original id} for those linked.

    Two look-ups for the whole batch (who shares a band key, then their signatures) and
    one comparison of every candidate pair at once.
    """
    changed = {o.document_id for o in outcomes if o.outcome in ("new", "updated")}
    # Only a changed text has bands and a link to replace: a new one has neither yet.
    updated = {o.document_id for o in outcomes if o.outcome == "updated"}
    indexed = sorted(store.signatures(session, changed), key=lambda d: d.id)
    if not indexed:
        return {}
    ids = [d.id for d in indexed]
    keys = band_keys(np.stack([from_bytes(d.minhash) for d in indexed])).tolist()
    members = store.band_members(session, {k for row in keys for k in row})
    for doc_id, row in zip(ids, keys, strict=True):
        for k in row:  # a batch's texts are candidates for each other too
            members.setdefault(k, set()).add(doc_id)
    # Only earlier documents can be originals: a batch is linked in the order it was stored.
    near = [
        sorted({i for k in row if len(members[k]) <= BUCKET for i in members[k] if i < doc_id})
        for doc_id, row in zip(ids, keys, strict=True)
    ]
    stored = store.signatures(session, {i for found in near for i in found} - changed)
    known = {d.id: d for d in (*stored, *indexed)}
    near = [[i for i in found if i in known] for found in near]
    row_of = {doc_id: row for row, doc_id in enumerate(known)}
    signatures = np.stack([from_bytes(d.minhash) for d in known.values()])
    pairs = np.array(
        [(row_of[doc], row_of[i]) for doc, found in zip(ids, near, strict=True) for i in found],
        dtype=np.intp,
    ).reshape(-1, 2)
    scores = similarity(signatures[pairs[:, 0]], signatures[pairs[:, 1]]).tolist()
    links: dict[int, int | None] = {}
    start = 0
    for doc_id, found in zip(ids, near, strict=True):
        originals = [links.get(i, known[i].duplicate_of) or i for i in found]
        own = scores[start : start + len(found)]
        start += len(found)
        links[doc_id] = choose_original(zip(originals, own, strict=True))
    store.replace_bands(session, dict(zip(ids, keys, strict=True)), replacing=updated)
    store.set_duplicate_of(
        session, {d: original for d, original in links.items() if original or d in updated}
    )
    linked = {k: v for k, v in links.items() if v is not None}
    if linked:
        log.info("%d near-duplicates linked to the documents they copy", len(linked))
    return linked
