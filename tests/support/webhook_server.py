"""A real HTTP server on a free loopback port that takes webhook POSTs (apprise's json://
payloads) and keeps each one; a path can answer an error, or stall after receiving."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Hook:
    status: int = 200
    stall: float = 0.0  # seconds to wait, the request received and kept, before answering
    received: list[dict[str, Any]] = field(default_factory=list)


class WebhookServer:
    def __init__(self) -> None:
        self.hooks: dict[str, Hook] = {}
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def add(self, path: str, hook: Hook | None = None, scheme: str = "json") -> str:
        """The apprise URL of a new hook at `path`."""
        self.hooks[path] = hook or Hook()
        return f"{scheme}://127.0.0.1:{self.server.server_port}{path}"

    def received(self, path: str) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.hooks[path].received)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                hook = outer.hooks.get(self.path.partition("?")[0])
                if hook is None:
                    return self._answer(404)
                if hook.status < 400:
                    with outer.lock:
                        hook.received.append(json.loads(body))
                time.sleep(hook.stall)
                self._answer(hook.status)

            def _answer(self, status: int) -> None:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                return

        return Handler


@contextmanager
def webhook_server() -> Iterator[WebhookServer]:
    server = WebhookServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()
