"""Sentence embeddings for stories: a small static model (wordllama's 256-dimension
l2_supercat, shipped inside its wheel) loaded once per process, never from the network."""

from __future__ import annotations

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
_model: tuple[Any, np.ndarray] | None = None


def model() -> tuple[Any, np.ndarray]:
    """The tokenizer and the token table (float32), loaded on first use from the files
    inside the installed wheel: wordllama's own loader looks for the tokenizer in a folder
    the wheel does not have, and then downloads it."""
    global _model
    with _lock:
        if _model is None:
            import wordllama
            from safetensors import safe_open
            from tokenizers import Tokenizer

            root = Path(wordllama.__file__).parent
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


def embed(texts: Sequence[str]) -> np.ndarray:
    """Unit-length float32 vectors, one row per text (a zero row for an empty text): the
    mean of the text's token vectors, as the model was trained, taken as a sparse product
    of token counts and the table (a padded batch of token vectors costs four times more)."""
    tokenizer, table = model()
    vectors = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    for start in range(0, len(texts), BATCH):
        leads = [t[:LEAD_CHARACTERS] for t in texts[start : start + BATCH]]
        ids = [e.ids for e in tokenizer.encode_batch(leads, add_special_tokens=False)]
        lengths = np.array([len(i) for i in ids])
        if not lengths.sum():
            continue
        rows = np.repeat(np.arange(len(ids)), lengths)
        flat = np.clip(np.concatenate([i for i in ids if i]), 0, table.shape[0] - 1)
        counts = sparse.csr_matrix(
            (np.ones(flat.size, dtype=np.float32), (rows, flat)), shape=(len(ids), table.shape[0])
        )
        vectors[start : start + len(ids)] = counts @ table
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
