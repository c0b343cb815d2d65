"""The process pool that parses, normalises and stores feeds beside the fetching threads.

Its workers import no Prefect: they are handed plain functions and data, never tasks."""

from __future__ import annotations

import gc
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from threading import Lock, Thread
from typing import Any, TypeVar

from flows.blas import one_blas_thread
from flows.settings import Settings

# Imported once by the forkserver, not by each worker: this module (each worker's start)
# and the jobs' (the feed readers too, with feedparser: flows.sources.feeds imports them
# only when a body is parsed); a worker that had to import them was slow to take its first
# job. A command starting the pool early names the jobs it will give it, and the others are
# not imported.
STORING = ("flows.pipeline.store_chunk", "flows.sources.plain_rss")
GROUPING = ("flows.pipeline.stories_ahead",)
EVERY_JOB = (*STORING, *GROUPING)  # a pool not started early for named jobs

T = TypeVar("T")
_pool: ProcessPoolExecutor | None = None
_pool_lock = Lock()
_starting = False  # a thread is bringing the pool up


def submit_cpu_bound(settings: Settings, fn: Callable[..., T], *args: Any) -> Future[T]:
    """`fn(*args)` in the process pool when the thread runner is chosen, else right here.

    The thread runner's threads share one interpreter lock, so parsing and normalising
    there use one core however many threads run; a process per core uses them all. On
    Dask the task already runs in a worker process of its own (a process started by
    multiprocessing, as Dask's are, starts no pool of its own). A worker that dies
    (killed, out of memory) fails its futures with BrokenProcessPool; the next call
    starts a new pool.
    """
    if not pooled(settings):
        done: Future[T] = Future()
        try:
            done.set_result(fn(*args))
        except Exception as err:
            done.set_exception(err)
        return done
    pool = _cpu_pool()
    try:
        return pool.submit(fn, *args)
    except BrokenProcessPool:
        _discard_pool(pool)
        return _cpu_pool().submit(fn, *args)


def start_cpu_pool(settings: Settings, jobs: Sequence[str] = EVERY_JOB) -> None:
    """Start the pool's processes now, in the background: they come up (about 0.4 s, the
    forkserver importing the modules of `jobs`) while the first feeds are fetched, instead
    of when the first one is parsed."""
    global _starting
    with _pool_lock:
        if not pooled(settings) or _pool is not None or _starting:
            return
        _starting = True
    Thread(target=_start_workers, args=(jobs,), name="start-cpu-pool", daemon=True).start()


def _start_workers(jobs: Sequence[str]) -> None:
    global _starting
    try:
        pool = _cpu_pool(jobs)
        for _ in range(os.cpu_count() or 1):
            pool.submit(int)
    finally:
        _starting = False


def pooled(settings: Settings) -> bool:
    """Whether CPU-bound work goes to the process pool: on the thread runner, in a main
    process, with two cores or more."""
    return (
        settings.task_runner != "dask"
        and multiprocessing.parent_process() is None
        and (os.cpu_count() or 1) >= 2
    )


def _cpu_pool(jobs: Sequence[str] = EVERY_JOB) -> ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            one_blas_thread()  # read by NumPy as the forkserver loads it
            # forkserver: a fork of this process would copy Prefect's threads and their locks.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload([__name__, *jobs])
            _pool = ProcessPoolExecutor(
                os.cpu_count(), mp_context=context, initializer=_worker_started,
                initargs=(os.getpid(),),
            )  # fmt: skip
        return _pool


def _worker_started(owner: int) -> None:
    """A worker's collector skips the modules the forkserver imported (frozen), and runs
    every 20,000 allocations rather than 700: a job makes and drops a feed's worth of
    small objects at a time, and collections had been 5% of its time.
    The worker ends when the process that owns the pool is gone, even killed: it would
    otherwise wait for jobs forever (it holds its own end of the job queue)."""
    gc.freeze()
    gc.set_threshold(20_000, 50, 100)
    Thread(target=_end_with, args=(owner,), name="end-with-owner", daemon=True).start()


def _end_with(owner: int) -> None:
    while True:
        time.sleep(1.0)
        try:
            os.kill(owner, 0)
        except ProcessLookupError:
            os._exit(1)


def stop_cpu_pool() -> None:
    """Stop the pool's processes (they otherwise last as long as this process)."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True)


def _discard_pool(broken: ProcessPoolExecutor) -> None:
    global _pool
    with _pool_lock:
        if _pool is broken:
            _pool = None
    broken.shutdown(wait=False, cancel_futures=True)
