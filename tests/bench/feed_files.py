"""Generated feeds for the benchmarks, and a loopback server for them in its own process."""

from __future__ import annotations

import functools
import hashlib
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

# Texts of made-up words drawn as words are in prose: a few very common ones (Zipf's law,
# frequency ~ 1/rank) over a long tail. A tiny vocabulary would make every 3-word
# sequence recur by chance across thousands of texts, which real texts do not.
FUNCTION_TEXT = """the of and to a in that is was for on it with as at by from said this
has are be an have not but were had its which their after more also who will been new
"""
FUNCTION_WORDS = FUNCTION_TEXT.split()
SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in ("a", "e", "i", "o", "u", "ai", "or")]
VOCABULARY = 5000


def vocabulary(size: int = VOCABULARY, seed: int = 3) -> tuple[list[str], list[float]]:
    """`size` distinct words, the real function words first, and their cumulative weights."""
    rng = random.Random(seed)
    words = list(FUNCTION_WORDS)
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    total, cumulative = 0.0, []
    for rank in range(1, size + 1):
        total += 1 / rank
        cumulative.append(total)
    return words, cumulative


def write_feeds(folder: Path, feeds: int, entries: int, seed: int = 7) -> list[Path]:
    """`feeds` RSS 2.0 files of `entries` entries with distinct texts of 80-200 words."""
    rng = random.Random(seed)
    words_of, weights = vocabulary()
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for f in range(feeds):
        items = []
        for e in range(entries):
            words = rng.choices(words_of, cum_weights=weights, k=rng.randint(80, 200))
            text = " ".join(words).capitalize() + f". Report {f}-{e}."
            items.append(
                f"<item><title>Story {f}-{e} about the {words[0]}</title>"
                f"<guid>tag:bench,{f}-{e}</guid><link>https://feed{f}.example/{e}</link>"
                f"<pubDate>Fri, 24 Oct 2025 {e % 24:02d}:00:00 GMT</pubDate>"
                f"<description>&lt;p&gt;{text}&lt;/p&gt;</description></item>"
            )
        body = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Feed {f}</title><link>https://feed{f}.example/</link>"
            f"<description>Bench feed {f}</description>{''.join(items)}</channel></rss>"
        )
        path = folder / f"feed{f}.xml"
        path.write_text(body, encoding="utf-8")
        paths.append(path)
    return paths


def serve(folder: Path, port_file: Path) -> None:
    """Serve `folder` with ETags (304 on a match) until killed; write the port first."""

    @functools.cache  # as a web server keeps its files' validators, not hashing per request
    def served(path: Path) -> tuple[bytes, str]:
        body = path.read_bytes()
        return body, '"' + hashlib.sha1(body).hexdigest() + '"'

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes: with Nagle's algorithm the body waits for
        # the client's delayed ACK of the headers, 40 ms a response, as no real server waits.
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            path = folder / self.path.lstrip("/")
            if not path.is_file():
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body, etag = served(path)
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    class Server(ThreadingHTTPServer):
        # The default backlog of 5 drops connections when eight fetchers connect at once,
        # and each dropped SYN costs the client a 1 s retransmission: not what we measure.
        request_queue_size = 128

    server = Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port_file.write_text(str(server.server_port))
    server.serve_forever()


@contextmanager
def served(folder: Path) -> Iterator[str]:
    """`folder` served by `serve` in a process of its own (not this one's interpreter
    lock); yields the base URL, and kills the server at the end."""
    with tempfile.TemporaryDirectory() as work:
        port_file = Path(work) / "port"
        server = subprocess.Popen([sys.executable, __file__, str(folder), str(port_file)])
        try:
            while not port_file.exists() or not port_file.read_text():
                time.sleep(0.05)
            yield f"http://127.0.0.1:{port_file.read_text()}"
        finally:
            server.kill()
            server.wait()


if __name__ == "__main__":
    serve(Path(sys.argv[1]), Path(sys.argv[2]))
