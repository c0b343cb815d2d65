"""Sentence embeddings for stories: a small static model (wordllama's 256-dimension
l2_supercat, shipped inside its wheel) loaded once per process, never from the network."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

DIMENSIONS = 256
# A story is told in its opening: the lead carries the event, the tail of a page is more
# often chrome and "read more" lists. It also bounds the time per text.
LEAD_CHARACTERS = 1500
BATCH = 256

_lock = threading.Lock()
_model: Any = None


def model() -> Any:
    """The model, loaded on first use from the files inside the installed wheel: its own
    loader looks for the tokenizer in a folder the wheel does not have and then downloads."""
    global _model
    with _lock:
        if _model is None:
            import wordllama
            from safetensors import safe_open
            from tokenizers import Tokenizer
            from wordllama.inference import WordLlamaInference

            root = Path(wordllama.__file__).parent
            weights = root / "weights" / f"l2_supercat_{DIMENSIONS}.safetensors"
            with safe_open(str(weights), framework="np", device="cpu") as f:
                table = f.get_tensor("embedding.weight")
            tokenizer = Tokenizer.from_file(
                str(root / "tokenizers" / "l2_supercat_tokenizer_config.json")
            )
            _model = WordLlamaInference(table, tokenizer)
        return _model


def embed(texts: Sequence[str]) -> np.ndarray:
    """Unit-length float32 vectors, one row per text (a zero row for an empty text)."""
    vectors = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    said = [n for n, t in enumerate(texts) if t.strip()]
    if said:
        leads = [texts[n][:LEAD_CHARACTERS] for n in said]
        vectors[said] = model().embed(leads, batch_size=BATCH)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
