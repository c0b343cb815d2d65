"""A tiny HTTP endpoint for unsubscribe links, including RFC 8058 one-click POSTs."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

log = logging.getLogger(__name__)

PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 32em; margin: 3em auto;">
<h1>{title}</h1><p>{body}</p></body></html>"""
CONFIRM = """<form method="post" action="/unsubscribe?token={token}">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Unsubscribe</button></form>"""


def make_server(
    host: str, port: int, unsubscribe: Callable[[str], str | None]
) -> ThreadingHTTPServer:
    """GET shows a confirmation button (link scanners must not unsubscribe anybody);
    POST, from that button or from a mail client's one-click, unsubscribes."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            token = self._token()
            if token is None:
                return self._page(404, "Not found", "This is not an unsubscribe link.")
            button = CONFIRM.format(token=html.escape(token, quote=True))
            self._page(200, "Unsubscribe from the digest?", button)

        def do_POST(self) -> None:
            token = self._token()
            length = min(int(self.headers.get("Content-Length") or 0), 4096)
            self.rfile.read(length)
            email = unsubscribe(token) if token else None
            if email is None:
                return self._page(404, "Unknown link", "This unsubscribe link is not known.")
            log.info("unsubscribed by link")
            self._page(200, "Unsubscribed", f"{html.escape(email)} will get no more digests.")

        def _token(self) -> str | None:
            parts = urlsplit(self.path)
            if parts.path != "/unsubscribe":
                return None
            return (parse_qs(parts.query).get("token") or [None])[0]

        def _page(self, status: int, title: str, body: str) -> None:
            data = PAGE.format(title=html.escape(title), body=body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            return  # request lines carry tokens: keep them out of logs

    return ThreadingHTTPServer((host, port), Handler)
