"""Parsing feeds: RSS, Atom, JSON Feed, identities, links, and bodies that are not feeds."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from flows.normalise.documents import normalise_items
from flows.sources.feeds import FeedError, entry_identity, parse_feed
from tests.support.feed_server import rss
from tests.support.hostile import executable_parts

NOW = datetime(2025, 10, 27, 7, tzinfo=UTC)


def parse(
    body: bytes, content_type: str | None = "application/rss+xml", charset: str | None = None
):  # type: ignore[no-untyped-def]
    return parse_feed("news", body, url="https://news.example/feed.xml", content_type=content_type,
                      charset=charset, fetched_at=NOW)  # fmt: skip


def test_rss_entries_become_items() -> None:
    body = rss("Harbour News", [
        {"title": "Bridge opens", "guid": "tag:news.example,2025:b1", "link": "/stories/b1",
         "pubDate": "Fri, 24 Oct 2025 09:30:00 GMT",
         "description": "&lt;p&gt;The bridge &lt;b&gt;opened&lt;/b&gt;.&lt;/p&gt;"},
        {"title": "Ferry ends", "link": "https://news.example/ferry"},
    ])  # fmt: skip
    first, second = parse(body)
    assert first.identity == "tag:news.example,2025:b1"
    assert (first.title, first.publisher) == ("Bridge opens", "Harbour News")
    assert first.url == "https://news.example/stories/b1"  # made absolute against the feed
    assert first.published_at == datetime(2025, 10, 24, 9, 30, tzinfo=UTC)
    assert first.date_how == "feed" and b"opened" in first.body
    assert second.identity == "https://news.example/ferry"  # no guid: the link
    assert second.published_at is None


def test_atom_prefers_full_content_and_resolves_xml_base() -> None:
    body = b"""<?xml version="1.0" encoding="utf-8"?>
    <feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://blog.example/">
      <title>The Blog</title><id>urn:blog</id><updated>2025-10-25T10:00:00Z</updated>
      <entry><title>Long post</title><id>urn:post:1</id><link href="posts/1"/>
        <updated>2025-10-25T10:00:00Z</updated>
        <summary>Short summary.</summary>
        <content type="html">&lt;p&gt;The full text,
          &lt;a href="/about"&gt;about&lt;/a&gt;.&lt;/p&gt;</content>
      </entry></feed>"""
    [item] = parse(body, "application/atom+xml")
    assert item.identity == "urn:post:1" and item.url == "https://blog.example/posts/1"
    assert b"The full text" in item.body and b"Short summary" not in item.body
    assert b'href="https://blog.example/about"' in item.body
    assert item.published_at == datetime(2025, 10, 25, 10, tzinfo=UTC)


def test_json_feed_by_content_type_or_shape() -> None:
    feed = {
        "version": "https://jsonfeed.org/version/1.1", "title": "JSON News",
        "home_page_url": "https://json.example/",
        "items": [{"id": 7, "url": "/a/7", "title": "Seven", "content_html": "<p>Hi</p>",
                   "date_published": "2025-10-26T08:00:00+02:00"},
                  {"id": "8", "content_text": "Plain words."}],
    }  # fmt: skip
    for ctype in ("application/feed+json", None):
        seven, eight = parse(json.dumps(feed).encode(), ctype)
        assert (seven.identity, seven.url, seven.publisher) == ("7", "https://json.example/a/7",
                                                                "JSON News")  # fmt: skip
        assert seven.published_at == datetime(2025, 10, 26, 6, tzinfo=UTC)
        assert (eight.content_type, eight.body) == ("text/plain", b"Plain words.")


def test_duplicate_guids_give_one_item_the_last() -> None:
    body = rss("N", [{"title": "Old", "guid": "same"}, {"title": "New", "guid": "same"}])
    [item] = parse(body)
    assert item.title == "New"


def test_identity_falls_back_to_a_hash_of_title_and_date() -> None:
    one = entry_identity(None, None, "Title", "2025-10-24")
    assert one == entry_identity("", " ", "Title", "2025-10-24") and one.startswith("sha256:")
    assert one != entry_identity(None, None, "Title", "2025-10-25")


def test_a_wrong_declared_charset_still_reads() -> None:
    body = rss("Café Zürich", [{"title": "Crème brûlée", "guid": "c1"}]).replace(b"utf-8", b"utf-8")
    latin = body.decode().encode("latin-1")  # bytes are Latin-1, the declaration says UTF-8
    [item] = parse(latin, charset="utf-8")
    assert item.title and "Cr" in item.title and "br" in item.title


@pytest.mark.parametrize(
    ("body", "ctype", "reason"),
    [
        (b"", None, "empty body"),
        (b"<!DOCTYPE html><html><body>Welcome</body></html>", "text/html", "HTML page"),
        (b"<rss><channel><title>x</ti", "application/rss+xml", "malformed"),
        (b'{"hello": "world"}', "application/json", "jsonfeed.org"),
        (b"{not json", "application/json", "malformed JSON"),
    ],
)
def test_bodies_that_are_not_feeds_say_why(body: bytes, ctype: str | None, reason: str) -> None:
    with pytest.raises(FeedError, match=reason) as caught:
        parse(body, ctype)
    assert caught.value.source == "news"


def test_scripts_and_handlers_in_entries_never_reach_a_document() -> None:
    hostile = (
        "&lt;p onclick='steal()'&gt;Council news.&lt;/p&gt;"
        "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"
        "&lt;a href='javascript:alert(3)'&gt;x&lt;/a&gt;"
    )
    [item] = parse(rss("N", [{"title": "T", "guid": "g", "description": hostile}]))
    assert executable_parts(item.body.decode()) == []  # feedparser sanitises already
    [doc], _ = normalise_items([item], {}, ZoneInfo("UTC"))
    assert "alert" not in doc.text and "steal" not in doc.text and "Council news." in doc.text
