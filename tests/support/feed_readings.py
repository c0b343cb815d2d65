"""A feed read twice, by the plain RSS path where it takes the feed and by feedparser alone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from flows.sources import feeds, plain_rss

NOW = datetime(2026, 1, 5, tzinfo=UTC)
URL = "http://example.org/feed.xml"


def both_readings(
    body: bytes, content_type: str | None = None, charset: str | None = None
) -> tuple[object, object]:
    """feed_entries' result (or its error) with the plain path, and with feedparser only."""

    def read() -> object:
        try:
            return feeds.feed_entries("src", body, url=URL, content_type=content_type,
                                      charset=charset, fetched_at=NOW)  # fmt: skip
        except feeds.FeedError as err:
            return str(err)

    with pytest.MonkeyPatch.context() as patch:
        fast = read()
        patch.setattr(plain_rss, "read_plain_rss", lambda *_: None)
        return fast, read()
