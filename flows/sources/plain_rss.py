"""Plain RSS 2.0, the shape most feeds have, read with ElementTree into what feedparser would
make of it; any other shape is declined (None) and left to feedparser."""

from __future__ import annotations

import re
from contextlib import suppress
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element, ParseError, fromstring

# The helpers feedparser applies to the same texts: whatever they do, the two paths agree.
from feedparser.datetimes import _parse_date
from feedparser.html import _cp1252
from feedparser.mixin import _FeedParserMixin
from feedparser.urls import _urljoin

CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
DC = "{http://purl.org/dc/elements/1.1/}"
ATOM = "{http://www.w3.org/2005/Atom}"
SY = "{http://purl.org/rss/1.0/modules/syndication/}"
WFW = "{http://wellformedweb.org/CommentAPI/}"
SLASH = "{http://purl.org/rss/1.0/modules/slash/}"

# An entry's children that make the fields we read, once each at most, without attributes
# but guid's isPermaLink; and those feedparser keeps under keys we never read.
ENTRY_FIELDS = {"title", "link", "guid", "pubDate", "description", CONTENT + "encoded"}
ENTRY_OTHERS = {
    "author": (), "category": ("domain",), "comments": (), "enclosure": ("url", "length", "type"),
    "source": ("url",), DC + "creator": (), DC + "subject": (), WFW + "commentRss": (),
    SLASH + "comments": (),
}  # fmt: skip
CHANNEL_FIELDS = {"title", "link"}
CHANNEL_OTHERS = {
    "description", "language", "copyright", "managingEditor", "webMaster", "pubDate",
    "lastBuildDate", "category", "generator", "docs", "ttl", "rating", SY + "updatePeriod",
    SY + "updateFrequency", SY + "updateBase", DC + "creator", DC + "language",
}  # fmt: skip
IMAGE_PARTS = {"url", "title", "link", "width", "height", "description"}
# What makes feedparser read the bytes as other than UTF-8, or expand what it was not given.
UNUSUAL_MARKUP = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
XML_ENCODING = re.compile(rb"^<\?xml[^>]*?encoding\s*=\s*['\"]([^'\"]+)['\"]")
APPLICATION_XML = (
    "application/xml",
    "application/xml-dtd",
    "application/xml-external-parsed-entity",
)
C1_CONTROLS = re.compile("[\x80-\x9f]")  # what feedparser maps to windows-1252's characters
LINK_REFERENCE = re.compile("&([A-Za-z0-9_]+);")  # a query's `&b=` taken for an entity
looks_like_html = _FeedParserMixin.looks_like_html


class Declined(Exception):
    """The feed is not plain RSS 2.0 as read here: feedparser reads it."""


@dataclass
class PlainFeed:
    """What `_xml_feed` reads of feedparser's result, in the same keys."""

    feed: dict[str, Any]
    entries: list[dict[str, Any]]
    bozo: bool = False  # never: a feed expat refuses is declined


def read_plain_rss(body: bytes, content_type: str | None, charset: str | None) -> PlainFeed | None:
    """The feed as feedparser would read it (its entries' and channel's fields that
    flows.sources.feeds reads), or None for any feed not of the plain shape."""
    if not _read_as_utf8(body, content_type, charset) or UNUSUAL_MARKUP.search(body):
        return None
    try:
        return _rss(fromstring(body.decode("utf-8")))
    except (ParseError, UnicodeDecodeError, Declined):
        return None


def _read_as_utf8(body: bytes, content_type: str | None, charset: str | None) -> bool:
    """Whether feedparser's choice of encoding (RFC 3023's, as it applies it) is UTF-8."""
    if not body.startswith(b"<"):  # a byte-order mark, or anything expat would refuse
        return False
    declared = XML_ENCODING.match(body)
    in_document = declared.group(1).decode("ascii", "replace").lower() if declared else ""
    kind = (content_type or "").lower()
    if kind in APPLICATION_XML or (kind.startswith("application/") and kind.endswith("+xml")):
        chosen = charset or in_document or "utf-8"
    elif kind.startswith("text/"):
        chosen = charset or "us-ascii"
    else:
        chosen = in_document or "utf-8"
    return chosen.lower() in ("utf-8", "utf8")


def _rss(root: Element) -> PlainFeed:
    if root.tag != "rss" or set(root.attrib) != {"version"} or len(root) != 1:
        raise Declined
    if not root.get("version", "").startswith("2."):  # feedparser's rss20
        raise Declined
    channel = root[0]
    if channel.tag != "channel" or channel.attrib:
        raise Declined
    feed: dict[str, Any] = {}
    entries = []
    seen: set[str] = set()
    for child in channel:
        tag = child.tag
        if tag == "item":
            entries.append(_entry(child))
        elif tag in CHANNEL_FIELDS:
            _once(child, seen)
            _plain(child)
            value = _finished(child.text, uri=tag == "link")
            feed[tag] = LINK_REFERENCE.sub(r"&\g<1>", value) if tag == "link" else value
        elif tag in ("image", "textInput"):
            if child.attrib or any(part.tag not in IMAGE_PARTS for part in child):
                raise Declined
            for part in child:
                _plain(part)
        elif tag == ATOM + "link":
            if child.get("rel", "").lower() not in ("self", "hub") or not child.get("href"):
                raise Declined
            if set(child.attrib) - {"rel", "href", "type"}:
                raise Declined
        elif tag in CHANNEL_OTHERS:
            _plain(child, allowed=("domain",) if tag == "category" else ())
        else:
            raise Declined
    if not entries:  # what else the channel holds decides whether feedparser sees a feed
        raise Declined
    return PlainFeed(feed, entries)


def _entry(item: Element) -> dict[str, Any]:
    """One item's fields, as feedparser's handlers and its `pop` leave them."""
    if item.attrib:
        raise Declined
    entry: dict[str, Any] = {}
    seen: set[str] = set()
    link_text = guid_link = None
    for child in item:
        tag = child.tag
        if tag in ENTRY_OTHERS:
            _plain(child, ENTRY_OTHERS[tag])
            continue
        if tag not in ENTRY_FIELDS:
            raise Declined
        _once(child, seen)
        if tag == "guid":
            permalink = _plain(child, ("isPermaLink",)).get("ispermalink", "true") == "true"
            entry["id"] = _finished(child.text, uri=permalink)
            if permalink:
                guid_link = entry["id"]
            continue
        _plain(child)
        if tag == "link":
            link_text = _finished(child.text, uri=True).replace("&amp;", "&")
            entry["link"] = LINK_REFERENCE.sub(r"&\g<1>", link_text)
        elif tag == "title":
            raw = (child.text or "").strip()
            kind = "text/html" if looks_like_html(raw) else "text/plain"
            entry["title"] = _finished(child.text)
            entry["title_detail"] = {"type": kind, "base": ""}
        elif tag == "pubDate":
            entry["published"] = value = _finished(child.text)
            entry["published_parsed"] = _parse_date(value)
        elif tag == "description":
            entry["summary"] = _finished(child.text)
            entry["summary_detail"] = {"type": "text/html", "base": ""}
        else:  # content:encoded
            value = _finished(child.text)
            entry["content"] = [{"type": "text/html", "base": "", "value": value}]
            entry.setdefault("summary", value)
    if guid_link is not None and link_text is None:
        entry["link"] = guid_link
    return entry


def _once(child: Element, seen: set[str]) -> None:
    """A field given twice is read by feedparser's rules of depth and order: it reads it."""
    if child.tag in seen:
        raise Declined
    seen.add(child.tag)


def _plain(child: Element, allowed: tuple[str, ...] = ()) -> dict[str, str]:
    """A text-only element with no attributes but `allowed` (any case, once): else
    feedparser's rules for markup inside, xml:base or a content type apply."""
    if len(child) or len(child.attrib) > len(allowed):
        raise Declined
    names = {name.lower() for name in allowed}
    if any(name.lower() not in names for name in child.attrib):
        raise Declined
    return {name.lower(): value for name, value in child.attrib.items()}


def _finished(text: str | None, uri: bool = False) -> str:
    """What feedparser's `pop` does to a text it keeps, in its order."""
    value = (text or "").strip()
    if uri and value:
        value = _urljoin("", value)
    if value.isascii():  # what follows would give it back unchanged, at a cost
        return value
    with suppress(UnicodeEncodeError, UnicodeDecodeError):  # UTF-8 read as Latin-1, mended
        value = value.encode("iso-8859-1").decode("utf-8")
    return value.translate(_cp1252) if C1_CONTROLS.search(value) else value
