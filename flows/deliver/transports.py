"""Deliver: write the message to the outbox folder, or send it over SMTP."""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
import time
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from pathlib import Path
from typing import Protocol

from flows.atomic_write import write_file
from flows.tls import verified_context

log = logging.getLogger(__name__)
RETRIES = 3
BACKOFF = 1.0  # seconds, doubled after each temporary failure


class DeliveryError(Exception):
    """A message did not reach the server; the text names the recipient and the reply."""


class TemporaryDeliveryError(DeliveryError):
    """4xx or a dropped connection: worth trying again later."""


class PermanentDeliveryError(DeliveryError):
    """5xx: the server refused; trying again will not help."""


def write_outbox(message: EmailMessage, outbox: Path, name: str) -> Path:
    """The message as an .eml file; a half-written file never appears under its name."""
    safe = re.sub(r"[^\w@.+-]", "_", name)
    return write_file(outbox / f"{safe}.eml", bytes(message))


def write_preview(html: str, outbox: Path, week: str) -> Path:
    return write_file(outbox / f"{week}.html", html.encode("utf-8"))


class OutboxWriter:
    """The outbox as a transport: each message an .eml file named after `prefix` and its
    recipient. A context manager like SmtpSender, with no connection to open."""

    writes_files = True

    def __init__(self, outbox: Path, prefix: str) -> None:
        self.outbox, self.prefix = outbox, prefix

    def __enter__(self) -> OutboxWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def send(
        self,
        message: EmailMessage,
        recipient: str,
        before_data: Callable[[], None] | None = None,
    ) -> str:
        """Write the message; returns the file written."""
        if before_data is not None:
            before_data()
        return str(write_outbox(message, self.outbox, f"{self.prefix}_{recipient}"))


class SmtpServer(Protocol):
    """Where and how to send (the settings' [smtp] table has these fields)."""

    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def security(self) -> str: ...  # "tls", "starttls" or "none"
    @property
    def username(self) -> str: ...
    @property
    def password(self) -> str: ...
    @property
    def timeout(self) -> float: ...


class SmtpSender:
    """One SMTP connection reused for every recipient of a run."""

    writes_files = False

    def __init__(self, settings: SmtpServer, ssl_context: ssl.SSLContext | None = None) -> None:
        self.settings = settings
        self.context = ssl_context or verified_context()  # certificate and host name checked
        self.client: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpSender:
        self._connect()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.client is not None:
            try:
                self.client.quit()
            except (smtplib.SMTPException, OSError):
                self.client.close()
            self.client = None

    def _connect(self) -> None:
        s = self.settings
        try:
            if s.security == "tls":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=s.timeout, context=self.context
                )
            else:
                client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.security == "starttls":
                    client.starttls(context=self.context)
            client.ehlo_or_helo_if_needed()
            if s.username:
                client.login(s.username, s.password)
        except smtplib.SMTPAuthenticationError as err:
            raise PermanentDeliveryError(f"{s.host}: login refused: {_reply(err)}") from None
        except (smtplib.SMTPException, OSError) as err:
            raise TemporaryDeliveryError(f"{s.host}:{s.port}: cannot connect: {err}") from None
        self.client = client

    def send(
        self,
        message: EmailMessage,
        recipient: str,
        before_data: Callable[[], None] | None = None,
    ) -> str:
        """MAIL, RCPT, then `before_data()`, then DATA; temporary failures retried. Returns
        the server's host."""
        delay = BACKOFF
        for attempt in range(1, RETRIES + 1):
            try:
                self._send_once(message, recipient, before_data)
                return self.settings.host
            except TemporaryDeliveryError as err:
                if attempt == RETRIES:
                    raise
                log.warning("%s: attempt %d failed (%s); retrying", recipient, attempt, err)
                time.sleep(delay)
                delay *= 2
                self._reconnect()
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _reconnect(self) -> None:
        self.__exit__()
        try:
            self._connect()
        except TemporaryDeliveryError:
            self.client = None

    def _send_once(
        self, message: EmailMessage, recipient: str, before_data: Callable[[], None] | None
    ) -> None:
        if self.client is None:
            raise TemporaryDeliveryError(f"{recipient}: no connection to {self.settings.host}")
        client = self.client
        try:
            sender = message["From"].addresses[0].addr_spec
            code, reply = client.mail(sender)
            _check(code, reply, recipient, "MAIL FROM")
            code, reply = client.rcpt(recipient)
            _check(code, reply, recipient, "RCPT TO")
            if before_data is not None:
                before_data()
            # smtplib sends bytes as they are: the lines must already end in CRLF.
            code, reply = client.data(message.as_bytes(policy=SMTP_POLICY))
            _check(code, reply, recipient, "DATA")
        except PermanentDeliveryError:
            client.rset()  # end the refused transaction; the connection serves the next one
            raise
        except smtplib.SMTPServerDisconnected as err:
            raise TemporaryDeliveryError(f"{recipient}: connection dropped: {err}") from None
        except (smtplib.SMTPResponseException, OSError) as err:
            raise TemporaryDeliveryError(f"{recipient}: {err}") from None


def _check(code: int, reply: bytes, recipient: str, step: str) -> None:
    if 200 <= code < 400:
        return
    words = reply.decode("utf-8", "replace")
    if code >= 500:
        raise PermanentDeliveryError(f"{recipient}: {step} refused: {code} {words}")
    raise TemporaryDeliveryError(f"{recipient}: {step} deferred: {code} {words}")


def _reply(err: smtplib.SMTPResponseException) -> str:
    return f"{err.smtp_code} {err.smtp_error.decode('utf-8', 'replace')}"
