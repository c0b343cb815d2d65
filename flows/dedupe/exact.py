"""Deduplication: exact duplicates share a content hash of their normalised text."""

from __future__ import annotations

import hashlib

from flows.text import key


def content_hash(text: str) -> str:
    """Equal for texts that differ only in case, accents, punctuation or spacing."""
    return hashlib.sha256(key(text).encode()).hexdigest()


def raw_hash(body: bytes) -> str:
    """Of the bytes as fetched: an item whose bytes did not change is not normalised again."""
    return hashlib.sha256(body).hexdigest()
