"""The process pool that parses and stores for the ingest: its workers, as they start."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest

from flows.runner import submit_cpu_bound
from flows.settings import load_settings
from tests.conftest import write_config


def collector_state() -> tuple[tuple[int, int, int], int, int]:
    return gc.get_threshold(), gc.get_freeze_count(), os.getpid()


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="the pool is used on 2 cores or more")
def test_a_worker_collects_only_what_its_jobs_make(sqlite_url: str, tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, sqlite_url, None, []))
    threshold, frozen, pid = submit_cpu_bound(settings, collector_state).result()
    assert pid != os.getpid()  # it ran in a worker process
    assert threshold == (20_000, 50, 100)
    assert frozen > 1_000  # the modules the forkserver imported, out of the collector's sight
