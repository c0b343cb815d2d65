"""Late arrivals: documents stored after their own week's digest went out, and where they go.

A sent digest is frozen: it holds the documents its stored stories hold, so a rerun of that
week renders what was sent. A document of a sent week that the digest does not hold is
late, and goes into the first later digest that is built before one of them is sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flows.records import Digest, StoredDocument
from flows.weeks import week_of


@dataclass(frozen=True)
class WeekDocuments:
    """What one week's digest is made of: its own documents and those that came late."""

    own: tuple[StoredDocument, ...]
    late: tuple[StoredDocument, ...]


def split_frozen(starts: datetime, held: Sequence[StoredDocument]) -> WeekDocuments:
    """A sent week's documents as it holds them: those published before it came late."""
    return WeekDocuments(
        own=tuple(d for d in held if d.published_at >= starts),
        late=tuple(d for d in held if d.published_at < starts),
    )


def late_for(
    week: str,
    zone: ZoneInfo,
    sent: frozenset[str],
    candidates: Iterable[tuple[int, datetime]],
    holders: Mapping[int, Iterable[str]],
) -> list[int]:
    """The late documents an unsent `week` takes, from (id, published) of documents no sent
    digest holds: their own week was sent without them, and no unsent digest of a week
    between theirs and `week` has claimed them (the earliest claim wins, so a failed send
    that is retried keeps its late arrivals and nothing is shown twice)."""
    chosen = []
    for document_id, published in candidates:
        home = week_of(published, zone)
        if not (home < week and home in sent):
            continue  # an unsent week of its own still brings it, in a backfill
        others = [w for w in holders.get(document_id, ()) if w != week]
        if any(w in sent or home < w < week for w in others):
            continue
        chosen.append(document_id)
    return chosen


def totals(digest: Digest) -> tuple[int, int]:
    """Stories and documents of the digest, late arrivals included."""
    late = sum(len(story.documents) for story in digest.late)
    return len(digest.stories) + len(digest.late), digest.document_count + late
