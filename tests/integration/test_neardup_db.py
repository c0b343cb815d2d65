"""Near-duplicates in the store, on SQLite and PostgreSQL: band keys, candidate look-ups,
links from copies to originals, and a week read back with every copy folded in."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from db import documents as doc_store
from db import neardup as near_store
from db import sources as source_store
from db import stored_documents as stored_docs
from db.engine import session_scope
from db.migrate import upgrade
from flows.dedupe.near import band_keys, collapse, from_bytes, signature_of
from flows.normalise.fingerprints import content_hash
from flows.records import Document
from flows.stories.build import build_stories
from tests.support.pipeline import link_near_duplicates
from tests.unit.test_neardup import OTHER, STORY, THIRD, rewrite

NOW = datetime(2025, 10, 28, 8, 0, tzinfo=UTC)


def document(identity: str, text: str, source: str = "wire", **changes: object) -> Document:
    doc = Document(
        source=source, identity=identity, publisher=source.title(), title=f"On {identity}",
        text=text, content_hash=content_hash(text),
        published_at=datetime(2025, 10, 27, 12, tzinfo=UTC), date_how="feed",
        date_evidence="given by the source", fetched_at=NOW, raw_hash=f"raw-{identity}",
        raw_text=text, minhash=signature_of(text),
    )  # fmt: skip
    return replace(doc, **changes)


@pytest.fixture
def store(database_url: str) -> str:
    upgrade(database_url)
    with session_scope(database_url) as session:
        source_store.sync_sources(session, [("wire", "feed", None), ("herald", "feed", None)])
    return database_url


def save_and_link(url: str, *docs: Document) -> dict[int, int]:
    with session_scope(url) as session:
        return link_near_duplicates(session, doc_store.save_documents(session, docs, NOW), docs)


def week(url: str) -> list:  # type: ignore[type-arg]
    with session_scope(url) as session:
        return stored_docs.documents_between(session, NOW - timedelta(days=7), NOW)


def test_a_copy_stored_later_links_to_the_original(store: str) -> None:
    assert save_and_link(store, document("a", STORY), document("b", OTHER)) == {}
    linked = save_and_link(store, document("c", rewrite(STORY, 12), source="herald"))
    stored = {d.sightings[0].identity: d for d in week(store)}
    assert linked == {stored["c"].id: stored["a"].id}
    assert stored["c"].duplicate_of == stored["a"].id
    folded = collapse(week(store))
    assert sorted(len(d.sightings) for d in folded) == [1, 2]  # one document, both sources
    story = next(s for s in build_stories(week(store)) if len(s.sources) == 2)
    assert {s.identity for s in story.sources} == {"a", "c"}


def test_copies_in_one_batch_link_to_the_first_stored(store: str) -> None:
    linked = save_and_link(
        store, document("a", STORY), document("b", STORY + " Share this story."),
        document("c", "Reporting by the wire. " + STORY, source="herald"),
    )  # fmt: skip
    stored = {d.sightings[0].identity: d.id for d in week(store)}
    assert linked == {stored["b"]: stored["a"], stored["c"]: stored["a"]}


def test_a_teaser_stored_first_becomes_the_copy_of_its_article(store: str) -> None:
    """Headline and lead stored on Monday, the article they were cut from on Tuesday: the
    article is not a copy of the teaser, the teaser is one of the article."""
    assert save_and_link(store, document("teaser", STORY[: len(STORY) // 2])) == {}
    article = "\n\n".join((STORY, OTHER, THIRD))
    linked = save_and_link(store, document("article", article, source="herald"))
    stored = {d.sightings[0].identity: d for d in week(store)}
    assert linked == {stored["teaser"].id: stored["article"].id}
    [folded] = collapse(week(store))
    assert folded.text == article
    assert {s.identity for s in folded.sightings} == {"teaser", "article"}


def test_a_newsletter_quoting_a_story_is_not_folded_with_it(store: str) -> None:
    save_and_link(store, document("story", STORY))
    newsletter = document("issue", f"{STORY}\n\n{THIRD}", source="herald", sections=(0, 1))
    assert save_and_link(store, newsletter) == {}
    assert all(d.duplicate_of is None for d in week(store))


def test_band_members_are_the_stored_texts_sharing_a_key(store: str) -> None:
    save_and_link(store, document("a", STORY), document("b", OTHER))
    ids = {d.sightings[0].identity: d.id for d in week(store)}
    keys = band_keys(from_bytes(signature_of(STORY + " More.")))[0].tolist()
    with session_scope(store) as session:
        members = near_store.band_members(session, keys)
        assert set().union(*members.values()) == {ids["a"]}
        assert near_store.band_members(session, keys, exclude=[ids["a"]]) == {}
        assert near_store.band_members(session, []) == {}
        [found] = near_store.signatures(session, [ids["a"]])
        assert found.minhash == signature_of(STORY)


def test_a_changed_text_is_indexed_again_and_unlinked(store: str) -> None:
    save_and_link(store, document("a", STORY))
    save_and_link(store, document("c", STORY + " Extra.", source="herald"))
    # The herald replaces its copy with a text of its own: the link goes, the keys follow.
    save_and_link(store, replace(document("c", OTHER, source="herald"), raw_hash="raw-c2"))
    stored = {d.sightings[0].identity: d for d in week(store)}
    assert stored["c"].duplicate_of is None
    keys = band_keys(from_bytes(signature_of(OTHER)))[0].tolist()
    with session_scope(store) as session:
        members = near_store.band_members(session, keys)
        assert set().union(*members.values()) == {stored["c"].id}


def test_documents_without_a_signature_are_left_alone(store: str) -> None:
    assert save_and_link(store, replace(document("a", STORY), minhash=b"")) == {}
    with session_scope(store) as session:
        assert near_store.signatures(session, [d.id for d in week(store)]) == []
