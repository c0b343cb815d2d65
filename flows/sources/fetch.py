"""Fetching over HTTP like a good citizen: conditional GET, bounded bodies, honest failures."""

from __future__ import annotations

import email.utils
import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, lru_cache
from urllib.parse import urljoin

import httpx

from flows import __version__
from flows.records import HttpResult

USER_AGENT = f"newsletter-digest/{__version__} (+self-hosted weekly digest)"
MAX_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 5
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


@cache
def _tls() -> ssl.SSLContext:
    """Made once: building a context loads the system's whole CA bundle."""
    return ssl.create_default_context()


class Fetcher:
    """Kept-alive connections, and what every request sends: a User-Agent naming the
    product, the encodings it takes, its timeouts, and its proxy if there is one.

    Requests go to httpx's transport itself: the Client's layers (a cookie jar, which a
    feed reader should not keep anyway, URL merging, redirects, which fetch() follows by
    hand) cost more than the conditional GET itself needs."""

    def __init__(
        self, connect_timeout: float = 10.0, read_timeout: float = 30.0, proxy: str = ""
    ) -> None:
        self.transport = httpx.HTTPTransport(
            verify=_tls(),
            proxy=proxy or None,
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
        )
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
    """GET `request.url`, conditionally when an ETag or Last-Modified is known."""
    headers = {}
    if request.etag:
        headers["If-None-Match"] = request.etag
    if request.last_modified:
        headers["If-Modified-Since"] = request.last_modified
    url, seen, moved_to, still_permanent = request.url, [request.url], None, True
    try:
        for _ in range(MAX_REDIRECTS + 1):
            with fetcher.get(url, headers) as response:
                if response.status_code != 200:
                    _read_if_short(response)
                if response.has_redirect_location:
                    target = urljoin(url, response.headers.get("Location", ""))
                    if target in seen:
                        return HttpResult(url, "error", f"redirect loop: {' -> '.join(seen)}")
                    # The source moves as far as the leading run of permanent redirects goes.
                    still_permanent = still_permanent and response.status_code in PERMANENT
                    moved_to = target if still_permanent else moved_to
                    seen.append(target)
                    url = target
                    continue
                return _result(url, response, request.max_bytes, moved_to)
        return HttpResult(url, "error", f"more than {MAX_REDIRECTS} redirects")
    except httpx.TimeoutException as err:
        return HttpResult(url, "error", f"timed out ({type(err).__name__})")
    except httpx.HTTPError as err:
        return HttpResult(url, "error", f"{type(err).__name__}: {err}")


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
    body = bytearray()
    for chunk in response.iter_bytes():
        body.extend(chunk)
        if len(body) > max_bytes:  # also when Content-Length was missing or wrong
            return HttpResult(status="error", reason=_too_big(max_bytes), **common)
    content_type = response.headers.get("Content-Type")
    return HttpResult(
        status="ok",
        reason=f"{code} {response.reason_phrase}",
        body=bytes(body),
        content_type=content_type.split(";")[0].strip().lower() if content_type else None,
        charset=response.charset_encoding,
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
        **common,
    )


def _read_if_short(response: httpx.Response) -> None:
    """Read a short answer (a 304, a redirect, an error page) to its end: a connection
    whose response was left unread is closed, not kept for the next request."""
    length = response.headers.get("Content-Length")
    if response.status_code == 304 or (length and length.isdigit() and int(length) <= SHORT):
        with suppress(httpx.HTTPError):  # the status is the answer, whatever its body
            response.read()


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait, from Retry-After as delta-seconds or as an HTTP date."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _too_big(limit: int) -> str:
    return f"body over the {limit:,}-byte limit"
