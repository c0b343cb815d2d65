"""Sentence embeddings for stories: a small static model (wordllama's 256-dimension
l2_supercat, shipped inside its wheel) loaded once per process, never from the network."""

from __future__ import annotations

import hashlib
import importlib.util
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

DIMENSIONS = 256
# A story is told in its opening: the lead carries the event, the tail of a page is more
# often chrome and "read more" lists. It also bounds the time per text.
LEAD_CHARACTERS = 1500
BATCH = 256

_lock = threading.Lock()
_words_lock = threading.Lock()
_model: tuple[Any, np.ndarray] | None = None
KNOWN_WORDS = 50_000  # words whose vectors are kept (2 bytes x 256 each: 26 MB at most)
_known: dict[str, int] = {}
_known_vectors = np.zeros((0, DIMENSIONS), dtype=np.float16)
# Texts embedded before in this process, by a digest of their lead: a week's texts are
# embedded to group them, again to link its stories to earlier weeks', and as an earlier
# week of each of the 4 weeks after it in a backfill (one process). 16 + 1,024 bytes each.
KNOWN_TEXTS = 20_000
_texts: dict[bytes, np.ndarray] = {}


def model() -> tuple[Any, np.ndarray]:
    """The tokenizer and the token table (float32), loaded on first use from the files
    inside the installed wheel: wordllama's own loader looks for the tokenizer in a folder
    the wheel does not have, and then downloads it."""
    global _model
    with _lock:
        if _model is None:
            from safetensors import safe_open
            from tokenizers import Tokenizer

            # The wheel's folder, found without importing the package (and its downloader).
            spec = importlib.util.find_spec("wordllama")
            if spec is None or not spec.submodule_search_locations:
                raise ModuleNotFoundError("wordllama is not installed")
            root = Path(next(iter(spec.submodule_search_locations)))
            weights = root / "weights" / f"l2_supercat_{DIMENSIONS}.safetensors"
            with safe_open(str(weights), framework="np", device="cpu") as f:
                table = f.get_tensor("embedding.weight").astype(np.float32)
            tokenizer = Tokenizer.from_file(
                str(root / "tokenizers" / "l2_supercat_tokenizer_config.json")
            )
            tokenizer.no_padding()
            tokenizer.no_truncation()
            _model = (tokenizer, table)
        return _model


def lead_text(title: str, text: str) -> str:
    """A document as embedding reads it: its title, then its text, up to the lead's end
    (the same vector, and the same known text, as the whole: less to copy and hash)."""
    return f"{title}\n\n{text[:LEAD_CHARACTERS]}"


def _text_key(text: str) -> bytes:
    return hashlib.blake2b(text[:LEAD_CHARACTERS].encode(), digest_size=16).digest()


def embedded(texts: Sequence[str]) -> dict[bytes, np.ndarray]:
    """The vectors this process keeps of these texts, to hand to another process."""
    with _words_lock:
        return {k: v for k in map(_text_key, texts) if (v := _texts.get(k)) is not None}


def remember(vectors: dict[bytes, np.ndarray]) -> None:
    """Keep vectors another process embedded (`embedded`), as if embedded here."""
    with _words_lock:
        if len(_texts) + len(vectors) > KNOWN_TEXTS:
            _texts.clear()
        _texts.update(vectors)


def embed(texts: Sequence[str]) -> np.ndarray:
    """Unit-length float32 vectors, one row per text (a zero row for an empty text): the
    mean of the token vectors of the text's lead, as the model was trained. A text this
    process embedded before is not embedded again."""
    keys = [_text_key(t) for t in texts]
    with _words_lock:
        known = [_texts.get(k) for k in keys]
    missing = {k: t for k, t, v in zip(keys, texts, known, strict=True) if v is None}
    fresh = dict(zip(missing, _embed(list(missing.values())), strict=True))
    with _words_lock:
        if len(_texts) + len(fresh) > KNOWN_TEXTS:
            _texts.clear()
        _texts.update(fresh)
    vectors = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    for row, (k, v) in enumerate(zip(keys, known, strict=True)):
        vectors[row] = fresh[k] if v is None else v
    return vectors


def _embed(texts: Sequence[str]) -> np.ndarray:
    """Tokens never cross a space in this model, so each distinct word (line breaks and
    all) is tokenized once and its vector summed once: the same vectors as tokenizing
    every text whole, at half the cost or less (news repeats its words)."""
    vectors = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    for start in range(0, len(texts), BATCH):
        batch = texts[start : start + BATCH]
        index: dict[str, int] = {}
        columns = [
            np.array([index.setdefault(w, len(index)) for w in t[:LEAD_CHARACTERS].split(" ") if w],
                     dtype=np.int64)
            for t in batch
        ]  # fmt: skip
        if index:
            lengths = [c.size for c in columns]
            counts = _counts(np.repeat(np.arange(len(batch)), lengths), np.concatenate(columns),
                             (len(batch), len(index)))  # fmt: skip
            with _words_lock:  # the kept words are shared by the threads of a process
                words = _word_vectors(list(index))
            vectors[start : start + len(batch)] = counts @ words
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


def _word_vectors(words: list[str]) -> np.ndarray:
    """The sum of each word's token vectors (the tokenizer marks it as a word's start),
    kept for the next batches: news repeats its words, so most are tokenized once."""
    global _known, _known_vectors
    new = [w for w in dict.fromkeys(words) if w not in _known]
    if len(_known) + len(new) > KNOWN_WORDS:
        _known = {}
        new = list(dict.fromkeys(words))
    if new:
        tokenizer, table = model()
        ids = [e.ids for e in tokenizer.encode_batch(new, add_special_tokens=False)]
        flat = np.clip(np.fromiter((i for w in ids for i in w), dtype=np.int64), 0, len(table) - 1)
        rows = np.repeat(np.arange(len(new)), [len(i) for i in ids])
        summed = _counts(rows, flat, (len(new), len(table))) @ table
        first, end = len(_known), len(_known) + len(new)
        if end > len(_known_vectors):  # grown by doubling: no copy of the whole per batch
            size = max(min(2 * end, KNOWN_WORDS), end, 4096)
            grown = np.zeros((size, DIMENSIONS), np.float16)
            grown[:first] = _known_vectors[:first]
            _known_vectors = grown
        _known_vectors[first:end] = summed
        _known.update(zip(new, range(first, end), strict=True))
    return _known_vectors[[_known[w] for w in words]].astype(np.float32)


def _counts(rows: np.ndarray, columns: np.ndarray, shape: tuple[int, int]) -> sparse.csr_matrix:
    ones = np.ones(rows.size, dtype=np.float32)
    return sparse.csr_matrix((ones, (rows, columns)), shape=shape)
