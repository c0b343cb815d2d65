"""Delivering a built week to the webhooks of the settings, in the e-mail's ledger: one line
per (week, webhook), the webhook named by its masked label, so each gets a week once."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from db import digests as digest_store
from db.engine import session_scope
from flows.deliver.message import stable_message_id
from flows.deliver.transports import DeliveryError
from flows.deliver.webhooks import WebhookSender, webhook_label
from flows.pipeline.delivery import Ledger
from flows.records import DEFAULT_DIGEST, Digest
from flows.render.markdown import render_markdown
from flows.settings import Settings

log = logging.getLogger(__name__)
TRANSPORT = "webhook"  # the ledger's transport column for these lines


@dataclass(frozen=True)
class WebhookReport:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    posted: tuple[str, ...] = ()  # the labels sent to


def deliver_webhooks(
    settings: Settings,
    digest_id: int,
    digest: Digest,
    subject: str,
    *,
    resend: bool,
    archive_url: str | None = None,
    sender: WebhookSender | None = None,
) -> WebhookReport:
    """Post the week (its subject, and its Markdown) to each webhook the ledger has not
    served yet, every one when `resend`. "sending" is recorded before the request goes out,
    so a run killed mid-request never posts twice (at the cost of maybe never: as e-mail)."""
    week, url = digest.week, settings.database_url
    book = Ledger(settings, digest_id, week, transport=TRANSPORT)
    body = render_markdown(digest, archive_url=archive_url)
    sent, skipped, posted = 0, 0, []
    with sender or WebhookSender() as posting:
        for hook in settings.webhooks:
            label = webhook_label(hook)
            message_id = stable_message_id(week, label, "webhook")
            if not resend and _served(url, digest_id, label):
                skipped += 1
                log.info("%s: already sent to %s", week, label)
                continue
            try:
                posting.send(
                    subject, body, hook,
                    before_data=lambda lb=label, m=message_id: book.set(lb, "sending", m),
                )  # fmt: skip
            except DeliveryError as err:
                book.fail(label, message_id, err)
                continue
            book.set(label, "sent", message_id, location=label)
            sent, posted = sent + 1, [*posted, label]
    return WebhookReport(sent, skipped, len(book.failures), tuple(posted))


def _served(url: str, digest_id: int, label: str) -> bool:
    with session_scope(url) as session:
        record = digest_store.delivery(session, digest_id, label)
    # "sending" means the run died with the request on its way: it may well have arrived.
    return record is not None and record.state in ("sent", "sending")


def webhook_plan(
    settings: Settings, week: str, resend: bool, name: str = DEFAULT_DIGEST
) -> tuple[str, ...]:
    """What a real run of the digest `name` would post, read without writing (the dry
    run's lines)."""
    with session_scope(settings.database_url) as session:
        stored = digest_store.digest_id(session, week, name)
    plan = []
    for hook in settings.webhooks:
        label = webhook_label(hook)
        done = stored is not None and _served(settings.database_url, stored, label)
        plan.append(f"already sent to {label}" if done and not resend else f"would post to {label}")
    return tuple(plan)
