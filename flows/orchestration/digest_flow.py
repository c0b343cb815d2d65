"""The digest flow: build one week (select, stories, render, store), then deliver it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parseaddr

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from db import digests as digest_store
from db import subscribers as subscriber_store
from db.engine import session_scope
from db.locks import week_lock
from db.migrate import upgrade
from flows.deliver.message import build_message, stable_message_id
from flows.deliver.transports import (
    DeliveryError,
    PermanentDeliveryError,
    SmtpSender,
    write_outbox,
    write_preview,
)
from flows.pipeline.preview import load_week
from flows.records import Digest, RenderedDigest, WeekReport
from flows.render.archive import page_name
from flows.render.digest import render_digest
from flows.render.reports import digest_markdown
from flows.settings import Settings, load_settings
from flows.stories.late import totals
from flows.weeks import last_complete_week


@dataclass(frozen=True)
class BuiltWeek:
    digest: Digest
    rendered: RenderedDigest
    digest_id: int | None  # None when the week has no documents


def archive_url(settings: Settings, week: str) -> str | None:
    """The week's page in the web archive (`digest archive`), when it is published."""
    return f"{settings.base_url}/{page_name(week)}" if settings.base_url else None


def default_week(settings: Settings) -> str:
    """The week before the run's scheduled start: a late run of a past slot builds that slot."""
    scheduled = flow_run.scheduled_start_time
    moment = scheduled if scheduled is not None else datetime.now(UTC)
    return last_complete_week(moment, settings.zone)


def _digest_run_name() -> str:
    week = flow_run.parameters.get("week")
    return f"digest-{week or 'last-week'}"


@flow(name="digest", flow_run_name=_digest_run_name)
def digest_flow(
    week: str | None = None, resend: bool = False, dry_run: bool = False, config: str | None = None
) -> WeekReport:
    """Build the digest of `week` (default: the last complete week) and deliver it once."""
    settings = load_settings(config)
    upgrade(settings.database_url)
    return digest_week(settings, week or default_week(settings), resend=resend, dry_run=dry_run)


def digest_week(settings: Settings, week: str, *, resend: bool, dry_run: bool) -> WeekReport:
    """Build then deliver one week; the body of the digest flow, for other flows to call.

    Two runs of one week (the schedule and a manual rerun) take turns: the second finds
    the ledger filled by the first and sends nothing again. Runs of different weeks (a
    backfill spread over workers) take turns too, so that a late arrival is claimed and
    sent by one week only: the second sees it held by the first.
    """
    url = settings.database_url
    with week_lock(url, week), week_lock(url, "late-arrivals"):
        return _digest_week(settings, week, resend=resend, dry_run=dry_run)


def _digest_week(settings: Settings, week: str, *, resend: bool, dry_run: bool) -> WeekReport:
    logger = get_run_logger()
    built = build_week(settings, week, store=not dry_run)
    digest = built.digest
    if built.digest_id is None and not dry_run:
        logger.info("%s: no documents, no digest", week)
        return WeekReport(week, "empty")
    stories, documents = totals(digest)
    counts = {"stories": stories, "documents": documents}
    if dry_run:
        report = WeekReport(week, "dry-run", files=dry_run_plan(settings, week, resend), **counts)
    else:
        preview = write_preview(built.rendered.html, settings.outbox, week)
        report = deliver_week(settings, built, resend=resend, preview=str(preview))
    logger.info("%s: %s, %d stories, %d documents", week, report.status, report.stories,
                report.documents)  # fmt: skip
    create_markdown_artifact(
        key=f"digest-{week.lower()}",
        markdown=digest_markdown(digest, report),
        description=f"The digest of {week}",
    )
    return report


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


@task(name="build-week", task_run_name="build-{week}", cache_policy=NO_CACHE)
def build_week(settings: Settings, week: str, store: bool = True) -> BuiltWeek:
    """Select the week's documents, group them into ranked stories, render and keep them."""
    digest = load_week(settings, week)
    rendered = render_digest(
        digest,
        archive_url=archive_url(settings, week),
        week_url=lambda earlier: archive_url(settings, earlier),
    )
    if not (digest.document_count or digest.late) or not store:
        return BuiltWeek(digest, rendered, None)
    content = hashlib.sha256((rendered.html + rendered.text).encode()).hexdigest()
    with session_scope(settings.database_url) as session:
        digest_id = digest_store.save_week(
            session, week, digest.stories + digest.late, rendered, content, digest.document_count,
            datetime.now(UTC),
        )  # fmt: skip
    return BuiltWeek(digest, rendered, digest_id)


# Retried when the SMTP server cannot be reached at all; the ledger makes a retry safe.
@task(
    name="deliver-week",
    task_run_name="deliver-{built.digest.week}",
    cache_policy=NO_CACHE,
    retries=2,
    retry_delay_seconds=30,
)
def deliver_week(settings: Settings, built: BuiltWeek, resend: bool, preview: str) -> WeekReport:
    """Send to each recipient at most once, as the ledger says, unless `resend`."""
    logger = get_run_logger()
    assert built.digest_id is not None
    week, url = built.digest.week, settings.database_url
    domain = parseaddr(settings.sender)[1].rpartition("@")[2] or "localhost"
    files, sent, skipped, failed = [preview], 0, 0, 0

    def ledger(recipient: str, state: str, message_id: str, **extra: str | None) -> None:
        with session_scope(url) as session:
            digest_store.set_delivery(
                session, built.digest_id, recipient, state=state, transport=settings.transport,
                message_id=message_id, now=datetime.now(UTC), **extra,
            )  # fmt: skip

    with session_scope(url) as session:
        readers = subscriber_store.recipients(session, settings.recipients, datetime.now(UTC))
    pending = []
    for reader in readers:
        recipient = reader.email
        with session_scope(url) as session:
            record = digest_store.delivery(session, built.digest_id, recipient)
        # "sending" means the run died after DATA began: the copy may well have arrived.
        if record is not None and record.state in ("sent", "sending") and not resend:
            skipped += 1
            logger.info("%s: already sent to %s (%s)", week, recipient, record.state)
            continue
        message_id = stable_message_id(week, recipient, domain)
        message = build_message(
            built.rendered,
            sender=settings.sender,
            reply_to=settings.reply_to,
            recipient=recipient,
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
        pending.append((recipient, message_id, message))

    if settings.transport == "outbox":
        for recipient, message_id, message in pending:
            ledger(recipient, "sending", message_id)
            path = write_outbox(message, settings.outbox, f"{week}_{recipient}")
            ledger(recipient, "sent", message_id, location=str(path))
            files.append(str(path))
            sent += 1
    elif pending:
        with SmtpSender(settings.smtp) as smtp:
            for recipient, message_id, message in pending:
                try:
                    smtp.send(
                        message,
                        recipient,
                        before_data=lambda r=recipient, m=message_id: ledger(r, "sending", m),
                    )
                except DeliveryError as err:
                    failed += 1
                    kind = "permanent" if isinstance(err, PermanentDeliveryError) else "temporary"
                    ledger(recipient, "failed", message_id, error=f"{kind}: {err}")
                    logger.warning("%s: %s failed: %s", week, recipient, err)
                    continue
                ledger(recipient, "sent", message_id, location=settings.smtp.host)
                sent += 1
    status = (
        "failed"
        if failed and not sent
        else "sent"
        if sent
        else "already sent"
        if skipped
        else "built"
    )
    return WeekReport(week, status, *totals(built.digest), tuple(files), sent, skipped, failed)
