"""Engines and sessions: one engine per database URL, one transaction per unit of work."""

from __future__ import annotations

import atexit
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from threading import Lock

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from db.file_lock import file_lock
from db.location import sqlite_file

_engines: dict[str, Engine] = {}
_readers: dict[str, tuple[Engine, Engine]] = {}
READ_ONLY = "digest_read_only"
_lock = Lock()


def engine_for(url: str) -> Engine:
    """The process's engine for this URL, made on first use."""
    with _lock:
        if url not in _engines:
            if not _engines:
                atexit.register(_dispose_all)
            _engines[url] = _make_engine(url)
        return _engines[url]


def _reading_engine(url: str) -> Engine:
    """The same engine and pool, its transactions marked read-only."""
    engine = engine_for(url)
    with _lock:
        base, reader = _readers.get(url, (None, None))
        if base is not engine or reader is None:  # made anew when the engine was disposed
            reader = engine.execution_options(**{READ_ONLY: True})
            _readers[url] = (engine, reader)
        return reader


def dispose(url: str) -> None:
    """Close the pooled connections of `url` (before its schema or file goes away)."""
    with _lock:
        engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def _dispose_all() -> None:
    """At exit, every connection closed: SQLite folds its write-ahead log back into the
    database file when the last one closes, so a copy of the file alone is whole."""
    for url in list(_engines):
        dispose(url)


def _make_engine(url: str) -> Engine:
    """SQLite gets a busy timeout, WAL and foreign keys; every backend a liveness check."""
    if (path := sqlite_file(url)) is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    sqlite = url.startswith("sqlite")
    # The driver keeps 128 prepared statements per connection by default: a statement with
    # one placeholder per value is new SQL for each length of its list, so an ingest's
    # worker filled that cache with large statements chunk after chunk (memory grew with
    # the number of feeds). A few cached statements keep the repeated ones prepared.
    engine = create_engine(url, pool_pre_ping=True,
                           connect_args={"cached_statements": 16} if sqlite else {})  # fmt: skip
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()
            # SQLAlchemy, not the driver, opens transactions (see _sqlite_begin).
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection) -> None:  # type: ignore[no-untyped-def]
            # Take the write lock up front: a transaction that read first and writes later
            # fails at once (SQLITE_BUSY_SNAPSHOT) when another wrote in between, whereas
            # BEGIN IMMEDIATE waits its turn under busy_timeout. Sources run in parallel.
            # A read-only unit of work needs no lock (WAL readers see a snapshot), and
            # queueing it behind writers made eight ingest threads wait on each other.
            read_only = connection.get_execution_options().get(READ_ONLY, False)
            connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


@contextmanager
def session_scope(url: str, *, read_only: bool = False) -> Iterator[Session]:
    """A session whose work is committed at the end, or rolled back on any error.
    `read_only` promises that it only reads: on SQLite it then takes no write lock."""
    engine = _reading_engine(url) if read_only else engine_for(url)
    session = sessionmaker(engine, expire_on_commit=False)()
    with _writer_turn(url, engine, read_only):
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


@contextmanager
def _writer_turn(url: str, engine: Engine, read_only: bool) -> Iterator[None]:
    """On a SQLite file, writers queue here for the database's one write lock.

    SQLite's own wait (busy_timeout) polls with sleeps of up to 100 ms, so with several
    writers queued the lock sat free for much of the time; a lock of our own hands it
    over at once, to the threads of this process and to the other processes (the
    ingest's pool workers, another command) alike.
    """
    database = engine.url.database
    if read_only or engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    with file_lock(database + ".writer-lock").held():
        yield


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands datetimes back naive; everything stored is UTC."""
    if value is None or value.tzinfo:
        return value
    return value.replace(tzinfo=UTC)
