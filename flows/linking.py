"""The near-duplicate step after storing: new texts are matched against stored signatures
through their band keys, and each copy is linked to the document it copies."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from db import neardup as store
from flows.model import SaveOutcome
from flows.neardup import band_keys, best_original, from_bytes

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

log = logging.getLogger(__name__)


def link_near_duplicates(session: Session, outcomes: Iterable[SaveOutcome]) -> dict[int, int]:
    """Index the new or changed documents; returns {copy id: original id} for those linked."""
    changed = {o.document_id for o in outcomes if o.outcome in ("new", "updated")}
    indexed = sorted(store.signatures(session, changed), key=lambda d: d.id)
    keys = {d.id: band_keys(from_bytes(d.minhash))[0].tolist() for d in indexed}
    links: dict[int, int | None] = {}
    for doc in indexed:
        # Only earlier documents can be originals: a batch is linked in the order it was stored.
        found = store.candidates(session, keys[doc.id], exclude={doc.id})
        earlier = [
            (c.id, links.get(c.id, c.duplicate_of), c.minhash) for c in found if c.id < doc.id
        ]
        links[doc.id] = best_original(from_bytes(doc.minhash), earlier)
        store.replace_bands(session, {doc.id: keys[doc.id]})
    store.set_duplicate_of(session, links)
    linked = {k: v for k, v in links.items() if v is not None}
    if linked:
        log.info("%d near-duplicates linked to the documents they copy", len(linked))
    return linked
