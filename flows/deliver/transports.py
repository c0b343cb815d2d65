"""Deliver: write the message to the outbox folder, or send it over SMTP."""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
import time
from collections.abc import Callable, Sequence
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from pathlib import Path
from typing import Protocol

from flows.atomic_write import write_file

# The errors are named here too: each transport raises them, its callers catch them.
from flows.deliver.errors import DeliveryError as DeliveryError
from flows.deliver.errors import PermanentDeliveryError as PermanentDeliveryError
from flows.deliver.errors import TemporaryDeliveryError as TemporaryDeliveryError
from flows.deliver.errors import check_reply, classify
from flows.tls import verified_context

log = logging.getLogger(__name__)
# Seconds to wait before each new try after a temporary failure: three tries in all.
BACKOFF = (1.0, 2.0)


UNSAFE_IN_NAME = re.compile(r"[^\w@.+-]")


def outbox_path(outbox: Path, name: str) -> Path:
    return outbox / f"{UNSAFE_IN_NAME.sub('_', name)}.eml"


def write_outbox(message: EmailMessage, outbox: Path, name: str) -> Path:
    """The message as an .eml file; a half-written file never appears under its name."""
    return write_file(outbox_path(outbox, name), bytes(message))


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
        """Write the message; returns the file written. A failed write (folder not
        writable, disk full) is a PermanentDeliveryError naming the folder."""
        if before_data is not None:
            before_data()
        try:
            return str(write_outbox(message, self.outbox, self._name(recipient)))
        except OSError as err:
            reason = err.strerror or str(err)
            raise PermanentDeliveryError(
                f"{recipient}: cannot write to the outbox {self.outbox}: {reason}"
            ) from None

    def delivered(self, recipient: str) -> str | None:
        """The file of a write the ledger left in doubt, when it is there: a file appears
        whole or not at all, so one there was delivered."""
        path = outbox_path(self.outbox, self._name(recipient))
        return str(path) if path.is_file() else None

    def _name(self, recipient: str) -> str:
        return f"{self.prefix}_{recipient}"


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
    """One SMTP connection reused for every recipient of a run.

    Temporary failures (4xx, refused or dropped connections, timeouts) are tried again
    after each wait of `backoff`; permanent ones (5xx, a refused login, a server without
    STARTTLS, a certificate not trusted) fail at once. `sleep` is how it waits (tests
    give one that does not)."""

    writes_files = False

    def __init__(
        self,
        settings: SmtpServer,
        ssl_context: ssl.SSLContext | None = None,
        *,
        backoff: Sequence[float] = BACKOFF,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.context = ssl_context or verified_context()  # certificate and host name checked
        self.backoff, self.sleep = tuple(backoff), sleep
        self.client: smtplib.SMTP | None = None
        self.unreachable: TemporaryDeliveryError | None = None  # the last connection's failure
        self.server = f"{settings.host}:{settings.port}"

    def __enter__(self) -> SmtpSender:
        """Connect, trying again after temporary failures; raises DeliveryError."""
        self._with_retries("connection", self._connect)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.client is not None:
            try:
                self.client.quit()
            except (smtplib.SMTPException, OSError):
                self.client.close()
            self.client = None

    def _with_retries(self, what: str, attempt: Callable[[], None]) -> None:
        for delay in (*self.backoff, None):
            try:
                return attempt()
            except TemporaryDeliveryError as err:
                if delay is None:
                    raise
                log.warning("%s: %s (retrying in %.1f s)", what, err, delay)
                self.sleep(delay)

    def _connect(self) -> None:
        s = self.settings
        self.__exit__()
        client: smtplib.SMTP | None = None
        try:
            if s.security == "tls":
                client = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=self.context)
            else:
                client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.security == "starttls":
                    client.ehlo()
                    if not client.has_extn("starttls"):
                        raise PermanentDeliveryError(
                            f"{self.server}: the server does not offer STARTTLS "
                            '(smtp.security = "starttls"); nothing was sent in clear'
                        )
                    client.starttls(context=self.context)
            client.ehlo_or_helo_if_needed()
            if s.username:
                client.login(s.username, s.password)
        except (smtplib.SMTPException, OSError, PermanentDeliveryError) as err:
            if client is not None:
                client.close()
            raise classify(err, self.server, "cannot connect") from None
        self.client = client

    def send(
        self,
        message: EmailMessage,
        recipient: str,
        before_data: Callable[[], None] | None = None,
    ) -> str:
        """MAIL, RCPT, then `before_data()`, then DATA; temporary failures tried again on a
        new connection. Returns the server's host. Once the server could not be reached
        through every wait, the recipients after fail at once: the next run tries again."""
        if self.unreachable is not None:
            raise TemporaryDeliveryError(f"{recipient}: not tried: {self.unreachable}")

        def once() -> None:
            if self.client is None:
                try:
                    self._connect()
                except TemporaryDeliveryError as err:
                    self.unreachable = err
                    raise
                self.unreachable = None
            try:
                self._send_once(message, recipient, before_data)
            except TemporaryDeliveryError:
                self.__exit__()  # the next try starts on a new connection
                raise

        self._with_retries(recipient, once)
        return self.settings.host

    def _send_once(
        self, message: EmailMessage, recipient: str, before_data: Callable[[], None] | None
    ) -> None:
        assert self.client is not None
        client = self.client
        try:
            sender = message["From"].addresses[0].addr_spec
            code, reply = client.mail(sender)
            check_reply(code, reply, recipient, "MAIL FROM", self.server)
            code, reply = client.rcpt(recipient)
            check_reply(code, reply, recipient, "RCPT TO", self.server)
            if before_data is not None:
                before_data()
            # smtplib sends bytes as they are: the lines must already end in CRLF.
            code, reply = client.data(message.as_bytes(policy=SMTP_POLICY))
            check_reply(code, reply, recipient, "DATA", self.server)
        except PermanentDeliveryError:
            try:
                client.rset()  # end the refused transaction; the connection serves the next one
            except (smtplib.SMTPException, OSError):
                self.__exit__()
            raise
        except (smtplib.SMTPException, OSError) as err:
            raise classify(err, self.server, f"sending to {recipient}") from None
