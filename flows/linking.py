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
    """Index the new or changed documents; returns {copy id: original id} for those linked.

    Two look-ups for the whole batch: who shares a band key, then their signatures.
    """
    changed = {o.document_id for o in outcomes if o.outcome in ("new", "updated")}
    # Only a changed text has bands and a link to replace: a new one has neither yet.
    updated = {o.document_id for o in outcomes if o.outcome == "updated"}
    indexed = sorted(store.signatures(session, changed), key=lambda d: d.id)
    keys = {d.id: band_keys(from_bytes(d.minhash))[0].tolist() for d in indexed}
    members = store.band_members(session, (k for ks in keys.values() for k in ks))
    sharing = set().union(*members.values()) if members else set()
    known = {d.id: d for d in store.signatures(session, sharing - changed)}
    known.update({d.id: d for d in indexed})
    links: dict[int, int | None] = {}
    for doc in indexed:
        near = {i for k in keys[doc.id] for i in members.get(k, ())}
        # Only earlier documents can be originals: a batch is linked in the order it was stored.
        earlier = [
            (i, links.get(i, known[i].duplicate_of), known[i].minhash)
            for i in sorted(near)
            if i < doc.id and i in known
        ]
        links[doc.id] = best_original(from_bytes(doc.minhash), earlier)
        for k in keys[doc.id]:
            members.setdefault(k, set()).add(doc.id)
    store.replace_bands(session, keys, replacing=updated)
    store.set_duplicate_of(
        session, {d: original for d, original in links.items() if original or d in updated}
    )
    linked = {k: v for k, v in links.items() if v is not None}
    if linked:
        log.info("%d near-duplicates linked to the documents they copy", len(linked))
    return linked
