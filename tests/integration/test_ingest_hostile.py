"""The ingest flow among hostile feeds (a real server, playing the proxy for names outside):
each fails alone with its reason and back-off recorded, and the good feed is stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from db import sources as source_store
from db.engine import session_scope
from flows.orchestration.ingest_flow import ingest_flow
from tests.conftest import write_config
from tests.support.feed_server import Route, feed_server, gzip_bomb, rss

pytestmark = pytest.mark.usefixtures("prefect_harness")

GOOD = rss("Harbour News", [{"title": "Bridge opens", "guid": "g1", "link": "/g1",
                             "pubDate": "Fri, 24 Oct 2025 09:30:00 GMT",
                             "description": "The harbour bridge opened on Friday."}])  # fmt: skip
MANY = rss("Everything", [{"title": f"Entry {n}", "guid": f"e{n}", "description": f"Text {n}"}
                          for n in range(520)])  # fmt: skip


def test_hostile_feeds_fail_one_by_one_with_their_reasons(sqlite_url: str, tmp_path: Path) -> None:
    with feed_server() as server:
        url = {name: f"http://{name}.invalid/feed"
               for name in ("good", "bomb", "drip", "inside", "busy", "many")}  # fmt: skip
        server.add(url["good"], Route(GOOD))
        server.add(url["bomb"], Route(gzip_bomb(), headers={"Content-Encoding": "gzip, gzip"}))
        server.add(url["drip"], Route(GOOD, drip=0.05))
        server.redirect(url["inside"], "http://169.254.169.254/latest/meta-data/", 301)
        server.add(url["busy"], Route(b"", status=503, headers={"Retry-After": "1" + "0" * 12}))
        server.add(url["many"], Route(MANY))
        sources = [{"name": name, "kind": "feed", "url": u} for name, u in url.items()]
        config = write_config(tmp_path, sqlite_url, None, sources)
        text = config.read_text().replace(
            "[digest]\n", f'[digest]\nfetch_timeout = 1\nhttp_proxy = "{server.base}"\n', 1
        )
        config.write_text(text)
        before = datetime.now(UTC)
        reports = {r.source: r for r in ingest_flow(config=str(config))}
    assert (reports["good"].status, reports["good"].new) == ("ok", 1)
    failed = {name: r.error for name, r in reports.items() if r.status == "failed"}
    assert set(failed) == {"bomb", "drip", "inside", "busy"}
    assert "too large: the body is over the 10,485,760-byte limit" in failed["bomb"]
    assert "timed out: the fetch took over 1 s in all" in failed["drip"]
    assert "redirect to an internal address refused" in failed["inside"]
    assert "503" in failed["busy"]
    assert (reports["many"].status, reports["many"].new) == ("partial", 500)
    assert "20 older entries left out" in reports["many"].failures[0].reason
    with session_scope(sqlite_url) as session:
        health = {s.name: s for s in source_store.list_sources(session)}
    for name in failed:
        assert health[name].consecutive_failures == 1 and health[name].next_fetch_at
    assert health["inside"].location == url["inside"]  # never moved inside
    week = health["busy"].next_fetch_at - before
    assert timedelta(days=6, hours=23) < week <= timedelta(days=7, minutes=5)
