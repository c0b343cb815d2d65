"""TLS is verified everywhere, against the system's CAs and `ca_file`'s: feeds over HTTPS,
IMAP (a server with a certificate for another name never sees the password), SMTP."""

from __future__ import annotations

import os
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
import trustme

from flows.deliver.transports import PermanentDeliveryError
from flows.pipeline.delivery import transport_for
from flows.records import SourceError
from flows.settings import load_settings
from flows.sources.fetch import Fetcher, FetchRequest, fetch
from flows.sources.read import read_mailbox
from tests.support import imap_server as dovecot
from tests.support import smtp_servers
from tests.support.feed_server import Route, feed_server, rss

FEED = rss("Harbour News", [{"title": "Bridge opens", "guid": "b1", "link": "/b1"}])
NOW = datetime(2025, 10, 27, 7, tzinfo=UTC)
SECRET = "imap-s3cret"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def server_context(ca: trustme.CA, *names: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*names).configure_cert(context)
    return context


def test_https_feeds_are_verified_and_ca_file_adds_a_trusted_ca(
    ca: trustme.CA, ca_file: str
) -> None:
    with feed_server(server_context(ca, "127.0.0.1")) as server:
        url = server.add("/feed", Route(FEED))
        with Fetcher(connect_timeout=2, read_timeout=2) as system_cas:
            refused = fetch(system_cas, FetchRequest(url))
        assert refused.status == "error" and "CERTIFICATE_VERIFY_FAILED" in refused.reason
        with Fetcher(connect_timeout=2, read_timeout=2, ca_file=ca_file) as trusting:
            assert fetch(trusting, FetchRequest(url)).body == FEED
    # By a name: connected to the address it resolves to, the certificate checked for the name.
    with feed_server(server_context(ca, "localhost")) as by_name:
        url = by_name.add("/feed", Route(FEED)).replace("127.0.0.1", "localhost")
        with Fetcher(connect_timeout=2, read_timeout=2, ca_file=ca_file) as trusting:
            assert fetch(trusting, FetchRequest(url)).body == FEED
    with feed_server(server_context(ca, "feeds.example")) as other_name:
        url = other_name.add("/feed", Route(FEED))
        with Fetcher(connect_timeout=2, read_timeout=2, ca_file=ca_file) as trusting:
            wrong = fetch(trusting, FetchRequest(url))
    assert wrong.status == "error" and "IP address mismatch" in wrong.reason


@contextmanager
def imap_impostor(context: ssl.SSLContext) -> Iterator[tuple[int, list[bytes]]]:
    """A TLS server that greets like IMAP, answers CAPABILITY, refuses the rest, and keeps
    every line it receives once TLS is up (a LOGIN would carry the password)."""
    received: list[bytes] = []
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            try:
                with context.wrap_socket(conn, server_side=True) as tls:
                    tls.sendall(b"* OK IMAP4rev1 ready\r\n")
                    for line in tls.makefile("rb"):
                        received.append(line)
                        tag, _, command = line.partition(b" ")
                        if command.upper().startswith(b"CAPABILITY"):
                            tls.sendall(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n")
                        tls.sendall(tag + (b" OK done\r\n" if b"CAPA" in command else b" NO\r\n"))
            except OSError:  # the client refused our certificate, or went away
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], received
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def imap_options(port: int) -> dict[str, object]:
    return {"imap_host": "127.0.0.1", "imap_port": port, "imap_user": "reader"}


def test_imap_with_a_certificate_for_another_name_never_gets_the_password(
    ca: trustme.CA, ca_file: str
) -> None:
    with imap_impostor(server_context(ca, "mail.example")) as (port, received):
        for trusted in ("", ca_file):  # unknown CA; known CA but the wrong name
            with pytest.raises(SourceError, match="certificate verify failed") as caught:
                read_mailbox("inbox", None, imap_options(port), SECRET, NOW, ca_file=trusted)
            assert str(caught.value).startswith(f"inbox: IMAP 127.0.0.1:{port}: ")
        assert received == []
        # What the impostor would have seen without the check (imaplib's own default):
        blind = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        blind.check_hostname, blind.verify_mode = False, ssl.CERT_NONE
        from flows.sources.mailbox import read_imap

        with pytest.raises(SourceError):
            read_imap("inbox", host="127.0.0.1", port=port, user="reader", password=SECRET,
                      now=NOW, ssl_context=blind)  # fmt: skip
    assert any(SECRET.encode() in line for line in received)


@pytest.fixture
def imap():  # type: ignore[no-untyped-def]
    reason = dovecot.can_run()
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    with dovecot.imap_server() as server:
        yield server


def test_dovecot_is_read_with_ca_file_and_refused_without(imap) -> None:  # type: ignore[no-untyped-def]
    imap.deliver(
        "0.eml", b"From: a@example.org\r\nSubject: Hi\r\nMessage-ID: <m1@x>\r\n\r\nHello\r\n"
    )
    options = imap_options(imap.port)
    with pytest.raises(SourceError, match="certificate verify failed"):
        read_mailbox("inbox", None, options, dovecot.PASSWORD, NOW)
    items, failures = read_mailbox(
        "inbox", None, options, dovecot.PASSWORD, NOW, ca_file=str(imap.ca_file)
    )
    assert [i.identity for i in items] == ["<m1@x>"] and failures == []


def smtp_settings(tmp_path: Path, port: int, security: str, ca_file: str = ""):  # type: ignore[no-untyped-def]
    (tmp_path / "digest.toml").touch()
    env = {
        "DIGEST_DELIVERY_TRANSPORT": "smtp",
        "DIGEST_SMTP_HOST": "127.0.0.1",
        "DIGEST_SMTP_PORT": str(port),
        "DIGEST_SMTP_SECURITY": security,
        "DIGEST_SMTP_USERNAME": smtp_servers.USER,
        "DIGEST_SMTP_PASSWORD": smtp_servers.PASSWORD,
        "DIGEST_SMTP_TIMEOUT": "5",
        "DIGEST_CA_FILE": ca_file,
    }
    return load_settings(tmp_path / "digest.toml", env)


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_smtp_verifies_the_server_and_honours_ca_file(
    ca: trustme.CA, ca_file: str, tmp_path: Path, security: str
) -> None:
    certs = smtp_servers.Certificates(server_context(ca, "127.0.0.1"), ssl.create_default_context())
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "d@example.org", "ana@example.org", "Hi"
    message.set_content("Hello")
    inbox = smtp_servers.Inbox()
    with smtp_servers.smtp_server(inbox, security=security, auth=True, certs=certs) as port:
        untrusted = transport_for(smtp_settings(tmp_path, port, security), "2025-W43")
        with pytest.raises(PermanentDeliveryError, match="certificate not trusted"):
            untrusted.__enter__()
        assert inbox.messages == []
        with transport_for(smtp_settings(tmp_path, port, security, ca_file), "2025-W43") as sender:
            sender.send(message, "ana@example.org")
    assert [rcpt for rcpt, _ in inbox.messages] == [["ana@example.org"]]


def test_dovecot_with_a_certificate_for_another_name_never_gets_the_password(
    imap,  # type: ignore[no-untyped-def]
) -> None:
    with dovecot.imap_server(names=("mail.example",)) as other:
        with pytest.raises(SourceError, match="certificate verify failed"):
            read_mailbox("inbox", None, imap_options(other.port), dovecot.PASSWORD, NOW,
                         ca_file=str(other.ca_file))  # fmt: skip
        log = other.log.read_text()
    # Dovecot says the client left before any login, at whichever step the timing catches.
    assert ("no auth attempts" in log or "TLS handshaking" in log) and "Login:" not in log
    # The same read against the server whose certificate names it logs in.
    read_mailbox("inbox", None, imap_options(imap.port), dovecot.PASSWORD, NOW,
                 ca_file=str(imap.ca_file))  # fmt: skip
    assert "Login: user=<reader>" in imap.log.read_text()
