"""Feeds to raw items: RSS and Atom by feedparser (plain RSS 2.0 by plain_rss), JSON by hand."""

from __future__ import annotations

import calendar
import hashlib
import json
import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from flows.html_text import html_to_lines
from flows.records import Failure, Fetched, HttpResult, RawItem, SourceError
from flows.redact import mask_url
from flows.sanitise import as_text, clean_html, multi_line
from flows.sources.buffered_sax import feedparser_module

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
    """Every entry of the feed once (by identity, the last one wins), or a FeedError; the
    entries that could not be read are logged (feed_entries says which and why)."""
    items, failures = feed_entries(source, body, url=url, content_type=content_type,
                                   charset=charset, fetched_at=fetched_at)  # fmt: skip
    for failure in failures:
        log.info("%s: entry %s left out: %s", source, failure.identity, failure.reason)
    return items


def feed_entries(
    source: str,
    body: bytes,
    *,
    url: str,
    content_type: str | None,
    charset: str | None,
    fetched_at: datetime,
) -> tuple[list[RawItem], list[Failure]]:
    """Every entry of the feed once, and each entry that could not be read, with why (it
    fails alone); a FeedError when the body yields no feed at all."""
    if not body.strip():
        raise FeedError(source, "empty body")
    head = body.lstrip()[:512].lower()
    if content_type in JSON_TYPES or head.startswith(b"{"):
        entries, failures = _json_feed(source, body, url, fetched_at)
    elif head.startswith((b"<!doctype html", b"<html")):
        raise FeedError(source, "not a feed: the server sent an HTML page")
    else:
        entries, failures = _xml_feed(source, body, url, content_type, charset, fetched_at)
    unique: dict[str, RawItem] = {}
    for item in entries:
        if item.identity in unique:
            log.info("%s: entry %s appears twice; keeping the last", source, item.identity)
        unique[item.identity] = item
    return list(unique.values()), failures


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
) -> tuple[list[RawItem], list[Failure]]:  # fmt: skip
    from flows.sources.plain_rss import read_plain_rss  # feedparser's helpers: not for 304s

    parsed = read_plain_rss(body, content_type, charset) or _feedparser(body, content_type, charset)
    if not parsed.entries:
        if parsed.bozo:
            raise FeedError(source, f"malformed feed: {parsed.bozo_exception}")
        if not parsed.feed:
            raise FeedError(source, "not a feed: no channel and no entries")
        return [], []
    publisher = parsed.feed.get("title") or source
    base = as_text(parsed.feed.get("link")) or url
    items, failures = [], []
    for number, entry in enumerate(parsed.entries):
        try:
            items.append(_xml_item(source, entry, publisher, base, fetched_at))
        except Exception as err:  # an entry no reader expected fails alone, named
            failures.append(_entry_failure(source, entry, number, err))
    return items, failures


def _feedparser(body: bytes, content_type: str | None, charset: str | None) -> Any:
    # No content-location (joined with every element's URI: a quarter of its time), no
    # sanitiser or link rewriting: links are joined, and nh3 cleans each entry's HTML, below.
    header = content_type and content_type + (f"; charset={charset}" if charset else "")
    headers = {"content-type": header} if header else {}
    return feedparser_module().parse(
        body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )


def _entry_failure(source: str, entry: Any, number: int, err: Exception) -> Failure:
    name = entry.get("id") or entry.get("link") if isinstance(entry, dict) else None
    identity = as_text(name) or f"entry {number + 1}"
    return Failure(source, identity, f"entry could not be read: {type(err).__name__}: {err}")


def _xml_item(source: str, entry: Any, publisher: str, base: str, fetched_at: datetime) -> RawItem:
    """One entry of an RSS or Atom feed as a raw item."""
    content, content_base = _best_content(entry)
    when = entry.get("published_parsed") or entry.get("updated_parsed")
    link = urljoin(base, entry["link"]) if entry.get("link") else None
    title = _plain_title(entry)
    return RawItem(
        source=source,
        identity=entry_identity(entry.get("id"), link, title,
                                entry.get("published") or entry.get("updated") or ""),
        body=multi_line(clean_html(content, content_base or base)).encode("utf-8"),
        content_type="text/html",
        fetched_at=fetched_at,
        publisher=publisher,
        title=title or None,
        url=link,
        published_at=_feed_time(when),
        date_how="feed" if when else None,
    )  # fmt: skip


def _feed_time(when: Any) -> datetime | None:
    """feedparser's parsed date as a moment; one no clock can hold (year 0, 99999) is none."""
    try:
        return datetime.fromtimestamp(calendar.timegm(when), UTC) if when else None
    except (OverflowError, ValueError, OSError, TypeError):
        return None


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
        return best["value"], best.get("base")
    if entry.get("summary"):
        return entry["summary"], (entry.get("summary_detail") or {}).get("base")
    return entry.get("title") or "", None


def _json_feed(
    source: str, body: bytes, url: str, fetched_at: datetime
) -> tuple[list[RawItem], list[Failure]]:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise FeedError(source, f"malformed JSON: {err}") from None
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith(JSON_FEED_VERSION):
        raise FeedError(source, "not a feed: JSON without a jsonfeed.org version")
    entries = data.get("items") or []
    if not isinstance(entries, list):
        raise FeedError(source, f"malformed JSON Feed: items is {_kind(entries)}, not a list")
    base = _url(data.get("home_page_url")) or _url(data.get("feed_url")) or url
    publisher = as_text(data.get("title")) or source
    items, failures = [], []
    for number, entry in enumerate(entries):
        try:
            items.append(_json_item(source, entry, base, publisher, fetched_at))
        except Exception as err:  # a wrong type or anything unforeseen: this entry alone
            name = as_text(entry.get("id")) if isinstance(entry, dict) else None
            reason = str(err) if isinstance(err, EntryError) else f"{type(err).__name__}: {err}"
            failures.append(Failure(source, name or f"item {number + 1}", reason))
    return items, failures


class EntryError(ValueError):
    """One entry of a feed that cannot be read; the message says why."""


def _json_item(
    source: str, entry: object, base: str, publisher: str, fetched_at: datetime
) -> RawItem:
    """One JSON Feed item: numbers where text belongs are read as text; content of another
    type (a list, an object) is no content."""
    if not isinstance(entry, dict):
        raise EntryError(f"an item is {_kind(entry)}, not an object")
    html, text = as_text(entry.get("content_html")), as_text(entry.get("content_text"))
    text = text or as_text(entry.get("summary")) or ""
    if not (html or text):
        wrong = [f"{k} is {_kind(entry[k])}" for k in ("content_html", "content_text", "summary")
                 if entry.get(k) is not None and as_text(entry[k]) is None]  # fmt: skip
        raise EntryError(f"no text content ({', '.join(wrong) or 'none given'})")
    link = _url(entry.get("url"))
    link = urljoin(base, link) if link else None
    date = as_text(entry.get("date_published")) or as_text(entry.get("date_modified")) or ""
    title = as_text(entry.get("title")) or ""
    published = _iso_date(date)
    return RawItem(
        source=source,
        identity=entry_identity(as_text(entry.get("id")), link, title, date),
        body=multi_line(html or text).encode("utf-8", errors="replace"),
        content_type="text/html" if html else "text/plain",
        fetched_at=fetched_at,
        publisher=publisher,
        title=title or None,
        url=link,
        published_at=published,
        date_how="feed" if published else None,
    )


def _url(value: object) -> str | None:
    """A URL only when given as text: a number is no address."""
    return value.strip() or None if isinstance(value, str) else None


def _kind(value: object) -> str:
    return {list: "a list", dict: "an object"}.get(type(value), f"of type {type(value).__name__}")


def _iso_date(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def feed_items(
    name: str, result: HttpResult, now: datetime, max_entries: int = MAX_ENTRIES
) -> Fetched:
    """The CPU half: what came back, parsed into raw items (a plain function of its
    arguments, so that it can run in another process); the newest `max_entries` of them,
    the rest named in the report."""
    moved = {"moved_to": result.moved_to, "etag": result.etag,
             "last_modified": result.last_modified}  # fmt: skip
    if result.status == "not_modified":
        return Fetched("unchanged", reason=result.reason, **moved)
    if result.status == "gone":
        return Fetched("gone", reason=result.reason)
    if result.status == "retry_later":
        return Fetched("retry_later", reason=result.reason, retry_after=result.retry_after)
    if result.status != "ok":
        raise SourceError(f"{name}: {mask_url(result.url)}: {result.reason}")
    try:
        items, failures = feed_entries(
            name, result.body, url=result.url, content_type=result.content_type,
            charset=result.charset, fetched_at=now,
        )  # fmt: skip
    except FeedError as err:
        raise SourceError(str(err)) from None
    except Exception as err:  # a parser's own bug on hostile input: this source's failure
        raise SourceError(
            f"{name}: the feed could not be parsed: {type(err).__name__}: {err}"
        ) from err
    items, left_out = newest(items, max_entries)
    failures += [Failure(name, "", left_out)] if left_out else []
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
