"""Storing documents and their sightings (read back by db.stored_documents)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from db import models
from db.engine import as_utc
from db.sources import source_ids
from flows.records import Document, SaveOutcome

_RECORD_FIELDS = [f.name for f in dataclasses.fields(Document)]
CONTENT_FIELDS = tuple(
    name for name in _RECORD_FIELDS if name in models.Document.__table__.columns and name != "id"
)
SIGHTING_FIELDS = tuple(
    name
    for name in _RECORD_FIELDS
    if name in models.Sighting.__table__.columns and name not in {"id", "document_id"}
)


def save_documents(
    session: Session, documents: Sequence[Document], now: datetime
) -> list[SaveOutcome]:
    """Store each document once (by content hash) and record every source that carried it."""
    if not documents:
        return []
    sources = source_ids(session, {d.source for d in documents})
    try:
        with session.begin_nested():
            return _save_batch(session, documents, sources, now)
    except IntegrityError:
        # Another run stored one of these texts between our look-up and our insert: the
        # savepoint is gone, and the second try finds that document and joins it.
        with session.begin_nested():
            return _save_batch(session, documents, sources, now)


def _save_batch(
    session: Session, documents: Sequence[Document], sources: dict[str, int], now: datetime
) -> list[SaveOutcome]:
    """One look-up for the batch's sightings, one for its texts, one flush at the end."""
    sightings = {
        (s.source_id, s.identity): s
        for s in session.scalars(
            select(models.Sighting)
            .where(
                models.Sighting.source_id.in_(set(sources.values())),
                models.Sighting.identity.in_({d.identity for d in documents}),
            )
            .options(selectinload(models.Sighting.document))
        )
    }
    texts = {
        d.content_hash: d
        for d in session.scalars(
            select(models.Document).where(
                models.Document.content_hash.in_({d.content_hash for d in documents})
            )
        )
    }
    unseen, seen = _split_unseen(documents, sources, sightings, texts)
    outcomes = _insert_unseen(session, unseen, sources, now)
    decided: list[tuple[Document, str, models.Document]] = []
    for doc in seen:
        key = (sources[doc.source], doc.identity)
        kind, document = _place(session, doc, key, sightings, texts, now)
        decided.append((doc, kind, document))
    session.flush()
    outcomes.update(
        {(doc.source, doc.identity): SaveOutcome(doc.source, doc.identity, kind, d.id)
         for doc, kind, d in decided}
    )  # fmt: skip
    return [outcomes[(d.source, d.identity)] for d in documents]


def _split_unseen(
    documents: Sequence[Document],
    sources: dict[str, int],
    sightings: dict[tuple[int, str], models.Sighting],
    texts: dict[str, models.Document],
) -> tuple[list[Document], list[Document]]:
    """The documents whose sighting and text are both unknown (most of a first fetch),
    apart from the rest. The split changes no outcome: when a text or a sighting is
    shared across the two parts, or occurs twice, everything goes the one-by-one way."""
    unseen = [
        d
        for d in documents
        if (sources[d.source], d.identity) not in sightings and d.content_hash not in texts
    ]
    seen = [
        d
        for d in documents
        if (sources[d.source], d.identity) in sightings or d.content_hash in texts
    ]
    keys = {(d.source, d.identity) for d in documents}
    if len(keys) < len(documents) or {d.content_hash for d in unseen} & {
        d.content_hash for d in seen
    }:
        return [], list(documents)
    return unseen, seen


def _insert_unseen(
    session: Session, unseen: Sequence[Document], sources: dict[str, int], now: datetime
) -> dict[tuple[str, str], SaveOutcome]:
    """New texts and their sightings in two multi-row INSERTs: building an ORM object per
    row cost about as much as parsing the feed it came from."""
    if not unseen:
        return {}
    first: dict[str, Document] = {}
    for doc in unseen:
        first.setdefault(doc.content_hash, doc)
    documents, sightings = models.Document.__table__, models.Sighting.__table__
    # Matched back by content hash (unique): asking for the rows in parameter order makes
    # SQLite insert them one statement at a time.
    rows = session.execute(
        insert(documents).returning(documents.c.content_hash, documents.c.id),
        [{**_content(doc), "created_at": now} for doc in first.values()],
    )
    id_of: dict[str, int] = {content_hash: id_ for content_hash, id_ in rows}
    session.execute(
        insert(sightings),
        [_sighting_row(doc, sources[doc.source], id_of[doc.content_hash], now) for doc in unseen],
    )
    return {
        (doc.source, doc.identity): SaveOutcome(
            doc.source,
            doc.identity,
            "new" if first[doc.content_hash] is doc else "duplicate",
            id_of[doc.content_hash],
        )
        for doc in unseen
    }


def _place(
    session: Session,
    doc: Document,
    key: tuple[int, str],
    sightings: dict[tuple[int, str], models.Sighting],
    texts: dict[str, models.Document],
    now: datetime,
) -> tuple[str, models.Document]:
    """Where one document goes: its own row, or the row of the same text; with why."""
    sighting, same_text = sightings.get(key), texts.get(doc.content_hash)
    if sighting is not None:
        sighting.last_seen_at = now
        sighting.raw_hash, sighting.raw_text = doc.raw_hash, doc.raw_text
        old = sighting.document
        if old.content_hash == doc.content_hash:
            return "unchanged", old
        if same_text is not None:
            sighting.document = same_text
            _drop_if_orphan(session, old)
            return "duplicate", same_text
        if len(old.sightings) == 1:
            texts.pop(old.content_hash, None)
            _copy_content(old, doc)
            texts[doc.content_hash] = old
            return "updated", old
        new = texts[doc.content_hash] = _new_document(doc, now)
        session.add(new)
        sighting.document = new
        return "updated", new

    kind = "duplicate" if same_text is not None else "new"
    document = same_text or _new_document(doc, now)
    texts[doc.content_hash] = document
    row = _sighting_row(doc, key[0], None, now)
    del row["document_id"]
    sightings[key] = models.Sighting(document=document, **row)
    session.add_all([document, sightings[key]])
    return kind, document


def _new_document(doc: Document, now: datetime) -> models.Document:
    document = models.Document(created_at=now)
    _copy_content(document, doc)
    return document


def _copy_content(target: models.Document, doc: Document) -> None:
    for name, value in _content(doc).items():
        setattr(target, name, value)


def _content(doc: Document) -> dict[str, object]:
    """Every field of the record that is also a column of the documents table: a field
    added to both flows through without a change here."""
    row = {name: getattr(doc, name) for name in CONTENT_FIELDS}
    # Three fields are stored in another shape than the record keeps them in.
    row["minhash"] = doc.minhash or None
    row["minhash_version"] = doc.minhash_version if doc.minhash else None
    row["sections"] = ",".join(map(str, doc.sections))
    return row


def _sighting_row(
    doc: Document, source_id: int, document_id: int | None, now: datetime
) -> dict[str, object]:
    row = {name: getattr(doc, name) for name in SIGHTING_FIELDS}
    row.update(document_id=document_id, source_id=source_id, first_seen_at=doc.fetched_at,
               last_seen_at=now)  # fmt: skip
    return row


def _drop_if_orphan(session: Session, document: models.Document) -> None:
    session.flush()
    session.expire(document, ["sightings"])
    if not document.sightings:
        session.delete(document)


def publication_dates(session: Session) -> list[datetime]:
    """Every document's publication time, to find the weeks that have documents."""
    return [as_utc(d) for d in session.scalars(select(models.Document.published_at))]


def count_documents(session: Session) -> int:
    return session.scalar(select(func.count(models.Document.id))) or 0
