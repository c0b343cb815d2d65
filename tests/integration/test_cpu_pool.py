"""The process pool that parses and stores for the ingest: its workers, as they start."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.pipeline.cpu_pool import submit_cpu_bound
from flows.settings import load_settings
from tests.conftest import write_config

ROOT = Path(__file__).resolve().parents[2]


def collector_state() -> tuple[tuple[int, int, int], int, int]:
    return gc.get_threshold(), gc.get_freeze_count(), os.getpid()


def prefect_imported() -> bool:
    return any(name == "prefect" or name.startswith("prefect.") for name in sys.modules)


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="the pool is used on 2 cores or more")
def test_a_worker_collects_only_what_its_jobs_make(sqlite_url: str, tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, sqlite_url, None, []))
    threshold, frozen, pid = submit_cpu_bound(settings, collector_state).result()
    assert pid != os.getpid()  # it ran in a worker process
    assert threshold == (20_000, 50, 100)
    assert frozen > 1_000  # the modules the forkserver imported, out of the collector's sight


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="the pool is used on 2 cores or more")
def test_a_worker_starts_without_importing_prefect(sqlite_url: str, tmp_path: Path) -> None:
    # Importing Prefect took a new worker half a second before its first job.
    settings = load_settings(write_config(tmp_path, sqlite_url, None, []))
    assert not submit_cpu_bound(settings, prefect_imported).result()


OWNER = """
import os, sys
from flows.pipeline.cpu_pool import submit_cpu_bound
from flows.settings import load_settings
print(submit_cpu_bound(load_settings(sys.argv[1]), os.getpid).result(), flush=True)
sys.stdin.read()  # until the test kills this process
"""


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="the pool is used on 2 cores or more")
def test_workers_end_when_their_owner_is_killed(sqlite_url: str, tmp_path: Path) -> None:
    config = write_config(tmp_path, sqlite_url, None, [])
    owner = subprocess.Popen([sys.executable, "-c", OWNER, str(config)], cwd=ROOT,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)  # fmt: skip
    worker = int(owner.stdout.readline())  # type: ignore[union-attr]
    try:
        owner.send_signal(signal.SIGKILL)
        owner.wait(10)
        deadline = time.monotonic() + 10
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(worker)
    finally:
        if _alive(worker):
            os.kill(worker, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is gone, but for its parent's wait
        return stat.read().split(") ")[-1][0] != "Z"
