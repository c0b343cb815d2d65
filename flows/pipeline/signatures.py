"""Stored signatures brought to the current format (at the start of every run, or by
`digest migrate --rebuild-signatures`): those of an older format match no new text."""

from __future__ import annotations

import logging

from db import neardup as store
from db.engine import session_scope
from db.migrate import upgrade
from flows.dedupe.signature_format import SIGNATURE_VERSION

BATCH = 1000  # documents per transaction
log = logging.getLogger(__name__)


def prepare_database(database_url: str) -> None:
    """The schema at its latest revision and every stored signature in the current format,
    so that an upgrade of the product never leaves stored texts unmatched."""
    upgrade(database_url)
    rebuilt = rebuild_signatures(database_url)
    if rebuilt:
        log.info("%d stored signatures rebuilt in the current format", rebuilt)


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
            # Imported once there is something to recompute: numpy and the signing are no
            # part of a run whose stored signatures are current (every run after the first).
            import numpy as np

            from flows.dedupe.near import band_keys, from_bytes, signature_bytes
            from flows.pipeline.linking import band_rows

            ids = [i for i, _ in rows]
            blobs = signature_bytes([text for _, text in rows])
            store.set_signatures(session, dict(zip(ids, blobs, strict=True)), SIGNATURE_VERSION)
            keys = band_keys(np.stack([from_bytes(b) for b in blobs]))
            store.replace_bands(session, band_rows(ids, keys), replacing=ids)
        done += len(rows)
