"""The readers' endpoint, a WSGI app: unsubscribe links (RFC 8058 one-click POSTs too),
feedback links ("less like this", "mute") and the manage page. A GET only shows what a
button will do; a POST does it: mail scanners follow GETs."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any, Protocol
from urllib.parse import parse_qs, quote

from flows.deliver import pages
from flows.records import Feedback, Subscriber
from flows.render import links

log = logging.getLogger(__name__)
StartResponse = Callable[[str, list[tuple[str, str]]], Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
Reply = tuple[int, str, str]  # status, title, body (HTML made safe)
MAX_BODY = 4096
HEADERS = [
    ("Content-Type", "text/html; charset=utf-8"),
    # Tokens ride in the address: no cache keeps them, no referrer carries them off.
    ("Cache-Control", "no-store"),
    ("Referrer-Policy", "no-referrer"),
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
]
STATUS = {200: "200 OK", 404: "404 Not Found", 405: "405 Method Not Allowed"}


class ReaderActions(Protocol):
    """What the endpoint does to the store (flows/pipeline/reader_actions.py)."""

    def unsubscribe(self, token: str) -> str | None: ...
    def reader(self, reader_id: int) -> Subscriber | None: ...
    def feedback(self, reader_id: int) -> list[Feedback]: ...
    def story(self, week: str, key: str) -> str | None: ...
    def mute(self, reader_id: int, name: str) -> None: ...
    def less(self, reader_id: int, week: str, key: str) -> bool: ...
    def undo(self, reader_id: int, feedback_id: int) -> bool: ...


def make_app(actions: ReaderActions) -> WsgiApp:
    routes = {"/unsubscribe": _unsubscribe, "/feedback": _feedback, "/manage": _manage}

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        route = routes.get(environ.get("PATH_INFO", ""))
        if route is None:
            status, title, body = 404, "Not found", pages.text("This is not a link of ours.")
        elif method not in ("GET", "HEAD", "POST"):
            status, title, body = 405, "Not allowed", pages.text("Use the button of the page.")
        else:
            form = _form(environ) if method == "POST" else {}
            status, title, body = route(actions, method == "POST", query, form)
        data = pages.page(title, body)
        start_response(STATUS[status], [*HEADERS, ("Content-Length", str(len(data)))])
        return [b""] if method == "HEAD" else [data]

    return app


def _form(environ: dict[str, Any]) -> dict[str, str]:
    try:
        length = min(int(environ.get("CONTENT_LENGTH") or 0), MAX_BODY)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length).decode("utf-8", "replace") if length > 0 else ""
    return {k: v[0] for k, v in parse_qs(body).items()}


def _unsubscribe(actions: ReaderActions, post: bool, query: dict[str, str], _: object) -> Reply:
    token = query.get("token")
    if not token:
        return 404, "Not found", pages.text("This is not an unsubscribe link.")
    if not post:
        action = f"/unsubscribe?token={quote(token)}"
        form = pages.button(action, "Unsubscribe", {"List-Unsubscribe": "One-Click"})
        return 200, "Unsubscribe from the digest?", form
    email = actions.unsubscribe(token)
    if email is None:
        return 404, "Unknown link", pages.text("This unsubscribe link is not known.")
    log.info("unsubscribed by link")
    return 200, "Unsubscribed", pages.text(f"{email} will get no more digests.")


def _signed(actions: ReaderActions, key: str, action: str, value: str) -> Subscriber | None:
    """The reader a link was made for, when its signature holds."""
    reader_id = links.reader_of(key)
    reader = actions.reader(reader_id) if reader_id is not None else None
    if reader is None or not links.verify(key, reader.token, action, value):
        return None
    return reader


def _feedback(actions: ReaderActions, post: bool, query: dict[str, str], _: object) -> Reply:
    action, value, key = query.get("a", ""), query.get("v", ""), query.get("k", "")
    reader = _signed(actions, key, action, value) if action in ("mute", "less") else None
    week, _dot, story_key = value.partition(".")
    subject = None
    if reader is not None:  # signed by us: only then is the store asked anything
        subject = links.decode_value(value) if action == "mute" else actions.story(week, story_key)
    if reader is None or not subject:
        return 404, "Unknown link", pages.text("This link is not known, or its story is gone.")
    manage = pages.link(links.manage_url("", links.reader_key(reader.id, reader.token, "manage")),
                        "See and undo what you asked")  # fmt: skip
    if action == "mute":
        question, done = f"Mute {subject}?", f"{subject} is muted"
        what = f"Stories from {subject} will no longer be in the digests sent to {reader.email}."
    else:
        question, done = "Fewer stories like this?", "You will get fewer stories like this"
        what = (f"“{subject}”, and stories much like it, will be left out of the digests sent "
                f"to {reader.email}; stories a little like it will come last.")  # fmt: skip
    if not post:
        here = links.feedback_url("", action, value, key)
        return 200, question, pages.text(what) + pages.button(here, question.rstrip("?"))
    if action == "mute":
        actions.mute(reader.id, subject)
    elif not actions.less(reader.id, week, story_key):
        return 404, "Unknown link", pages.text("This story is gone.")
    return 200, done, pages.text(what) + manage


def _manage(
    actions: ReaderActions, post: bool, query: dict[str, str], form: dict[str, str]
) -> Reply:
    key = query.get("k", "")
    reader = _signed(actions, key, "manage", "")
    if reader is None:
        return 404, "Unknown link", pages.text("This link is not known.")
    note = ""
    if post and form.get("undo", "").isdigit():
        undone = actions.undo(reader.id, int(form["undo"]))
        note = "Undone." if undone else "That was undone already."
    said = actions.feedback(reader.id)
    unsubscribe = f"/unsubscribe?token={quote(reader.token)}"
    body = pages.manage(reader.email, said, links.manage_url("", key), unsubscribe, note)
    return 200, "Undone" if note else "What you get", body


def make_server(app: WsgiApp, host: str, port: int, *, threads: int = 8,
                connections: int = 4000) -> Any:  # fmt: skip
    """waitress around `app`: `threads` run requests, however many clients are connected;
    a connection waiting on a slow or silent client costs a socket, not a thread, and is
    closed after 30 s idle. Listens with a deep backlog so a burst of one-click POSTs
    waits its turn instead of being refused."""
    import resource

    from waitress import create_server

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = connections + 256
    if soft != resource.RLIM_INFINITY and soft < wanted:
        soft = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return create_server(
        app, host=host, port=port, threads=threads, backlog=2048,
        connection_limit=max(16, min(connections, soft - 256)), channel_timeout=30,
        asyncore_use_poll=True,  # select() cannot watch a socket numbered past 1023
        ident="digest", expose_tracebacks=False, clear_untrusted_proxy_headers=True,
    )  # fmt: skip
