"""Reading one configured source, whatever its kind, into raw items (the fetch step)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flows.records import Failure, Fetched, RawItem, SourceError, SourceStatus
from flows.sources.fetch import MAX_BYTES, FetchRequest
from flows.sources.files import read_folder
from flows.tls import verified_context


def read_source(
    name: str,
    kind: str,
    path: Path | None,
    options: Mapping[str, Any],
    *,
    password: str = "",
    zone: ZoneInfo,
    now: datetime,
    ca_file: str = "",
) -> Fetched:
    """A folder or a mailbox, read whole; a feed is fetched as feed_request says and parsed by
    feed_items. Raise SourceError when the source cannot be read; the reason names it."""
    if kind == "files" and path is not None:
        items, failures = read_folder(name, path, zone, now)
        return Fetched("ok", items, failures)
    if kind == "mailbox":
        return Fetched("ok", *read_mailbox(name, path, options, password, now, ca_file))
    raise SourceError(f"{name}: sources of kind {kind!r} cannot be read here")


def feed_request(
    url: str, options: Mapping[str, Any], state: SourceStatus, timeout: float
) -> FetchRequest:
    """The network half of reading a feed: a conditional GET of its current address (where
    it last moved to, else `url`, its configured one), of at most the `max_bytes` its
    `options` allow, within `timeout` seconds in all. A move recorded while the config
    named another address is not this one's: a state read before the run's sync (by the
    fetching ahead) asks what the run will."""
    max_bytes = int(options.get("max_bytes", MAX_BYTES))
    moved = state.location if state.configured in (None, url) else None
    return FetchRequest(moved or url, state.etag, state.last_modified, max_bytes,
                        configured=url, timeout=timeout)  # fmt: skip


def read_mailbox(
    name: str,
    path: Path | None,
    options: Mapping[str, Any],
    password: str,
    now: datetime,
    ca_file: str = "",
) -> tuple[list[RawItem], list[Failure]]:
    """IMAP when an imap_host is set (its certificate checked against the system's CAs and
    `ca_file`'s); else a Maildir, an mbox file or a folder of .eml."""
    # Imported here: the mail modules (and BeautifulSoup, for tracking links) are no part
    # of an ingest of feeds alone.
    from flows.sources.mailbox import read_eml_folder, read_imap, read_maildir, read_mbox

    if options.get("imap_host"):
        return read_imap(
            name,
            host=str(options["imap_host"]),
            port=int(options.get("imap_port", 993)),
            user=str(options.get("imap_user", "")),
            password=password,
            folder=str(options.get("folder", "INBOX")),
            mark_read=bool(options.get("mark_read", False)),
            now=now,
            ssl_context=verified_context(ca_file),
        )
    if path is None:
        raise SourceError(f"{name}: a mailbox needs a path or an imap_host")
    if path.is_file():
        return read_mbox(name, path, now)
    if (path / "cur").is_dir() or (path / "new").is_dir():
        return read_maildir(name, path, now)
    return read_eml_folder(name, path, now)
