"""The project as a user installs it: a wheel built from a copy of the sources, installed in a
clean venv, runs `digest run --all-weeks` on the seeds from a folder outside the checkout."""

from __future__ import annotations

import email
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import venv
from email import policy
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEEDS, write_config

pytestmark = pytest.mark.slow  # builds a wheel and installs it in a new venv

SHIPPED = ("pyproject.toml", "README.md", "flows", "db", "templates")
SEED_WEEKS = ["2025-W43", "2025-W49", "2026-W06"]


def build_wheel(tmp_path: Path) -> Path:
    """A wheel built from a copy: setuptools' build/ folder would otherwise land in the checkout
    and carry stale modules into later wheels."""
    source = tmp_path / "source"
    source.mkdir()
    for name in SHIPPED:
        if (ROOT / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "screenshots")
            shutil.copytree(ROOT / name, source / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, source / name)
    dist = tmp_path / "dist"
    # No build isolation: the build backend is the project venv's setuptools, so no index is needed.
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "-w", str(dist), str(source)], cwd=tmp_path)  # fmt: skip
    [wheel] = dist.glob("newsletter_digest-*.whl")
    return wheel


def clean_venv(tmp_path: Path, wheel: Path) -> Path:
    """A venv holding only the wheel; the dependencies are reached through a .pth line to the
    project venv's site-packages (fast, offline), whose editable-install hook a .pth line
    does not run, so the checkout's flows/ stays out of reach."""
    home = tmp_path / "venv"
    venv.create(home, with_pip=False)
    python = home / "bin" / "python"
    purelib = run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                  cwd=tmp_path).stdout.strip()  # fmt: skip
    Path(purelib, "project_dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--no-index", str(wheel)], cwd=tmp_path)  # fmt: skip
    return home


def run(
    args: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    done = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=240, check=False
    )
    assert done.returncode == 0, f"{args}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture
def user_env(prefect_harness: None) -> dict[str, str]:
    """The user's environment: no DIGEST_* nor PYTHONPATH, the test's Prefect server."""
    from prefect.settings import PREFECT_API_URL

    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DIGEST_", "PYTHON", "VIRTUAL_ENV"))}  # fmt: skip
    env["PREFECT_API_URL"] = str(PREFECT_API_URL.value())
    env["COLUMNS"] = "200"
    return env


def test_a_wheel_in_a_clean_venv_writes_the_seed_digests(
    tmp_path: Path, user_env: dict[str, str]
) -> None:
    home = clean_venv(tmp_path, build_wheel(tmp_path))
    work = tmp_path / "work"
    work.mkdir()
    seeds = shutil.copytree(SEEDS, work / "seeds")
    config = write_config(work, f"sqlite:///{work / 'digest.db'}", seeds)

    where = run([str(home / "bin" / "python"), "-c",
                 "import flows, db.migrate, flows.render.digest as r; "
                 "print(flows.__file__, db.migrate.MIGRATIONS, r.TEMPLATES, flows.__version__)"],
                cwd=work, env=user_env).stdout.split()  # fmt: skip
    assert all(Path(p).is_relative_to(home) for p in where[:3]), where
    assert not any(Path(p).is_relative_to(ROOT) for p in where[:3]), where
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert where[3] == project["version"]  # read from the installed wheel's metadata

    done = run([str(home / "bin" / "digest"), "run", "--all-weeks", "--config", str(config)],
               cwd=work, env=user_env)  # fmt: skip
    for week in SEED_WEEKS:
        assert week in done.stdout, done.stdout

    emails = sorted((work / "outbox").glob("*.eml"))
    assert [p.name.split("_")[0] for p in emails] == SEED_WEEKS
    for path in emails:
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        html = message.get_body(("html",)).get_content()
        assert "<table" in html and path.name.split("_")[0] in message["Subject"]
