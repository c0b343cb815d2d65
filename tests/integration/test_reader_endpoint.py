"""The readers' endpoint as deployed: `digest serve-unsubscribe` on waitress, started as a
subprocess. A burst of one-click POSTs unsubscribes every reader; half-open connections
cost no thread; a GET changes nothing; a link signed for another reader or action is refused."""

from __future__ import annotations

import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from db import feedback as feedback_store
from db import subscribers as subscriber_store
from db.engine import session_scope
from db.migrate import upgrade
from flows.records import Subscriber
from flows.render import links
from tests.conftest import write_config
from tests.support.reader_endpoint import reader_endpoint

NOW = datetime(2025, 11, 3, 8, tzinfo=UTC)
READERS = 200
HALF_OPEN = 1000
POOL_THREADS = 8  # make_server's default


def readers(url: str, count: int) -> list[Subscriber]:
    upgrade(url)
    with session_scope(url) as session:
        return [subscriber_store.add(session, f"r{i:04}@example.org", NOW) for i in range(count)]


def still_subscribed(url: str) -> int:
    with session_scope(url) as session:
        return sum(1 for s in subscriber_store.list_all(session) if s.unsubscribed_at is None)


def one_click(base: str, token: str) -> int:
    reply = httpx.post(f"{base}/unsubscribe", params={"token": token},
                       data={"List-Unsubscribe": "One-Click"}, timeout=60)  # fmt: skip
    return reply.status_code


def test_200_concurrent_one_click_posts_unsubscribe_200_readers(
    database_url: str, tmp_path: Path
) -> None:
    tokens = [r.token for r in readers(database_url, READERS)]
    start = threading.Barrier(READERS)

    def at_once(token: str) -> int:
        start.wait()
        return one_click(endpoint.url, token)

    with reader_endpoint(write_config(tmp_path, database_url, None)) as endpoint:
        with ThreadPoolExecutor(READERS) as pool:
            statuses = list(pool.map(at_once, tokens))
        assert endpoint.threads() <= POOL_THREADS + 4  # whatever the burst
    assert statuses == [200] * READERS
    assert still_subscribed(database_url) == 0


def test_half_open_connections_hold_no_thread_and_the_endpoint_still_answers(
    sqlite_url: str, tmp_path: Path
) -> None:
    [ana] = readers(sqlite_url, 1)
    with reader_endpoint(write_config(tmp_path, sqlite_url, None)) as endpoint:
        idle = endpoint.threads()
        port = int(endpoint.url.rpartition(":")[2])
        held = []
        try:
            for _ in range(HALF_OPEN):  # each sends half a request, then nothing
                client = socket.create_connection(("127.0.0.1", port), timeout=10)
                client.sendall(b"POST /unsubscribe?token=x HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                held.append(client)
            httpx.get(f"{endpoint.url}/unsubscribe", params={"token": "t"}, timeout=30)
            busy = endpoint.threads()
            assert one_click(endpoint.url, ana.token) == 200  # served while they are held
        finally:
            for client in held:
                client.close()
    assert busy <= max(idle, POOL_THREADS + 1) + 2, (idle, busy)
    assert still_subscribed(sqlite_url) == 0


def test_feedback_links_ask_on_get_act_on_post_and_hold_only_for_their_reader(
    sqlite_url: str, tmp_path: Path
) -> None:
    ana, bo = readers(sqlite_url, 2)
    wire = links.encode_value("Port Wire")
    mute = links.feedback_url("", "mute", wire, links.reader_key(ana.id, ana.token, "mute", wire))
    manage = links.manage_url("", links.reader_key(ana.id, ana.token, "manage"))
    forged = [
        links.feedback_url("", "mute", wire, links.reader_key(ana.id, bo.token, "mute", wire)),
        links.feedback_url("", "mute", links.encode_value("Other"),
                           links.reader_key(ana.id, ana.token, "mute", wire)),
        links.manage_url("", links.reader_key(ana.id, ana.token, "mute", wire)),
        links.feedback_url("", "less", "2025-W43.nosuchstory",
                           links.reader_key(ana.id, ana.token, "less", "2025-W43.nosuchstory")),
    ]  # fmt: skip
    with (
        reader_endpoint(write_config(tmp_path, sqlite_url, None)) as endpoint,
        httpx.Client(base_url=endpoint.url, timeout=30) as client,
    ):
        asked = client.get(mute)
        assert asked.status_code == 200 and "Mute Port Wire?" in asked.text
        assert 'method="post"' in asked.text
        assert said(sqlite_url, ana) == []  # a mail scanner's GET: nothing
        assert [client.post(url).status_code for url in forged] == [404] * len(forged)
        assert said(sqlite_url, ana) == [] and said(sqlite_url, bo) == []
        assert client.post(mute).status_code == 200
        assert client.post(mute).status_code == 200  # twice: kept once
        assert said(sqlite_url, ana) == [("mute", "Port Wire")] and said(sqlite_url, bo) == []
        page = client.get(manage)
        assert "Muted: Port Wire" in page.text and "Undo" in page.text
        assert said(sqlite_url, ana) == [("mute", "Port Wire")]
        [item] = feedback_of(sqlite_url, ana)
        undone = client.post(manage, data={"undo": str(item)})
        assert undone.status_code == 200 and "Undone." in undone.text
        assert said(sqlite_url, ana) == []
        assert client.get("/feedback?a=mute&v=x&k=1.x").status_code == 404
        assert client.delete(mute).status_code == 405


def said(url: str, reader: Subscriber) -> list[tuple[str, str]]:
    with session_scope(url) as session:
        return [(f.kind, f.target) for f in feedback_store.feedback_of(session, reader.id)]


def feedback_of(url: str, reader: Subscriber) -> list[int]:
    with session_scope(url) as session:
        return [f.id for f in feedback_store.feedback_of(session, reader.id)]


pytestmark = pytest.mark.timeout(300)
