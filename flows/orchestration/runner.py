"""Where the ingest tasks run, as the settings say: threads here, or a Dask cluster."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from prefect.runtime import deployment
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from flows.orchestration.prefect_internals import without_heartbeats
from flows.settings import Settings

# Sources fetched at once by the thread pool: enough to hide network waits, few enough to be
# polite to hosts. The fetching threads share one interpreter lock: at 8, handing it over
# doubled what a conditional GET cost in CPU, and 500 of them on loopback took longer
# than at 4 (tests/bench/bench_feeds.py --threads).
PARALLEL = 4


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
    with without_heartbeats():
        yield


def task_runner(settings: Settings) -> TaskRunner:
    if settings.task_runner != "dask":
        return ThreadPoolTaskRunner(max_workers=PARALLEL)
    from flows.orchestration.dask_runner import (
        SharedApiDaskTaskRunner,  # Dask is imported only if chosen
    )

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
