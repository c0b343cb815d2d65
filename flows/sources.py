"""Reading one configured source, whatever its kind, into raw items (the fetch step)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx

from flows.feeds import FeedError, parse_feed
from flows.fetch import MAX_BYTES, FetchRequest, FetchResult, fetch
from flows.files import read_folder
from flows.mailbox import read_eml_folder, read_imap, read_maildir, read_mbox
from flows.model import Failure, RawItem, SourceError, SourceStatus
from flows.settings import SourceSettings


@dataclass(frozen=True)
class Fetched:
    """What a source gave this time, and what to remember for the next time."""

    status: str  # "ok" | "unchanged" | "gone" | "retry_later"
    items: list[RawItem] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    reason: str = ""
    etag: str | None = None
    last_modified: str | None = None
    moved_to: str | None = None
    retry_after: float | None = None


def read_source(
    source: SourceSettings,
    state: SourceStatus,
    zone: ZoneInfo,
    now: datetime,
    client: httpx.Client | None = None,
) -> Fetched:
    """Raise SourceError when the whole source cannot be read; the reason names it."""
    if source.kind == "files" and source.path is not None:
        items, failures = read_folder(source.name, source.path, zone, now)
        return Fetched("ok", items, failures)
    if source.kind == "feed" and client is not None:
        return read_feed(source, state, now, client)
    if source.kind == "mailbox":
        return Fetched("ok", read_mailbox(source, now))
    raise SourceError(f"{source.name}: sources of kind {source.kind!r} cannot be read here")


def read_feed(
    source: SourceSettings, state: SourceStatus, now: datetime, client: httpx.Client
) -> Fetched:
    return feed_items(source.name, fetch_feed(source, state, client), now)


def fetch_feed(source: SourceSettings, state: SourceStatus, client: httpx.Client) -> FetchResult:
    """The network half of reading a feed: a conditional GET of its current address."""
    url = state.location or source.url or ""
    max_bytes = int(source.options.get("max_bytes", MAX_BYTES))
    return fetch(client, FetchRequest(url, state.etag, state.last_modified, max_bytes))


def feed_items(name: str, result: FetchResult, now: datetime) -> Fetched:
    """The CPU half: what came back, parsed into raw items (a plain function of its
    arguments, so that it can run in another process)."""
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
        raise SourceError(f"{name}: {result.url}: {result.reason}")
    try:
        items = parse_feed(
            name, result.body, url=result.url, content_type=result.content_type,
            charset=result.charset, fetched_at=now,
        )  # fmt: skip
    except FeedError as err:
        raise SourceError(str(err)) from None
    return Fetched("ok", items, reason=result.reason, **moved)


def read_mailbox(source: SourceSettings, now: datetime) -> list[RawItem]:
    """IMAP when an imap_host is set; else a Maildir, an mbox file or a folder of .eml."""
    options = source.options
    if options.get("imap_host"):
        return read_imap(
            source.name,
            host=str(options["imap_host"]),
            port=int(options.get("imap_port", 993)),
            user=str(options.get("imap_user", "")),
            password=source.password,
            folder=str(options.get("folder", "INBOX")),
            mark_read=bool(options.get("mark_read", False)),
            now=now,
        )
    path = source.path
    assert path is not None
    if path.is_file():
        return read_mbox(source.name, path, now)
    if (path / "cur").is_dir() or (path / "new").is_dir():
        return read_maildir(source.name, path, now)
    return read_eml_folder(source.name, path, now)
