"""The ingest flow over real feeds: every source gets a status and a reason, 304s cost
nothing, failures back off, 410 disables, 301 moves, and nothing stored is lost."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db import models
from db import sources as source_store
from db.engine import session_scope
from flows.orchestration.ingest_flow import ingest_flow
from tests.conftest import write_config
from tests.support.feed_server import FeedServer, Route, feed_server, rss

pytestmark = pytest.mark.usefixtures("prefect_harness")

GOOD = rss("Harbour News", [
    {"title": "Bridge opens to traffic", "guid": "tag:h,1", "link": "/1",
     "pubDate": "Fri, 24 Oct 2025 09:30:00 GMT",
     "description": "&lt;p onclick='x()'&gt;The new harbour bridge opened to traffic on "
                    "Friday morning after four years of work.&lt;/p&gt;"
                    "&lt;script&gt;alert(1)&lt;/script&gt;"},
    {"title": "Ferry service ends", "guid": "tag:h,2", "link": "/2",
     "pubDate": "Sat, 25 Oct 2025 10:00:00 GMT",
     "description": "The last ferry crossed the harbour on Saturday, ending ninety years."},
])  # fmt: skip
JSON_FEED = json.dumps({
    "version": "https://jsonfeed.org/version/1.1", "title": "Rail Weekly",
    "items": [{"id": "r1", "title": "Night trains return", "url": "https://rail.example/r1",
               "content_text": "Night trains between the two capitals return in December.",
               "date_published": "2025-10-23T08:00:00Z"}],
}).encode()  # fmt: skip


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with feed_server() as running:
        running.add("/good.xml", Route(GOOD, etag='"g1"'))
        running.add("/rail.json", Route(JSON_FEED, content_type="application/feed+json",
                                        last_modified="Thu, 23 Oct 2025 08:00:00 GMT"))  # fmt: skip
        running.add("/missing.xml", Route(b"no", status=404))
        running.add("/gone.xml", Route(b"", status=410))
        running.add("/page.xml", Route(b"<!DOCTYPE html><html><body>Hi</body></html>",
                                       content_type="text/html"))  # fmt: skip
        running.redirect("/old.xml", "/good.xml", 301)
        yield running


def sources(server: FeedServer) -> list[dict[str, object]]:
    names = ["good", "rail", "missing", "gone", "page", "old"]
    paths = ["/good.xml", "/rail.json", "/missing.xml", "/gone.xml", "/page.xml", "/old.xml"]
    return [
        {"name": n, "kind": "feed", "url": server.url(p)} for n, p in zip(names, paths, strict=True)
    ]


def test_feeds_end_to_end(database_url: str, tmp_path: Path, server: FeedServer) -> None:
    config = str(write_config(tmp_path, database_url, None, sources(server)))
    first = {r.source: r for r in ingest_flow(config=config)}
    assert (first["good"].status, first["old"].status) == ("ok", "ok")
    # "good" and "old" (moved to good) run at once: the same entries, stored once.
    assert first["good"].new + first["old"].new == 2
    assert first["good"].duplicate + first["old"].duplicate == 2
    assert (first["rail"].status, first["rail"].new) == ("ok", 1)
    assert first["missing"].status == "failed" and "404" in first["missing"].error
    assert first["gone"].status == "failed" and "410" in first["gone"].error
    assert first["page"].status == "failed" and "HTML page" in first["page"].error
    with session_scope(database_url) as session:
        stored = session.scalar(select(func.count()).select_from(models.Document))
        texts = list(session.scalars(select(models.Document.text)))
        health = {s.name: s for s in source_store.list_sources(session)}
    assert stored == 3
    assert not any("alert" in t or "x()" in t for t in texts)
    assert (
        health["missing"].next_fetch_at is not None and health["missing"].consecutive_failures == 1
    )
    assert health["gone"].disabled
    assert health["old"].location == server.url("/good.xml")  # moved by the 301

    second = {r.source: r for r in ingest_flow(config=config)}
    assert second["good"].status == "unchanged" and second["rail"].status == "unchanged"
    assert server.requests["/good.xml"][-1]["If-None-Match"] == '"g1"'
    assert server.requests["/rail.json"][-1]["If-Modified-Since"] == "Thu, 23 Oct 2025 08:00:00 GMT"
    assert second["missing"].status == "skipped" and "backing off" in second["missing"].error
    assert second["gone"].status == "skipped" and "disabled" in second["gone"].error
    assert server.hits["/missing.xml"] == 1 and server.hits["/gone.xml"] == 1
    assert server.hits["/old.xml"] == 1  # the moved source now goes straight to its new address
    with session_scope(database_url) as session:
        assert session.scalar(select(func.count()).select_from(models.Document)) == stored


def test_fetches_at_once_are_bounded(sqlite_url: str, tmp_path: Path, server: FeedServer) -> None:
    from flows.orchestration.runner import PARALLEL

    slow = [server.add(f"/slow{i}.xml", Route(GOOD, stall=0.3)) for i in range(3 * PARALLEL)]
    feeds = [{"name": f"slow{i}", "kind": "feed", "url": u} for i, u in enumerate(slow)]
    config = write_config(tmp_path, sqlite_url, None, feeds)
    reports = ingest_flow(config=str(config))
    assert all(r.status == "ok" for r in reports)
    assert 1 < server.most_active <= PARALLEL


def test_each_batch_task_is_named_after_its_sources(
    sqlite_url: str, tmp_path: Path, server: FeedServer
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from flows.orchestration.runner import PARALLEL

    urls = [server.add(f"/f{i}.xml", Route(GOOD)) for i in range(2 * PARALLEL)]
    feeds = [{"name": f"f{i}", "kind": "feed", "url": u} for i, u in enumerate(urls)]
    state = ingest_flow(config=str(write_config(tmp_path, sqlite_url, None, feeds)),
                        return_state=True)  # fmt: skip
    wanted = {f"ingest-f{i}-and-1-more" for i in range(PARALLEL)}
    only_this_run = FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id]))
    deadline, names = time.monotonic() + 15, set()
    while names != wanted and time.monotonic() < deadline:  # the server records runs later
        time.sleep(0.2)
        with get_client(sync_client=True) as client:
            names = {r.name for r in client.read_task_runs(flow_run_filter=only_this_run)}
    assert names == wanted
