"""`digest serve`: the deployments of deploy/prefect.yaml, served from one process."""

from __future__ import annotations

from prefect import serve
from prefect.schedules import Cron

from flows.orchestration.ingest_flow import ingest_flow
from flows.orchestration.weekly_flow import backfill_flow, weekly_flow
from flows.settings import Settings

WEEKLY_CRON = "0 7 * * 1"  # Mondays 07:00: last week is complete, readers start theirs


def serve_deployments(settings: Settings, config: str | None = None) -> None:
    """Serve until stopped; schedules stay active when it stops (pause_on_shutdown=False)."""
    parameters = {"config": config} if config else {}
    weekly = weekly_flow.to_deployment(
        name="weekly",
        schedule=Cron(WEEKLY_CRON, timezone=settings.timezone),
        parameters=parameters,
        tags=["digest", "weekly"],
        description="Ingest every source, then deliver last week's digest.",
    )
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
    serve(weekly, backfill, ingest, pause_on_shutdown=False)
