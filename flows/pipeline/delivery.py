"""Delivering a built week: each recipient at most once, as the ledger says, unless resent,
through the transport given (the outbox folder or an SMTP server)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Protocol

from db import digests as digest_store
from db import subscribers as subscriber_store
from db.engine import session_scope
from flows.deliver.message import build_message, stable_message_id
from flows.deliver.transports import (
    DeliveryError,
    OutboxWriter,
    PermanentDeliveryError,
    SmtpSender,
)
from flows.records import Digest, RenderedDigest, Subscriber, WeekReport
from flows.settings import Settings
from flows.stories.late import totals

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
    return SmtpSender(settings.smtp)


def deliver_week(
    settings: Settings,
    digest_id: int,
    digest: Digest,
    rendered: RenderedDigest,
    *,
    resend: bool,
    preview: str,
    transport: AbstractContextManager[Transport],
    for_reader: Callable[[Subscriber], RenderedDigest] | None = None,
) -> WeekReport:
    """Send the stored digest `digest_id` to each recipient the ledger has not served yet
    (every one when `resend`); each send is recorded before and after its data goes out.
    `for_reader` gives a reader's own copy (flows/pipeline/reader_digests.py)."""
    week, url = digest.week, settings.database_url

    def ledger(recipient: str, state: str, message_id: str, **extra: str | None) -> None:
        with session_scope(url) as session:
            digest_store.set_delivery(
                session, digest_id, recipient, state=state, transport=settings.transport,
                message_id=message_id, now=datetime.now(UTC), **extra,
            )  # fmt: skip

    copy = for_reader or (lambda _reader: rendered)
    pending, skipped = _pending(settings, digest_id, copy, week, resend)
    files, sent, failed = [preview], 0, 0
    if pending:
        with transport as sending:
            for recipient, message_id, message in pending:
                try:
                    location = sending.send(
                        message,
                        recipient,
                        before_data=lambda r=recipient, m=message_id: ledger(r, "sending", m),
                    )
                except DeliveryError as err:
                    failed += 1
                    kind = "permanent" if isinstance(err, PermanentDeliveryError) else "temporary"
                    ledger(recipient, "failed", message_id, error=f"{kind}: {err}")
                    log.warning("%s: %s failed: %s", week, recipient, err)
                    continue
                ledger(recipient, "sent", message_id, location=location)
                files += [location] if sending.writes_files else []
                sent += 1
    status = _status(sent, skipped, failed)
    return WeekReport(week, status, *totals(digest), tuple(files), sent, skipped, failed)


def _status(sent: int, skipped: int, failed: int) -> str:
    if failed and not sent:
        return "failed"
    return "sent" if sent else "already sent" if skipped else "built"


def _pending(
    settings: Settings,
    digest_id: int,
    copy: Callable[[Subscriber], RenderedDigest],
    week: str,
    resend: bool,
) -> tuple[list[tuple[str, str, EmailMessage]], int]:
    """(recipient, Message-ID, message) of each reader still to send to, and how many were
    skipped as sent already."""
    domain = parseaddr(settings.sender)[1].rpartition("@")[2] or "localhost"
    with session_scope(settings.database_url) as session:
        readers = subscriber_store.recipients(session, settings.recipients, datetime.now(UTC))
    pending, skipped = [], 0
    for reader in readers:
        with session_scope(settings.database_url) as session:
            record = digest_store.delivery(session, digest_id, reader.email)
        # "sending" means the run died after DATA began: the copy may well have arrived.
        if record is not None and record.state in ("sent", "sending") and not resend:
            skipped += 1
            log.info("%s: already sent to %s (%s)", week, reader.email, record.state)
            continue
        message_id = stable_message_id(week, reader.email, domain)
        message = build_message(
            copy(reader),
            sender=settings.sender,
            reply_to=settings.reply_to,
            recipient=reader.email,
            message_id=message_id,
            date=datetime.now(UTC),
            list_id=f"{settings.title} <digest.{domain}>",
            unsubscribe_mailto=f"mailto:{parseaddr(settings.sender)[1]}?subject=unsubscribe",
            unsubscribe_url=(
                f"{settings.base_url}/unsubscribe?token={reader.token}"
                if settings.base_url.startswith("https://")
                else None
            ),
        )
        pending.append((reader.email, message_id, message))
    return pending, skipped


def dry_run_plan(settings: Settings, week: str, resend: bool) -> tuple[str, ...]:
    """Who a real send would mail, read without writing: config recipients and subscribers,
    less those who unsubscribed; those the ledger already has are skipped unless `resend`."""
    with session_scope(settings.database_url) as session:
        readers = subscriber_store.would_receive(session, settings.recipients)
        stored = digest_store.digest_id(session, week)
        done = {
            reader
            for reader in readers
            if stored is not None
            and (record := digest_store.delivery(session, stored, reader)) is not None
            and record.state in ("sent", "sending")
        }
    return tuple(
        f"already sent to {r}" if r in done and not resend else f"would send to {r}"
        for r in readers
    )
