"""Reading one configured source, whatever its kind, into raw items (the fetch step)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flows.records import Fetched, RawItem, SourceError, SourceStatus
from flows.settings import SourceSettings
from flows.sources.fetch import MAX_BYTES, Fetcher, FetchRequest, FetchResult, fetch
from flows.sources.files import read_folder
from flows.sources.mailbox import read_eml_folder, read_imap, read_maildir, read_mbox


def read_source(source: SourceSettings, zone: ZoneInfo, now: datetime) -> Fetched:
    """A folder or a mailbox, read whole; a feed is fetched by fetch_feed and parsed by
    feed_items. Raise SourceError when the source cannot be read; the reason names it."""
    if source.kind == "files" and source.path is not None:
        items, failures = read_folder(source.name, source.path, zone, now)
        return Fetched("ok", items, failures)
    if source.kind == "mailbox":
        return Fetched("ok", read_mailbox(source, now))
    raise SourceError(f"{source.name}: sources of kind {source.kind!r} cannot be read here")


def fetch_feed(source: SourceSettings, state: SourceStatus, fetcher: Fetcher) -> FetchResult:
    """The network half of reading a feed: a conditional GET of its current address."""
    url = state.location or source.url or ""
    max_bytes = int(source.options.get("max_bytes", MAX_BYTES))
    return fetch(fetcher, FetchRequest(url, state.etag, state.last_modified, max_bytes))


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
