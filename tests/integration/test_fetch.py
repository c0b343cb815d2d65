"""Fetching from a real HTTP server: conditional GET, redirects, errors, limits, stalls."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from flows.sources.fetch import Fetcher, FetchRequest, fetch, retry_after
from tests.support.feed_server import FeedServer, Route, feed_server, rss

FEED = rss("Harbour News", [{"title": "Bridge opens", "guid": "b1", "link": "/b1"}])


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with feed_server() as running:
        yield running


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    # Generous: under a loaded machine's test suite, 1 s once timed out a plain 503.
    with Fetcher(connect_timeout=10, read_timeout=10) as made:
        yield made


def test_an_unchanged_feed_answers_304_to_its_etag(server: FeedServer, fetcher: Fetcher) -> None:
    url = server.add(
        "/feed", Route(FEED, etag='"v1"', last_modified="Mon, 27 Oct 2025 07:00:00 GMT")
    )
    first = fetch(fetcher, FetchRequest(url))
    assert (first.status, first.body, first.etag) == ("ok", FEED, '"v1"')
    assert first.content_type == "application/rss+xml" and first.charset == "utf-8"
    second = fetch(fetcher, FetchRequest(url, etag=first.etag, last_modified=first.last_modified))
    assert second.status == "not_modified" and second.body == b""
    sent = server.requests["/feed"][-1]
    assert sent["If-None-Match"] == '"v1"'
    assert sent["If-Modified-Since"] == "Mon, 27 Oct 2025 07:00:00 GMT"
    assert sent["User-Agent"].startswith("newsletter-digest/")
    assert sent["Accept"].startswith("application/rss+xml") and "gzip" in sent["Accept-Encoding"]


def test_a_feed_can_be_fetched_through_a_proxy(server: FeedServer) -> None:
    # The test server plays the proxy: it is asked for the whole URL of a host that does
    # not resolve, so the answer can only have come through it.
    url = "http://feeds.invalid/feed"
    server.add(url, Route(FEED))
    with Fetcher(connect_timeout=2, read_timeout=1, proxy=server.base) as proxied:
        result = fetch(proxied, FetchRequest(url))
    assert (result.status, result.body) == ("ok", FEED)
    assert server.requests[url][-1]["User-Agent"].startswith("newsletter-digest/")


def test_last_modified_alone_also_gives_304(server: FeedServer, fetcher: Fetcher) -> None:
    url = server.add("/lm", Route(FEED, last_modified="Mon, 27 Oct 2025 07:00:00 GMT"))
    first = fetch(fetcher, FetchRequest(url))
    again = fetch(fetcher, FetchRequest(url, last_modified=first.last_modified))
    assert again.status == "not_modified"


def test_gzip_is_decoded(server: FeedServer, fetcher: Fetcher) -> None:
    url = server.add("/gz", Route(FEED, gzip=True))
    result = fetch(fetcher, FetchRequest(url))
    assert result.status == "ok" and result.body == FEED
    assert "gzip" in server.requests["/gz"][0]["Accept-Encoding"]


def test_permanent_redirects_move_the_source_temporary_ones_do_not(
    server: FeedServer, fetcher: Fetcher
) -> None:
    server.add("/new", Route(FEED))
    server.redirect("/old", "/middle", 301)
    server.redirect("/middle", "/new", 308)
    moved = fetch(fetcher, FetchRequest(server.url("/old")))
    assert (moved.status, moved.url, moved.moved_to) == (
        "ok",
        server.url("/new"),
        server.url("/new"),
    )
    server.redirect("/temp", "/new", 302)
    assert fetch(fetcher, FetchRequest(server.url("/temp"))).moved_to is None
    server.redirect("/mixed", "/temp", 301)  # 301 to /temp, which 302s on
    assert fetch(fetcher, FetchRequest(server.url("/mixed"))).moved_to == server.url("/temp")


def test_redirect_loops_and_long_chains_fail_with_a_reason(
    server: FeedServer, fetcher: Fetcher
) -> None:
    server.redirect("/a", "/b", 302)
    server.redirect("/b", "/a", 302)
    loop = fetch(fetcher, FetchRequest(server.url("/a")))
    assert loop.status == "error" and "redirect loop" in loop.reason
    for i in range(7):
        server.redirect(f"/r{i}", f"/r{i + 1}", 302)
    server.add("/r7", Route(FEED))
    long = fetch(fetcher, FetchRequest(server.url("/r0")))
    assert long.status == "error" and "more than 5 redirects" in long.reason


@pytest.mark.parametrize(
    ("route", "status", "reason"),
    [
        (Route(b"missing", status=404), "error", "404"),
        (Route(b"boom", status=500), "error", "500"),
        (Route(b"", status=410), "gone", "410"),
        (Route(b"", status=429, headers={"Retry-After": "120"}), "retry_later", "429"),
        (Route(b"", status=503, headers={"Retry-After": "7"}), "retry_later", "503"),
    ],
)
def test_http_errors_are_results_not_exceptions(
    server: FeedServer, fetcher: Fetcher, route: Route, status: str, reason: str
) -> None:
    result = fetch(fetcher, FetchRequest(server.add("/x", route)))
    assert result.status == status and reason in result.reason
    if "Retry-After" in route.headers:
        assert result.retry_after == float(route.headers["Retry-After"])


def test_retry_after_as_a_date() -> None:
    now = datetime(2025, 10, 27, 7, 0, tzinfo=UTC)
    assert retry_after("Mon, 27 Oct 2025 07:02:00 GMT", now) == 120
    assert retry_after("soon", now) is None


def test_a_stalled_server_times_out(server: FeedServer) -> None:
    with Fetcher(connect_timeout=2, read_timeout=1) as impatient:
        result = fetch(impatient, FetchRequest(server.add("/slow", Route(FEED, stall=3))))
    assert result.status == "error" and "timed out" in result.reason


def test_an_endless_body_stops_at_the_cap(server: FeedServer, fetcher: Fetcher) -> None:
    result = fetch(
        fetcher, FetchRequest(server.add("/huge", Route(endless=True)), max_bytes=200_000)
    )
    assert result.status == "error" and "200,000-byte limit" in result.reason


def test_a_body_announced_too_big_is_not_read(server: FeedServer, fetcher: Fetcher) -> None:
    result = fetch(fetcher, FetchRequest(server.add("/big", Route(b"x" * 5000)), max_bytes=1000))
    assert result.status == "error" and "limit" in result.reason


def test_nobody_listening_is_an_error_result(fetcher: Fetcher) -> None:
    from tests.support.smtp_servers import free_port

    result = fetch(fetcher, FetchRequest(f"http://127.0.0.1:{free_port()}/feed"))
    assert result.status == "error" and "ConnectError" in result.reason
