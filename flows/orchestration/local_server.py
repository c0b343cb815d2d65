"""A local Prefect server that outlives one command: the first `digest` command that runs a
flow with no Prefect API configured starts it in the background, and later ones reuse it."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from hashlib import sha256
from importlib.metadata import entry_points, version
from pathlib import Path

from db.file_lock import file_lock

STATE_FILE = "digest-server.json"  # in PREFECT_HOME, beside the database the server keeps
LOG_FILE = "digest-server.log"
# The block types registered in the home's database, for what is installed (blocks_key): a
# server started on it skips the registration, and the imports of Prefect's collections.
BLOCKS_FILE = "digest-blocks.txt"
# The environment of a server whose database holds the block types already. Both: the memo
# would import every Prefect collection (Dask), to compute its key, before it checks it.
REGISTERED = {
    "PREFECT_SERVER_REGISTER_BLOCKS_ON_START": "false",
    "PREFECT_SERVER_MEMOIZE_BLOCK_AUTO_REGISTRATION": "false",
}
START_TIMEOUT = 300.0  # seconds: a start took 6 s on the quiet 2-core machine, 100 s loaded
# Prefect's own migrations of an empty database and its block types, done once by `make
# install` for what is installed: a new Prefect home starts from a copy, where migrating SQLite
# and registering the blocks take seconds.
TEMPLATES = Path(sys.prefix) / "share" / "newsletter-digest"


class LocalServerError(RuntimeError):
    """The local Prefect server could not be started; the message says why and where to look."""


@dataclass(frozen=True)
class ServerState:
    pid: int
    url: str  # the API's address, http://127.0.0.1:PORT/api
    version: str  # of Prefect, which the server's database schema follows


def prefect_home(environ: Mapping[str, str] = os.environ) -> Path:
    """PREFECT_HOME as Prefect reads it, without importing Prefect."""
    return Path(environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()


def configured_api_url(environ: Mapping[str, str]) -> str | None:
    """The Prefect API the user chose, in the environment or the active Prefect profile."""
    if environ.get("PREFECT_API_URL"):
        return environ["PREFECT_API_URL"]
    return _profile(environ).get("PREFECT_API_URL")


def _profile(environ: Mapping[str, str]) -> dict[str, str]:
    """The settings of the active Prefect profile, none when there is no profiles file."""
    home = prefect_home(environ)
    path = Path(environ.get("PREFECT_PROFILES_PATH") or home / "profiles.toml").expanduser()
    try:
        profiles = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    name = environ.get("PREFECT_PROFILE") or profiles.get("active") or "ephemeral"
    profile = profiles.get("profiles", {}).get(name, {})
    return profile if isinstance(profile, dict) else {}


def read_state(home: Path) -> ServerState | None:
    try:
        raw = json.loads((home / STATE_FILE).read_text(encoding="utf-8"))
        return ServerState(int(raw["pid"]), str(raw["url"]), str(raw["version"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # none yet, or written by something else: a new server replaces it


def local_api_url(
    home: Path | None = None,
    say: Callable[[str], None] = print,
    meanwhile: Callable[[str], None] = lambda url: None,
) -> str:
    """The API address of the local server of `home` (PREFECT_HOME), started if none of
    this Prefect version answers there; one command starts it while the others wait.
    While it starts, `meanwhile(url)` does the command's own work (its imports), and again
    with the new address should the server have to start on another port."""
    home = home or prefect_home()
    home.mkdir(parents=True, exist_ok=True)
    wanted = version("prefect")
    with file_lock(str(home / "digest-server.lock")).held():
        state = read_state(home)
        if state is not None and state.version == wanted and _answers(state):
            return state.url
        if state is not None:
            stop_server(state)  # another version, or not answering: its pid may be stale
        state = _start(home, wanted, meanwhile)
        (home / STATE_FILE).write_text(json.dumps(asdict(state)), encoding="utf-8")
    say(f"started a local Prefect server for this and later runs: {state.url[:-4]} "
        f"(pid {state.pid}, log {home / LOG_FILE}; stop it with kill {state.pid})")  # fmt: skip
    return state.url


def healthy(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=timeout) as reply:
            return reply.status == 200
    except OSError:
        return False


def _answers(state: ServerState) -> bool:
    """Whether the recorded server answers; a busy one (its process still a Prefect
    server) is given 30 s rather than replaced, with the commands that use it."""
    return healthy(state.url) or (_is_prefect_server(state.pid) and healthy(state.url, 30))


def stop_server(state: ServerState) -> None:
    """Stop the recorded server if its process is still a Prefect server: after a reboot
    the recorded pid may be another program's."""
    if not _is_prefect_server(state.pid):
        return
    try:
        os.kill(state.pid, 15)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and _is_prefect_server(state.pid):
        time.sleep(0.1)


def _is_prefect_server(pid: int) -> bool:
    try:
        command = subprocess.run(
            ["ps", "-o", "command=", "-p", str(pid)], capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return "prefect" in command and "server" in command


def _start(home: Path, wanted: str, meanwhile: Callable[[str], None]) -> ServerState:
    """A Prefect server (`prefect_server`) in a session of its own (a command's Ctrl-C does
    not reach it) on a free loopback port; a port taken between the choice and the bind is
    chosen again."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env |= {"PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    blocks = blocks_key()
    registered = _seed_database(home, env, blocks)
    if registered:
        env = REGISTERED | env  # a setting of the user's own still wins
    for _attempt in range(3):
        port = _free_port()
        with (home / LOG_FILE).open("a", encoding="utf-8") as log:
            process = subprocess.Popen(
                server_command(port), env=env, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        url = f"http://127.0.0.1:{port}/api"
        try:
            meanwhile(url)
            if _came_up(process, url):
                if not registered and not _own_database(env):
                    (home / BLOCKS_FILE).write_text(blocks, encoding="utf-8")  # it registered them
                return ServerState(process.pid, url, wanted)
        except BaseException:  # Ctrl-C, or the command's own work failed: no server unrecorded
            process.kill()
            raise
        if process.poll() is None:
            process.kill()
            break
    raise LocalServerError(
        f"the local Prefect server did not start within {START_TIMEOUT:.0f} s; see "
        f"{home / LOG_FILE}, or set PREFECT_API_URL to a Prefect server of your own"
    )


def server_command(port: int) -> list[str]:
    return [sys.executable, "-m", "flows.orchestration.prefect_server", "--port", str(port)]


def _came_up(process: subprocess.Popen, url: str) -> bool:
    """Whether the server answers before it exits or the time is up."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        if healthy(url, timeout=1):
            return True
        time.sleep(0.05)
    return False


def blocks_key() -> str:
    """What decides the block types a server registers: the versions of Prefect and of the
    Prefect collections installed beside it."""
    collections = {
        f"{point.dist.name}=={point.dist.version}"
        for point in entry_points(group="prefect.collections")
        if point.dist is not None
    }
    return " ".join([f"prefect=={version('prefect')}", *sorted(collections)])


def template_path(blocks: str) -> Path:
    return TEMPLATES / f"prefect-{sha256(blocks.encode()).hexdigest()[:16]}.db"


def _own_database(env: Mapping[str, str]) -> bool:
    """Whether the user chose the server's database, rather than Prefect's in PREFECT_HOME."""
    chosen = {*env, *_profile(env)}
    return any(k.startswith(("PREFECT_SERVER_DATABASE_", "PREFECT_API_DATABASE_")) for k in chosen)


def _seed_database(home: Path, env: Mapping[str, str], blocks: str) -> bool:
    """A new home's database (Prefect's default, when no other is chosen) copied from the
    template made for what is installed, when there is one; else the server migrates its own.
    Whether the home's database holds the block types registered for `blocks`."""
    if _own_database(env):
        return False
    target, template = home / "prefect.db", template_path(blocks)
    marker = home / BLOCKS_FILE
    if target.exists():
        return marker.is_file() and marker.read_text(encoding="utf-8") == blocks
    if not template.is_file():
        return False
    partial = target.with_name(f".{target.name}.{os.getpid()}")
    shutil.copyfile(template, partial)
    partial.replace(target)  # whole or not at all, for a server started after a crash here
    marker.write_text(blocks, encoding="utf-8")
    return True


def make_template() -> Path:
    """A new Prefect home's database as Prefect's own server leaves it after its first start
    (migrated, block types registered), kept as the template that new homes start from
    (`make install`). That start also writes the bytecode of every module the server imports,
    which a server started where PYTHONDONTWRITEBYTECODE is set would compile each time."""
    blocks = blocks_key()
    TEMPLATES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        env |= {"PREFECT_HOME": scratch, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
        port = _free_port()
        process = subprocess.Popen(
            server_command(port), env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL
        )
        try:
            if not _came_up(process, f"http://127.0.0.1:{port}/api"):
                raise LocalServerError("Prefect's server did not start to make the template")
        finally:
            process.terminate()
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        template = template_path(blocks)
        partial = template.with_name(f".{template.name}.{os.getpid()}")
        # Through SQLite rather than a file copy: whatever is still in its write-ahead log.
        source, copy = sqlite3.connect(Path(scratch) / "prefect.db"), sqlite3.connect(partial)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        partial.replace(template)
    return template


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


if __name__ == "__main__":
    print(f"Prefect database template: {make_template()}")
