"""A chunk of fetched sources parsed, normalised and stored in one go, in a worker process of
the pool: its work, the writes included, then runs beside the fetching, not behind it."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from db import documents as doc_store
from db import raw_texts
from db import sources as source_store
from db.engine import session_scope
from db.neardup import set_duplicate_of
from flows.dedupe.near import signed
from flows.normalise.documents import normalise_items
from flows.normalise.fingerprints import raw_hash
from flows.pipeline.linking import Indexed, find_originals, index_bands, joined
from flows.pipeline.source_runs import failed_run, named_error, run_of
from flows.records import (
    Document,
    Failure,
    Fetched,
    HttpResult,
    RawItem,
    SaveOutcome,
    SourceError,
    SourceReport,
)
from flows.sources.feeds import feed_items

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Chunk:
    """What a worker needs to store a chunk: feeds still to parse, or items already read,
    by source name, and each source's consecutive failures (for a parse that fails)."""

    database_url: str
    zone: ZoneInfo
    now: datetime
    fetched: dict[str, HttpResult | Fetched]
    consecutive_failures: dict[str, int]


def store_chunk(chunk: Chunk) -> dict[str, SourceReport]:
    """Parse, normalise and store the chunk's sources, their health with them in one
    transaction; then link the near-duplicates among the new texts. A report per source:
    whatever a source's input does, it fails that source (or that item) alone."""
    reports: dict[str, SourceReport] = {}
    runs: list[source_store.Run] = []
    read: dict[str, Fetched] = {}
    for name, got in chunk.fetched.items():
        try:
            read[name] = feed_items(name, got, chunk.now) if isinstance(got, HttpResult) else got
        except Exception as err:  # SourceError says why; anything else is named by type
            reason = str(err) if isinstance(err, SourceError) else f"{name}: {named_error(err)}"
            reports[name], run = failed_run(
                name, reason, chunk.consecutive_failures[name], chunk.now
            )
            runs.append(run)
    fresh, normalised = _normalise(chunk, read)
    with session_scope(chunk.database_url) as session:
        outcomes, indexed, refused = save_and_index(session, normalised, chunk.now)
        counts = Counter((saved.source, saved.outcome) for saved in outcomes)
        for name, f in read.items():
            failures = [*f.failures, *normalised.get(name, ([], []))[1], *refused.get(name, [])]
            stored = len(f.items) - len(fresh[name]) + sum(counts[name, k] for k in KINDS)
            status = "failed" if failures and not stored else "partial" if failures else "ok"
            saved = {kind: counts[name, kind] for kind in ("new", "updated", "duplicate")}
            reports[name] = SourceReport(name, status, unchanged=len(f.items) - len(fresh[name]),
                                         failures=tuple(failures), **saved)  # fmt: skip
            runs.append(run_of(reports[name], etag=f.etag, last_modified=f.last_modified,
                               moved_to=f.moved_to))  # fmt: skip
        source_store.record_runs(session, runs, chunk.now)
    _link(chunk.database_url, indexed)
    return reports


KINDS = ("new", "updated", "duplicate", "unchanged")


def _link(database_url: str, indexed: Indexed) -> None:
    """Looked up once the new keys are stored, by a read that takes no write lock: two
    chunks stored side by side find each other's texts. The texts are stored by now: a
    look-up that fails leaves them unlinked (logged), never lost."""
    try:
        with session_scope(database_url, read_only=True) as session:
            links = find_originals(session, indexed)
        if links:
            with session_scope(database_url) as session:
                set_duplicate_of(session, links)
    except Exception as err:  # the link is an extra; the texts and statuses are stored
        log.warning("near-duplicates of %d new texts not linked: %s", len(indexed.ids),
                    named_error(err))  # fmt: skip


def save_and_index(
    session: Session, normalised: Mapping[str, tuple[list[Document], list[Failure]]],
    now: datetime,
) -> tuple[list[SaveOutcome], Indexed, dict[str, list[Failure]]]:  # fmt: skip
    """Store the documents and their band keys, all in one go; when that fails, one by one,
    each in a savepoint of its own: a document that cannot be stored fails alone, with
    why, by source, and the rest are kept."""
    documents = [d for docs, _ in normalised.values() for d in docs]
    try:
        with session.begin_nested():
            outcomes = doc_store.save_documents(session, documents, now)
            return outcomes, index_bands(session, outcomes, documents), {}
    except Exception as err:  # which document it was, the one-by-one pass finds out
        log.warning("a batch of %d texts could not be stored whole (%s): one by one",
                    len(documents), named_error(err))  # fmt: skip
    outcomes, parts, refused = [], [], defaultdict(list)
    for doc in documents:
        try:
            with session.begin_nested():
                saved = doc_store.save_documents(session, [doc], now)
                parts.append(index_bands(session, saved, [doc]))
        except Exception as err:  # this document alone
            reason = f"could not be stored: {named_error(err)}"
            refused[doc.source].append(Failure(doc.source, doc.identity, reason))
        else:
            outcomes += saved
    return outcomes, joined(parts), dict(refused)


def _normalise(
    chunk: Chunk, read: dict[str, Fetched]
) -> tuple[dict[str, list[RawItem]], dict[str, tuple[list[Document], list[Failure]]]]:
    """Items whose bytes did not change since the last fetch are not normalised again; the
    rest are, against what each publisher's earlier texts teach of its boilerplate."""
    with session_scope(chunk.database_url, read_only=True) as session:
        known = raw_texts.known_raw_hashes_of(session, read)
        fresh = {
            name: [i for i in f.items if known[name].get(i.identity) != raw_hash(i.body)]
            for name, f in read.items()
        }
        publishers = {i.publisher for items in fresh.values() for i in items if i.publisher}
        learned = raw_texts.learning_texts(session, publishers)
    normalised = {}
    for name, items in fresh.items():
        if items:
            mine = {p: learned[p] for p in {i.publisher for i in items} if p in learned}
            try:
                normalised[name] = normalise_and_sign(items, mine, chunk.zone)
            except Exception as err:  # a step's bug met on one source: its items fail
                reason = f"could not be normalised: {named_error(err)}"
                normalised[name] = ([], [Failure(name, i.identity, reason) for i in items])
    return fresh, normalised


def normalise_and_sign(
    items: Sequence[RawItem], learned: Mapping[str, Sequence[str]], zone: ZoneInfo
) -> tuple[list[Document], list[Failure]]:
    """Normalise the items into documents, each signed for the near-duplicate look-ups."""
    documents, failures = normalise_items(items, learned, zone)
    return signed(documents), failures
