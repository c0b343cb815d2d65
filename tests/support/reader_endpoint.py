"""`digest serve-unsubscribe`, the real command, started as a subprocess on a loopback port
and stopped by its pid; and how many threads it runs."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.smtp_servers import free_port

DIGEST = Path(sys.executable).with_name("digest")


@dataclass(frozen=True)
class Endpoint:
    url: str
    pid: int

    def threads(self) -> int:
        status = Path(f"/proc/{self.pid}/status").read_text()
        return int(next(line for line in status.splitlines() if line.startswith("Threads:"))
                   .split()[1])  # fmt: skip


@contextmanager
def reader_endpoint(config: Path, port: int | None = None) -> Iterator[Endpoint]:
    port = port or free_port()
    command = [str(DIGEST), "serve-unsubscribe", "--port", str(port), "--config", str(config)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the endpoint exited: {process.stderr.read()!r}")  # type: ignore[union-attr]
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield Endpoint(f"http://127.0.0.1:{port}", process.pid)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
