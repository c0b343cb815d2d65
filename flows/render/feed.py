"""The archive as an Atom feed (RFC 4287): one entry per week that went out, for feed readers;
built with ElementTree, so every title and story is escaped as XML wants."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree

from flows.atomic_write import write_file
from flows.records import Digest
from flows.render.archive import page_name
from flows.render.digest import HTML, story_view, subject_of

ATOM = "http://www.w3.org/2005/Atom"
FEED_NAME = "feed.xml"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # a feed with no entry yet still needs a date
ElementTree.register_namespace("", ATOM)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _add(
    parent: ElementTree.Element, tag: str, text: str | None = None, **attributes: str
) -> ElementTree.Element:
    element = ElementTree.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
    element.text = text
    return element


def entry_html(digest: Digest) -> str:
    """The week's stories as an HTML fragment: what a feed reader shows of an entry."""
    stories = [story_view(s) for s in digest.stories]
    stories += [story_view(s, late=True) for s in digest.late]
    return HTML.get_template("feed_entry.html.j2").render(stories=stories)


def atom_feed(
    digests: Sequence[Digest],
    sent: Mapping[str, datetime],
    *,
    title: str,
    author: str,
    base_url: str = "",
    name: str = FEED_NAME,
) -> bytes:
    """One entry per week of `sent` (week -> first delivered), newest first, linking the
    week's archive page: absolute under `base_url`, else relative to the feed. Ids are
    derived from the feed's address (or title) and the week, so they never change."""
    home = f"{base_url}/" if base_url else "index.html"
    identity = base_url or f"newsletter-digest:{title}:{name}"
    weeks = sorted((d for d in digests if d.week in sent), key=lambda d: d.week, reverse=True)
    feed = ElementTree.Element(f"{{{ATOM}}}feed")
    _add(feed, "title", title)
    _add(feed, "id", uuid.uuid5(uuid.NAMESPACE_URL, identity).urn)
    _add(feed, "updated", _stamp(max((sent[d.week] for d in weeks), default=EPOCH)))
    _add(_add(feed, "author"), "name", author)
    _add(feed, "link", rel="alternate", type="text/html", href=home)
    if base_url:
        _add(feed, "link", rel="self", type="application/atom+xml", href=f"{base_url}/{name}")
    _add(feed, "generator", "newsletter-digest")
    for digest in weeks:
        entry = _add(feed, "entry")
        _add(entry, "title", subject_of(digest))
        _add(entry, "id", uuid.uuid5(uuid.NAMESPACE_URL, f"{identity}/{digest.week}").urn)
        _add(entry, "published", _stamp(sent[digest.week]))
        _add(entry, "updated", _stamp(sent[digest.week]))
        page = page_name(digest.week)
        _add(entry, "link", rel="alternate", type="text/html",
             href=f"{base_url}/{page}" if base_url else page)  # fmt: skip
        count = len(digest.stories) + len(digest.late)
        _add(entry, "summary", f"{digest.week}: {count} {'story' if count == 1 else 'stories'}")
        _add(entry, "content", entry_html(digest), type="html")
    ElementTree.indent(feed)
    return ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def write_feed(
    digests: Sequence[Digest],
    sent: Mapping[str, datetime],
    out: Path,
    *,
    title: str,
    author: str,
    base_url: str = "",
    name: str = FEED_NAME,
) -> Path:
    """The feed written beside the archive's pages (`name` per digest, feed.xml by default)."""
    data = atom_feed(digests, sent, title=title, author=author, base_url=base_url, name=name)
    return write_file(out / name, data)
