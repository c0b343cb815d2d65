"""Prefect's Dask task runner, made to share this process's Prefect API with its workers."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Any

from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect_dask import DaskTaskRunner

from flows.orchestration.prefect_internals import ephemeral_api_url


class SharedApiDaskTaskRunner(DaskTaskRunner):
    """Without PREFECT_API_URL a run talks to Prefect's ephemeral server in this process,
    and each Dask worker process would start one of its own: under load they fail ("Server
    process did not start") and the ingest never ends well. Tasks are sent with the address
    of this process's server instead; with PREFECT_API_URL set, nothing changes."""

    def submit(self, *args: Any, **kwargs: Any) -> Any:
        with _shared_api():
            return super().submit(*args, **kwargs)


def _shared_api() -> AbstractContextManager[Any]:
    if PREFECT_API_URL.value():
        return nullcontext()
    return temporary_settings({PREFECT_API_URL: ephemeral_api_url()})
