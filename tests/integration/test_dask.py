"""The ingest flow on a Dask cluster of two worker processes, on PostgreSQL, stores
exactly the rows the thread pool stores."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from db import models
from db.engine import session_scope
from flows.orchestration.ingest_flow import run_ingest
from flows.settings import load_settings
from tests.conftest import write_config
from tests.support.feed_server import FeedServer, Route, feed_server, rss

pytestmark = pytest.mark.slow  # starts a Dask cluster of processes

FEEDS = 200


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    with feed_server() as server:
        for f in range(FEEDS):
            entries = [{"title": f"Story {f}-{e}", "guid": f"tag:dask,{f}-{e}",
                        "description": f"Feed {f} tells story {e} about the harbour and {f * e}."}
                       for e in range(3)]  # fmt: skip
            # Every tenth feed repeats the first feed's entries: duplicates across sources.
            body = rss(f"Feed {f}", entries) if f % 10 else rss("Feed 0", [
                {"title": "Story 0-0", "guid": "tag:dask,0-0",
                 "description": "Feed 0 tells story 0 about the harbour and 0."}])  # fmt: skip
            server.add(f"/f{f}.xml", Route(body))
        yield server


def rows(url: str) -> tuple[set, set]:
    with session_scope(url) as session:
        documents = set(session.scalars(select(models.Document.content_hash)))
        sightings = set(session.execute(
            select(models.Source.name, models.Sighting.identity, models.Document.content_hash)
            .join(models.Sighting.source).join(models.Sighting.document)
        ).all())  # fmt: skip
    return documents, sightings


@pytest.mark.usefixtures("prefect_harness")
def test_dask_and_threads_store_the_same_rows(
    postgres_url: str, sqlite_url: str, tmp_path: Path, feeds: FeedServer
) -> None:
    sources = [{"name": f"feed{f}", "kind": "feed", "url": feeds.url(f"/f{f}.xml")}
               for f in range(FEEDS)]  # fmt: skip
    results = {}
    for runner, url in (("threads", sqlite_url), ("dask", postgres_url)):
        folder = tmp_path / runner
        folder.mkdir()
        config = write_config(folder, url, None, sources)
        settings = replace(load_settings(config), task_runner=runner, dask_workers=2)
        reports = run_ingest(settings, str(config))
        assert sum(r.new for r in reports) == len(rows(url)[0])
        assert all(r.status == "ok" for r in reports), [r for r in reports if r.status != "ok"]
        results[runner] = rows(url)
    assert results["dask"] == results["threads"]
    assert len(results["threads"][0]) == 180 * 3 + 1
