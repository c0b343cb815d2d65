"""Modules loaded with the cyclic collector paused, then frozen: a command's, and the local
Prefect server's."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Prefect, SQLAlchemy and the pipeline make hundreds of thousands of objects as they
    load, nearly all of them kept for the life of the process: each collection walked them
    again. Paused while they load, then frozen (out of later collections' sight) and the
    collector restarted; as it was when already paused (a command inside another)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()
