"""The embedding model loads from the installed wheel with no network, and its vectors
say what grouping needs: one event told in other words is closer than another event."""

from __future__ import annotations

import socket

import numpy as np
import pytest

from flows.stories import embed
from tests.unit.test_cluster import AID, CALL, CALL_2, QUAKE


def test_loads_and_embeds_without_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(embed, "_model", None)
    vectors = embed.embed([CALL, CALL_2, QUAKE, AID, ""])
    assert vectors.shape == (5, embed.DIMENSIONS)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors[:4], axis=1), 1.0, atol=1e-5)
    assert not vectors[4].any()  # an empty text is close to nothing
    cosine = vectors @ vectors.T
    assert cosine[0, 1] > cosine[0, 2] + 0.2


def test_no_texts() -> None:
    assert embed.embed([]).shape == (0, embed.DIMENSIONS)
