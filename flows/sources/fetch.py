"""Fetching over HTTP like a good citizen: conditional GET, bounded bodies, honest failures."""

from __future__ import annotations

import email.utils
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import urljoin

import httpx

from flows import __version__
from flows.records import HttpResult
from flows.sources.addresses import refused_target
from flows.sources.health import LONGEST_RETRY_AFTER
from flows.sources.inflate import BadEncoding, TooLarge, decoded
from flows.sources.network import GuardedBackend, fetching, passed
from flows.tls import verified_context

USER_AGENT = f"newsletter-digest/{__version__} (+self-hosted weekly digest)"
MAX_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 5
FETCH_TIMEOUT = 60.0  # seconds for a whole fetch, redirects and body included
SHORT = 64 * 1024  # bytes of an answer read only to keep its connection
PERMANENT = {301, 308}
HEADERS = {
    "User-Agent": USER_AGENT,
    "Accept": "application/rss+xml, application/atom+xml, application/feed+json,"
    " application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8",
    "Accept-Encoding": "gzip, deflate",
}


@dataclass(frozen=True)
class FetchRequest:
    url: str
    etag: str | None = None
    last_modified: str | None = None
    max_bytes: int = MAX_BYTES
    configured: str = ""  # the address the settings give (when `url` is where it moved to)
    timeout: float = FETCH_TIMEOUT


class Fetcher:
    """Kept-alive connections, and what every request sends: a User-Agent naming the
    product, the encodings it takes, its timeouts, and its proxy if there is one.

    Requests go to httpx's transport itself: the Client's layers (a cookie jar, which a
    feed reader should not keep anyway, URL merging, redirects, which fetch() follows by
    hand) cost more than the conditional GET itself needs."""

    def __init__(
        self,
        connect_timeout: float = 10.0,
        read_timeout: float = 30.0,
        proxy: str = "",
        ca_file: str = "",
    ) -> None:
        self.transport = httpx.HTTPTransport(
            verify=verified_context(ca_file),
            proxy=proxy or None,
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
        )
        # httpx takes no network backend; its pool does (httpcore's public interface): every
        # wait is cut to what is left of the fetch's deadline, every connection checked.
        exempt = httpx.URL(proxy).host if proxy else ""
        self.transport._pool._network_backend = GuardedBackend(exempt)
        timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
        self.extensions = {"timeout": timeout.as_dict()}

    @contextmanager
    def get(self, url: str, headers: dict[str, str]) -> Iterator[httpx.Response]:
        """GET `url`, the body left to stream; the connection goes back to the pool after."""
        sent = {**HEADERS, **headers}
        request = httpx.Request("GET", _parsed(url), headers=sent, extensions=self.extensions)
        response = self.transport.handle_request(request)
        try:
            yield response
        finally:
            response.close()

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


@lru_cache(maxsize=4096)
def _parsed(url: str) -> httpx.URL:
    """A feed's URL parsed once a process, not at every fetch (a tenth of a 304's cost)."""
    return httpx.URL(url)


def fetch(fetcher: Fetcher, request: FetchRequest) -> HttpResult:
    """GET `request.url`, conditionally when an ETag or Last-Modified is known; redirects
    followed, never from outside into an internal address; the whole within
    `request.timeout` seconds. Whatever the server sends, the answer is a result."""
    seen = [request.url]  # every address asked, in order: the last one is the current one
    with fetching(request.timeout, request.configured or request.url):
        try:
            return _follow(fetcher, request, seen)
        except httpx.TimeoutException as err:
            if passed():
                reason = f"timed out: the fetch took over {request.timeout:g} s in all"
                return HttpResult(seen[-1], "error", reason)
            return HttpResult(seen[-1], "error", f"timed out ({type(err).__name__})")
        except httpx.HTTPError as err:
            return HttpResult(seen[-1], "error", f"{type(err).__name__}: {err}")
        except MemoryError:  # the caps should make it impossible; if not, one source fails
            return HttpResult(seen[-1], "error", "too large: out of memory reading the body")


def _follow(fetcher: Fetcher, request: FetchRequest, seen: list[str]) -> HttpResult:
    headers = {}
    if request.etag:
        headers["If-None-Match"] = request.etag
    if request.last_modified:
        headers["If-Modified-Since"] = request.last_modified
    configured = request.configured or request.url
    url, moved_to, still_permanent = request.url, None, True
    if url != configured and refused_target(url, configured):
        # An earlier redirect moved the source inside: it goes back to its own address.
        url = moved_to = configured
        seen.append(url)
    for _ in range(MAX_REDIRECTS + 1):
        with fetcher.get(url, headers) as response:
            if response.status_code >= 300:  # a 2xx body is read in full below
                _read_if_short(response)
            if response.has_redirect_location:
                target = urljoin(url, response.headers.get("Location", ""))
                if target in seen:
                    return HttpResult(url, "error", f"redirect loop: {' -> '.join(seen)}")
                refused = refused_target(target, configured)
                if refused:  # not asked for, and the source does not move there
                    return HttpResult(url, "error", refused)
                # The source moves as far as the leading run of permanent redirects goes.
                still_permanent = still_permanent and response.status_code in PERMANENT
                moved_to = target if still_permanent else moved_to
                seen.append(target)
                url = target
                continue
            return _result(url, response, request.max_bytes, moved_to)
    return HttpResult(url, "error", f"more than {MAX_REDIRECTS} redirects")


def _result(url: str, response: httpx.Response, max_bytes: int, moved_to: str | None) -> HttpResult:
    code = response.status_code
    common = {"url": url, "moved_to": moved_to}
    if code == 304:
        return HttpResult(status="not_modified", reason="304 not modified", **common)
    if code == 410:
        return HttpResult(status="gone", reason="410 gone: the source was removed", **common)
    if code in (429, 503):
        wait = retry_after(response.headers.get("Retry-After"))
        return HttpResult(status="retry_later", reason=f"{code} {response.reason_phrase}",
                           retry_after=wait, **common)  # fmt: skip
    if code >= 400:
        return HttpResult(status="error", reason=f"{code} {response.reason_phrase}", **common)
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        return HttpResult(status="error", reason=_too_big(max_bytes), **common)
    try:  # decoded here, not by httpx: it inflates a whole chunk before anyone may count it
        body = decoded(response.iter_raw(), response.headers.get("Content-Encoding"), max_bytes)
    except TooLarge:
        return HttpResult(status="error", reason=_too_big(max_bytes), **common)
    except BadEncoding as err:
        return HttpResult(status="error", reason=str(err), **common)
    content_type = response.headers.get("Content-Type")
    return HttpResult(
        status="ok",
        reason=f"{code} {response.reason_phrase}",
        body=body,
        content_type=content_type.split(";")[0].strip().lower() if content_type else None,
        charset=response.charset_encoding,
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
        **common,
    )


def _read_if_short(response: httpx.Response) -> None:
    """Read a short answer (a 304, a redirect, an error page) to its end: a connection
    whose response was left unread is closed, not kept for the next request. Its raw bytes
    only: decoding a page nobody reads would let a small compressed one fill memory."""
    length = response.headers.get("Content-Length")
    if response.status_code == 304 or (length and length.isdigit() and int(length) <= SHORT):
        with suppress(httpx.HTTPError):  # the status is the answer, whatever its body
            for _ in response.iter_raw():
                pass


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait, from Retry-After as delta-seconds or as an HTTP date; a week at
    most, whatever the server asks (a trillion seconds once overflowed the back-off)."""
    longest = LONGEST_RETRY_AFTER.total_seconds()
    if not value:
        return None
    if value.strip().isdigit():
        return min(float(value.strip()), longest)
    try:
        when = email.utils.parsedate_to_datetime(value)
        if when.tzinfo is None:  # "-0000": UTC, says RFC 5322
            when = when.replace(tzinfo=UTC)
        wait = (when - (now or datetime.now(UTC))).total_seconds()
    except (TypeError, ValueError, OverflowError):
        return None
    return min(max(0.0, wait), longest)


def _too_big(limit: int) -> str:
    return f"too large: the body is over the {limit:,}-byte limit"
