"""The digest flow: build one week (select, stories, render, store), then deliver it."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TypeVar

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run, task_run

from db import digests as digest_store
from db.engine import session_scope
from db.locks import week_lock
from flows.deliver.transports import write_preview
from flows.digest_settings import DigestSettings
from flows.orchestration.prefect_internals import plain_parameters, uninspected
from flows.orchestration.run_settings import run_settings
from flows.pipeline import delivery, webhooks
from flows.pipeline.digests import digest_named, settings_for
from flows.pipeline.preview import load_week
from flows.pipeline.reader_digests import reader_renderings
from flows.pipeline.send_test import archive_page, render_email
from flows.records import DEFAULT_DIGEST, Digest, RenderedDigest, WeekReport
from flows.render.reports import digest_markdown
from flows.settings import Settings
from flows.stories.late import totals
from flows.weeks import last_complete_week

T = TypeVar("T")


@dataclass(frozen=True)
class BuiltWeek:
    digest: Digest
    rendered: RenderedDigest
    digest_id: int | None  # None when the week has no documents


def default_week(settings: Settings) -> str:
    """The week before the run's scheduled start: a late run of a past slot builds that slot."""
    scheduled = flow_run.scheduled_start_time
    moment = scheduled if scheduled is not None else datetime.now(UTC)
    return last_complete_week(moment, settings.zone)


def _digest_run_name() -> str:
    week, name = flow_run.parameters.get("week"), flow_run.parameters.get("digest")
    # The default digest's runs keep the names they had when it was the only one.
    return f"digest-{week or 'last-week'}" + (
        f"-{name}" if name not in (None, DEFAULT_DIGEST) else ""
    )


@plain_parameters
@flow(name="digest", flow_run_name=_digest_run_name)
def digest_flow(
    week: str | None = None,
    resend: bool = False,
    dry_run: bool = False,
    config: str | None = None,
    digest: str | None = None,
) -> WeekReport:
    """Build the digest `digest` (default: the first configured) of `week` (default: the
    last complete week) and deliver it once."""
    with run_settings(config) as settings:
        return digest_week(settings, week or default_week(settings), resend=resend,
                           dry_run=dry_run, digest=digest_named(settings, digest))  # fmt: skip


def _week_task_name() -> str:
    week, name = task_run.parameters["week"], task_run.parameters["digest"].name
    return f"digest-{week}" + ("" if name == DEFAULT_DIGEST else f"-{name}")


# A backfill's weeks are task runs of its flow run, not flow runs of their own: each flow
# run is several round trips to the Prefect server, which a busy machine makes seconds. Its
# build and delivery are plain calls inside that task run, which shows their logs: as task runs
# of their own they cost the command and the server more than rendering the week did.
@task(name="digest-week", task_run_name=_week_task_name, cache_policy=NO_CACHE)
def digest_week_task(
    settings: Settings, week: str, resend: bool, dry_run: bool, digest: DigestSettings
) -> WeekReport:
    """`digest_week` as one task run of the flow run that builds many weeks."""
    return digest_week(settings, week, resend=resend, dry_run=dry_run, digest=digest,
                       steps_as_tasks=False)  # fmt: skip


def digest_week(
    settings: Settings,
    week: str,
    *,
    resend: bool,
    dry_run: bool,
    digest: DigestSettings | None = None,
    steps_as_tasks: bool = True,
) -> WeekReport:
    """Build then deliver one week of one digest; the body of the digest flow, for other
    flows to call. Its steps (build, webhooks, delivery) are task runs of their own unless
    `steps_as_tasks` is false.

    Two runs of one week (the schedule and a manual rerun) take turns: the second finds
    the ledger filled by the first and sends nothing again. Runs of different weeks (a
    backfill spread over workers) take turns too, so that a late arrival is claimed and
    sent by one week only: the second sees it held by the first.
    """
    url, chosen = settings.database_url, digest or digest_named(settings)
    # The default digest keeps the lock names it had when it was the only one.
    own = "" if chosen.name == DEFAULT_DIGEST else f"@{chosen.name}"
    with week_lock(url, week + own), week_lock(url, "late-arrivals" + own):
        return _digest_week(settings, week, resend, dry_run, chosen, steps_as_tasks)


def _digest_week(
    settings: Settings,
    week: str,
    resend: bool,
    dry_run: bool,
    chosen: DigestSettings,
    steps_as_tasks: bool,
) -> WeekReport:
    logger, name = get_run_logger(), chosen.name
    # As task runs, their arguments go uninspected: Prefect would walk each of a week's
    # documents, looking for futures, on every task call.
    if steps_as_tasks:
        build, post, deliver, passed = build_week, post_webhooks, deliver_week, uninspected
    else:
        build, post, deliver, passed = build_week.fn, post_webhooks.fn, deliver_week.fn, _as_is
    built = build(passed(settings), week, store=not dry_run, digest=chosen)
    digest, own = built.digest, settings_for(settings, chosen)
    if built.digest_id is None and not dry_run:
        logger.info("%s %s: no documents, no digest", name, week)
        return WeekReport(week, "empty", digest=name)
    stories, documents = totals(digest)
    counts = {"stories": stories, "documents": documents, "digest": name}
    if dry_run:
        plan = delivery.dry_run_plan(own, week, resend, name=name)
        plan += webhooks.webhook_plan(own, week, resend, name)
        report = WeekReport(week, "dry-run", files=plan, **counts)
    else:
        # Chat first: an e-mail server that is down (retried for a minute) keeps nothing back.
        own_, built_ = passed(own), passed(built)
        posted = post(own_, built_, resend=resend, name=name) if own.webhooks else None
        report = deliver(own_, built_, resend=resend, preview=_preview(own, built), name=name)
        report = report if posted is None else with_webhooks(report, posted)
    level = logging.WARNING if report.status in ("partial", "failed") else logging.INFO
    logger.log(level, "%s %s: %s, %d stories, %d documents%s", name, week, report.status,
               report.stories, report.documents,
               f"\n{report.error}" if report.error else "")  # fmt: skip
    create_markdown_artifact(
        key=f"digest-{week.lower()}" + ("" if name == DEFAULT_DIGEST else f"-{name.lower()}"),
        markdown=digest_markdown(digest, report),
        description=f"The digest {name} of {week}",
    )
    return report


def _as_is(value: T) -> T:
    return value


def _preview(settings: Settings, built: BuiltWeek) -> str:
    """The week's HTML in the outbox folder; "" when it cannot be written (an SMTP delivery
    needs no outbox, and an outbox delivery records the failure against each reader)."""
    try:
        return str(write_preview(built.rendered.html, settings.outbox, built.digest.week))
    except OSError as err:
        get_run_logger().warning("%s: no preview in %s: %s", built.digest.week,
                                 settings.outbox, err.strerror or err)  # fmt: skip
        return ""


@task(name="build-week", task_run_name="build-{week}", cache_policy=NO_CACHE)
def build_week(
    settings: Settings, week: str, store: bool = True, digest: DigestSettings | None = None
) -> BuiltWeek:
    """Select the week's documents, group them into stories the digest picks and ranks,
    render and keep them."""
    chosen = digest or digest_named(settings)
    digest_ = load_week(settings, week, chosen)
    rendered = render_email(settings, digest_, chosen.name)
    if not (digest_.document_count or digest_.late) or not store:
        return BuiltWeek(digest_, rendered, None)
    content = hashlib.sha256((rendered.html + rendered.text).encode()).hexdigest()
    with session_scope(settings.database_url) as session:
        digest_id = digest_store.save_week(
            session, week, digest_.stories + digest_.late, rendered, content,
            digest_.document_count, datetime.now(UTC), chosen.name,
        )  # fmt: skip
    return BuiltWeek(digest_, rendered, digest_id)


# Not retried as a task: the transport tries a temporary failure again with back-off, a
# permanent one fails its readers at once with the reason, and the next run tries the
# failed readers again (the ledger makes that safe).
@task(name="deliver-week", task_run_name="deliver-{built.digest.week}", cache_policy=NO_CACHE)
def deliver_week(
    settings: Settings, built: BuiltWeek, resend: bool, preview: str, name: str = DEFAULT_DIGEST
) -> WeekReport:
    """Send to each recipient of the digest `name` at most once, as the ledger says, unless
    `resend`; a failed reader is recorded as failed, never raised. `settings` are that
    digest's (flows.pipeline.digests.settings_for)."""
    assert built.digest_id is not None
    week = built.digest.week
    copies = reader_renderings(settings, built.digest, built.rendered, name)
    return delivery.deliver_week(
        settings, built.digest_id, built.digest, built.rendered, resend=resend, preview=preview,
        transport=delivery.transport_for(settings, week), name=name, for_reader=copies,
    )  # fmt: skip


@task(name="post-webhooks", task_run_name="webhooks-{built.digest.week}", cache_policy=NO_CACHE)
def post_webhooks(
    settings: Settings, built: BuiltWeek, resend: bool, name: str = DEFAULT_DIGEST
) -> webhooks.WebhookReport:
    """Post the week to each webhook at most once, as the ledger says, unless `resend`; one
    that fails is tried again by the next run (no retry here: a chat service that refuses
    now will not take it 30 seconds later)."""
    assert built.digest_id is not None
    return webhooks.deliver_webhooks(
        settings, built.digest_id, built.digest, built.rendered.subject, resend=resend,
        archive_url=archive_page(settings, built.digest.week, name),
    )  # fmt: skip


def with_webhooks(report: WeekReport, posted: webhooks.WebhookReport) -> WeekReport:
    """The week's report counting the webhooks as readers beside the e-mail ones."""
    sent, skipped = report.sent + posted.sent, report.skipped + posted.skipped
    failed = report.failed + posted.failed
    status = "failed" if failed and not sent else "sent" if sent else (
        "already sent" if skipped else report.status)  # fmt: skip
    return replace(report, status=status, sent=sent, skipped=skipped, failed=failed,
                   files=report.files + posted.posted)  # fmt: skip
