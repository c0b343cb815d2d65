"""The local Prefect server the `digest` commands share: started once (its database copied
from a template Prefect migrated), reused, replaced when its record is stale or of another
Prefect version, and found by the commands (one test: each server start costs 10 s or more)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from flows.orchestration import local_server
from flows.orchestration.local_server import (
    BLOCKS_FILE,
    STATE_FILE,
    ServerState,
    blocks_key,
    configured_api_url,
    healthy,
    local_api_url,
    make_template,
    read_state,
)
from tests.conftest import SEEDS, write_config

pytestmark = pytest.mark.slow  # starts real Prefect servers (10-40 s each here)


def _stop(home: Path) -> None:
    state = read_state(home)
    if state is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(state.pid, signal.SIGTERM)


def _write_state(home: Path, state: ServerState) -> None:
    (home / STATE_FILE).write_text(json.dumps(state.__dict__), encoding="utf-8")


def test_started_once_reused_replaced_when_stale_and_found_by_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "prefect-home"
    home.mkdir()
    monkeypatch.setattr(local_server, "TEMPLATES", tmp_path / "templates")
    template = make_template()
    # A record left by a server long gone (after a reboot): its pid now another program's,
    # which must not be killed for not being a Prefect server.
    other = subprocess.Popen(["sleep", "300"])
    _write_state(home, ServerState(other.pid, "http://127.0.0.1:9/api", version("prefect")))
    said: list[str] = []
    try:
        warmed: list[str] = []
        url = local_api_url(home, say=said.append, meanwhile=warmed.append)
        assert other.poll() is None and warmed == [url]  # told the address while it started
        # Started from the template, which Prefect had migrated to the revision it wants,
        # its block types registered: the server had none to register.
        assert _revision(home / "prefect.db") == _revision(template) is not None
        assert _block_types(home / "prefect.db") == _block_types(template) != []
        assert (home / BLOCKS_FILE).read_text(encoding="utf-8") == blocks_key()
        first = read_state(home)
        assert first is not None and first.url == url and healthy(url)
        assert "started a local Prefect server" in said[0] and str(first.pid) in said[0]
        assert local_api_url(home, say=said.append) == url and len(said) == 1  # reused
        # Recorded as another Prefect version: stopped and replaced.
        _write_state(home, ServerState(first.pid, first.url, "0.0.0"))
        again = local_api_url(home, say=said.append)
        second = read_state(home)
        assert second is not None and second.pid != first.pid and again == second.url
        assert not healthy(first.url, timeout=1)
        _a_command_finds_it(tmp_path, home, second.url)
    finally:
        _stop(home)
        other.kill()
        other.wait()


def _block_types(database: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(database)) as db:
        return sorted(slug for (slug,) in db.execute("SELECT slug FROM block_type"))


def _revision(database: Path) -> str | None:
    with contextlib.closing(sqlite3.connect(database)) as db:
        rows = db.execute("SELECT version_num FROM alembic_version").fetchall()
    return rows[0][0] if len(rows) == 1 else None


def _a_command_finds_it(tmp_path: Path, home: Path, url: str) -> None:
    """`digest ingest` as a user types it, no PREFECT_API_URL: it starts no server of its
    own, and its flow run is on the local one."""
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'digest.db'}", SEEDS)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "DIGEST_"))}
    env |= {"PREFECT_HOME": str(home), "COLUMNS": "200"}
    digest = [sys.executable, "-m", "flows.cli", "ingest", "--config", str(config)]
    done = subprocess.run(digest, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "started a local Prefect server" not in done.stderr
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: url}), get_client(sync_client=True) as client:
        runs = client.read_flow_runs()
    assert [r.name for r in runs] == ["ingest-all-sources"]


def test_a_chosen_api_is_left_alone(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    assert configured_api_url({"PREFECT_HOME": str(home)}) is None
    assert configured_api_url({"PREFECT_API_URL": "http://x/api"}) == "http://x/api"
    (home / "profiles.toml").write_text(
        'active = "mine"\n[profiles.mine]\nPREFECT_API_URL = "http://y/api"\n', encoding="utf-8"
    )
    assert configured_api_url({"PREFECT_HOME": str(home)}) == "http://y/api"


def test_a_home_is_seeded_only_when_new_and_prefect_keeps_its_database_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local_server, "TEMPLATES", tmp_path / "templates")
    blocks = blocks_key()
    assert blocks.startswith(f"prefect=={version('prefect')} prefect-dask==")
    template = local_server.template_path(blocks)
    assert template != local_server.template_path(blocks + " prefect-aws==1.0")
    home = tmp_path / "home"
    home.mkdir()
    # No template yet: Prefect migrates its own, and registers the blocks itself.
    assert not local_server._seed_database(home, {}, blocks)
    assert not (home / "prefect.db").exists()
    template.parent.mkdir()
    template.write_bytes(b"template")
    chosen = {"PREFECT_API_DATABASE_CONNECTION_URL": "x"}
    assert not local_server._seed_database(home, chosen, blocks)
    assert not (home / "prefect.db").exists()  # a database of the user's choosing
    assert local_server._seed_database(home, {}, blocks)
    assert (home / "prefect.db").read_bytes() == b"template"
    (home / "prefect.db").write_bytes(b"runs")
    assert local_server._seed_database(home, {}, blocks)  # its blocks still those registered
    assert not local_server._seed_database(home, {}, blocks + " prefect-aws==1.0")
    assert (home / "prefect.db").read_bytes() == b"runs"  # never over a home's own
    assert sorted(p.name for p in home.iterdir()) == [BLOCKS_FILE, "prefect.db"]  # no partial
