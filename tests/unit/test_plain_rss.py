"""Plain RSS read without feedparser: every feed it takes gives the very items feedparser's
reading gives, and every other shape is left to feedparser."""

from __future__ import annotations

from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.sources.plain_rss import read_plain_rss
from tests.support.feed_readings import both_readings


def rss(channel: str, items: list[str], root: str = '<rss version="2.0"') -> bytes:
    namespaces = (
        ' xmlns:content="http://purl.org/rss/1.0/modules/content/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:atom="http://www.w3.org/2005/Atom"'
        ' xmlns:media="http://search.yahoo.com/mrss/"'
    )
    body = "".join(f"<item>{item}</item>" for item in items)
    head = f'<?xml version="1.0" encoding="utf-8"?>{root}{namespaces}>'
    return f"{head}<channel>{channel}{body}</channel></rss>".encode()


PLAIN_ITEM = (
    "<title>Bridge opens</title><link>https://news.example/bridge?a=1&amp;b=2</link>"
    '<guid isPermaLink="false">tag:news,1</guid>'
    "<pubDate>Mon, 05 Jan 2026 08:00:00 GMT</pubDate>"
    "<description>&lt;p&gt;The bridge opened.&lt;/p&gt;</description>"
    "<content:encoded><![CDATA[<p>The bridge <b>opened</b> at dawn.</p>]]></content:encoded>"
    "<dc:creator>Ana</dc:creator><category>Transport</category>"
)


def test_a_plain_feed_is_read_here_as_feedparser_reads_it() -> None:
    self_link = '<atom:link rel="self" href="https://news.example/feed"/>'
    body = rss(f"<title>News</title><link>https://news.example/</link>{self_link}", [PLAIN_ITEM])
    assert read_plain_rss(body, "application/rss+xml", None) is not None
    fast, reference = both_readings(body, "application/rss+xml")
    assert fast == reference
    items, failures = fast  # type: ignore[misc]
    assert not failures and items[0].title == "Bridge opens"
    assert items[0].url == "https://news.example/bridge?a=1&b=2"
    assert items[0].identity == "tag:news,1" and b"<b>opened</b>" in items[0].body


@pytest.mark.parametrize(
    "item",
    [
        "<guid>https://news.example/1</guid><title>A guid that is the link</title>",
        '<guid isPermaLink="True">https://news.example/1</guid><title>Not "true"</title>',
        '<guid ispermalink="false">x</guid><link>https://news.example/2</link>',
        "<link>https://news.example/3</link><guid>https://news.example/other</guid>",
        "<guid>https://news.example/4</guid><link></link><title>An empty link</title>",
        "<title>Caf\u00c3\u00a9 \u0093quoted\u0094</title><link>http:///news.example/5</link>",
        "<title>Rock &amp;amp; roll</title><link>https://x.example/?a=1&amp;amp;b=2&amp;c;</link>",
        "<title>A &lt;b&gt;bold&lt;/b&gt; title</title><guid>  spaced  </guid>",
        "<title>Only a title</title>",
        "<description>Only a summary, no date</description><pubDate>not a date</pubDate>",
        "<pubDate>Mon, 05 Jan 2026 08:00:00 +0100</pubDate><title>t</title><guid/>",
    ],
)
def test_the_quirks_of_feedparser_are_kept(item: str) -> None:
    body = rss("<title>News</title><link>https://news.example/?x=1&amp;y;</link>", [item])
    assert read_plain_rss(body, None, None) is not None
    fast, reference = both_readings(body)
    assert fast == reference


CHANNEL_ITEM = '<rss version="2.0"><channel><item><title>{}</title></item></channel></rss>'
ONE = ["<title>a</title>"]


@pytest.mark.parametrize(
    ("body", "content_type", "charset"),
    [
        (rss("", ["<title>a</title><media:title>b</media:title>"]), None, None),
        (rss("", ["<title>a</title><title>b</title>"]), None, None),
        (rss("", ['<title type="html">a</title>']), None, None),
        (rss("", ["<description>a<b>bold</b></description>"]), None, None),
        (rss('<atom:link rel="alternate" href="https://x.example/"/>', ONE), None, None),
        (rss("", ONE, '<rss version="0.91"'), None, None),
        (rss("", ONE, '<rss version="2.0" xml:base="https://x.example/"'), None, None),
        (rss("<title>T</title>", []), None, None),
        (rss("", ["<title>caf\u00e9</title>"]), "text/xml", None),
        (rss("", ONE), "application/xml", "iso-8859-1"),
        (b'<?xml version="1.0" encoding="iso-8859-1"?>'
         + CHANNEL_ITEM.format("caf\xe9").encode("latin-1"), None, None),
        (b"\xef\xbb\xbf" + CHANNEL_ITEM.format("a").encode(), None, None),
        (b'<!DOCTYPE rss [<!ENTITY e "x">]>' + CHANNEL_ITEM.format("&e;").encode(), None, None),
        (CHANNEL_ITEM.format("a &nbsp; b").encode(), None, None),
        (b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>a</title></entry></feed>',
         None, None),
    ],
)  # fmt: skip
def test_other_shapes_are_left_to_feedparser(
    body: bytes, content_type: str | None, charset: str | None
) -> None:
    assert read_plain_rss(body, content_type, charset) is None
    fast, reference = both_readings(body, content_type, charset)
    assert fast == reference


# The fuzzer's pieces: texts with what feedparser treats specially (entities, markup, C1
# controls, mojibake, odd URLs); items of the plain shape, some with one piece it is not.
XML_CHARACTERS = st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="\ufffe\uffff")
TEXTS = st.one_of(
    st.text(XML_CHARACTERS | st.sampled_from("\t\n\r\x85\x93"), max_size=30),
    st.sampled_from([
        "", "  ", "https://x.example/a?b=1&c=2", "http:///x.example/", "/relative/path", "a&amp;b",
        "<b>bold</b>", "Tom &amp; Jerry", "caf\u00c3\u00a9", "\u0080\u0093x\u009f", "&#233;",
        "Mon, 05 Jan 2026 08:00:00 GMT", "2026-01-05T08:00:00Z", "<p>para</p><script>x</script>",
    ]),
)  # fmt: skip
PLAIN_TAGS = ["title", "link", "guid", "pubDate", "description", "content:encoded", "author",
              "category", "comments", "dc:creator"]  # fmt: skip
GUID_ATTRIBUTES = ["", ' isPermaLink="false"', ' isPermaLink="true"', ' ispermalink="false"']
OTHER_PIECES = ["<dc:date>2026-01-05</dc:date>", "<media:title>m</media:title>",
                "<summary>s</summary>", '<title type="html">t</title>',
                '<link xml:base="https://b.example/">l</link>',
                "<guid>one</guid><guid>two</guid>"]  # fmt: skip


@st.composite
def items(draw: st.DrawFn) -> tuple[str, bool]:
    """An item's markup, and whether it is of the plain shape."""
    tags = draw(st.lists(st.sampled_from(PLAIN_TAGS), unique=True, max_size=len(PLAIN_TAGS)))
    parts = []
    for tag in tags:
        attributes = draw(st.sampled_from(GUID_ATTRIBUTES)) if tag == "guid" else ""
        parts.append(f"<{tag}{attributes}>{escape(draw(TEXTS))}</{tag}>")
    other = draw(st.none() | st.sampled_from(OTHER_PIECES))
    if other:
        parts.insert(draw(st.integers(0, len(parts))), other)
    return "".join(parts), other is None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(channel_title=TEXTS, channel_link=TEXTS, made=st.lists(items(), min_size=1, max_size=4),
       content_type=st.sampled_from([None, "application/rss+xml", "application/xml"]))  # fmt: skip
def test_fuzzed_feeds_read_alike(
    channel_title: str, channel_link: str, made: list[tuple[str, bool]], content_type: str | None
) -> None:
    channel = f"<title>{escape(channel_title)}</title><link>{escape(channel_link)}</link>"
    body = rss(channel, [markup for markup, _ in made])
    if all(plain for _, plain in made):
        assert read_plain_rss(body, content_type, None) is not None
    else:
        assert read_plain_rss(body, content_type, None) is None
    fast, reference = both_readings(body, content_type)
    assert fast == reference
