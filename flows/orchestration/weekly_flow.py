"""The weekly flow (ingest, then last week's digest) and the backfill flow (a range of weeks)."""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from flows.orchestration.digest_flow import default_week, digest_flow, digest_week_task
from flows.orchestration.ingest_flow import run_ingest
from flows.orchestration.prefect_internals import plain_parameters, uninspected
from flows.orchestration.run_settings import run_settings
from flows.pipeline.digests import chosen_digests, weeks_to_build
from flows.pipeline.stories_ahead import forget_ahead, group_ahead
from flows.records import SourceReport, WeekReport
from flows.settings import Settings


@plain_parameters
@flow(name="weekly", flow_run_name="weekly")
def weekly_flow(
    week: str | None = None,
    ingest: bool = True,
    resend: bool = False,
    dry_run: bool = False,
    config: str | None = None,
    digest: str | None = None,
) -> tuple[list[SourceReport], list[WeekReport]]:
    """What the Monday schedule runs: ingest every source, then deliver last week's digest,
    of each configured digest (or only of `digest`): one ingest serves them all."""
    with run_settings(config) as settings:
        reports = run_ingest(settings, config) if ingest else []
        chosen = week or default_week(settings)
        return reports, [
            digest_flow(week=chosen, resend=resend, dry_run=dry_run, config=config, digest=d.name)
            for d in chosen_digests(settings, digest)
        ]


def _backfill_run_name() -> str:
    parameters = flow_run.parameters
    return (
        f"backfill-{parameters.get('from_week') or 'first'}-{parameters.get('to_week') or 'last'}"
    )


@plain_parameters
@flow(name="backfill", flow_run_name=_backfill_run_name)
def backfill_flow(
    from_week: str | None = None,
    to_week: str | None = None,
    resend: bool = False,
    ingest: bool = False,
    dry_run: bool = False,
    config: str | None = None,
    digest: str | None = None,
) -> tuple[list[SourceReport], list[WeekReport]]:
    """Each week of the range that has documents (all such weeks by default), as a task run
    of its own, of each configured digest (or only of `digest`), week by week."""
    logger = get_run_logger()
    with run_settings(config) as settings:
        reports = run_ingest(settings, config) if ingest else []
        digests = chosen_digests(settings, digest)
        names = [d.name for d in digests]
        results = []
        weeks = weeks_to_build(settings, from_week, to_week, names)
        try:
            group_weeks_ahead(uninspected(settings), weeks, names)
            for week, chosen in ((w, d) for w in weeks for d in digests):
                name = chosen.name
                state = digest_week_task(uninspected(settings), week, resend, dry_run, chosen,
                                         return_state=True)  # fmt: skip
                if state.is_completed():
                    results.append(state.result())
                    continue
                logger.error("%s %s failed: %s", name, week, state.message)
                results.append(
                    WeekReport(week, "failed", error=state.message or "failed", digest=name)
                )
        finally:
            forget_ahead()
    return reports, results


@task(name="group-weeks-ahead", cache_policy=NO_CACHE)
def group_weeks_ahead(settings: Settings, weeks: list[str], names: list[str]) -> int:
    """Group the weeks into stories in the process pool, ahead of the week-by-week runs that
    link, render and send them."""
    return group_ahead(settings, weeks, names)
