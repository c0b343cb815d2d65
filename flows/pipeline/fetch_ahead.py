"""Feeds fetched ahead: while a command loads Prefect, a child process makes the ingest's
conditional GETs and parses what comes back, and the ingest's tasks take the answers that
match what they would ask."""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event
from typing import TYPE_CHECKING, TypeVar

from flows.records import Fetched, HttpResult, SourceStatus
from flows.settings import Settings, SourceSettings

if TYPE_CHECKING:  # the child imports them: the fork, and the local server's start, come first
    from flows.sources.fetch import FetchRequest

T = TypeVar("T")
log = logging.getLogger(__name__)
# Feeds fetched ahead and not yet taken are held in memory, parsed: past this many bytes of
# bodies the child stops, and the tasks fetch the rest themselves (memory stays flat however
# many feeds).
BUDGET = 32 * 1024 * 1024
PARALLEL = 4  # GETs at once, as many as the ingest's batches make


class _Answers:
    """The parent's side: what the child will fetch (its plan), and what it has fetched."""

    def __init__(
        self, receive: Connection, process: multiprocessing.process.BaseProcess, asking: Event
    ) -> None:
        self.process, self.receive, self.asking = process, receive, asking
        self.plan: dict[str, FetchRequest] | None = None
        self.answers: dict[str, HttpResult | Fetched] = {}
        self.ended = False
        self.changed = threading.Condition()
        threading.Thread(target=self._listen, name="fetch-ahead", daemon=True).start()

    def _listen(self) -> None:
        try:
            plan = self.receive.recv()
            with self.changed:
                self.plan = plan
                self.changed.notify_all()
            while (answer := self.receive.recv()) is not None:
                with self.changed:
                    self.answers[answer[0]] = answer[1]
                    self.changed.notify_all()
        except (EOFError, OSError):  # the child died, or was stopped: the tasks fetch
            pass
        finally:
            with self.changed:
                self.ended = True
                self.changed.notify_all()

    def take(self, name: str, request: FetchRequest) -> HttpResult | Fetched | None:
        self.asking.set()
        with self.changed:
            self.changed.wait_for(lambda: self.plan is not None or self.ended)
            if not self.plan or self.plan.get(name) != request:
                return None
            self.changed.wait_for(lambda: name in self.answers or self.ended)
            return self.answers.pop(name, None)

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()
        self.receive.close()


_answers: _Answers | None = None


@contextmanager
def fetching_ahead(
    settings: Settings, only: str | None = None, force: bool = False
) -> Iterator[None]:
    """The feeds an ingest of `settings` would fetch (`only` that source; `force`: those
    backing off too), fetched by a child process while the block runs. Call it before
    anything starts a thread: the child is a fork of this process."""
    global _answers
    feeds = [s for s in settings.sources if s.kind == "feed" and only in (None, s.name)]
    if not feeds or settings.task_runner == "dask" or _answers is not None:
        yield  # Dask's workers are other processes: they could not take the answers
        return
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    asking = context.Event()
    child = context.Process(target=_fetch_feeds, args=(settings, feeds, force, send, asking),
                            name="fetch-ahead", daemon=True)  # fmt: skip
    child.start()
    send.close()
    _answers = _Answers(receive, child, asking)
    try:
        yield
    finally:
        answers, _answers = _answers, None
        answers.stop()


def taken(name: str, request: FetchRequest) -> HttpResult | Fetched | None:
    """The answer fetched ahead for the source `name`, if it was fetched with the same
    request (address and validators) as `request`, its items read when it had a body that
    parses; else None, and the caller fetches."""
    return _answers.take(name, request) if _answers is not None else None


def _fetch_feeds(
    settings: Settings, feeds: list[SourceSettings], force: bool, send: Connection,
    asking: Event,
) -> None:  # fmt: skip
    """The child: its plan first, then each answer as it comes, then None. Until the tasks
    ask, it parses the bodies too, on a core the command leaves idle while Prefect loads or
    its local server starts; then the pool's processes parse the rest, side by side."""
    try:
        plan = _plan(settings, feeds, force)
    except Exception as err:  # the tasks will read the database and fetch themselves
        log.debug("nothing fetched ahead: %s", err)
        plan = []
    send.send({feed.name: request for feed, request in plan})
    spent = 0
    from flows.pipeline.fetchers import Fetchers
    from flows.sources.fetch import fetch

    with Fetchers(settings) as fetchers, ThreadPoolExecutor(PARALLEL) as pool:
        running: dict[Future[HttpResult], str] = {}

        def start(feed: SourceSettings, request: FetchRequest) -> None:
            running[pool.submit(fetch, fetchers.fetcher_for(feed), request)] = feed.name

        waiting = iter(plan)
        for feed, request in _first(waiting, PARALLEL):
            start(feed, request)
        while running:
            for future in wait(running, return_when=FIRST_COMPLETED).done:
                name = running.pop(future)
                if future.exception() is None:  # else the task fetches it itself
                    answer = future.result()
                    send.send((name, answer if asking.is_set() else _parsed(name, answer)))
                    spent += len(answer.body)
                if spent < BUDGET:
                    for feed, request in _first(waiting, 1):
                        start(feed, request)
    send.send(None)


def _parsed(name: str, answer: HttpResult) -> HttpResult | Fetched:
    """A body's items, read as the ingest reads them (at the time of the fetch); a body that
    does not parse goes as it came, for the ingest to fail with why."""
    if answer.status != "ok":
        return answer
    from flows.sources.feeds import feed_items  # feedparser: not for a run of 304s

    try:
        return feed_items(name, answer, datetime.now(UTC))
    except Exception:  # the ingest parses it again, and reports why it failed
        return answer


def _plan(
    settings: Settings, feeds: list[SourceSettings], force: bool
) -> list[tuple[SourceSettings, FetchRequest]]:
    """Each feed the ingest will fetch, with its request, as it will make it."""
    from flows.pipeline.fetchers import skipped
    from flows.sources.health import backs_off
    from flows.sources.read import feed_request

    states = _known_states(settings.database_url, [f.name for f in feeds])
    now = datetime.now(UTC)
    plan = []
    for feed in feeds:
        state = states.get(feed.name) or SourceStatus.never_run(feed.name, feed.kind)
        if skipped(feed, state, now, waits=backs_off(feed.kind, feed.options) and not force):
            continue
        plan.append((feed, feed_request(feed.url or "", feed.options, state,
                                        settings.fetch_timeout)))  # fmt: skip
    return plan


def _known_states(url: str, names: list[str]) -> dict[str, SourceStatus]:
    """The sources' recorded states; none for a SQLite file not made yet (not made here, nor
    SQLAlchemy imported for it: on a first run this child's core is the one Prefect's local
    server leaves the command while it starts)."""
    from db.location import not_made_yet

    if not_made_yet(url):
        return {}
    from db import sources as source_store
    from db.engine import session_scope

    with session_scope(url, read_only=True) as session:
        return source_store.known_statuses(session, names)


def _first(items: Iterator[T], count: int) -> list[T]:
    return [item for _, item in zip(range(count), items, strict=False)]
