"""Benchmark: the readers' endpoint (`digest serve-unsubscribe`, the real command as a
subprocess) under a burst of one-click POSTs and under thousands of half-open connections.

Run: make bench (or .venv/bin/python tests/bench/bench_endpoint.py [POSTS] [HALF_OPEN])
"""

from __future__ import annotations

import socket
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import httpx
from rich.console import Console
from rich.table import Table

from tests.conftest import write_config
from tests.integration.test_reader_endpoint import one_click, readers, still_subscribed
from tests.support.reader_endpoint import reader_endpoint


def main(posts: int = 200, half_open: int = 3000) -> None:
    table = Table("load", "answered 200", "still subscribed", "threads", "seconds")
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/digest.db"
        tokens = [r.token for r in readers(url, posts + 1)]
        with reader_endpoint(write_config(Path(folder), url, None)) as endpoint:
            idle = endpoint.threads()
            start, began = threading.Barrier(posts), time.perf_counter()

            def at_once(token: str) -> int:
                start.wait()
                return one_click(endpoint.url, token)

            with ThreadPoolExecutor(posts) as pool:
                statuses = list(pool.map(at_once, tokens[:posts]))
            took = time.perf_counter() - began
            after = endpoint.threads()
            table.add_row(f"{posts} concurrent one-click POSTs", str(statuses.count(200)),
                          str(still_subscribed(url) - 1), f"{idle} idle, {after} after",
                          f"{took:.1f}")  # fmt: skip
            port, held = int(endpoint.url.rpartition(":")[2]), []
            began = time.perf_counter()
            for _ in range(half_open):
                client = socket.create_connection(("127.0.0.1", port), timeout=10)
                client.sendall(b"POST /unsubscribe?token=x HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                held.append(client)
            httpx.get(f"{endpoint.url}/unsubscribe", timeout=30)
            busy = endpoint.threads()
            status = one_click(endpoint.url, tokens[posts])
            table.add_row(f"{half_open} half-open connections, then one POST",
                          str(int(status == 200)),
                          str(still_subscribed(url)), f"{busy} while held",
                          f"{time.perf_counter() - began:.1f}")  # fmt: skip
            for client in held:
                client.close()
    Console().print(table)


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
