"""The one file lock: held by one thread of one process at a time, whatever the process
(flock on a file beside the database), and taken again freely by the thread holding it."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from threading import Lock, RLock

_locks: dict[str, FileLock] = {}
_made = Lock()


class FileLock:
    """An exclusive lock on `path` (created when missing); the system releases it when the
    process dies, so a crash never leaves it held."""

    def __init__(self, path: str) -> None:
        self.path, self.thread_lock, self.depth, self.fd = path, RLock(), 0, -1

    @contextmanager
    def held(self) -> Iterator[None]:
        """Block until this thread holds the lock; a thread already holding it goes on."""
        with self.thread_lock:
            if self.depth == 0:
                self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                fcntl.flock(self.fd, fcntl.LOCK_EX)
            self.depth += 1
            try:
                yield
            finally:
                self.depth -= 1
                if self.depth == 0:
                    os.close(self.fd)  # and with it the lock


def file_lock(path: str) -> FileLock:
    """The process's lock on `path`: one object per path, so that a thread holding it may
    take it again."""
    with _made:
        return _locks.setdefault(path, FileLock(path))
