"""OPML, the feed-reader exchange format: read a subscription list, write one (OPML 2.0)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from xml.sax.saxutils import quoteattr


class OpmlError(ValueError):
    """Not a usable OPML document; the message says why."""


def read_opml(data: bytes) -> list[tuple[str, str]]:
    """Every (name, feed URL) in the outline, nested folders included, in order."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as err:
        raise OpmlError(f"not valid XML: {err}") from None
    if root.tag != "opml" or root.find("body") is None:
        raise OpmlError("not OPML: no <opml><body>")
    feeds = []
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or "").strip()
        if url:
            titles = (_one_line(outline.get(a) or "") for a in ("title", "text"))
            feeds.append((next((t for t in titles if t), url), url))
    return feeds


def _one_line(text: str) -> str:
    """A title as a name: control characters and runs of white space as one space."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def write_opml(feeds: Sequence[tuple[str, str]], title: str) -> str:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        f"  <head><title>{_text(title)}</title></head>",
        "  <body>",
        *(
            f'    <outline type="rss" text={quoteattr(name)} title={quoteattr(name)} '
            f"xmlUrl={quoteattr(url)}/>"
            for name, url in feeds
        ),
        "  </body>",
        "</opml>",
    ]
    return "\n".join(lines) + "\n"


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
