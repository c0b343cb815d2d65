"""Hostile servers (a real HTTP server on loopback): a stacked gzip bomb, a drip feed, an
absurd Retry-After, redirects into internal addresses. Each ends as a result with a reason,
in bounded memory and time."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpcore
import pytest

from flows.sources.fetch import Fetcher, FetchRequest, fetch, retry_after
from flows.sources.health import next_fetch_at
from flows.sources.network import GuardedBackend, fetching
from tests.support.feed_server import FeedServer, Route, feed_server, gzip_bomb, rss

ROOT = Path(__file__).resolve().parents[2]
FEED = rss("Harbour News", [{"title": "Bridge opens", "guid": "b1", "link": "/b1"}])
WEEK = timedelta(days=7).total_seconds()
# Fetches a URL in a fresh interpreter; prints the result and the process's peak memory.
PEAK_SCRIPT = """
import sys
from flows.sources.fetch import Fetcher, FetchRequest, fetch
with Fetcher(connect_timeout=2, read_timeout=10) as fetcher:
    result = fetch(fetcher, FetchRequest(sys.argv[1]))
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec, from the forked pytest worker.
peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status")
               if line.startswith("VmHWM:"))
peak_mb = peak_kb / 1024
print(result.status, result.reason, f"peak_mb={peak_mb:.0f}", sep="|")
"""


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with feed_server() as running:
        yield running


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(connect_timeout=2, read_timeout=1) as made:
        yield made


def test_a_stacked_gzip_bomb_fails_as_too_large_in_bounded_memory(server: FeedServer) -> None:
    bomb = gzip_bomb(1 << 30, layers=2)  # 1 GiB of zeros in ~2.5 KB
    assert len(bomb) < 3000
    url = server.add("/bomb", Route(bomb, headers={"Content-Encoding": "gzip, gzip"}))
    ran = subprocess.run([sys.executable, "-c", PEAK_SCRIPT, url], capture_output=True,
                         text=True, timeout=120, cwd=ROOT, check=True)  # fmt: skip
    status, reason, peak = ran.stdout.strip().split("|")
    assert status == "error" and reason.startswith("too large")
    assert float(peak.removeprefix("peak_mb=")) < 400, ran.stdout


@pytest.mark.parametrize(
    ("encoding", "layers"), [("gzip", 1), ("gzip, gzip", 2), ("deflate, gzip", 2)]
)
def test_smaller_bombs_and_bombs_on_error_pages_are_results(
    server: FeedServer, fetcher: Fetcher, encoding: str, layers: int
) -> None:
    bomb = gzip_bomb(64 << 20, layers)
    if encoding.startswith("deflate"):  # the inner layer as zlib data, the outer as gzip
        import gzip
        import zlib

        bomb = gzip.compress(zlib.compress(bytes(64 << 20), 9))
    url = server.add("/b", Route(bomb, headers={"Content-Encoding": encoding}))
    result = fetch(fetcher, FetchRequest(url))
    assert (result.status, result.body) == ("error", b"")
    assert "too large: the body is over the 10,485,760-byte limit" in result.reason
    # On a redirect or an error page, the body is read raw (to keep the connection), never
    # decoded: the answer is the status.
    server.add("/404", Route(bomb, status=404, headers={"Content-Encoding": encoding}))
    assert "404" in fetch(fetcher, FetchRequest(server.url("/404"))).reason
    server.add("/moved", Route(bomb, status=302, headers={"Content-Encoding": encoding,
                                                         "Location": "/ok"}))  # fmt: skip
    server.add("/ok", Route(FEED))
    assert fetch(fetcher, FetchRequest(server.url("/moved"))).body == FEED
    # Another 2xx carries its body, decoded and capped like a 200's.
    server.add("/203", Route(bomb, status=203, headers={"Content-Encoding": encoding}))
    assert "too large" in fetch(fetcher, FetchRequest(server.url("/203"))).reason
    server.add("/203ok", Route(FEED, status=203, gzip=True))
    assert fetch(fetcher, FetchRequest(server.url("/203ok"))).body == FEED


def test_too_many_or_unknown_encodings_fail_with_the_reason(
    server: FeedServer, fetcher: Fetcher
) -> None:
    import gzip

    thrice = gzip.compress(gzip.compress(gzip.compress(FEED)))
    url = server.add("/3", Route(thrice, headers={"Content-Encoding": "gzip, gzip, gzip"}))
    assert "3 stacked content encodings" in fetch(fetcher, FetchRequest(url)).reason
    url = server.add("/br", Route(FEED, headers={"Content-Encoding": "br"}))
    assert "unsupported content encoding 'br'" in fetch(fetcher, FetchRequest(url)).reason
    url = server.add("/bad", Route(b"not gzip at all", headers={"Content-Encoding": "gzip"}))
    assert "gzip body cannot be decoded" in fetch(fetcher, FetchRequest(url)).reason
    url = server.add("/two", Route(gzip.compress(gzip.compress(FEED)),
                                   headers={"Content-Encoding": "gzip, gzip"}))  # fmt: skip
    assert fetch(fetcher, FetchRequest(url)).body == FEED  # honest stacking still works


@pytest.mark.parametrize("timeout", [0.5, 1.5])  # the deadline falls in the headers, the body
def test_a_drip_feed_fails_within_the_fetch_timeout(
    server: FeedServer, fetcher: Fetcher, timeout: float
) -> None:
    # A byte every 5 ms: no read ever waits for the read timeout (1 s), the headers take
    # about 0.3 s, the body 10 s.
    url = server.add("/drip", Route(FEED + b" " * 2000, drip=0.005))
    started = time.monotonic()
    result = fetch(fetcher, FetchRequest(url, timeout=timeout))
    took = time.monotonic() - started
    assert result.status == "error"
    assert result.reason == f"timed out: the fetch took over {timeout:g} s in all"
    assert took < timeout + 0.5


@pytest.mark.parametrize(
    "value",
    [
        "1000000000000",
        "9" * 400,
        "Fri, 31 Dec 9999 23:59:59 GMT",
        "Mon, 27 Oct 2125 07:02:00 -0000",
    ],
)
def test_retry_after_is_at_most_a_week(value: str) -> None:
    now = datetime(2025, 10, 27, 7, 0, tzinfo=UTC)
    assert retry_after(value, now) == WEEK
    assert next_fetch_at(1, now, retry_after(value, now)) == now + timedelta(days=7)


def test_a_huge_retry_after_from_a_server_backs_off_a_week(
    server: FeedServer, fetcher: Fetcher
) -> None:
    url = server.add("/busy", Route(b"", status=503, headers={"Retry-After": "1000000000000"}))
    result = fetch(fetcher, FetchRequest(url))
    assert (result.status, result.retry_after) == ("retry_later", WEEK)
    now = datetime(2025, 10, 27, 7, 0, tzinfo=UTC)
    assert next_fetch_at(1, now, 1e300) == now + timedelta(days=7)
    assert next_fetch_at(10**6, now) == now + timedelta(hours=24)  # no overflow either


INTERNAL_TARGETS = [
    "http://127.0.0.1:{port}/secret",
    "http://localhost:{port}/secret",
    "http://[::ffff:127.0.0.1]:{port}/secret",
    "http://2130706433:{port}/secret",  # 127.0.0.1 as one number
    "http://169.254.169.254/latest/meta-data/",
    "http://10.1.2.3/admin",
    "http://[::1]:{port}/secret",
]


@pytest.mark.parametrize("target", INTERNAL_TARGETS)
def test_a_redirect_from_outside_into_an_internal_address_is_refused(
    server: FeedServer, target: str
) -> None:
    # The server plays a proxy for "feeds.invalid", a name that does not resolve here: the
    # configured address is outside, and the redirect must not be followed, not even asked.
    feed = "http://feeds.invalid/feed"
    target = target.format(port=server.server.server_port)
    server.redirect(feed, target, 301)
    with Fetcher(connect_timeout=2, read_timeout=1, proxy=server.base) as proxied:
        result = fetch(proxied, FetchRequest(feed))
    assert result.status == "error" and result.moved_to is None
    assert result.reason.startswith(f"redirect to an internal address refused: {target} (")
    assert list(server.requests) == [feed]


def test_outside_redirects_are_followed_and_internal_sources_go_anywhere(
    server: FeedServer, fetcher: Fetcher
) -> None:
    server.add("http://elsewhere.invalid/feed", Route(FEED))
    server.redirect("http://feeds.invalid/feed", "http://elsewhere.invalid/feed", 301)
    with Fetcher(connect_timeout=2, read_timeout=1, proxy=server.base) as proxied:
        moved = fetch(proxied, FetchRequest("http://feeds.invalid/feed"))
        assert (moved.status, moved.moved_to) == ("ok", "http://elsewhere.invalid/feed")
        # A source an old redirect had moved inside goes back to its configured address.
        inside = server.url("/secret")
        back = fetch(proxied, FetchRequest(inside, configured="http://feeds.invalid/feed"))
    assert (back.status, back.body, back.moved_to) == ("ok", FEED, "http://elsewhere.invalid/feed")
    assert inside not in server.requests and "/secret" not in server.requests
    # Configured on loopback (a test server, an intranet): redirects inside are followed.
    server.add("/feed", Route(FEED))
    server.redirect("/old", f"http://localhost:{server.server.server_port}/feed", 301)
    assert fetch(fetcher, FetchRequest(server.url("/old"))).body == FEED


def test_each_connection_is_checked_as_it_is_made(server: FeedServer) -> None:
    # A name that resolved outside when its redirect was judged may resolve inside when
    # connected to (DNS rebinding): the connection itself is refused, before a byte is sent.
    backend, port = GuardedBackend(), server.server.server_port
    outside = "http://93.184.215.14/feed"
    with fetching(5, outside), pytest.raises(httpcore.ConnectError) as refused:
        backend.connect_tcp("localhost", port)
    assert str(refused.value).startswith("refused: localhost resolves to an internal address (")
    with fetching(5, server.url("/feed")):  # a source configured inside connects inside
        backend.connect_tcp("localhost", port).close()
    exempt = GuardedBackend(exempt="localhost")  # the proxy the operator chose
    with fetching(5, outside):
        exempt.connect_tcp("localhost", port).close()
