"""Source health: when a failing source may be tried again (exponential back-off)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

FIRST_WAIT = timedelta(minutes=5)
LONGEST_WAIT = timedelta(hours=24)
LONGEST_RETRY_AFTER = timedelta(days=7)  # the most a server's Retry-After is honoured


def next_fetch_at(
    failures: int, now: datetime, retry_after: float | None = None
) -> datetime | None:
    """None after a success; else 5 min doubled per failure up to a day, or longer when
    the server asked for longer (Retry-After)."""
    if failures <= 0 and retry_after is None:
        return None
    wait = min(FIRST_WAIT * (2 ** min(max(failures - 1, 0), 16)), LONGEST_WAIT)
    if retry_after is not None:
        wait = max(wait, timedelta(seconds=min(retry_after, LONGEST_RETRY_AFTER.total_seconds())))
    return now + wait


def backs_off(kind: str, options: Mapping[str, Any]) -> bool:
    """Whether a failing source waits before its next try: a server (a feed, an IMAP
    mailbox) is spared our retries; a folder or a mailbox file on this machine is not a
    server, and the user who fixed it wants it read at the next run."""
    return kind == "feed" or (kind == "mailbox" and bool(options.get("imap_host")))
