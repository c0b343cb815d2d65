"""Feeds fetched ahead by a child process: an answer is used only for the very request the
ingest would make, its items read as the ingest reads them, each feed is fetched once, and a
child that dies or runs out of budget leaves the rest to the ingest's own fetching."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from db import sources as source_store
from db.engine import session_scope
from db.migrate import upgrade
from flows.pipeline import fetch_ahead
from flows.pipeline.fetch_ahead import fetching_ahead, taken
from flows.records import Fetched, HttpResult, SourceStatus
from flows.settings import Settings, load_settings
from flows.sources.feeds import feed_items
from flows.sources.fetch import FetchRequest
from flows.sources.read import feed_request
from tests.conftest import ROOT, write_config
from tests.support.feed_server import FeedServer, Route, feed_server, rss

NAMES = [f"feed{i}" for i in range(6)]
PARSED = NAMES[:5]  # feed5's body is cut off
BROKEN = b"<rss><channel><title>cut off"


def body(i: int) -> bytes:
    if i == 5:
        return BROKEN
    text = f"Harbour item {i} " + "words " * 2000
    return rss(f"Feed {i}", [{"title": f"Item {i}", "guid": f"tag:f,{i}", "link": f"/{i}",
                              "pubDate": "Fri, 24 Oct 2025 09:30:00 GMT",
                              "description": text}])  # fmt: skip


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with feed_server() as running:
        for i, name in enumerate(NAMES):
            running.add(f"/{name}.xml", Route(body(i), etag=f'"{name}-1"'))
        yield running


def settings_for(tmp_path: Path, server: FeedServer, migrated: bool = True) -> Settings:
    url = f"sqlite:///{tmp_path / 'd.db'}"
    feeds = [{"name": n, "kind": "feed", "url": server.url(f"/{n}.xml")} for n in NAMES]
    settings = load_settings(write_config(tmp_path, url, None, feeds))
    if migrated:
        upgrade(url)
        with session_scope(url) as session:
            source_store.sync_sources(session, [(n, "feed", server.url(f"/{n}.xml"))
                                                 for n in NAMES])  # fmt: skip
    return settings


def request_of(settings: Settings, name: str) -> FetchRequest:
    """The request the ingest itself would make for `name`, from the stored state."""
    source = next(s for s in settings.sources if s.name == name)
    with session_scope(settings.database_url, read_only=True) as session:
        state = source_store.source_statuses(session, [name])[name]
    return feed_request(source.url or "", source.options, state, settings.fetch_timeout)


def store_validators(settings: Settings, name: str, etag: str) -> None:
    run = source_store.Run(name, "unchanged", None, {}, {"etag": etag})
    with session_scope(settings.database_url) as session:
        source_store.record_runs(session, [run], datetime.now(UTC))


def test_each_answer_serves_only_the_request_it_was_fetched_for(
    tmp_path: Path, server: FeedServer
) -> None:
    settings = settings_for(tmp_path, server)
    store_validators(settings, "feed1", '"feed1-1"')  # answers 304 to its conditional GET
    with fetching_ahead(settings):
        requests = {n: request_of(settings, n) for n in NAMES}
        assert requests["feed1"].etag == '"feed1-1"'
        other = replace(requests["feed2"], etag='"stale"')
        assert taken("feed2", other) is None  # validators differ: the caller fetches
        answers = {n: taken(n, requests[n]) for n in NAMES if n != "feed2"}
        assert taken("feed0", requests["feed0"]) is None  # an answer is taken once
    assert answers["feed1"] is not None and answers["feed1"].status == "not_modified"
    for i, name in enumerate(NAMES):
        if name not in ("feed1", "feed2"):
            assert read_as_the_ingest_reads(answers[name], name, i), name
    # feed2's answer was never taken: the child may have been stopped before asking
    assert all(server.hits[f"/{n}.xml"] == 1 for n in NAMES if n != "feed2"), server.hits
    assert server.hits["/feed2.xml"] <= 1
    assert server.requests["/feed1.xml"][0].get("If-None-Match") == '"feed1-1"'


def test_a_feed_whose_address_changed_is_fetched_at_its_new_one(
    tmp_path: Path, server: FeedServer
) -> None:
    settings = settings_for(tmp_path, server)
    old = server.url("/old.xml")  # what digest.toml named before: also where feed0 lives now
    with session_scope(settings.database_url) as session:
        source_store.sync_sources(session, [("feed0", "feed", old)])
    with fetching_ahead(settings):
        planned()  # before the run's own sync, as in a run: the child plans while it loads
        with session_scope(settings.database_url) as session:
            source_store.sync_sources(session, [(s.name, s.kind, s.url) for s in settings.sources])
        answer = taken("feed0", request_of(settings, "feed0"))
        arrived()  # the rest too: a child stopped mid-GET leaves the server a reset to log
    assert read_as_the_ingest_reads(answer, "feed0", 0)
    assert "/old.xml" not in server.hits and server.hits["/feed0.xml"] == 1


def read_as_the_ingest_reads(answer: HttpResult | Fetched | None, name: str, i: int) -> bool:
    """The feed's items, parsed as the ingest parses them (but for the time of the fetch),
    or the body as it came: once the tasks ask, and when it does not parse (for the ingest
    to fail with why)."""
    if isinstance(answer, HttpResult):
        return answer.status == "ok" and answer.body == body(i) and answer.etag == f'"{name}-1"'
    got = HttpResult(f"http://x/{name}.xml", "ok", body=body(i), etag=f'"{name}-1"')
    expected = feed_items(name, got, datetime.now(UTC))
    assert isinstance(answer, Fetched) and answer.status == "ok" and i != 5
    assert answer.etag == f'"{name}-1"' and answer.failures == expected.failures
    assert [replace(item, fetched_at=None) for item in answer.items] == [
        replace(item, fetched_at=None) for item in expected.items
    ]
    return True


def planned() -> None:
    answers = fetch_ahead._answers
    assert answers is not None
    with answers.changed:
        assert answers.changed.wait_for(lambda: answers.plan is not None, timeout=60)


def arrived(name: str | None = None) -> None:
    """Wait until the child has sent the answer for `name` (None: every answer), without
    taking it: the tasks have not asked yet."""
    answers = fetch_ahead._answers
    assert answers is not None
    with answers.changed:
        assert answers.changed.wait_for(
            lambda: answers.ended or name in answers.answers, timeout=60
        )


def test_bodies_come_parsed_until_the_tasks_ask(
    tmp_path: Path, server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fetch_ahead, "PARALLEL", 1)  # one GET after the other, in order
    settings = settings_for(tmp_path, server)
    with fetching_ahead(settings, only="feed5"):
        arrived()
        broken = taken("feed5", request_of(settings, "feed5"))
    assert isinstance(broken, HttpResult) and broken.body == BROKEN  # the ingest says why
    server.routes["/feed1.xml"].stall = 2.0  # answered well after feed0 is asked for
    request = request_of(settings, "feed0")
    with fetching_ahead(settings):
        arrived("feed0")
        first = taken("feed0", request)
        later = {n: taken(n, request_of(settings, n)) for n in NAMES[1:]}
    assert isinstance(first, Fetched) and read_as_the_ingest_reads(first, "feed0", 0)
    assert all(isinstance(a, HttpResult) for a in later.values()), later  # the pool parses
    assert all(read_as_the_ingest_reads(a, n, int(n[-1])) for n, a in later.items())


def test_sources_backing_off_wait_unless_forced(tmp_path: Path, server: FeedServer) -> None:
    settings = settings_for(tmp_path, server)
    backing_off = {"next_fetch_at": datetime.now(UTC) + timedelta(hours=1)}
    run = source_store.Run("feed3", "failed", "503 Service Unavailable", {}, backing_off)
    with session_scope(settings.database_url) as session:
        source_store.record_runs(session, [run], datetime.now(UTC))
    with fetching_ahead(settings):
        assert taken("feed3", request_of(settings, "feed3")) is None
        assert taken("feed4", request_of(settings, "feed4")) is not None
    assert server.hits["/feed3.xml"] == 0
    with fetching_ahead(settings, only="feed3", force=True):
        answer = taken("feed3", request_of(settings, "feed3"))
    assert answer is not None and answer.status == "ok"
    assert server.hits["/feed3.xml"] == 1  # the forced run fetched it, and only it
    assert all(server.hits[f"/{n}.xml"] <= 1 for n in NAMES), server.hits


def test_a_new_database_is_fetched_for_and_not_made(tmp_path: Path, server: FeedServer) -> None:
    settings = settings_for(tmp_path, server, migrated=False)
    with fetching_ahead(settings):
        source = settings.sources[0]
        request = feed_request(
            source.url or "",
            {},
            SourceStatus.never_run(source.name, "feed"),
            settings.fetch_timeout,
        )
        arrived()
        answer = taken(source.name, request)
        assert not (tmp_path / "d.db").exists()
    assert isinstance(answer, Fetched) and read_as_the_ingest_reads(answer, source.name, 0)


def test_past_its_budget_the_child_leaves_the_rest(
    tmp_path: Path, server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fetch_ahead, "BUDGET", len(body(0)))  # the child is a fork: it sees this
    monkeypatch.setattr(fetch_ahead, "PARALLEL", 1)
    settings = settings_for(tmp_path, server)
    with fetching_ahead(settings):
        answers = [taken(n, request_of(settings, n)) for n in NAMES]
    assert read_as_the_ingest_reads(answers[0], "feed0", 0)
    assert answers[1:] == [None] * 5
    assert [server.hits[f"/{n}.xml"] for n in NAMES] == [1, 0, 0, 0, 0, 0]


def test_a_child_that_dies_leaves_the_fetching_to_the_caller(
    tmp_path: Path, server: FeedServer
) -> None:
    server.routes["/feed0.xml"].stall = 5.0  # its answer cannot come before the child dies
    settings = settings_for(tmp_path, server)
    got: list[object] = []
    with fetching_ahead(settings):
        answers = fetch_ahead._answers
        assert answers is not None
        with answers.changed:
            answers.changed.wait_for(lambda: answers.plan is not None, timeout=30)
        answers.process.kill()
        asking = threading.Thread(
            target=lambda: got.append(taken("feed0", request_of(settings, "feed0")))
        )
        asking.start()
        asking.join(60)  # a caller left waiting for a dead child would wait for ever
        assert not asking.is_alive() and got == [None]


@pytest.mark.usefixtures("prefect_harness")
def test_the_command_fetches_each_feed_once_a_run(tmp_path: Path, server: FeedServer) -> None:
    from prefect.settings import PREFECT_API_URL

    url = f"sqlite:///{tmp_path / 'd.db'}"
    feeds = [{"name": n, "kind": "feed", "url": server.url(f"/{n}.xml")} for n in PARSED]
    config = str(write_config(tmp_path, url, None, feeds))
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")}
    env |= {"PREFECT_API_URL": str(PREFECT_API_URL.value()), "COLUMNS": "200"}
    for run in (1, 2):
        done = subprocess.run([sys.executable, "-m", "flows.cli.main", "ingest", "--config",
                               config], capture_output=True, text=True, env=env, cwd=ROOT,
                              timeout=300, check=False)  # fmt: skip
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        assert all(server.hits[f"/{n}.xml"] == run for n in PARSED), server.hits
    rows = [line for line in done.stdout.splitlines() if "feed" in line]
    assert len(rows) == 5 and all("unchanged" in row for row in rows), done.stdout
    assert all(server.requests[f"/{n}.xml"][1].get("If-None-Match") == f'"{n}-1"' for n in PARSED)
