"""Where the ingest tasks run, as the settings say: threads here, or a Dask cluster."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from prefect.runtime import deployment
from prefect.settings import temporary_settings
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from flows.settings import Settings

PARALLEL = 8  # sources fetched at once by the thread pool: hides network waits, polite to hosts


@contextmanager
def heartbeats_only_for_deployments() -> Iterator[None]:
    """Flow runs started here, not by a deployment, send no heartbeats.

    A heartbeat is how a server notices that a deployment's run crashed; nobody watches
    for that on a run started from the command line. Its thread sleeps in 1 s steps and
    the run waits for it to stop: 0.5 s on average, up to 1 s, added to every local run.
    """
    if deployment.get_id() is not None:
        yield
        return
    with temporary_settings(updates={"flows.heartbeat_frequency": None}):
        yield


def task_runner(settings: Settings) -> TaskRunner:
    if settings.task_runner != "dask":
        return ThreadPoolTaskRunner(max_workers=PARALLEL)
    from prefect_dask import DaskTaskRunner  # imported only where Dask is chosen

    if settings.dask_address:
        return DaskTaskRunner(address=settings.dask_address)
    return DaskTaskRunner(
        cluster_kwargs={
            "n_workers": settings.dask_workers,
            "processes": True,
            "threads_per_worker": PARALLEL // max(settings.dask_workers, 1) or 1,
            "dashboard_address": None,
        }
    )
