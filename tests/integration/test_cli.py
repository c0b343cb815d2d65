"""The `digest` command as a user runs it: a real process, real output."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, write_config

DIGEST = [sys.executable, "-m", "flows.cli.main"]


@pytest.fixture
def api_env(prefect_harness: None) -> dict[str, str]:
    """Point the command at the test's Prefect server instead of starting its own."""
    from prefect.settings import PREFECT_API_URL

    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")}
    env["PREFECT_API_URL"] = str(PREFECT_API_URL.value())
    env["COLUMNS"] = "200"  # rich would wrap the tables at 80 columns
    return env


def digest(*args: str, env: dict[str, str], cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*DIGEST, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300,
        check=False,
    )  # fmt: skip


def test_run_preview_sources_and_deliveries(
    tmp_path: Path, seeds_copy: Path, api_env: dict[str, str]
) -> None:
    config = str(write_config(tmp_path, f"sqlite:///{tmp_path / 'd.db'}", seeds_copy))
    done = digest("run", "--all-weeks", "--config", config, env=api_env)
    assert done.returncode == 0, done.stderr[-3000:]
    for week in ("2025-W43", "2025-W49", "2026-W06"):
        assert week in done.stdout

    shown = digest("preview", "--week", "2025-W43", "--format", "json", "--config", config,
                   env=api_env)  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    identities = {s["identity"] for st in data["stories"] for d in st["documents"]
                  for s in d["sightings"]}  # fmt: skip
    assert identities == {
        "000_87c2033d37bbf742.txt", "002_5ad21c7eb4c845a8.txt", "003_10e8502773846869.txt"
    }  # fmt: skip

    out = tmp_path / "w43.txt"
    assert digest("preview", "--week", "2025-W43", "--format", "text", "--out", str(out),
                  "--config", config, env=api_env).returncode == 0  # fmt: skip
    assert "Kuala Lumpur" in out.read_text(encoding="utf-8")

    listed = digest("sources", "--format", "json", "--config", config, env=api_env)
    [source] = json.loads(listed.stdout)
    assert (source["name"], source["last_status"]) == ("seeds", "ok")

    ledger = digest("deliveries", "--week", "2025-W43", "--config", config, env=api_env)
    assert "reader@example.org" in ledger.stdout and "sent" in ledger.stdout


def test_a_wrong_setting_stops_with_the_key_named(tmp_path: Path) -> None:
    config = tmp_path / "digest.toml"
    config.write_text('[delivery]\ntransport = "pigeon"\n', encoding="utf-8")
    done = digest("sources", "--config", str(config), env=dict(os.environ))
    assert done.returncode == 2
    assert "delivery.transport" in done.stderr


def test_a_bad_week_is_refused(tmp_path: Path) -> None:
    done = digest("preview", "--week", "last", env=dict(os.environ), cwd=tmp_path)
    assert done.returncode == 2
    assert "ISO week" in done.stdout + done.stderr


def test_a_command_leaves_its_output_and_its_database_whole(
    tmp_path: Path, seeds_copy: Path, api_env: dict[str, str]
) -> None:
    """The command ends without tearing the interpreter down: its table is still printed
    whole, its code kept, and SQLite's write-ahead log folded into the database file."""
    database = tmp_path / "d.db"
    config = str(write_config(tmp_path, f"sqlite:///{database}", seeds_copy))
    done = digest("ingest", "--config", config, env=api_env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "seeds" in done.stdout and done.stdout.rstrip().endswith("┘")
    assert not (tmp_path / "d.db-wal").exists()
    copy = tmp_path / "copy.db"
    copy.write_bytes(database.read_bytes())  # the file alone, as a backup would take it
    with sqlite3.connect(copy) as db:
        assert db.execute("SELECT count(*) FROM documents").fetchone()[0] > 0
    missing = digest("ingest", "--source", "nosuch", "--config", config, env=api_env)
    assert missing.returncode == 2 and "no source named 'nosuch'" in missing.stderr
    assert "(known: seeds)" in missing.stderr
    feeds = [{"name": f"feed{i}", "kind": "feed", "url": f"http://127.0.0.1:9/{i}.xml"}
             for i in range(25)]  # fmt: skip
    many = str(write_config(tmp_path, f"sqlite:///{database}", seeds_copy, feeds))
    missing = digest("ingest", "--source", "nosuch", "--config", many, env=api_env)
    assert missing.returncode == 2 and "no source named 'nosuch'" in missing.stderr
    assert "26 sources: `digest sources` lists them" in missing.stderr, missing.stderr
