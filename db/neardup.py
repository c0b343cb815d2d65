"""Near-duplicate look-ups in the store: band keys per document, candidates sharing a key,
and the link from a copy to the document it copies."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Connection,
    Integer,
    any_,
    bindparam,
    delete,
    select,
    update,
)
from sqlalchemy.orm import Session

from db import models


@dataclass(frozen=True)
class StoredSignature:
    """A stored document's signature, the document it copies, if any, and whether it is a
    newsletter (it has items)."""

    id: int
    minhash: bytes
    duplicate_of: int | None
    newsletter: bool = False


def signatures(session: Session, document_ids: Iterable[int]) -> list[StoredSignature]:
    """The stored signatures of these documents (those that have one)."""
    document = models.Document
    rows = session.execute(
        select(document.id, document.minhash, document.duplicate_of, document.sections).where(
            document.id.in_(set(document_ids)), document.minhash.is_not(None)
        )
    )
    return [StoredSignature(i, bytes(m), d, bool(s)) for i, m, d, s in rows]


def outdated_signatures(session: Session, version: int, limit: int) -> list[tuple[int, str]]:
    """(id, text) of up to `limit` documents, by id, whose signature is missing or of a
    format other than `version`."""
    document = models.Document
    rows = session.execute(
        select(document.id, document.text)
        .where(document.minhash_version.is_(None) | (document.minhash_version != version))
        .order_by(document.id)
        .limit(limit)
    )
    return [(i, text) for i, text in rows]


def set_signatures(session: Session, signatures: Mapping[int, bytes], version: int) -> None:
    """Store each document's new signature, of format `version`, in one bulk update by id."""
    if signatures:
        session.execute(
            update(models.Document),
            [
                {"id": i, "minhash": blob, "minhash_version": version}
                for i, blob in signatures.items()
            ],
        )


def replace_bands(
    session: Session, rows: Sequence[Sequence[int]], replacing: Collection[int] = ()
) -> None:
    """Store (band key, document id) rows, best in key order; the documents of `replacing`
    (texts that changed) first lose the keys they had."""
    if replacing:
        session.execute(
            delete(models.NearDupBand).where(models.NearDupBand.document_id.in_(set(replacing)))
        )
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name == "sqlite":  # the driver's executemany, without the ORM's work
        connection.exec_driver_sql("INSERT INTO neardup_bands (key, document_id) VALUES (?, ?)",
                                   list(rows))  # fmt: skip
    else:
        session.execute(
            models.NearDupBand.__table__.insert(),
            [{"key": k, "document_id": d} for k, d in rows],
        )


def band_members(
    session: Session, keys: Iterable[int], exclude: Iterable[int] = ()
) -> dict[int, set[int]]:
    """key -> ids of the stored documents having it, but for those of `exclude` (the texts
    the keys came from), for a whole batch at once."""
    wanted, unwanted = sorted(set(keys)), sorted(set(exclude))
    members: dict[int, set[int]] = {}
    if wanted:
        for key, document_id in _holders(session.connection(), wanted, unwanted):
            members.setdefault(key, set()).add(document_id)
    return members


def _holders(
    connection: Connection, keys: list[int], exclude: list[int]
) -> Iterable[tuple[int, int]]:
    """(key, document id) rows for these keys, the lists passed as one parameter each: as
    bound values one by one, SQLAlchemy's work on each was most of the look-up's time, and
    SQLite caps how many a statement takes."""
    if connection.dialect.name == "sqlite":
        sql = (
            "SELECT key, document_id FROM neardup_bands"
            " WHERE key IN (SELECT value FROM json_each(?))"
            " AND document_id NOT IN (SELECT value FROM json_each(?))"
        )
        return connection.exec_driver_sql(sql, (json.dumps(keys), json.dumps(exclude)))
    band = models.NearDupBand
    return connection.execute(
        select(band.key, band.document_id).where(
            band.key == any_(bindparam("keys", keys, type_=ARRAY(BigInteger))),
            ~(band.document_id == any_(bindparam("ids", exclude, type_=ARRAY(Integer)))),
        )
    )


def set_duplicate_of(session: Session, links: Mapping[int, int | None]) -> None:
    """Record (or clear) the document each copy copies, in one bulk update by id."""
    if links:
        session.execute(
            update(models.Document),
            [{"id": d, "duplicate_of": original} for d, original in links.items()],
        )
