"""Real SMTP servers for the tests (aiosmtpd on free loopback ports): plain, STARTTLS,
implicit TLS, with AUTH, and misbehaving ones. Each keeps what it accepted."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = "digest", "s3cret-passw0rd"


@dataclass
class Inbox:
    """Accepts mail; `script` gives replies to use, in order, before accepting normally."""

    messages: list[tuple[list[str], bytes]] = field(default_factory=list)
    script: list[str] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    drop_after_data: int = 0  # drop the connection after DATA this many times

    async def handle_RCPT(self, server, session, envelope, address, options):  # type: ignore[no-untyped-def]
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        if self.drop_after_data:
            self.drop_after_data -= 1
            server.transport.close()  # the server vanishes after receiving the message
            return "421 closing"
        if self.script:
            return self.script.pop(0)
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


def authenticate(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(), PASSWORD.encode())  # fmt: skip
    # handled=False: aiosmtpd then answers 535 itself (else it answers nothing at all).
    return AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Certificates:
    server: ssl.SSLContext
    client: ssl.SSLContext


def certificates() -> Certificates:
    """A throw-away CA and a certificate for 127.0.0.1, made for this test run."""
    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server)
    client = ssl.create_default_context()
    ca.configure_trust(client)
    return Certificates(server, client)


@contextmanager
def smtp_server(
    inbox: Inbox, *, security: str = "none", auth: bool = False, certs: Certificates | None = None
) -> Iterator[int]:
    """Run a server until the block ends; yields its port."""
    kwargs: dict = {"hostname": "127.0.0.1", "port": free_port()}
    if security == "starttls":
        kwargs |= {"tls_context": certs.server, "require_starttls": True}  # type: ignore[union-attr]
    elif security == "tls":
        kwargs |= {"ssl_context": certs.server}  # type: ignore[union-attr]
    if auth:
        # aiosmtpd knows of TLS only when STARTTLS made it; implicit TLS is TLS all along.
        kwargs |= {"authenticator": authenticate, "auth_required": True,
                   "auth_require_tls": security == "starttls"}  # fmt: skip
    controller = Controller(inbox, **kwargs)
    if security == "tls":
        # The controller's readiness probe speaks plain SMTP; trust our own CA for it.
        controller.ssl_context = certs.server  # type: ignore[union-attr]
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()
