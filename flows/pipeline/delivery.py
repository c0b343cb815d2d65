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
from flows.records import DEFAULT_DIGEST, Digest, RenderedDigest, WeekReport
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
    name: str = DEFAULT_DIGEST,
) -> WeekReport:
    """Send the stored digest `digest_id` to each recipient the ledger has not served yet
    (every one when `resend`); each send is recorded before and after its data goes out.
    `settings` are those of the digest `name` (its readers, title and outbox)."""
    week, url = digest.week, settings.database_url

    def ledger(recipient: str, state: str, message_id: str, **extra: str | None) -> None:
        with session_scope(url) as session:
            digest_store.set_delivery(
                session, digest_id, recipient, state=state, transport=settings.transport,
                message_id=message_id, now=datetime.now(UTC), **extra,
            )  # fmt: skip

    pending, skipped = _pending(settings, digest_id, rendered, week, resend, name)
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
    return WeekReport(
        week, status, *totals(digest), tuple(files), sent, skipped, failed, digest=name
    )


def _status(sent: int, skipped: int, failed: int) -> str:
    if failed and not sent:
        return "failed"
    return "sent" if sent else "already sent" if skipped else "built"


def _pending(
    settings: Settings,
    digest_id: int,
    rendered: RenderedDigest,
    week: str,
    resend: bool,
    name: str = DEFAULT_DIGEST,
) -> tuple[list[tuple[str, str, EmailMessage]], int]:
    """(recipient, Message-ID, message) of each reader still to send to, and how many were
    skipped as sent already."""
    domain = parseaddr(settings.sender)[1].rpartition("@")[2] or "localhost"
    with session_scope(settings.database_url) as session:
        readers = subscriber_store.recipients(session, settings.recipients, datetime.now(UTC))
    readers = [r for r in readers if r.email in digest_readers(settings, name, [r.email])]
    pending, skipped = [], 0
    for reader in readers:
        with session_scope(settings.database_url) as session:
            record = digest_store.delivery(session, digest_id, reader.email)
        # "sending" means the run died after DATA began: the copy may well have arrived.
        if record is not None and record.state in ("sent", "sending") and not resend:
            skipped += 1
            log.info("%s: already sent to %s (%s)", week, reader.email, record.state)
            continue
        # Another digest's week is another message: its own id, so clients keep both.
        edition = week if name == DEFAULT_DIGEST else f"{name}-{week}"
        message_id = stable_message_id(edition, reader.email, domain)
        message = build_message(
            rendered,
            sender=settings.sender,
            reply_to=settings.reply_to,
            recipient=reader.email,
            message_id=message_id,
            date=datetime.now(UTC),
            list_id=f"{settings.title} <{_list_prefix(name)}digest.{domain}>",
            unsubscribe_mailto=f"mailto:{parseaddr(settings.sender)[1]}?subject=unsubscribe",
            unsubscribe_url=(
                f"{settings.base_url}/unsubscribe?token={reader.token}"
                if settings.base_url.startswith("https://")
                else None
            ),
        )
        pending.append((reader.email, message_id, message))
    return pending, skipped


def digest_readers(settings: Settings, name: str, emails: list[str]) -> list[str]:
    """Those of the readers (config recipients and subscribers) who get the digest `name`:
    its own recipients; the first digest also gets every other reader (subscribers added
    by command), but those whom another digest lists and it does not."""
    own = {e.lower() for e in settings.recipients}
    others = {e.lower() for d in settings.digests if d.name != name for e in d.recipients}
    first = not settings.digests or settings.digests[0].name == name
    return [e for e in emails if e.lower() in own or (first and e.lower() not in others)]


def _list_prefix(name: str) -> str:
    """Each digest is its own list (List-Id), the default one as it always was."""
    return "" if name == DEFAULT_DIGEST else f"{name}."


def dry_run_plan(
    settings: Settings, week: str, resend: bool, name: str = DEFAULT_DIGEST
) -> tuple[str, ...]:
    """Who a real send would mail, read without writing: config recipients and subscribers,
    less those who unsubscribed; those the ledger already has are skipped unless `resend`."""
    with session_scope(settings.database_url) as session:
        readers = digest_readers(
            settings, name, subscriber_store.would_receive(session, settings.recipients)
        )
        stored = digest_store.digest_id(session, week, name)
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
