"""The SAX driver given to feedparser: one `characters` call per text run, and feeds read
exactly as with Python's own expat driver."""

from __future__ import annotations

import xml.sax
import xml.sax.saxutils
from io import BytesIO
from xml.sax.handler import ContentHandler
from xml.sax.xmlreader import InputSource

import feedparser.api
import pytest

from flows.sources import buffered_sax
from tests.support.feed_server import rss

ESCAPED = (
    "&lt;p&gt;The bridge &lt;b&gt;opened&lt;/b&gt; &amp; the\n"
    "ferry &lt;i&gt;ended&lt;/i&gt;.&lt;/p&gt;"
)


class Texts(ContentHandler):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def characters(self, content: str) -> None:
        self.calls.append(content)


@pytest.mark.parametrize(("driver", "buffered"), [(buffered_sax, True), (None, False)])
def test_a_text_run_comes_in_one_call(driver: object, buffered: bool) -> None:
    # Without ours, make_parser gives Python's own expat driver.
    parser = driver.create_parser() if driver else xml.sax.make_parser()  # type: ignore[attr-defined]
    texts = Texts()
    parser.setContentHandler(texts)
    source = InputSource()
    source.setByteStream(BytesIO(f"<d>{ESCAPED}</d>".encode()))
    parser.parse(source)
    assert "".join(texts.calls) == xml.sax.saxutils.unescape(ESCAPED)
    assert (len(texts.calls) == 1) == buffered  # expat alone: a call per entity and line


def test_feeds_read_as_with_the_default_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    body = rss("Harbour News", [
        {"title": f"Story {n} &amp; more", "guid": f"g{n}", "link": f"/s/{n}",
         "pubDate": "Fri, 24 Oct 2025 09:30:00 GMT", "description": ESCAPED * 50}
        for n in range(20)
    ])  # fmt: skip
    options = {"sanitize_html": False, "resolve_relative_uris": False}
    ours = buffered_sax.feedparser_module().parse(body, **options)
    assert feedparser.api.PREFERRED_XML_PARSERS == ["flows.sources.buffered_sax"]
    monkeypatch.setattr(feedparser.api, "PREFERRED_XML_PARSERS", [])
    theirs = feedparser.parse(body, **options)
    assert not ours.bozo and len(ours.entries) == 20
    assert (ours.entries, ours.feed) == (theirs.entries, theirs.feed)
