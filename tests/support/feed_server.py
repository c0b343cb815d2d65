"""A real HTTP(S) server on a free loopback port that serves what a test tells it to:
feeds, conditional answers, redirects, errors, stalls, endless bodies and drips."""

from __future__ import annotations

import contextlib
import gzip
import ssl
import struct
import threading
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "application/rss+xml; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    gzip: bool = False
    stall: float = 0.0  # seconds to wait before answering
    endless: bool = False  # stream without Content-Length until the client gives up
    drip: float = 0.0  # seconds between the bytes of the answer, status line included


class FeedServer:
    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.requests: dict[str, list[dict[str, str]]] = {}
        self.active = 0
        self.most_active = 0
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.scheme = "https" if tls else "http"
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server.server_port}"

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, route: Route) -> str:
        self.routes[path] = route
        return self.url(path)

    def redirect(self, path: str, to: str, status: int = 301) -> str:
        target = to if to.startswith("http") else self.url(to)
        return self.add(path, Route(status=status, headers={"Location": target}))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                with outer.lock:
                    outer.hits[self.path] += 1
                    outer.requests.setdefault(self.path, []).append(dict(self.headers))
                    outer.active += 1
                    outer.most_active = max(outer.most_active, outer.active)
                try:
                    self._answer(outer.routes.get(self.path))
                finally:
                    with outer.lock:
                        outer.active -= 1

            def _answer(self, route: Route | None) -> None:
                if route is None:
                    return self._send(404, b"not found", "text/plain")
                if route.stall:
                    time.sleep(route.stall)
                fresh = (route.etag and self.headers.get("If-None-Match") == route.etag) or (
                    route.last_modified
                    and self.headers.get("If-Modified-Since") == route.last_modified
                )
                if fresh:
                    return self._send(304, b"", None, route)
                if route.drip:
                    return self._drip(route)
                if route.endless:
                    self.send_response(200)
                    self.send_header("Content-Type", route.content_type)
                    self.send_header("Connection", "close")
                    self.end_headers()
                    chunk = b"<!-- padding -->" * 4096
                    try:
                        for _ in range(2000):  # at most ~130 MB, then give up ourselves
                            self.wfile.write(chunk)
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    self.close_connection = True
                    return None
                body = gzip.compress(route.body) if route.gzip else route.body
                return self._send(route.status, body, route.content_type, route)

            def _drip(self, route: Route) -> None:
                head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(route.body)}\r\n\r\n"
                try:
                    for byte in head.encode() + route.body:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(route.drip)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                self.close_connection = True

            def _send(
                self, status: int, body: bytes, ctype: str | None, route: Route | None = None
            ) -> None:
                self.send_response(status)
                if ctype and status != 304:
                    self.send_header("Content-Type", ctype)
                if route is not None:
                    for key, value in route.headers.items():
                        self.send_header(key, value)
                    if route.etag:
                        self.send_header("ETag", route.etag)
                    if route.last_modified:
                        self.send_header("Last-Modified", route.last_modified)
                    if route.gzip and 200 <= status < 300:
                        self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if body:
                    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                        self.wfile.write(body)  # to a client that gave up (or was killed)

            def log_message(self, format: str, *args: object) -> None:
                return

        return Handler


@contextmanager
def feed_server(tls: ssl.SSLContext | None = None) -> Iterator[FeedServer]:
    """A server until the block ends; over TLS with the given server context."""
    server = FeedServer(tls)
    server.thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()
        server.thread.join(5)


def rss(title: str, entries: list[dict[str, str]], link: str = "https://news.example/") -> bytes:
    items = "".join(
        "<item>" + "".join(f"<{k}>{v}</{k}>" for k, v in entry.items()) + "</item>"
        for entry in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>{link}</link><description>d</description>{items}"
        "</channel></rss>"
    ).encode()


def gzip_bomb(decoded: int = 1 << 30, layers: int = 2) -> bytes:
    """`decoded` zero bytes gzipped, the result gzipped again `layers - 1` times: 1 GiB in
    about 2.5 KB with two layers ("Content-Encoding: gzip, gzip"). Built from one
    compressed MiB repeated (a full flush makes each MiB's block the same), in a second."""
    mib = bytes(1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = compressor.compress(mib) + compressor.flush(zlib.Z_FULL_FLUSH)
    count, crc = decoded >> 20, 0
    for _ in range(count):
        crc = zlib.crc32(mib, crc)
    end = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS).flush()  # an empty last block
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    body = header + block * count + end + struct.pack("<II", crc, (count << 20) & 0xFFFFFFFF)
    for _ in range(layers - 1):
        body = gzip.compress(body, 9)
    return body
