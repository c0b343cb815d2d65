"""A document's exact fingerprints: the hash of its normalised text (exact duplicates share
it, and the store keeps one row per hash) and the hash of the bytes it was read from."""

from __future__ import annotations

import hashlib

from flows.text import key


def content_hash(text: str) -> str:
    """Equal for texts that differ only in case, accents, punctuation or spacing."""
    return hashlib.sha256(key(text).encode()).hexdigest()


def raw_hash(body: bytes) -> str:
    """Of the bytes as fetched: an item whose bytes did not change is not normalised again."""
    return hashlib.sha256(body).hexdigest()
