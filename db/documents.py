"""Storing documents and their sightings, and reading a week's documents back."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from db import models
from db.engine import as_utc
from db.sources import source_ids
from flows.model import Document, SaveOutcome, Sighting, StoredDocument


def known_raw_hashes(session: Session, source: str) -> dict[str, str]:
    """identity -> hash of the bytes last fetched, for every item seen from `source`."""
    rows = session.execute(
        select(models.Sighting.identity, models.Sighting.raw_hash)
        .join(models.Source)
        .where(models.Source.name == source)
    )
    return {name: value for name, value in rows}


def learning_texts(
    session: Session, publishers: Iterable[str], per_publisher: int = 50
) -> dict[str, list[str]]:
    """The latest pre-boilerplate texts of each publisher, to learn its boilerplate from."""
    texts: dict[str, list[str]] = defaultdict(list)
    for publisher in set(publishers):
        rows = session.scalars(
            select(models.Sighting.raw_text)
            .join(models.Document)
            .where(models.Document.publisher == publisher)
            .order_by(models.Sighting.last_seen_at.desc(), models.Sighting.id.desc())
            .limit(per_publisher)
        )
        texts[publisher].extend(rows)
    return dict(texts)


def save_documents(
    session: Session, documents: Sequence[Document], now: datetime
) -> list[SaveOutcome]:
    """Store each document once (by content hash) and record every source that carried it."""
    sources = source_ids(session, {d.source for d in documents})
    outcomes = []
    for doc in documents:
        try:
            with session.begin_nested():
                outcomes.append(_save_one(session, doc, sources[doc.source], now))
        except IntegrityError:
            # Another run stored the same text between our look-up and our insert: the
            # savepoint is gone, and the second try finds that document and joins it.
            with session.begin_nested():
                outcomes.append(_save_one(session, doc, sources[doc.source], now))
    return outcomes


def _save_one(session: Session, doc: Document, source_id: int, now: datetime) -> SaveOutcome:
    sighting = session.scalar(
        select(models.Sighting).where(
            models.Sighting.source_id == source_id, models.Sighting.identity == doc.identity
        )
    )
    same_text = session.scalar(
        select(models.Document).where(models.Document.content_hash == doc.content_hash)
    )

    def outcome(kind: str, document: models.Document) -> SaveOutcome:
        return SaveOutcome(doc.source, doc.identity, kind, document.id)

    if sighting is not None:
        sighting.last_seen_at = now
        sighting.raw_hash, sighting.raw_text = doc.raw_hash, doc.raw_text
        old = sighting.document
        if old.content_hash == doc.content_hash:
            return outcome("unchanged", old)
        if same_text is not None:
            sighting.document = same_text
            _drop_if_orphan(session, old)
            return outcome("duplicate", same_text)
        if len(old.sightings) == 1:
            _copy_content(old, doc)
            return outcome("updated", old)
        new = _new_document(doc, now)
        session.add(new)
        sighting.document = new
        return outcome("updated", new)

    document = same_text
    kind = "duplicate"
    if document is None:
        document, kind = _new_document(doc, now), "new"
        session.add(document)
    session.add(
        models.Sighting(
            document=document,
            source_id=source_id,
            identity=doc.identity,
            title=doc.title,
            url=doc.url,
            raw_hash=doc.raw_hash,
            raw_text=doc.raw_text,
            first_seen_at=doc.fetched_at,
            last_seen_at=now,
        )
    )
    session.flush()
    return outcome(kind, document)


def _new_document(doc: Document, now: datetime) -> models.Document:
    document = models.Document(created_at=now)
    _copy_content(document, doc)
    return document


def _copy_content(target: models.Document, doc: Document) -> None:
    target.content_hash = doc.content_hash
    target.publisher = doc.publisher
    target.title = doc.title
    target.text = doc.text
    target.url = doc.url
    target.published_at = doc.published_at
    target.date_how = doc.date_how
    target.date_evidence = doc.date_evidence


def _drop_if_orphan(session: Session, document: models.Document) -> None:
    session.flush()
    session.expire(document, ["sightings"])
    if not document.sightings:
        session.delete(document)


def documents_between(session: Session, starts: datetime, ends: datetime) -> list[StoredDocument]:
    """Documents published in [starts, ends), oldest first, each with its sightings."""
    rows = session.scalars(
        select(models.Document)
        .where(models.Document.published_at >= starts, models.Document.published_at < ends)
        .options(selectinload(models.Document.sightings).selectinload(models.Sighting.source))
        .order_by(models.Document.published_at, models.Document.id)
    )
    return [_stored(row) for row in rows]


def publication_dates(session: Session) -> list[datetime]:
    """Every document's publication time, to find the weeks that have documents."""
    return [as_utc(d) for d in session.scalars(select(models.Document.published_at))]


def count_documents(session: Session) -> int:
    return session.scalar(select(func.count(models.Document.id))) or 0


def _stored(row: models.Document) -> StoredDocument:
    return StoredDocument(
        id=row.id,
        title=row.title,
        text=row.text,
        publisher=row.publisher,
        url=row.url,
        published_at=as_utc(row.published_at),
        date_how=row.date_how,
        sightings=tuple(
            Sighting(
                source=s.source.name,
                identity=s.identity,
                publisher=row.publisher,
                url=s.url,
                title=s.title,
            )
            for s in row.sightings
        ),
    )
