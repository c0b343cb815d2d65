"""What earlier fetches left: the hash of each item's bytes (an item whose bytes did not
change is not normalised again) and the raw texts each publisher's boilerplate is learned from."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db import models


def known_raw_hashes(session: Session, source: str) -> dict[str, str]:
    """identity -> hash of the bytes last fetched, for every item seen from `source`."""
    rows = session.execute(
        select(models.Sighting.identity, models.Sighting.raw_hash)
        .join(models.Source)
        .where(models.Source.name == source)
    )
    return {name: value for name, value in rows}


def known_raw_hashes_of(session: Session, sources: Iterable[str]) -> dict[str, dict[str, str]]:
    """known_raw_hashes of several sources in one query: source -> identity -> hash."""
    known: dict[str, dict[str, str]] = {name: {} for name in sources}
    rows = session.execute(
        select(models.Source.name, models.Sighting.identity, models.Sighting.raw_hash)
        .join(models.Source)
        .where(models.Source.name.in_(set(known)))
    )
    for source, identity, value in rows:
        known[source][identity] = value
    return known


def learning_texts(
    session: Session, publishers: Iterable[str], per_publisher: int = 50
) -> dict[str, list[str]]:
    """The latest pre-boilerplate texts of each publisher, to learn its boilerplate from
    (one query for all of them: a query each cost a fifteenth of a feed's ingest)."""
    wanted = set(publishers)
    if not wanted:
        return {}
    rank = (
        func.row_number()
        .over(
            partition_by=models.Document.publisher,
            order_by=(models.Sighting.last_seen_at.desc(), models.Sighting.id.desc()),
        )
        .label("rank")
    )
    latest = (
        select(models.Document.publisher, models.Sighting.raw_text, rank)
        .join(models.Document)
        .where(models.Document.publisher.in_(wanted))
        .subquery()
    )
    rows = session.execute(
        select(latest.c.publisher, latest.c.raw_text)
        .where(latest.c.rank <= per_publisher)
        .order_by(latest.c.publisher, latest.c.rank)
    )
    texts: dict[str, list[str]] = defaultdict(list)
    for publisher, raw_text in rows:
        texts[publisher].append(raw_text)
    return {publisher: texts[publisher] for publisher in wanted}
