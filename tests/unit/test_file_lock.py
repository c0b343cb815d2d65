"""The one file lock (db/file_lock.py): exclusive across processes and threads, re-entrant
in the thread that holds it, released by the system when its holder dies."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from db.file_lock import file_lock

# Exit 0 when the lock on argv[1] could be taken at once, 1 when someone else holds it.
TRY_LOCK = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
except BlockingIOError:
    sys.exit(1)
"""


def other_process_gets(path: Path) -> bool:
    return subprocess.run([sys.executable, "-c", TRY_LOCK, str(path)]).returncode == 0


def test_another_process_waits_while_it_is_held_even_taken_twice(tmp_path: Path) -> None:
    path = tmp_path / "db.writer-lock"
    lock = file_lock(str(path))
    assert file_lock(str(path)) is lock
    with lock.held():
        with lock.held():  # a write inside a write
            assert not other_process_gets(path)
        assert not other_process_gets(path)
    assert other_process_gets(path)


def test_another_thread_waits_for_it(tmp_path: Path) -> None:
    lock, order = file_lock(str(tmp_path / "week.lock")), []
    entered = threading.Event()

    def other() -> None:
        entered.set()
        with lock.held():
            order.append("other")

    with lock.held():
        thread = threading.Thread(target=other)
        thread.start()
        entered.wait()
        thread.join(timeout=0.3)
        assert thread.is_alive()  # still waiting
        order.append("first")
    thread.join(timeout=5)
    assert order == ["first", "other"]


def test_a_holder_that_dies_leaves_it_free(tmp_path: Path) -> None:
    path = tmp_path / "crash.lock"
    hold_and_die = (
        "import os, sys\nfrom db.file_lock import file_lock\n"
        f"file_lock({str(path)!r}).held().__enter__()\nos._exit(3)\n"
    )
    died = subprocess.run([sys.executable, "-c", hold_and_die], cwd=Path(__file__).parents[2])
    assert died.returncode == 3
    assert other_process_gets(path)
