"""Stored signatures brought to the current format (`digest migrate --rebuild-signatures`):
after a change of flows.dedupe.near's format, those stored before match no new text."""

from __future__ import annotations

import numpy as np

from db import neardup as store
from db.engine import session_scope
from flows.dedupe.near import SIGNATURE_VERSION, band_keys, from_bytes, signature_bytes

BATCH = 1000  # documents per transaction


def rebuild_signatures(database_url: str, batch: int = BATCH) -> int:
    """Recompute the signature and band keys of every stored document whose signature is
    missing or of an older format; returns how many. Links already made between copies
    and originals stay as they are: only later look-ups use the new keys."""
    done = 0
    while True:
        with session_scope(database_url) as session:
            rows = store.outdated_signatures(session, SIGNATURE_VERSION, batch)
            if not rows:
                return done
            ids = [i for i, _ in rows]
            blobs = signature_bytes([text for _, text in rows])
            store.set_signatures(session, dict(zip(ids, blobs, strict=True)), SIGNATURE_VERSION)
            keys = band_keys(np.stack([from_bytes(b) for b in blobs]))
            bands = sorted(
                (int(key), doc_id)
                for doc_id, row in zip(ids, keys.tolist(), strict=True)
                for key in row
                if key != 0  # a text without words has no bands
            )
            store.replace_bands(session, bands, replacing=ids)
        done += len(rows)
