"""Stored documents read back as records, each with every source that carried it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from db import models
from db.engine import as_utc
from flows.records import Sighting, StoredDocument

_DOCUMENT = models.Document.__table__.c
_SIGHTING = models.Sighting.__table__.c
_SOURCE = models.Source.__table__.c
# Plain rows, not ORM objects: a backfill reads tens of thousands of documents, and the
# identity map and attribute instrumentation cost more than the query.
_COLUMNS = (_DOCUMENT.id, _DOCUMENT.title, _DOCUMENT.text, _DOCUMENT.publisher, _DOCUMENT.url,
            _DOCUMENT.published_at, _DOCUMENT.date_how, _DOCUMENT.duplicate_of,
            _DOCUMENT.sections)  # fmt: skip


def documents_between(session: Session, starts: datetime, ends: datetime) -> list[StoredDocument]:
    """Documents published in [starts, ends), oldest first, each with its sightings."""
    return _documents(session, (_DOCUMENT.published_at >= starts) & (_DOCUMENT.published_at < ends))


def documents_with_ids(
    session: Session, ids: Iterable[int], sightings: bool = True
) -> list[StoredDocument]:
    """The documents of `ids`, ordered as `documents_between` orders them; without their
    sightings when `sightings` is false (what only their texts are read for)."""
    wanted = sorted(set(ids))
    return _documents(session, _DOCUMENT.id.in_(wanted), sightings) if wanted else []


def _documents(
    session: Session, which: ColumnElement[bool], sightings: bool = True
) -> list[StoredDocument]:
    seen = _sightings(session, which) if sightings else defaultdict(list)
    rows = session.execute(
        select(*_COLUMNS).where(which).order_by(_DOCUMENT.published_at, _DOCUMENT.id)
    )
    return [
        StoredDocument(
            id=id_,
            title=title,
            text=text,
            publisher=publisher,
            url=url,
            published_at=as_utc(published_at),
            date_how=date_how,
            duplicate_of=duplicate_of,
            sections=tuple(int(n) for n in sections.split(",") if n),
            sightings=tuple(
                Sighting(source=s, identity=i, publisher=publisher, url=u, title=t)
                for s, i, u, t in seen[id_]
            ),
        )
        for id_, title, text, publisher, url, published_at, date_how, duplicate_of, sections in rows
    ]


def _sightings(
    session: Session, which: ColumnElement[bool]
) -> defaultdict[int, list[tuple[str, str, str | None, str]]]:
    """(source, identity, url, title) of each sighting of the documents `which` selects."""
    seen: defaultdict[int, list[tuple[str, str, str | None, str]]] = defaultdict(list)
    for document_id, source, identity, url, title in session.execute(
        select(_SIGHTING.document_id, _SOURCE.name, _SIGHTING.identity, _SIGHTING.url,
               _SIGHTING.title)
        .join(models.Source.__table__, _SOURCE.id == _SIGHTING.source_id)
        .join(models.Document.__table__, _DOCUMENT.id == _SIGHTING.document_id)
        .where(which)
        .order_by(_SIGHTING.id)
    ):  # fmt: skip
        seen[document_id].append((source, identity, url, title))
    return seen
