"""Property-based hostile input (issue 14): RSS, Atom and JSON feeds and mails made by
hypothesis (controls, NUL, bidi overrides, surrogates, numbers and lists where text belongs,
unknown charsets, broken headers, huge identities) through the ingest code path (the readers,
normalise, store: store_chunk), on SQLite and PostgreSQL. Whatever comes, nothing escapes,
the source gets a recorded status, every failure has a reason, the good item beside the
hostile one is stored and nothing unsafe reaches the store.

DIGEST_FUZZ_EXAMPLES sets the examples per test (default 25, a few seconds; try 1000)."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from db import models
from db import sources as source_store
from db.engine import session_scope
from db.migrate import upgrade
from flows.pipeline.store_chunk import Chunk, store_chunk
from flows.records import Fetched, HttpResult, SourceReport
from flows.sources.mailbox import read_messages

EXAMPLES = int(os.environ.get("DIGEST_FUZZ_EXAMPLES", "25"))
# The store is made once per test and kept across its examples, on purpose.
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])  # fmt: skip
NOW = datetime(2026, 1, 21, 12, tzinfo=UTC)
GOOD = "The harbour bridge opened to traffic on Wednesday after four years of work by the city."
UNSAFE = "\x00\u202e\u202d\u2066\u2069"

# Text with what breaks things: controls, NUL, bidi, separators, lone surrogates, long runs.
hostile_text = st.one_of(
    st.text(max_size=60),
    st.text(
        alphabet=st.sampled_from("ab \x00\x07\x1b\u202e\u2066\u2028\ud800<&>\"'\n"), max_size=80
    ),
    st.just("Some removed text."),
    st.integers(min_value=600, max_value=2000).map(lambda n: "g" * n),
)
json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | hostile_text,
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)  # fmt: skip


@pytest.fixture
def store(database_url: str) -> str:
    upgrade(database_url)
    with session_scope(database_url) as session:
        source_store.sync_sources(session, [("feed", "feed", None), ("mail", "mailbox", None)])
    return database_url


def stored(database_url: str, report: SourceReport) -> set[str]:
    """The identities stored for the report's source; and the store's checks on what it holds."""
    with session_scope(database_url) as session:
        source = session.scalar(select(models.Source).where(models.Source.name == report.source))
        assert source is not None and source.last_status == report.status
        rows = session.execute(select(models.Sighting.identity, models.Document.title,
                                      models.Document.text, models.Document.publisher)
                               .join(models.Sighting.document)
                               .where(models.Sighting.source_id == source.id)).all()  # fmt: skip
    for identity, *texts in rows:
        assert len(identity) <= 500 and not any(c in t for t in (identity, *texts) for c in UNSAFE)
    return {identity for identity, *_ in rows}


def check(report: SourceReport) -> None:
    assert report.status in ("ok", "partial", "failed")
    assert report.status != "failed" or report.error or report.failures
    assert all(f.reason for f in report.failures)


def run_feed(database_url: str, body: bytes, content_type: str) -> SourceReport:
    result = HttpResult(url="https://fuzz.example/feed", status="ok", body=body,
                        content_type=content_type)  # fmt: skip
    chunk = Chunk(database_url, ZoneInfo("UTC"), NOW, {"feed": result}, {"feed": 0})
    [report] = store_chunk(chunk).values()
    check(report)
    return report


@FUZZ
@given(title=hostile_text, guid=hostile_text, link=hostile_text, text=hostile_text,
       date=hostile_text, channel=hostile_text, atom=st.booleans())  # fmt: skip
def test_xml_feeds(
    store: str, title: str, guid: str, link: str, text: str, date: str, channel: str, atom: bool
) -> None:
    def entry(t: str, g: str, ln: str, x: str, d: str) -> str:
        t, g, ln, x, d = (escape(v) for v in (t, g, ln, x, d))
        if atom:
            return (f'<entry><title>{t}</title><id>{g}</id><link href="{ln}"/><updated>{d}'
                    f'</updated><content type="html">{x}</content></entry>')  # fmt: skip
        return (f"<item><title>{t}</title><guid>{g}</guid><link>{ln}</link>"
                f"<pubDate>{d}</pubDate><description>{x}</description></item>")  # fmt: skip

    good = entry("Bridge", "tag:good", "https://fuzz.example/good", GOOD,
                 "Wed, 21 Jan 2026 09:00:00 GMT")  # fmt: skip
    hostile = entry(title, guid, link, text, date)
    if atom:
        doc = (f'<feed xmlns="http://www.w3.org/2005/Atom"><title>{escape(channel)}</title>'
               f"{hostile}{good}</feed>")  # fmt: skip
    else:
        doc = (f'<rss version="2.0"><channel><title>{escape(channel)}</title>'
               f"{hostile}{good}</channel></rss>")  # fmt: skip
    body = doc.encode("utf-8", errors="surrogatepass")
    report = run_feed(store, body, "application/xml")
    if report.status != "failed" or report.failures:  # a feed read at all keeps its good entry
        assert "tag:good" in stored(store, report) or report.error


@FUZZ
@given(entry=st.dictionaries(st.sampled_from(["id", "title", "url", "date_published",
                                              "content_html", "content_text", "summary"]),
                             json_value, max_size=7),
       items=st.sampled_from(["list", "dict", "number"]), publisher=json_value)  # fmt: skip
def test_json_feeds(store: str, entry: dict[str, object], items: str, publisher: object) -> None:
    good = {"id": "good", "title": "Bridge", "content_text": GOOD,
            "date_published": "2026-01-21T09:00:00Z"}  # fmt: skip
    listed = {"list": [entry, good], "dict": {"a": entry}, "number": 7}[items]
    data = {"version": "https://jsonfeed.org/version/1.1", "title": publisher, "items": listed}
    body = json.dumps(data, ensure_ascii=False).encode("utf-8", errors="surrogatepass")
    report = run_feed(store, body, "application/feed+json")
    if items == "list":
        assert report.status in ("ok", "partial") and "good" in stored(store, report)
    else:
        assert report.status == "failed" and report.error


@FUZZ
@given(headers=st.dictionaries(st.sampled_from(["Message-ID", "Subject", "From", "Date",
                                                "List-Id", "Content-Type"]),
                               hostile_text, max_size=6),
       charset=st.sampled_from(["utf-8", "latin-1", "x-unknown", "utf-7", "", "\"", "utf-16"]),
       body=st.binary(max_size=200) | hostile_text.map(lambda t: t.encode("utf-8", "replace")),
       raw=st.binary(max_size=300))  # fmt: skip
def test_mails(store: str, headers: dict[str, str], charset: str, body: bytes, raw: bytes) -> None:
    lines = [f"{k}: {v}".replace("\n", " ") for k, v in headers.items() if k != "Content-Type"]
    content_type = headers.get("Content-Type", f"text/plain; charset={charset}")
    head = "\r\n".join([*lines, f"Content-Type: {content_type}", "", ""])
    hostile = head.encode("utf-8", errors="surrogatepass") + body
    good = (b"From: Harbour <h@x.example>\r\nSubject: Bridge\r\nMessage-ID: <good@x>\r\n"
            b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + GOOD.encode())  # fmt: skip
    items, failures = read_messages("mail", [("hostile", lambda: hostile), ("junk", lambda: raw),
                                             ("good", lambda: good)], NOW)  # fmt: skip
    chunk = Chunk(store, ZoneInfo("UTC"), NOW, {"mail": Fetched("ok", items, failures)},
                  {"mail": 0})  # fmt: skip
    [report] = store_chunk(chunk).values()
    check(report)
    assert report.status in ("ok", "partial") and "<good@x>" in stored(store, report)
