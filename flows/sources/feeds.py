"""Feeds to raw items: RSS 0.9x/1.0/2.0 and Atom through feedparser, JSON Feed by hand."""

from __future__ import annotations

import calendar
import hashlib
import json
import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

from flows.html_text import html_to_lines
from flows.records import Failure, Fetched, HttpResult, RawItem, SourceError
from flows.redact import mask_url
from flows.sanitise import clean_html

log = logging.getLogger(__name__)

JSON_TYPES = {"application/feed+json", "application/json"}
JSON_FEED_VERSION = "https://jsonfeed.org/version/"
# Entries taken from one feed at one fetch, the newest: a feed that lists its whole history
# (or 45,000 made-up entries) gives a week's digest nothing but a long run.
MAX_ENTRIES = 500


class FeedError(ValueError):
    """A body that yields no feed; the message names the source and the reason."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source, self.reason = source, reason


def parse_feed(
    source: str,
    body: bytes,
    *,
    url: str,
    content_type: str | None,
    charset: str | None,
    fetched_at: datetime,
) -> list[RawItem]:
    """Every entry of the feed once (by identity, the last one wins), or a FeedError."""
    if not body.strip():
        raise FeedError(source, "empty body")
    head = body.lstrip()[:512].lower()
    if content_type in JSON_TYPES or head.startswith(b"{"):
        entries = _json_feed(source, body, url, fetched_at)
    elif head.startswith((b"<!doctype html", b"<html")):
        raise FeedError(source, "not a feed: the server sent an HTML page")
    else:
        entries = _xml_feed(source, body, url, content_type, charset, fetched_at)
    unique: dict[str, RawItem] = {}
    for item in entries:
        if item.identity in unique:
            log.info("%s: entry %s appears twice; keeping the last", source, item.identity)
        unique[item.identity] = item
    return list(unique.values())


def entry_identity(guid: str | None, link: str | None, title: str, date: str) -> str:
    """guid/id, else the link, else a hash of title and date: a feed that gives neither
    guid nor link still names an entry the same way each time it is fetched."""
    if guid and guid.strip():
        return guid.strip()
    if link and link.strip():
        return link.strip()
    return "sha256:" + hashlib.sha256(f"{title}\0{date}".encode()).hexdigest()


def _xml_feed(
    source: str, body: bytes, url: str, content_type: str | None, charset: str | None,
    fetched_at: datetime,
) -> list[RawItem]:  # fmt: skip
    # No content-location: given one, feedparser joins it with every element's URI (a
    # quarter of its time); links are joined below, against the channel's link or `url`.
    headers = {}
    if content_type:
        headers["content-type"] = content_type + (f"; charset={charset}" if charset else "")
    # Our own allow-list (nh3) cleans every entry's HTML below and normalise reads only its
    # text: feedparser's sanitiser and link rewriting, much of its time, would clean twice.
    parsed = feedparser.parse(
        body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )
    if not parsed.entries:
        if parsed.bozo:
            raise FeedError(source, f"malformed feed: {parsed.bozo_exception}")
        if not parsed.feed:
            raise FeedError(source, "not a feed: no channel and no entries")
        return []
    publisher = parsed.feed.get("title") or source
    base = parsed.feed.get("link") or url
    items = []
    for entry in parsed.entries:
        content, content_base = _best_content(entry)
        when = entry.get("published_parsed") or entry.get("updated_parsed")
        link = urljoin(base, entry["link"]) if entry.get("link") else None
        title = _plain_title(entry)
        items.append(
            RawItem(
                source=source,
                identity=entry_identity(entry.get("id"), link, title,
                                        entry.get("published") or entry.get("updated") or ""),
                body=clean_html(content, content_base or base).encode("utf-8"),
                content_type="text/html",
                fetched_at=fetched_at,
                publisher=publisher,
                title=title or None,
                url=link,
                published_at=datetime.fromtimestamp(calendar.timegm(when), UTC) if when else None,
                date_how="feed" if when else None,
            )
        )  # fmt: skip
    return items


def _plain_title(entry: Any) -> str:
    """An Atom title may be HTML: its text, since feedparser no longer sanitises it."""
    title = entry.get("title", "")
    kind = (entry.get("title_detail") or {}).get("type") or ""
    return " ".join(html_to_lines(title)) if "html" in kind and "<" in title else title


def _best_content(entry: Any) -> tuple[str, str | None]:
    """Full content over summary; HTML over plain text; with the base its links are under."""
    contents = entry.get("content") or []
    html = [c for c in contents if "html" in (c.get("type") or "")]
    if html or contents:
        best = (html or contents)[0]
        return best.value, best.get("base")
    if entry.get("summary"):
        return entry.summary, (entry.get("summary_detail") or {}).get("base")
    return entry.get("title") or "", None


def _json_feed(source: str, body: bytes, url: str, fetched_at: datetime) -> list[RawItem]:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise FeedError(source, f"malformed JSON: {err}") from None
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith(JSON_FEED_VERSION):
        raise FeedError(source, "not a feed: JSON without a jsonfeed.org version")
    base = data.get("home_page_url") or data.get("feed_url") or url
    publisher = data.get("title") or source
    items = []
    for entry in data.get("items") or []:
        if not isinstance(entry, dict):
            continue
        html = entry.get("content_html")
        text = entry.get("content_text") or entry.get("summary") or ""
        link = urljoin(base, entry["url"]) if entry.get("url") else None
        date = entry.get("date_published") or entry.get("date_modified") or ""
        published = _iso_date(date)
        items.append(
            RawItem(
                source=source,
                identity=entry_identity(str(entry.get("id") or ""), link,
                                        entry.get("title", ""), date),
                body=(html or text).encode("utf-8"),
                content_type="text/html" if html else "text/plain",
                fetched_at=fetched_at,
                publisher=publisher,
                title=entry.get("title") or None,
                url=link,
                published_at=published,
                date_how="feed" if published else None,
            )
        )  # fmt: skip
    return items


def _iso_date(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def feed_items(
    name: str, result: HttpResult, now: datetime, max_entries: int = MAX_ENTRIES
) -> Fetched:
    """The CPU half: what came back, parsed into raw items (a plain function of its
    arguments, so that it can run in another process); the newest `max_entries` of them,
    the rest named in the report."""
    moved = {
        "moved_to": result.moved_to,
        "etag": result.etag,
        "last_modified": result.last_modified,
    }
    if result.status == "not_modified":
        return Fetched("unchanged", reason=result.reason, **moved)
    if result.status == "gone":
        return Fetched("gone", reason=result.reason)
    if result.status == "retry_later":
        return Fetched("retry_later", reason=result.reason, retry_after=result.retry_after)
    if result.status != "ok":
        raise SourceError(f"{name}: {mask_url(result.url)}: {result.reason}")
    try:
        items = parse_feed(
            name, result.body, url=result.url, content_type=result.content_type,
            charset=result.charset, fetched_at=now,
        )  # fmt: skip
    except FeedError as err:
        raise SourceError(str(err)) from None
    items, left_out = newest(items, max_entries)
    failures = [Failure(name, "", left_out)] if left_out else []
    return Fetched("ok", items, failures, reason=result.reason, **moved)


def newest(items: list[RawItem], most: int) -> tuple[list[RawItem], str]:
    """The `most` newest items (undated ones after the dated, in the feed's order, which
    is newest first by custom), and what was left out, in words ("" when nothing was)."""
    if len(items) <= most:
        return items, ""
    oldest = datetime.min.replace(tzinfo=UTC)
    ordered = sorted(items, key=lambda i: i.published_at or oldest, reverse=True)
    return ordered[:most], (
        f"{len(items) - most:,} older entries left out: the feed lists {len(items):,}, "
        f"at most {most:,} are taken at a time"
    )
