"""One test per Prefect internal that flows/orchestration/prefect_internals.py uses: each
fails when a Prefect release changes what the product relies on."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from uuid import UUID

import httpx
import pytest
from prefect import flow, task
from prefect.settings import (
    PREFECT_API_URL,
    PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
    get_current_settings,
    temporary_settings,
)
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.engine import collect_task_run_inputs_sync

from flows.orchestration import prefect_internals as internals
from tests.support.prefect_server import prefect_server


class Watched(list):  # type: ignore[type-arg]
    """A list that counts how often its items are walked."""

    walks = 0

    def __iter__(self) -> Iterator[object]:
        Watched.walks += 1
        return super().__iter__()


def test_prefect_does_not_walk_a_wrapped_value_and_it_comes_back_whole() -> None:
    batch = Watched(range(1000))
    Watched.walks = 0
    collect_task_run_inputs_sync({"batch": batch})  # what a task's submission walks
    assert Watched.walks > 0  # what the wrapper saves
    Watched.walks = 0
    collect_task_run_inputs_sync({"batch": internals.uninspected(batch)})
    assert Watched.walks == 0
    assert internals.unwrapped(internals.uninspected(batch)) is batch
    assert internals.unwrapped(batch) is batch


@pytest.mark.usefixtures("prefect_harness")
def test_a_task_gets_its_argument_unwrapped_and_its_wrapped_result_back() -> None:
    @task
    def count(items: list[int]) -> object:
        return internals.uninspected((type(items).__name__, len(items)))

    @flow(task_runner=ThreadPoolTaskRunner(2))
    def run() -> tuple[bool, object]:
        future = count.submit(internals.uninspected(Watched(range(5))))
        return internals.on_thread_runner(), internals.unwrapped(future.result())

    on_threads, result = run()
    assert on_threads is True
    assert result == ("Watched", 5)
    assert internals.on_thread_runner() is False  # outside any flow run


def test_without_heartbeats_turns_them_off_inside_only_and_keeps_its_copy() -> None:
    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: 30}):
        assert get_current_settings().flows.heartbeat_frequency == 30
        with internals.without_heartbeats():
            quiet = get_current_settings()
            assert quiet.flows.heartbeat_frequency is None
        assert get_current_settings().flows.heartbeat_frequency == 30
        with internals.without_heartbeats():
            assert get_current_settings() is quiet  # not copied again


@pytest.mark.usefixtures("prefect_harness")
def test_the_ephemeral_server_is_the_one_this_process_already_runs() -> None:
    # The harness registers its server as Prefect's default one, the server a run without
    # PREFECT_API_URL talks to: the helper must find it rather than start another.
    url = internals.ephemeral_api_url()
    assert url == PREFECT_API_URL.value()
    assert internals.ephemeral_api_url() == url
    assert httpx.get(f"{url}/health", timeout=10).status_code == 200


@pytest.mark.usefixtures("prefect_harness")
def test_plain_parameters_are_stored_as_prefect_stores_them_without_its_encoder() -> None:
    from prefect import get_client
    from prefect.runtime import flow_run

    @flow
    def echo(name: str | None, count: int, ratio: float, on: bool, when: date | None) -> str:
        return flow_run.get_id()

    plain = {"name": "feed", "count": 3, "ratio": 0.5, "on": True, "when": None}
    dated = {**plain, "name": None, "when": date(2025, 8, 4)}
    wrapped = internals.plain_parameters(echo.with_options(name="echo-plain"))
    encode, calls = wrapped.serialize_parameters, []

    def counted(parameters: dict[str, object]) -> dict[str, object]:
        calls.append(parameters)
        return encode(parameters)

    wrapped.serialize_parameters = counted  # type: ignore[method-assign]
    runs = {(k, how): (wrapped if how else echo)(**v)
            for k, v in (("plain", plain), ("dated", dated)) for how in (True, False)}  # fmt: skip
    assert len(calls) == 2  # the engine asks the flow object itself, once a run
    with get_client(sync_client=True) as client:
        stored = {k: client.read_flow_run(UUID(v)).parameters for k, v in runs.items()}
    assert stored["plain", True] == stored["plain", False] == plain
    assert stored["dated", True] == stored["dated", False] == {**dated, "when": "2025-08-04"}


def test_the_settings_are_read_again_from_the_environment() -> None:
    """In a process of its own: the global settings are the whole process's."""
    script = (
        "import os; from prefect.settings import get_current_settings; "
        "from flows.orchestration.prefect_internals import settings_from_environment; "
        "before = get_current_settings().api.url; "
        "os.environ['PREFECT_API_URL'] = 'http://127.0.0.1:2/api'; settings_from_environment(); "
        "print(before, get_current_settings().api.url)"
    )
    env = {"PATH": "/usr/bin:/bin", "PREFECT_API_URL": "http://127.0.0.1:1/api"}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.stdout.split() == ["http://127.0.0.1:1/api", "http://127.0.0.1:2/api"], done.stderr


@pytest.mark.slow  # a real server
def test_the_local_server_waits_for_the_write_lock_another_writer_holds(tmp_path: Path) -> None:
    # Prefect begins a flow run's creation as a read; under `prefect server start` a writer
    # holding the lock at that moment made SQLite refuse the write at once (503, and the
    # client's back-off of two seconds). The local server begins it IMMEDIATE: it waits.
    with prefect_server(tmp_path) as url, httpx.Client(base_url=url, timeout=60) as client:
        flow_id = client.post("/flows/", json={"name": "held"}).json()["id"]
        holder = sqlite3.connect(
            tmp_path / "prefect.db", isolation_level=None, check_same_thread=False
        )
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("UPDATE flow SET tags = '[\"held\"]' WHERE id = ?", (flow_id,))
        release = threading.Timer(1.0, holder.execute, ["COMMIT"])
        started = time.monotonic()
        release.start()
        reply = client.post("/flow_runs/", json={"flow_id": flow_id, "state": {"type": "PENDING"}})
        waited = time.monotonic() - started
        release.join()
        holder.close()
        kept = client.get(f"/flows/{flow_id}").json()
    assert reply.status_code == 201, reply.text
    assert waited >= 0.9  # it waited for the lock, and then wrote
    assert kept["tags"] == ["held"]


# In a process of its own: the server app and Prefect's router list are built once per process.
_SERVED_APP = """
from fastapi.routing import _IncludedRouter
from prefect.server.api import server
from prefect.settings import Settings
from starlette.testclient import TestClient
from flows.orchestration.prefect_internals import local_server_app
app = local_server_app()
api = next(route.app for route in app.routes if getattr(route, "path", "") == "/api")
included = [r for r in api.router.routes if isinstance(r, _IncludedRouter)]
client = TestClient(app)
version = client.get("/api/admin/version").status_code
prepared = sum(r._effective_candidates_version is not None for r in included)
def dumped(self):
    raise AssertionError("the settings were dumped for a cache key")
Settings.hash_key = dumped
served = server.create_app() is app  # as the services' in-process clients ask for it
print(version, client.get("/api/hello").status_code, len(included), prepared, int(served))
"""


def test_the_app_served_prepares_a_runs_routers_first_and_serves_the_services_too() -> None:
    # FastAPI prepares a router when a request first passes through it. In Prefect's order
    # the version check, a run's first call, passes through 30 of the 31 routers.
    shown = subprocess.run(
        [sys.executable, "-c", _SERVED_APP], capture_output=True, text=True, check=True
    ).stdout.split()
    version, hello, routers, prepared, served = map(int, shown[-5:])
    assert (version, hello) == (200, 200)  # a router moved first, and the one left last
    assert routers == 31  # none lost
    assert prepared == len(internals.RUN_ROUTERS)
    # The clients the server's services make are handed the app served, without Prefect
    # dumping every setting for its cache key and setting its logging up again.
    assert served == 1


_V1_CHECK = """
import inspect, sys
from flows.orchestration import prefect_internals
from prefect import flow
from prefect._internal.pydantic.v1_schema import has_v1_type_as_param
@flow
def plain(a: int, b: list[str]) -> None: ...
print(int("pydantic.v1" in sys.modules))
from pydantic.v1 import BaseModel
class Old(BaseModel):
    x: int
def old(a: Old) -> None: ...
print(int(has_v1_type_as_param(inspect.signature(old))))
"""


def test_pydantic_v1_is_not_imported_to_define_a_flow_and_still_found_once_it_is() -> None:
    shown = subprocess.run(
        [sys.executable, "-c", _V1_CHECK], capture_output=True, text=True, check=True
    ).stdout.split()
    assert shown[-2:] == ["0", "1"]
