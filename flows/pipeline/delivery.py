"""Delivering a built week: each recipient at most once, as the ledger says, unless resent,
through the transport given (the outbox folder or an SMTP server)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.errors import MessageError
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import parseaddr
from typing import Protocol

from db import digests as digest_store
from db import subscribers as subscriber_store
from db.engine import session_scope
from flows.deliver.message import build_message, stable_message_id
from flows.deliver.transports import (
    DeliveryError,
    OutboxWriter,
    SmtpSender,
    TemporaryDeliveryError,
)
from flows.pipeline.digests import digest_readers, list_prefix
from flows.records import DEFAULT_DIGEST, Digest, RenderedDigest, Subscriber, WeekReport
from flows.settings import Settings
from flows.stories.late import totals
from flows.tls import verified_context

log = logging.getLogger(__name__)


class Transport(Protocol):
    """What delivers one message (OutboxWriter, SmtpSender), entered once for a week."""

    writes_files: bool

    def __enter__(self) -> Transport: ...
    def __exit__(self, *exc: object) -> None: ...
    def send(
        self, message: EmailMessage, recipient: str, before_data: Callable[[], None] | None = None
    ) -> str: ...


def transport_for(settings: Settings, week: str) -> Transport:
    """The transport the settings choose, not yet connected."""
    if settings.transport == "outbox":
        return OutboxWriter(settings.outbox, week)
    return SmtpSender(settings.smtp, ssl_context=verified_context(settings.ca_file))


def deliver_week(
    settings: Settings,
    digest_id: int,
    digest: Digest,
    rendered: RenderedDigest,
    *,
    resend: bool,
    preview: str,
    transport: AbstractContextManager[Transport],
    name: str = DEFAULT_DIGEST,
    for_reader: Callable[[Subscriber], RenderedDigest] | None = None,
) -> WeekReport:
    """Send the stored digest `digest_id` to each recipient the ledger has not served yet
    (every one when `resend`); each send is recorded before and after its data goes out.
    `for_reader` gives a reader's own copy (flows/pipeline/reader_digests.py).

    A failure belongs to its reader: it is recorded with its reason and the others are
    sent. A transport that cannot open (a refused login, a server without STARTTLS, no
    server) fails every reader still to send to, with that reason; nothing is raised.
    `settings` are those of the digest `name` (its readers, title and outbox)."""
    copy = for_reader or (lambda _reader: rendered)
    plan = _pending(settings, digest_id, copy, digest.week, resend, transport, name)
    book = Ledger(settings, digest_id, digest.week)
    for recipient, message_id, err in plan.unbuildable:
        book.fail(recipient, message_id, err)
    files, sent = [preview] if preview else [], 0
    with ExitStack() as stack:
        try:
            sending = stack.enter_context(transport) if plan.pending else None
        except DeliveryError as err:
            for recipient, message_id, _ in plan.pending:
                book.fail(recipient, message_id, err)
            sending = None
        for recipient, message_id, message in plan.pending if sending else ():
            try:
                location = sending.send(
                    message,
                    recipient,
                    before_data=lambda r=recipient, m=message_id: book.set(r, "sending", m),
                )
            except DeliveryError as err:
                book.fail(recipient, message_id, err)
                continue
            book.set(recipient, "sent", message_id, location=location)
            files += [location] if sending.writes_files else []
            sent += 1
    skipped, failed = plan.skipped + len(plan.in_doubt), len(book.failures)
    notes = [*book.failures[:3], *([f"and {failed - 3} more failed"] if failed > 3 else [])]
    notes += [_doubt_note(plan.in_doubt)] if plan.in_doubt else []
    return WeekReport(digest.week, _status(sent, skipped, failed), *totals(digest),
                      tuple(files), sent, skipped, failed, "\n".join(notes) or None,
                      name)  # fmt: skip


class Ledger:
    """The ledger lines of one week's delivery through one transport (the settings' e-mail
    one unless named: webhooks are "webhook"), and the failures it recorded."""

    def __init__(
        self, settings: Settings, digest_id: int, week: str, transport: str | None = None
    ) -> None:
        self.settings, self.digest_id, self.week = settings, digest_id, week
        self.transport = transport or settings.transport
        self.failures: list[str] = []

    def set(self, recipient: str, state: str, message_id: str, **extra: str | None) -> None:
        with session_scope(self.settings.database_url) as session:
            digest_store.set_delivery(
                session, self.digest_id, recipient, state=state, transport=self.transport,
                message_id=message_id, now=datetime.now(UTC), **extra,
            )  # fmt: skip

    def fail(self, recipient: str, message_id: str, err: Exception) -> None:
        kind = "temporary" if isinstance(err, TemporaryDeliveryError) else "permanent"
        self.set(recipient, "failed", message_id, error=f"{kind}: {err}")
        self.failures.append(f"{recipient}: {kind}: {err}")
        log.warning("%s: %s failed: %s", self.week, recipient, err)


def _status(sent: int, skipped: int, failed: int) -> str:
    """The week's word: "partial" when some readers failed and others have the digest
    (sent now or before), "failed" when none has it."""
    if failed:
        return "partial" if sent or skipped else "failed"
    return "sent" if sent else "already sent" if skipped else "built"


def _doubt_note(in_doubt: Sequence[str]) -> str:
    return (
        f"in doubt, not sent again: {', '.join(in_doubt)} (a run stopped while the server "
        "took the message; --resend sends again)"
    )


@dataclass
class _Plan:
    """Who a delivery will mail, who it skips, and why."""

    pending: list[tuple[str, str, EmailMessage]] = field(default_factory=list)
    unbuildable: list[tuple[str, str, Exception]] = field(default_factory=list)
    in_doubt: list[str] = field(default_factory=list)
    skipped: int = 0


def _pending(
    settings: Settings,
    digest_id: int,
    copy: Callable[[Subscriber], RenderedDigest],
    week: str,
    resend: bool,
    transport: object,
    name: str = DEFAULT_DIGEST,
) -> _Plan:
    """The readers of this run (its settings' recipients and the subscribers) still to be
    sent to, as the ledger says.

    A reader left "sending" by a run that died is looked at again: the outbox tells
    whether its file was written (then it is "sent", else it is sent now); SMTP cannot
    tell whether the message arrived, so it stays in doubt and is not sent twice.
    """
    domain = sender_domain(settings)
    with session_scope(settings.database_url) as session:
        readers = subscriber_store.recipients(session, settings.recipients, datetime.now(UTC))
    chosen = set(digest_readers(settings, name, [r.email for r in readers]))
    readers = [r for r in readers if r.email in chosen]
    # Another digest's week is another message: its own id, so that clients keep both.
    edition = week if name == DEFAULT_DIGEST else f"{name}-{week}"
    # A transport of another kind (none but the outbox can tell) leaves a send in doubt.
    delivered: Callable[[str], str | None] = getattr(transport, "delivered", lambda _: None)
    plan = _Plan()
    for reader in readers:
        with session_scope(settings.database_url) as session:
            record = digest_store.delivery(session, digest_id, reader.email)
        message_id = stable_message_id(edition, reader.email, domain)
        state = None if record is None or resend else record.state
        if state == "sending" and (location := delivered(reader.email)) is not None:
            with session_scope(settings.database_url) as session:
                digest_store.set_delivery(
                    session, digest_id, reader.email, state="sent", transport=record.transport,
                    message_id=message_id, now=datetime.now(UTC), location=location,
                )  # fmt: skip
            state = "sent"
        if state == "sent":
            plan.skipped += 1
            log.info("%s: already sent to %s", week, reader.email)
            continue
        if state == "sending" and record.transport != "outbox":
            plan.in_doubt.append(reader.email)
            log.warning("%s: %s left in doubt by a stopped run: not sent again", week,
                        reader.email)  # fmt: skip
            continue
        try:
            message = reader_message(
                settings, copy(reader), reader.email, message_id, name, reader.token
            )
            message.as_bytes(policy=SMTP_POLICY)  # fails here, for this reader alone
        except (ValueError, MessageError) as err:  # an address that cannot be a header
            plan.unbuildable.append((reader.email, message_id, err))
            continue
        plan.pending.append((reader.email, message_id, message))
    return plan


def reader_message(
    settings: Settings,
    rendered: RenderedDigest,
    recipient: str,
    message_id: str,
    name: str = DEFAULT_DIGEST,
    token: str | None = None,
) -> EmailMessage:
    """The e-mail of a week for one address, the digest `name` its list; with the reader's
    `token` and an https web address, its one-click unsubscribe link too."""
    domain = sender_domain(settings)
    return build_message(
        rendered,
        sender=settings.sender,
        reply_to=settings.reply_to,
        recipient=recipient,
        message_id=message_id,
        date=datetime.now(UTC),
        list_id=f"{settings.title} <{list_prefix(name)}digest.{domain}>",
        unsubscribe_mailto=f"mailto:{parseaddr(settings.sender)[1]}?subject=unsubscribe",
        unsubscribe_url=(
            f"{settings.base_url}/unsubscribe?token={token}"
            if token and settings.base_url.startswith("https://")
            else None
        ),
    )


def sender_domain(settings: Settings) -> str:
    return parseaddr(settings.sender)[1].rpartition("@")[2] or "localhost"


def dry_run_plan(
    settings: Settings, week: str, resend: bool, name: str = DEFAULT_DIGEST
) -> tuple[str, ...]:
    """Who a real send would mail, read without writing: this run's config recipients and
    the subscribers, less those who unsubscribed; those the ledger already has are skipped
    unless `resend`, and one a stopped run left "sending" is named as in doubt."""
    with session_scope(settings.database_url) as session:
        readers = digest_readers(
            settings, name, subscriber_store.would_receive(session, settings.recipients)
        )
        stored = digest_store.digest_id(session, week, name)
        records = {
            reader: record.state
            for reader in readers
            if stored is not None
            and (record := digest_store.delivery(session, stored, reader)) is not None
        }
    said = {"sent": "already sent to {}", "sending": "in doubt, a stopped run was sending to {}"}
    return tuple(
        said.get(records.get(r, "") if not resend else "", "would send to {}").format(r)
        for r in readers
    )
