"""Hostile input, tested the way it failed (issue 14): each trigger the testers found, fed
through the real ingest (a loopback feed server, a folder of files, a folder of .eml, the
Prefect flow) on SQLite and PostgreSQL. Every input ends stored or failed with its reason,
the good items beside it are stored, the run ends normally and the week's digest builds."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from db import models
from db import sources as source_store
from db.engine import session_scope
from db.migrate import upgrade
from flows.orchestration.ingest_flow import ingest_flow
from flows.pipeline.linking import band_rows
from flows.pipeline.preview import preview_week
from flows.pipeline.store_chunk import save_and_index
from flows.records import Document, SourceReport
from flows.settings import load_settings
from tests.conftest import write_config
from tests.support.feed_server import FeedServer, Route, feed_server, rss

pytestmark = pytest.mark.usefixtures("prefect_harness")

WEEK = "2026-W04"  # 19-25 January 2026: every dated input below falls in it
THREE_WORDS = "Some removed text."
GOOD_TEXT = "The harbour bridge opened to traffic on {} after four years of work by the city."
LONG_GUID = "tag:long," + "g" * 600
LONG_TITLE = "Harbour " * 40  # 320 characters: the publisher column holds 200

THREE_WORD_FEED = rss("Harbour News", [
    {"title": "Removed", "guid": "tag:h,removed", "pubDate": "Wed, 21 Jan 2026 09:00:00 GMT",
     "description": THREE_WORDS},
    {"title": "Bridge opens", "guid": "tag:h,bridge", "pubDate": "Wed, 21 Jan 2026 10:00:00 GMT",
     "description": GOOD_TEXT.format("Wednesday")},
])  # fmt: skip
NUMBERS_FEED = json.dumps({
    "version": "https://jsonfeed.org/version/1.1", "title": "Rail Weekly",
    "items": [
        {"id": "numbers", "title": 12345, "url": 42, "date_published": 20260121,
         "content_text": "Night trains between the two capitals return in December."},
        {"id": "list-content", "title": "Lists", "content_html": ["<p>one</p>", 2]},
        {"id": "good", "title": "Freight grows", "date_published": "2026-01-22T08:00:00Z",
         "content_text": "Freight on the northern line grew by a tenth in the last quarter."},
        7,
    ],
}).encode()  # fmt: skip
LIMITS_FEED = (
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
    f"<title>{LONG_TITLE}</title><link>https://limits.example/</link><description>d</description>"
    f"<item><title>Long guid</title><guid>{LONG_GUID}</guid>"
    "<pubDate>Thu, 22 Jan 2026 09:00:00 GMT</pubDate>"
    "<description>A ferry with a very long identity crossed the harbour on Thursday.</description>"
    "</item>"
    "<item><title>Bidi \u202eevil\u202c title</title><guid>tag:l,bidi\u2066x\u2069</guid>"
    "<pubDate>Thu, 22 Jan 2026 10:00:00 GMT</pubDate>"
    "<description>A bakery in the old town won the regional bread prize on Thursday.</description>"
    "</item></channel></rss>"
).encode()
NUL_FEED = json.dumps({
    "version": "https://jsonfeed.org/version/1", "title": "Nul\u0000 Times\u2028",
    "items": [
        {"id": "nul\u0000guid", "title": "A\u0000title", "date_published": "2026-01-23T08:00:00Z",
         "content_text": "Divers found an old anchor in the bay\u0000 on Friday morning, early."},
    ],
}).encode()  # fmt: skip


def mail(message_id: str, subject: str, body: bytes, charset: str = "utf-8") -> bytes:
    return (
        f"From: Harbour Letter <letter@harbour.example>\r\nTo: me@example.org\r\n"
        f"Subject: {subject}\r\nMessage-ID: {message_id}\r\n"
        "Date: Tue, 20 Jan 2026 07:00:00 +0000\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: text/plain; charset="{charset}"\r\n'
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode() + body


MAILS = {
    "charset.eml": mail("<charset@x>", "Unknown charset", "Café owners in Zürich protested "
                        "the new rent rules on Tuesday.".encode("latin-1"), "x-no-such-charset"),
    "brackets.eml": mail("<[/]@x>", "Odd id", b"Swimmers crossed the lake on Tuesday for charity."),
    "three.eml": mail("<three@x>", "Three words", THREE_WORDS.encode()),
    "good.eml": mail("<good@x>", "Good letter", b"The town council voted to keep the library "
                     b"open on Sundays, after a petition."),
}  # fmt: skip
FILES = {
    "removed.txt": THREE_WORDS.encode(),
    "good.txt": GOOD_TEXT.format("Monday").encode(),
    "bidi.md": "# Market \u202eday\u202c\n\nThe farmers' market moves to the square on "
    "Monday.\x07".encode(),
    "nul.txt": b"binary\x00junk" * 10,
    "empty.txt": b"",
}
METADATA = """["good.txt"]\npublished = 2026-01-19\ntitle = 12345\n
["removed.txt"]\npublished = 2026-01-19\n["bidi.md"]\npublished = 2026-01-19\n"""


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with feed_server() as running:
        running.add("/three.xml", Route(THREE_WORD_FEED))
        running.add("/numbers.json", Route(NUMBERS_FEED, content_type="application/feed+json"))
        running.add("/limits.xml", Route(LIMITS_FEED))
        running.add("/nul.json", Route(NUL_FEED, content_type="application/feed+json"))
        yield running


def hostile_sources(tmp_path: Path, server: FeedServer) -> list[dict[str, object]]:
    files, mails = tmp_path / "files", tmp_path / "mails"
    files.mkdir()
    mails.mkdir()
    for name, body in FILES.items():
        (files / name).write_bytes(body)
    (files / "metadata.toml").write_text(METADATA, encoding="utf-8")
    for name, body in MAILS.items():
        (mails / name).write_bytes(body)
    feeds = [{"name": n, "kind": "feed", "url": server.url(f"/{n}.{ext}")}
             for n, ext in (("three", "xml"), ("numbers", "json"), ("limits", "xml"),
                            ("nul", "json"))]  # fmt: skip
    return [*feeds, {"name": "files", "kind": "files", "path": str(files)},
            {"name": "mails", "kind": "mailbox", "path": str(mails)}]  # fmt: skip


def stored_identities(database_url: str) -> dict[str, set[str]]:
    with session_scope(database_url) as session:
        rows = session.execute(select(models.Source.name, models.Sighting.identity)
                               .join(models.Sighting.source))  # fmt: skip
        found: dict[str, set[str]] = {}
        for name, identity in rows:
            found.setdefault(name, set()).add(identity)
    return found


def failed_identities(reports: dict[str, SourceReport]) -> dict[str, dict[str, str]]:
    return {n: {f.identity: f.reason for f in r.failures} for n, r in reports.items()}


def test_every_hostile_input_ends_stored_or_failed_with_its_reason(
    database_url: str, tmp_path: Path, server: FeedServer
) -> None:
    config = str(write_config(tmp_path, database_url, None, hostile_sources(tmp_path, server)))
    reports = {r.source: r for r in ingest_flow(config=config)}  # the run ends normally
    assert {n: r.status for n, r in reports.items()} == {
        "three": "ok", "numbers": "partial", "limits": "ok", "nul": "ok",
        "files": "partial", "mails": "ok",
    }  # fmt: skip
    stored, failed = stored_identities(database_url), failed_identities(reports)
    # Trigger 1: three words, in a feed entry, a file and a mail, beside good items.
    assert {"tag:h,removed", "tag:h,bridge"} <= stored["three"]
    assert {"removed.txt", "good.txt", "bidi.md"} <= stored["files"]
    assert {"<three@x>", "<good@x>"} <= stored["mails"]
    # Trigger 2: numbers where text belongs are read as text; content of a list is refused.
    assert {"numbers", "good"} <= stored["numbers"]
    assert "content_html is a list" in failed["numbers"]["list-content"]
    assert "not an object" in failed["numbers"]["item 4"]
    # Trigger 3: an unknown charset and a Message-ID the email package cannot parse.
    assert {"<charset@x>", "<[/]@x>"} <= stored["mails"]
    # Trigger 4: lengths and characters no column takes, made safe where they entered.
    [long_guid] = [i for i in stored["limits"] if i.startswith("tag:long,")]
    assert len(long_guid) <= 500 and "sha256:" in long_guid
    assert "tag:l,bidix" in stored["limits"] and "nulguid" in stored["nul"]
    assert failed["files"] == {"nul.txt": "binary content, not text", "empty.txt": "empty file"}
    with session_scope(database_url) as session:
        document = models.Document
        texts = [" ".join(r) for r in session.execute(
            select(document.title, document.text, document.publisher))]  # fmt: skip
        publishers = set(session.scalars(select(models.Document.publisher)))
        health = {s.name: s for s in source_store.list_sources(session)}
    assert not any(c in t for t in texts for c in "\x00\x07\u202e\u202c\u2066\u2069\u2028")
    assert max(len(p) for p in publishers) <= 200
    assert any("Café owners in Zürich" in t for t in texts)
    assert {n: h.last_status for n, h in health.items()} == {
        n: r.status for n, r in reports.items()
    }
    assert "list-content" in health["numbers"].last_error
    # Every later run goes the same way, and the week's digest builds.
    again = {r.source: r.status for r in ingest_flow(config=config)}
    assert set(again.values()) <= {"ok", "unchanged", "partial"}
    html = preview_week(load_settings(config), WEEK, "html")
    assert "Freight grows" in html and "\u202e" not in html


def test_a_failed_source_is_retried_with_force_and_a_local_one_at_once(
    database_url: str, tmp_path: Path, server: FeedServer
) -> None:
    server.add("/down.xml", Route(b"down", status=500))
    folder = tmp_path / "letters"
    config = str(write_config(tmp_path, database_url, None, [
        {"name": "down", "kind": "feed", "url": server.url("/down.xml")},
        {"name": "letters", "kind": "files", "path": str(folder)},
    ]))  # fmt: skip
    first = {r.source: r for r in ingest_flow(config=config)}
    assert first["down"].status == first["letters"].status == "failed"
    with session_scope(database_url) as session:
        health = {s.name: s for s in source_store.list_sources(session)}
    assert health["down"].next_fetch_at is not None  # a server is spared our retries
    assert health["letters"].next_fetch_at is None  # a folder is not a server
    # The user fixes both: the folder is read at once, the feed waits for its back-off...
    folder.mkdir()
    (folder / "a.txt").write_text(GOOD_TEXT.format("Friday"), encoding="utf-8")
    server.add("/down.xml", Route(THREE_WORD_FEED))
    second = {r.source: r for r in ingest_flow(config=config)}
    assert second["letters"].status == "ok" and second["letters"].new == 1
    assert second["down"].status == "skipped" and "backing off" in second["down"].error
    assert server.hits["/down.xml"] == 1
    # ...unless forced, by name.
    [forced] = ingest_flow(source="down", config=config, force=True)
    assert (forced.source, forced.status, forced.new) == ("down", "ok", 2)


def _document(source: str, identity: str, text: str) -> Document:
    now = datetime(2026, 1, 21, tzinfo=UTC)
    return Document(source=source, identity=identity, publisher="P", title=identity, text=text,
                    content_hash=str(abs(hash((source, identity, text)))).rjust(64, "0"),
                    published_at=now, date_how="feed", date_evidence="",
                    fetched_at=now)  # fmt: skip


def test_a_document_the_store_refuses_fails_alone(database_url: str) -> None:
    """Storing is robust per item: the batch falls back to one document at a time, and the
    one the database refuses (here: of a source it does not know) fails alone, with why."""
    from flows.dedupe.near import signed

    upgrade(database_url)
    with session_scope(database_url) as session:
        source_store.sync_sources(session, [("known", "files", None)])
    docs = signed([_document("known", "a", GOOD_TEXT.format("Monday")),
                   _document("unknown", "b", "Some other text that nobody will ever store."),
                   _document("known", "c", THREE_WORDS)])  # fmt: skip
    with session_scope(database_url) as session:
        outcomes, indexed, refused = save_and_index(
            session, {"known": (docs[::2], []), "unknown": ([docs[1]], [])}, docs[0].fetched_at
        )
    assert sorted((o.identity, o.outcome) for o in outcomes) == [("a", "new"), ("c", "new")]
    assert len(indexed.ids) == 2
    [failure] = refused["unknown"]
    assert failure.identity == "b" and "unknown sources" in failure.reason
    with session_scope(database_url) as session:
        assert session.scalar(select(func.count()).select_from(models.Document)) == 2


def test_a_text_postgresql_refuses_fails_alone(database_url: str) -> None:
    """A NUL that got past the readers (a Document made by hand): PostgreSQL refuses that
    text (DataError), and only that document fails; SQLite takes it."""
    from flows.dedupe.near import signed

    upgrade(database_url)
    with session_scope(database_url) as session:
        source_store.sync_sources(session, [("s", "files", None)])
    docs = signed([_document("s", "nul", "A text with a NUL \x00 in it, for the store."),
                   _document("s", "fine", GOOD_TEXT.format("Sunday"))])  # fmt: skip
    with session_scope(database_url) as session:
        outcomes, _, refused = save_and_index(session, {"s": (docs, [])}, docs[0].fetched_at)
    kept = {o.identity for o in outcomes}
    if database_url.startswith("postgresql"):
        assert kept == {"fine"} and [f.identity for f in refused["s"]] == ["nul"]
        assert "DataError" in refused["s"][0].reason
    else:
        assert kept == {"nul", "fine"} and not refused


def test_band_keys_are_stored_once_per_document() -> None:
    import numpy as np

    keys = np.array([[5, 5, 0, 7], [7, 7, 7, 0]], dtype=np.int64)
    assert band_rows([10, 11], keys) == [(5, 10), (7, 10), (7, 11)]


def test_a_three_word_text_stores_its_bands(database_url: str) -> None:
    from flows.records import RawItem
    from tests.support.pipeline import store_items

    now = datetime(2026, 1, 21, tzinfo=UTC)
    items = [RawItem("s", f"i{n}", body, "text/plain", now)
             for n, body in enumerate([THREE_WORDS.encode(), b"Some removed text. Some removed",
                                       GOOD_TEXT.format("Monday").encode()])]  # fmt: skip
    stored = store_items(database_url, "s", items, ZoneInfo("UTC"), now)
    assert len(stored) == 3
    with session_scope(database_url) as session:
        bands = session.scalar(select(func.count()).select_from(models.NearDupBand))
    assert bands and bands % 20 == 0


def test_any_exception_in_a_source_is_its_recorded_failure(
    database_url: str, tmp_path: Path, server: FeedServer
) -> None:
    """Options no reader expected (made here, past any settings check) raise inside the
    batch: each becomes its source's failure, recorded, and the good source beside is read."""
    from dataclasses import replace

    from flows.pipeline.ingest_chunk import SourceBatch
    from flows.settings import SourceSettings

    folder = tmp_path / "letters"
    folder.mkdir()
    (folder / "a.txt").write_text(GOOD_TEXT.format("Friday"), encoding="utf-8")
    settings = load_settings(write_config(tmp_path, database_url, folder))
    bad = (
        SourceSettings("port", "mailbox", options={"imap_host": "127.0.0.1", "imap_port": "x"}),
        SourceSettings("cap", "feed", url=server.url("/three.xml"), options={"max_bytes": "lots"}),
    )
    settings = replace(settings, sources=(*settings.sources, *bad))
    upgrade(database_url)
    with session_scope(database_url) as session:
        source_store.sync_sources(session, [(s.name, s.kind, None) for s in settings.sources])
        states = source_store.source_statuses(session, [s.name for s in settings.sources])
    with SourceBatch(settings, states, datetime.now(UTC)) as batch:
        reports = {r.source: r for r in batch.ingest(list(settings.sources))}
    assert (reports["seeds"].status, reports["seeds"].new) == ("ok", 1)
    for name in ("port", "cap"):
        assert reports[name].status == "failed" and "ValueError" in reports[name].error
    with session_scope(database_url) as session:
        health = {s.name: s for s in source_store.list_sources(session)}
    assert {n: h.last_status for n, h in health.items()} == {
        "seeds": "ok",
        "port": "failed",
        "cap": "failed",
    }
    assert health["port"].next_fetch_at is not None and "ValueError" in health["cap"].last_error
