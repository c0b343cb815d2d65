"""Texts stored the way a run stores them (flows.pipeline.store_chunk: normalise, sign, save,
index bands, link near-duplicates), for the tests and benchmarks that measure quality."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from db import neardup
from db import sources as source_store
from db import stored_documents as stored_docs
from db.engine import session_scope
from db.migrate import upgrade
from flows.pipeline.linking import find_originals, index_bands
from flows.pipeline.store_chunk import Chunk, store_chunk
from flows.records import Document, Fetched, RawItem, SaveOutcome, StoredDocument


def store_items(
    database_url: str, source: str, items: Sequence[RawItem], zone: ZoneInfo, now: datetime
) -> list[StoredDocument]:
    """The items of one source stored through the production chunk, then every stored text."""
    upgrade(database_url)
    with session_scope(database_url) as session:
        source_store.sync_sources(session, [(source, "files", None)])
    chunk = Chunk(database_url, zone, now, {source: Fetched("ok", list(items))}, {source: 0})
    [report] = store_chunk(chunk).values()
    assert report.status == "ok", report
    with session_scope(database_url) as session:
        return stored_docs.documents_between(
            session, datetime(1900, 1, 1, tzinfo=UTC), now.replace(year=now.year + 1)
        )


def link_near_duplicates(
    session: Session, outcomes: Sequence[SaveOutcome], documents: Sequence[Document]
) -> dict[int, int]:
    """Index and link in one transaction the documents just saved: the two halves that
    store_chunk runs in two, for tests of the linking itself."""
    links = find_originals(session, index_bands(session, outcomes, documents))
    neardup.set_duplicate_of(session, links)
    return links
