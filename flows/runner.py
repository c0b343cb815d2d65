"""Where the ingest tasks run, as the settings say: threads here, or a Dask cluster."""

from __future__ import annotations

from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from flows.settings import Settings

PARALLEL = 8  # sources fetched at once by the thread pool: hides network waits, polite to hosts


def task_runner(settings: Settings) -> TaskRunner:
    if settings.task_runner != "dask":
        return ThreadPoolTaskRunner(max_workers=PARALLEL)
    from flows.dask_runner import SharedApiDaskTaskRunner  # Dask is imported only if chosen

    if settings.dask_address:
        return SharedApiDaskTaskRunner(address=settings.dask_address)
    return SharedApiDaskTaskRunner(
        cluster_kwargs={
            "n_workers": settings.dask_workers,
            "processes": True,
            "threads_per_worker": PARALLEL // max(settings.dask_workers, 1) or 1,
            "dashboard_address": None,
        }
    )
