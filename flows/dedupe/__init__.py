"""The dedupe step: exact copies by content hash, near copies by MinHash."""
