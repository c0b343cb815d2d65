"""The digest flow: build one week (select, stories, render, store), then deliver it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from db import digests as digest_store
from db.engine import session_scope
from db.locks import week_lock
from flows.deliver.transports import write_preview
from flows.orchestration.run_settings import run_settings
from flows.pipeline import delivery, webhooks
from flows.pipeline.preview import load_week
from flows.pipeline.send_test import render_email
from flows.records import Digest, RenderedDigest, WeekReport
from flows.render.archive import page_name
from flows.render.reports import digest_markdown
from flows.settings import Settings
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
    with run_settings(config) as settings:
        return digest_week(settings, week or default_week(settings), resend=resend,
                           dry_run=dry_run)  # fmt: skip


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
        plan = delivery.dry_run_plan(settings, week, resend)
        plan += webhooks.webhook_plan(settings, week, resend)
        report = WeekReport(week, "dry-run", files=plan, **counts)
    else:
        # Chat first: an e-mail server that is down (retried for a minute) keeps nothing back.
        posted = post_webhooks(settings, built, resend=resend) if settings.webhooks else None
        preview = write_preview(built.rendered.html, settings.outbox, week)
        report = deliver_week(settings, built, resend=resend, preview=str(preview))
        report = report if posted is None else with_webhooks(report, posted)
    logger.info("%s: %s, %d stories, %d documents", week, report.status, report.stories,
                report.documents)  # fmt: skip
    create_markdown_artifact(
        key=f"digest-{week.lower()}",
        markdown=digest_markdown(digest, report),
        description=f"The digest of {week}",
    )
    return report


@task(name="build-week", task_run_name="build-{week}", cache_policy=NO_CACHE)
def build_week(settings: Settings, week: str, store: bool = True) -> BuiltWeek:
    """Select the week's documents, group them into ranked stories, render and keep them."""
    digest = load_week(settings, week)
    rendered = render_email(settings, digest)
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
    assert built.digest_id is not None
    return delivery.deliver_week(
        settings, built.digest_id, built.digest, built.rendered, resend=resend, preview=preview,
        transport=delivery.transport_for(settings, built.digest.week),
    )  # fmt: skip


@task(name="post-webhooks", task_run_name="webhooks-{built.digest.week}", cache_policy=NO_CACHE)
def post_webhooks(settings: Settings, built: BuiltWeek, resend: bool) -> webhooks.WebhookReport:
    """Post the week to each webhook at most once, as the ledger says, unless `resend`; one
    that fails is tried again by the next run (no retry here: a chat service that refuses
    now will not take it 30 seconds later)."""
    assert built.digest_id is not None
    return webhooks.deliver_webhooks(
        settings, built.digest_id, built.digest, built.rendered.subject, resend=resend,
        archive_url=archive_url(settings, built.digest.week),
    )  # fmt: skip


def with_webhooks(report: WeekReport, posted: webhooks.WebhookReport) -> WeekReport:
    """The week's report counting the webhooks as readers beside the e-mail ones."""
    sent, skipped = report.sent + posted.sent, report.skipped + posted.skipped
    failed = report.failed + posted.failed
    status = "failed" if failed and not sent else "sent" if sent else (
        "already sent" if skipped else report.status)  # fmt: skip
    return replace(report, status=status, sent=sent, skipped=skipped, failed=failed,
                   files=report.files + posted.posted)  # fmt: skip
