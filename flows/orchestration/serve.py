"""`digest serve`: the deployments of deploy/prefect.yaml, served from one process."""

from __future__ import annotations

from prefect import serve
from prefect.schedules import Cron

from flows.digest_settings import WEEKLY_CRON, weekly_schedules
from flows.orchestration.ingest_flow import ingest_flow
from flows.orchestration.weekly_flow import backfill_flow, weekly_flow
from flows.settings import Settings

__all__ = ["WEEKLY_CRON", "serve_deployments"]


def serve_deployments(settings: Settings, config: str | None = None) -> None:
    """Serve until stopped; schedules stay active when it stops (pause_on_shutdown=False)."""
    parameters = {"config": config} if config else {}
    weekly = [
        weekly_flow.to_deployment(
            name=plan.deployment,
            schedule=Cron(plan.cron, timezone=settings.timezone),
            parameters=parameters | ({"digest": plan.digest} if plan.digest else {}),
            tags=["digest", "weekly"],
            description="Ingest every source, then deliver last week's digest"
            + (f" {plan.digest}." if plan.digest else "."),
        )
        for plan in weekly_schedules(settings.digests)
    ]
    backfill = backfill_flow.to_deployment(
        name="backfill",
        parameters=parameters,
        tags=["digest", "backfill"],
        description="Build and deliver a range of past weeks: from_week, to_week, resend.",
    )
    ingest = ingest_flow.to_deployment(
        name="ingest",
        parameters=parameters,
        tags=["digest", "ingest"],
        description="Fetch every source and store what is new, without a digest.",
    )
    serve(*weekly, backfill, ingest, pause_on_shutdown=False)
