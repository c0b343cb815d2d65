"""Stored documents read back as records, each with every source that carried it."""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from threading import Lock

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
_COLUMNS = (_DOCUMENT.id, _DOCUMENT.content_hash, _DOCUMENT.title, _DOCUMENT.publisher,
            _DOCUMENT.url, _DOCUMENT.published_at, _DOCUMENT.date_how, _DOCUMENT.duplicate_of,
            _DOCUMENT.sections)  # fmt: skip
# Texts read before, by document id and content hash (a row's text changes only with its
# hash): a backfill reads each week's texts again for each of the four weeks after it that
# link to it, and a text is most of a document's bytes. Kept up to TEXT_BYTES, oldest out.
TEXT_BYTES = 32 * 1024 * 1024
_texts: OrderedDict[tuple[int, str], str] = OrderedDict()
_texts_size = 0
_texts_lock = Lock()


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
    ).all()
    texts = _texts_of(session, which, [(row.id, row.content_hash) for row in rows])
    return [
        StoredDocument(
            id=id_,
            title=title,
            text=texts[id_],
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
        for id_, _, title, publisher, url, published_at, date_how, duplicate_of, sections in rows
    ]


def _texts_of(
    session: Session, which: ColumnElement[bool], keys: Sequence[tuple[int, str]]
) -> dict[int, str]:
    """The text of each (id, content hash), read only for those not read before."""
    global _texts_size
    with _texts_lock:
        known = [k for k in keys if k in _texts]
        for k in known:
            _texts.move_to_end(k)
        texts = {k[0]: _texts[k] for k in known}
    missing = [id_ for id_, _ in keys if id_ not in texts]
    if not missing:
        return texts
    query = select(_DOCUMENT.id, _DOCUMENT.content_hash, _DOCUMENT.text)
    # None read before: the same selection again, rather than a list of every id.
    chunks = [which] if len(missing) == len(keys) else [
        _DOCUMENT.id.in_(missing[i : i + 500]) for i in range(0, len(missing), 500)
    ]  # fmt: skip
    read = [row for chunk in chunks for row in session.execute(query.where(chunk))]
    with _texts_lock:
        for id_, content_hash, text in read:
            texts[id_] = text
            if (id_, content_hash) not in _texts:
                _texts[(id_, content_hash)] = text
                _texts_size += len(text)
        while _texts_size > TEXT_BYTES and _texts:
            _texts_size -= len(_texts.popitem(last=False)[1])
    return texts


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
