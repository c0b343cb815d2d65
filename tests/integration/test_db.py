"""The store, on SQLite and PostgreSQL: migrations, exact deduplication, updates, the ledger."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect

from db import digests as digest_store
from db import documents as doc_store
from db import raw_texts
from db import sources as source_store
from db import stored_documents as stored_docs
from db.engine import engine_for, session_scope
from db.migrate import current_revision, downgrade, head_revision, upgrade
from flows.normalise.fingerprints import content_hash
from flows.records import Document, RenderedDigest, Story

NOW = datetime(2025, 10, 27, 8, 0, tzinfo=UTC)


def document(identity: str, text: str, source: str = "files", **changes: object) -> Document:
    doc = Document(
        source=source,
        identity=identity,
        publisher="Focus",
        title=f"Title of {identity}",
        text=text,
        content_hash=content_hash(text),
        published_at=datetime(2025, 10, 24, 12, tzinfo=UTC),
        date_how="metadata",
        date_evidence="given by the source",
        fetched_at=NOW,
        raw_hash=f"raw-{identity}-{text[:10]}",
        raw_text=text,
    )
    return replace(doc, **changes)


@pytest.fixture
def store(database_url: str) -> str:
    upgrade(database_url)
    with session_scope(database_url) as session:
        source_store.sync_sources(
            session, [("files", "files", "/seeds"), ("other", "files", "/other")]
        )
    return database_url


def save(url: str, *docs: Document) -> list[str]:
    with session_scope(url) as session:
        return [o.outcome for o in doc_store.save_documents(session, docs, NOW)]


def test_migrations_go_up_and_down(database_url: str) -> None:
    upgrade(database_url)
    assert current_revision(database_url) == head_revision()
    tables = set(inspect(engine_for(database_url)).get_table_names())
    assert {"sources", "documents", "sightings", "stories", "digests", "deliveries"} <= tables
    downgrade(database_url, "base")
    assert current_revision(database_url) is None
    assert "documents" not in inspect(engine_for(database_url)).get_table_names()
    upgrade(database_url)
    assert current_revision(database_url) == head_revision()


def test_the_same_text_from_two_sources_is_one_document_with_both(store: str) -> None:
    assert save(store, document("a.txt", "Talks began in Kuala Lumpur.")) == ["new"]
    assert save(store, document("b.txt", "Talks  began in kuala lumpur!", source="other")) == [
        "duplicate"
    ]
    with session_scope(store) as session:
        docs = stored_docs.documents_between(session, NOW - timedelta(days=7), NOW)
    assert len(docs) == 1
    assert {(s.source, s.identity) for s in docs[0].sightings} == {
        ("files", "a.txt"),
        ("other", "b.txt"),
    }


def test_saving_again_stores_nothing_twice(store: str) -> None:
    docs = [document("a.txt", "First text here."), document("b.txt", "Second text here.")]
    assert save(store, *docs) == ["new", "new"]
    assert save(store, *docs) == ["unchanged", "unchanged"]
    with session_scope(store) as session:
        assert doc_store.count_documents(session) == 2
        assert raw_texts.known_raw_hashes(session, "files") == {
            "a.txt": docs[0].raw_hash,
            "b.txt": docs[1].raw_hash,
        }


def test_an_item_whose_text_changed_is_updated_not_duplicated(store: str) -> None:
    save(store, document("a.txt", "The first version."))
    assert save(store, document("a.txt", "The second version.")) == ["updated"]
    with session_scope(store) as session:
        docs = stored_docs.documents_between(session, NOW - timedelta(days=7), NOW)
    assert [d.text for d in docs] == ["The second version."]


def test_texts_read_before_are_read_again_once_they_change(
    store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The texts a process read are kept by id and content hash: a changed text, a new
    document beside known ones, and texts past the budget are all read from the database."""
    week = (NOW - timedelta(days=7), NOW)
    save(store, document("a.txt", "The first version."))

    def texts() -> list[str]:
        with session_scope(store, read_only=True) as session:
            between = stored_docs.documents_between(session, *week)
            by_id = stored_docs.documents_with_ids(session, [d.id for d in between], False)
        assert [d.text for d in by_id] == [d.text for d in between]
        return [d.text for d in between]

    assert texts() == ["The first version."]
    save(store, document("a.txt", "The second version."), document("b.txt", "Another one."))
    assert sorted(texts()) == ["Another one.", "The second version."]
    monkeypatch.setattr(stored_docs, "TEXT_BYTES", 5)  # every text evicted once read
    save(store, document("c.txt", "A third one."))
    assert sorted(texts()) == ["A third one.", "Another one.", "The second version."]
    assert sorted(texts()) == ["A third one.", "Another one.", "The second version."]


def test_the_week_holds_only_its_documents(store: str) -> None:
    save(
        store,
        document("in.txt", "Inside the week."),
        document("out.txt", "After the week.", published_at=NOW + timedelta(days=1)),
    )
    with session_scope(store) as session:
        docs = stored_docs.documents_between(session, NOW - timedelta(days=7), NOW)
        dates = doc_store.publication_dates(session)
    assert [d.sightings[0].identity for d in docs] == ["in.txt"]
    assert len(dates) == 2
    assert all(d.tzinfo is not None for d in [*dates, docs[0].published_at])


def test_source_health_counts_failures_and_resets_on_success(store: str) -> None:
    with session_scope(store) as session:
        source_store.record_run(session, "files", "failed", "folder missing", {}, NOW)
        source_store.record_run(session, "files", "failed", "folder missing", {}, NOW)
    with session_scope(store) as session:
        health = {s.name: s for s in source_store.list_sources(session)}
    assert health["files"].consecutive_failures == 2
    assert health["files"].last_error == "folder missing"
    with session_scope(store) as session:
        source_store.record_run(session, "files", "ok", None, {"new": 3}, NOW)
        health = {s.name: s for s in source_store.list_sources(session)}
    assert health["files"].consecutive_failures == 0
    assert health["files"].counts == {"new": 3}


def test_a_moved_or_disabled_feed_stays_so_until_the_config_names_another_address(
    store: str,
) -> None:
    def health() -> dict[str, object]:
        with session_scope(store) as session:
            return {s.name: s for s in source_store.list_sources(session)}

    config = [("feed", "feed", "http://old.example/rss"), ("files", "files", "/seeds")]
    with session_scope(store) as session:
        source_store.sync_sources(session, config)
        source_store.record_run(session, "feed", "ok", None, {}, NOW, etag='"e1"',
                                moved_to="http://new.example/rss")  # fmt: skip
        source_store.record_run(session, "files", "failed", "gone", {}, NOW, disable=True)
    with session_scope(store) as session:
        source_store.sync_sources(session, config)  # the same config again: nothing changes
    before = health()
    assert before["feed"].location == "http://new.example/rss" and before["feed"].etag == '"e1"'
    assert before["files"].disabled and before["files"].consecutive_failures == 1
    with session_scope(store) as session:
        source_store.sync_sources(session, [("files", "files", "/moved-seeds"), *config[:1]])
    after = health()
    assert after["files"].location == "/moved-seeds" and not after["files"].disabled
    assert after["feed"].location == "http://new.example/rss"


def test_the_ledger_keeps_one_line_per_digest_and_recipient(store: str) -> None:
    save(store, document("a.txt", "A story."))
    with session_scope(store) as session:
        [doc] = stored_docs.documents_between(session, NOW - timedelta(days=7), NOW)
    story = Story("k1", doc.title, None, "A story.", doc.published_at, (doc,))
    rendered = RenderedDigest("2025-W43", "Subject", "<p>html</p>", "text", "pre")
    with session_scope(store) as session:
        digest_id = digest_store.save_week(session, "2025-W43", [story], rendered, "h1", 1, NOW)
        again = digest_store.save_week(session, "2025-W43", [story], rendered, "h1", 1, NOW)
        assert again == digest_id
        for state in ("sending", "sent"):
            digest_store.set_delivery(
                session, digest_id, "r@example.org", state=state, transport="outbox",
                message_id="<m@x>", now=NOW,
            )  # fmt: skip
    with session_scope(store) as session:
        [line] = digest_store.deliveries_for_week(session, "2025-W43")
    assert (line.state, line.attempts, line.week) == ("sent", 1, "2025-W43")


def test_a_story_holds_the_documents_folded_into_it_through_their_sightings(store: str) -> None:
    """A near-duplicate copy folded into its original brings its sightings along; the
    stored story holds the copy too, so a sent digest holds every document it showed."""
    from db.late import held_by

    save(store, document("a.txt", "The original story."),
         document("b.txt", "A lightly edited copy.", source="other"))  # fmt: skip
    with session_scope(store) as session:
        original, copy = stored_docs.documents_between(session, NOW - timedelta(days=7), NOW)
    folded = replace(original, sightings=original.sightings + copy.sightings)
    story = Story("k1", original.title, None, "x", original.published_at, (folded,))
    rendered = RenderedDigest("2025-W43", "Subject", "<p>html</p>", "text", "pre")
    with session_scope(store) as session:
        digest_store.save_week(session, "2025-W43", [story], rendered, "h1", 2, NOW)
    with session_scope(store) as session:
        assert sorted(held_by(session, "2025-W43")) == sorted([original.id, copy.id])
