"""A real Prefect server, as the commands start it, on a free loopback port, with a home of its
own."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flows.orchestration.local_server import REGISTERED, blocks_key, server_command, template_path
from tests.support.smtp_servers import free_port


def prefect_env(home: Path, api_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "DIGEST_"))}
    env |= {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_LOGGING_EXTRA_LOGGERS": "flows,db",
        "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    }
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


def from_template(database: Path) -> dict[str, str]:
    """A new server database copied from the template `make install` made (migrated, its
    blocks registered), as a new home's local server has, when there is one; the server's
    environment that then skips registering the blocks again."""
    template = template_path(blocks_key())
    if not template.is_file() or database.exists():
        return {}
    shutil.copyfile(template, database)
    return REGISTERED


@contextmanager
def prefect_server(home: Path) -> Iterator[str]:
    """Yields the API URL; the server is stopped by process id afterwards. Its database is
    a copy of the template `make install` made (migrated, blocks registered), as a new
    home's local server has, when there is one."""
    port = free_port()
    env = prefect_env(home) | {
        "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home}/prefect.db",
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2",
        "PREFECT_UI_ENABLED": "false",
    }
    env |= from_template(home / "prefect.db")
    log = (home / "server.log").open("w")
    process = subprocess.Popen(server_command(port), env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(
                    f"prefect server exited: {(home / 'server.log').read_text()[-2000:]}"
                )
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            raise RuntimeError("prefect server did not answer within 120 s")
        yield url
    finally:
        stop(process)
        log.close()


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)
