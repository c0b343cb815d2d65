"""Near-duplicate look-ups in the store: band keys per document, candidates sharing a key,
and the link from a copy to the document it copies."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from db import models


@dataclass(frozen=True)
class Indexed:
    """A stored document's signature and the document it copies, if any."""

    id: int
    minhash: bytes
    duplicate_of: int | None


def signatures(session: Session, document_ids: Iterable[int]) -> list[Indexed]:
    """The stored signatures of these documents (those that have one)."""
    rows = session.execute(
        select(models.Document.id, models.Document.minhash, models.Document.duplicate_of).where(
            models.Document.id.in_(set(document_ids)), models.Document.minhash.is_not(None)
        )
    )
    return [Indexed(i, bytes(m), d) for i, m, d in rows]


def replace_bands(
    session: Session, keys: Mapping[int, Sequence[int]], replacing: Collection[int] = ()
) -> None:
    """Store each document's band keys; those of `replacing` (texts that changed) first lose
    the keys they had."""
    if not keys:
        return
    if replacing:
        session.execute(
            delete(models.NearDupBand).where(models.NearDupBand.document_id.in_(set(replacing)))
        )
    session.execute(
        models.NearDupBand.__table__.insert(),
        [{"key": k, "document_id": d} for d, ks in keys.items() for k in set(ks)],
    )


def band_members(session: Session, keys: Iterable[int], chunk: int = 5000) -> dict[int, set[int]]:
    """key -> ids of the stored documents having it, for a whole batch at once (in chunks
    under the databases' limits on bound parameters)."""
    wanted = sorted(set(keys))
    members: dict[int, set[int]] = {}
    for first in range(0, len(wanted), chunk):
        rows = session.execute(
            select(models.NearDupBand.key, models.NearDupBand.document_id).where(
                models.NearDupBand.key.in_(wanted[first : first + chunk])
            )
        )
        for key, document_id in rows:
            members.setdefault(key, set()).add(document_id)
    return members


def candidates(session: Session, keys: Sequence[int], exclude: Iterable[int]) -> list[Indexed]:
    """Stored documents sharing at least one band key, with their signatures."""
    if not keys:
        return []
    ids = (
        select(models.NearDupBand.document_id)
        .where(models.NearDupBand.key.in_(set(keys)))
        .where(models.NearDupBand.document_id.not_in(set(exclude)))
        .distinct()
    )
    rows = session.execute(
        select(models.Document.id, models.Document.minhash, models.Document.duplicate_of).where(
            models.Document.id.in_(ids), models.Document.minhash.is_not(None)
        )
    )
    return [Indexed(i, bytes(m), d) for i, m, d in rows]


def set_duplicate_of(session: Session, links: Mapping[int, int | None]) -> None:
    """Record (or clear) the document each copy copies, in one bulk update by id."""
    if links:
        session.execute(
            update(models.Document),
            [{"id": d, "duplicate_of": original} for d, original in links.items()],
        )
