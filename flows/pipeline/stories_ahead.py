"""A backfill's weeks grouped into stories ahead, in the process pool, while earlier weeks
are linked, rendered and sent: grouping needs only a week's own documents, the rest needs
the weeks before it, so only grouping can run beside them."""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import replace
from threading import Lock
from zoneinfo import ZoneInfo

import numpy as np

from db.engine import session_scope
from flows.pipeline.cpu_pool import pooled, submit_cpu_bound
from flows.pipeline.week_documents import week_documents
from flows.records import StoredDocument, Story
from flows.settings import Settings
from flows.stories.build import build_stories
from flows.stories.embed import embedded, lead_text, remember

Grouped = tuple[bytes, list[Story], dict[bytes, np.ndarray]]  # content key, stories, vectors
# Weeks grouped ahead of the one being built: enough to keep the pool busy, few enough
# that a backfill of years does not hold them all at once.
AHEAD = 4
_ahead: dict[tuple[str, str], Future[Grouped]] = {}
_waiting: deque[tuple[Settings, str, str]] = deque()  # (settings, week, digest) not started
_lock = Lock()


def group_ahead(
    settings: Settings, weeks: Sequence[str], names: Sequence[str], first_too: bool = False
) -> int:
    """Group the own documents of each week but the first (`first_too`: and the first), of
    each digest, in the pool, AHEAD at a time, in the order the weeks are built; a week
    already asked for is not asked again. The number of weeks to come (none where there
    is no pool: Dask, one core)."""
    if not pooled(settings):
        return 0
    # The first week is grouped by the run itself, while the pool takes up the next; but
    # asked for before the run starts, the pool has it done while the run loads Prefect.
    wanted = weeks if first_too else weeks[1:]
    with _lock:
        asked = set(_ahead) | {(week, name) for _, week, name in _waiting}
        _waiting.extend((settings, week, name) for week in wanted for name in names
                        if (week, name) not in asked)  # fmt: skip
        _start_next()
    return len(wanted) * len(names)


def forget_ahead() -> None:
    """Drop what was grouped ahead and not used (a week that failed, a run cut short)."""
    with _lock:
        for future in _ahead.values():
            future.cancel()
        _ahead.clear()
        _waiting.clear()


def grouped(week: str, name: str, documents: Sequence[StoredDocument]) -> list[Story]:
    """`build_stories(documents)`: taken from what was grouped ahead when that grouped the
    very same documents (the store may have changed since), else grouped now."""
    with _lock:
        future = _ahead.pop((week, name), None)
        _start_next()
    if future is not None and not future.cancelled():
        try:
            key, stories, vectors = future.result()
        except Exception:  # a broken pool: grouping here is what would have happened anyway
            key, stories, vectors = b"", [], {}
        if key == content_key(documents):
            remember(vectors)  # linking the week to later ones embeds the same texts
            return stories
    return build_stories(documents)


def _start_next() -> None:
    while _waiting and len(_ahead) < AHEAD:
        settings, week, name = _waiting.popleft()
        _ahead[(week, name)] = submit_cpu_bound(
            settings, group_week, settings.database_url, week, str(settings.zone), name
        )


def group_week(database_url: str, week: str, zone: str, name: str) -> Grouped:
    """In a pool worker: the stories of the week's own documents, their content key, and
    the vectors of their texts."""
    with session_scope(database_url) as session:
        documents = week_documents(session, week, ZoneInfo(zone), name).own
    stories = build_stories(documents)
    texts = [lead_text(d.title, d.text) for d in documents]
    return content_key(documents), stories, embedded(texts)


def content_key(documents: Sequence[StoredDocument]) -> bytes:
    """Equal for equal documents in equal order, whichever process read them (a pickle
    would depend on which equal strings happen to be one object)."""
    digest = hashlib.blake2b(digest_size=16)
    for doc in documents:
        digest.update(repr(replace(doc, text="")).encode())
        digest.update(doc.text.encode())  # its repr would escape it: slower, same key
    return digest.digest()
